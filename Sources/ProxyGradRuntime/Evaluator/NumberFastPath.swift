// The number fast path: arithmetic and comparisons on numbers computed as plain Doubles and
// Bools, without building a `Value` for every intermediate result.
//
// It applies only to *side-effect-free* expressions: number literals, variable reads, `-x`, and
// `+ - * / %` and comparisons of such expressions. Their "number code" returns nil as soon as an
// operand is not a number (a tensor, a string, an unset variable) or an operation would fail
// (division by zero); the caller then evaluates the whole expression again the general way. As
// the expression has no effects, the second evaluation is unobservable, and the general path
// gives the usual result or raises the usual error at the usual span.

/// A side-effect-free expression computed as a Double; nil means "take the general path".
typealias NumberCode = (Frame) -> Double?

/// A side-effect-free condition computed as a Bool; nil means "take the general path".
typealias ConditionCode = (Frame) -> Bool?

/// A statement run for its effect only (its value, if any, is dropped).
typealias Effect = (Frame) throws(Unwind) -> Void

/// Where a number operand comes from. Constants and variables are read inline by the operator
/// that uses them, so `s + i * 0.5` costs two closure calls (the `+` and the `*`), not five.
enum NumberOperand {
  case constant(Double)
  /// A global slot, at a fixed address.
  case global(UnsafeMutablePointer<Value>)
  /// A slot of the current frame.
  case local(Int)
  case computed(NumberCode)

  /// The operand as a closure of its own (for callers that take one operand).
  var code: NumberCode {
    switch self {
    case .constant(let x): return { _ in x }
    case .global(let cell): return { _ in GlobalSource(cell: cell).read() }
    case .local(let slot): return { f in LocalSource(slot: slot).read(f) }
    case .computed(let code): return code
    }
  }
}

// MARK: - Operand sources

/// One kind of operand, read without copying a `Value`. The fused operator closures are generic
/// over their two sources, so each (left kind, right kind, operator) gets its own specialised
/// closure with the reads inlined.
protocol NumberSource {
  func read(_ f: Frame) -> Double?
}

struct ConstantSource: NumberSource {
  let x: Double
  @inline(__always) func read(_ f: Frame) -> Double? { x }
}

struct GlobalSource: NumberSource {
  let cell: UnsafeMutablePointer<Value>
  @inline(__always) func read() -> Double? {
    if case .number(let x) = cell.pointee { return x }
    return nil
  }
  @inline(__always) func read(_ f: Frame) -> Double? { read() }
}

struct LocalSource: NumberSource {
  let slot: Int
  @inline(__always) func read(_ f: Frame) -> Double? {
    if case .number(let x) = f.slots[slot] { return x }
    return nil
  }
}

struct ComputedSource: NumberSource {
  let code: NumberCode
  @inline(__always) func read(_ f: Frame) -> Double? { code(f) }
}

// MARK: - Operations

/// A binary operation on two numbers. `apply` returns nil where the general operator raises an
/// error (division by zero), so the general path reports it.
protocol NumberOperation {
  associatedtype Result
  static func apply(_ x: Double, _ y: Double) -> Result?
  static func value(_ result: Result) -> Value
}

/// An operation giving a number.
protocol NumberArithmetic: NumberOperation where Result == Double {}
extension NumberArithmetic {
  @inline(__always) static func value(_ result: Double) -> Value { .number(result) }
}

/// An operation giving a bool.
protocol NumberComparison: NumberOperation where Result == Bool {}
extension NumberComparison {
  @inline(__always) static func value(_ result: Bool) -> Value { .bool(result) }
}

enum NumberAdd: NumberArithmetic {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double? { x + y }
}
enum NumberSubtract: NumberArithmetic {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double? { x - y }
}
enum NumberMultiply: NumberArithmetic {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double? { x * y }
}
enum NumberDivide: NumberArithmetic {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double? { y == 0 ? nil : x / y }
}
enum NumberRemainder: NumberArithmetic {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double? {
    y == 0 ? nil : Operators.remainder(x, y)
  }
}
enum NumberLess: NumberComparison {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Bool? { x < y }
}
enum NumberLessEqual: NumberComparison {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Bool? { x <= y }
}
enum NumberGreater: NumberComparison {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Bool? { x > y }
}
enum NumberGreaterEqual: NumberComparison {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Bool? { x >= y }
}
enum NumberEqual: NumberComparison {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Bool? { x == y }
}
enum NumberNotEqual: NumberComparison {
  @inline(__always) static func apply(_ x: Double, _ y: Double) -> Bool? { x != y }
}

// MARK: - Fusing

