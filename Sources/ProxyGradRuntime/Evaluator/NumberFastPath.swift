/// Number-only operators, specialised per operator so the fast path has no indirect calls.
protocol NumberOperator {
  static func apply(_ x: Double, _ y: Double) -> Value
}

extension NumberOperator {
  /// The code of `lhs op rhs`: numbers take the fast path, anything else `slow`. Operands with
  /// a reader (constants and variables) are read in place; others are evaluated once, left first.
  static func code(
    _ lhs: @escaping Code, _ rhs: @escaping Code, _ l: ((Frame) -> Double?)?,
    _ r: ((Frame) -> Double?)?, _ slow: @escaping Operators.BinaryCode
  ) -> Code {
    switch (l, r) {
    case (let l?, let r?):
      return { f throws(Unwind) in
        if let x = l(f), let y = r(f) { return apply(x, y) }
        return try slow(try lhs(f), try rhs(f))
      }
    case (let l?, nil):
      return { f throws(Unwind) in
        if let x = l(f) {
          let b = try rhs(f)
          if case .number(let y) = b { return apply(x, y) }
          return try slow(.number(x), b)
        }
        return try slow(try lhs(f), try rhs(f))
      }
    case (nil, let r?):
      return { f throws(Unwind) in
        let a = try lhs(f)
        if case .number(let x) = a, let y = r(f) { return apply(x, y) }
        return try slow(a, try rhs(f))
      }
    case (nil, nil):
      return { f throws(Unwind) in
        let a = try lhs(f)
        let b = try rhs(f)
        if case .number(let x) = a, case .number(let y) = b { return apply(x, y) }
        return try slow(a, b)
      }
    }
  }
}

enum NumberAdd: NumberOperator { static func apply(_ x: Double, _ y: Double) -> Value { .number(x + y) } }
enum NumberSubtract: NumberOperator { static func apply(_ x: Double, _ y: Double) -> Value { .number(x - y) } }
enum NumberMultiply: NumberOperator { static func apply(_ x: Double, _ y: Double) -> Value { .number(x * y) } }
enum NumberLess: NumberOperator { static func apply(_ x: Double, _ y: Double) -> Value { .bool(x < y) } }
enum NumberLessEqual: NumberOperator { static func apply(_ x: Double, _ y: Double) -> Value { .bool(x <= y) } }
enum NumberGreater: NumberOperator { static func apply(_ x: Double, _ y: Double) -> Value { .bool(x > y) } }
enum NumberGreaterEqual: NumberOperator { static func apply(_ x: Double, _ y: Double) -> Value { .bool(x >= y) } }