// `fused` is written out once for numbers and once for bools, rather than once over the
// generic `Result`: a closure built in a generic context returns `Result?` indirectly, and
// storing it as a `NumberCode` wraps it in a reabstraction thunk (an extra call and
// retain/release per use).

extension NumberArithmetic {
  /// `l op r` on two number operands, with both reads inlined into one closure.
  static func fused(_ l: NumberOperand, _ r: NumberOperand) -> NumberCode {
    switch l {
    case .constant(let x): return fused(ConstantSource(x: x), r)
    case .global(let cell): return fused(GlobalSource(cell: cell), r)
    case .local(let slot): return fused(LocalSource(slot: slot), r)
    case .computed(let code): return fused(ComputedSource(code: code), r)
    }
  }

  static func fused<L: NumberSource>(_ l: L, _ r: NumberOperand) -> NumberCode {
    switch r {
    case .constant(let y): return fused(l, ConstantSource(x: y))
    case .global(let cell): return fused(l, GlobalSource(cell: cell))
    case .local(let slot): return fused(l, LocalSource(slot: slot))
    case .computed(let code): return fused(l, ComputedSource(code: code))
    }
  }

  static func fused<L: NumberSource, R: NumberSource>(_ l: L, _ r: R) -> NumberCode {
    { f in
      guard let x = l.read(f), let y = r.read(f) else { return nil }
      return apply(x, y)
    }
  }
}

extension NumberComparison {
  /// `l op r` on two number operands, with both reads inlined into one closure.
  static func fused(_ l: NumberOperand, _ r: NumberOperand) -> ConditionCode {
    switch l {
    case .constant(let x): return fused(ConstantSource(x: x), r)
    case .global(let cell): return fused(GlobalSource(cell: cell), r)
    case .local(let slot): return fused(LocalSource(slot: slot), r)
    case .computed(let code): return fused(ComputedSource(code: code), r)
    }
  }

  static func fused<L: NumberSource>(_ l: L, _ r: NumberOperand) -> ConditionCode {
    switch r {
    case .constant(let y): return fused(l, ConstantSource(x: y))
    case .global(let cell): return fused(l, GlobalSource(cell: cell))
    case .local(let slot): return fused(l, LocalSource(slot: slot))
    case .computed(let code): return fused(l, ComputedSource(code: code))
    }
  }

  static func fused<L: NumberSource, R: NumberSource>(_ l: L, _ r: R) -> ConditionCode {
    { f in
      guard let x = l.read(f), let y = r.read(f) else { return nil }
      return apply(x, y)
    }
  }
}

extension NumberOperation {
  /// The general code of `lhs op r` when only one operand (or none) is side-effect-free: that
  /// one is read in place, the other evaluated once, left first; numbers take the fast path and
  /// anything else `slow`.
  static func code(
    _ lhs: @escaping Code, _ rhs: @escaping Code, _ l: NumberCode?, _ r: NumberCode?,
    _ slow: @escaping Operators.BinaryCode
  ) -> Code {
    switch (l, r) {
    case (let l?, let r?):
      // `Compiler.binary` fuses two side-effect-free operands itself and does not come here;
      // the case keeps the function total.
      return { f throws(Unwind) in
        if let x = l(f), let y = r(f), let result = apply(x, y) { return value(result) }
        return try slow(try lhs(f), try rhs(f))
      }
    case (let l?, nil):
      return { f throws(Unwind) in
        if let x = l(f) {
          let b = try rhs(f)
          if case .number(let y) = b, let result = apply(x, y) { return value(result) }
          return try slow(.number(x), b)
        }
        return try slow(try lhs(f), try rhs(f))
      }
    case (nil, let r?):
      return { f throws(Unwind) in
        let a = try lhs(f)
        if case .number(let x) = a, let y = r(f), let result = apply(x, y) { return value(result) }
        return try slow(a, try rhs(f))
      }
    case (nil, nil):
      return { f throws(Unwind) in
        let a = try lhs(f)
        let b = try rhs(f)
        if case .number(let x) = a, case .number(let y) = b, let result = apply(x, y) {
          return value(result)
        }
        return try slow(a, b)
      }
    }
  }
}

// MARK: - Slots

enum NumberSlot {
  /// Writes a number into a slot. When the old value holds no reference (a number, a bool, nil
  /// or unset) there is nothing to release, so the slot is overwritten in place; that skips the
  /// generic destroy of the old `Value`, which is most of the cost of `i = i + 1`.
  @inline(__always)
  static func set(_ cell: UnsafeMutablePointer<Value>, _ x: Double) {
    switch cell.pointee {
    case .number, .bool, .none, .unset:
      cell.initialize(to: .number(x))
    default:
      cell.pointee = .number(x)
    }
  }
}
