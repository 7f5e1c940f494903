import Foundation
import ProxyGradNN
import ProxyGradSyntax

/// Operator semantics on values: numbers, strings, lists, tensors (with broadcasting) and
/// objective algebra. Errors point at the operator.
enum Operators {
  typealias BinaryCode = (Value, Value) throws(Unwind) -> Value

  static func binary(_ op: BinaryOperator, span: SourceSpan) -> BinaryCode {
    { a, b throws(Unwind) in
      do throws(RuntimeError) { return try apply(op, a, b, span: span) } catch { throw .error(error) }
    }
  }

  static func unary(_ op: UnaryOperator, span: SourceSpan) -> (Value) throws(Unwind) -> Value {
    { value throws(Unwind) in
      switch (op, value) {
      case (.not, _): return .bool(!(try value.holds(at: span)))
      case (.negate, .number(let x)): return .number(-x)
      case (.negate, .tensor(let t)): return .tensor(-t)
      case (.negate, .objective(let o)): return .objective(ObjectiveValue(objective: .scaled(o.objective, -1), network: o.network))
      default:
        throw .error(RuntimeError(.type, "cannot negate \(value.typeDescription); expected a number, a tensor or an objective", at: span))
      }
    }
  }

  static func apply(_ op: BinaryOperator, _ a: Value, _ b: Value, span: SourceSpan) throws(RuntimeError) -> Value {
    switch op {
    case .equal: return .bool(equal(a, b))
    case .notEqual: return .bool(!equal(a, b))
    case .less, .lessEqual, .greater, .greaterEqual: return try compare(op, a, b, span: span)
    case .and: return try a.truth(at: span) ? b : a
    case .or: return try a.truth(at: span) ? a : b
    case .power: return try power(a, b, span: span)
    default: break
    }
    switch (a, b) {
    case (.number(let x), .number(let y)):
      return .number(try arithmetic(op, x, y, span: span))
    case (.tensor(let x), .tensor(let y)):
      return .tensor(try tensors(op, x, y, span: span))
    case (.tensor(let x), .number(let y)) where op != .matmul && op != .remainder:
      return .tensor(scalarRight(op, x, Float(y)))
    case (.number(let x), .tensor(let y)) where op != .matmul && op != .remainder:
      return .tensor(scalarLeft(op, Float(x), y))
    case (.string(let x), .string(let y)) where op == .add:
      return .string(x + y)
    case (.list(let x), .list(let y)) where op == .add:
      return .list(ListBox(x.items + y.items))
    case (.objective, _), (_, .objective):
      return try objectives(op, a, b, span: span)
    default:
      throw RuntimeError(
        .type, "cannot apply '\(op.rawValue)' to \(a.typeDescription) and \(b.typeDescription)", at: span)
    }
  }

  static func arithmetic(_ op: BinaryOperator, _ x: Double, _ y: Double, span: SourceSpan) throws(RuntimeError) -> Double {
    switch op {
    case .add: return x + y
    case .subtract: return x - y
    case .multiply: return x * y
    case .divide:
      guard y != 0 else { throw RuntimeError(.value, "division by zero", at: span) }
      return x / y
    case .remainder:
      guard y != 0 else { throw RuntimeError(.value, "remainder by zero", at: span) }
      return remainder(x, y)
    default:
      throw RuntimeError(.type, "'\(op.rawValue)' needs tensors, got two numbers", at: span)
    }
  }

  /// `x % y` for a nonzero `y`: the sign follows the divisor, as in Python.
  @inline(__always)
  static func remainder(_ x: Double, _ y: Double) -> Double {
    let r = x.truncatingRemainder(dividingBy: y)
    return r != 0 && (r < 0) != (y < 0) ? r + y : r
  }

  static func compare(_ op: BinaryOperator, _ a: Value, _ b: Value, span: SourceSpan) throws(RuntimeError) -> Value {
    let result: Bool
    switch (a, b) {
    case (.number(let x), .number(let y)):
      switch op {
      case .less: result = x < y
      case .lessEqual: result = x <= y
      case .greater: result = x > y
      default: result = x >= y
      }
    case (.string(let x), .string(let y)):
      switch op {
      case .less: result = x < y
      case .lessEqual: result = x <= y
      case .greater: result = x > y
      default: result = x >= y
      }
    case (.tensor, .tensor), (.tensor, .number), (.number, .tensor):
      // One element on each side reads as two numbers; otherwise elementwise.
      if let x = a.singleNumber, let y = b.singleNumber {
        return try compare(op, .number(x), .number(y), span: span)
      }
      return .tensor(try elementwiseComparison(op, a, b, span: span))
    default:
      throw RuntimeError(
        .type, "cannot compare \(a.typeDescription) with \(b.typeDescription) using '\(op.rawValue)'; expected two numbers, two strings, or tensors and numbers",
        at: span)
    }
    return .bool(result)
  }

  /// `<`, `<=`, `>`, `>=` with a tensor: elementwise with broadcasting, 1 where true and 0 where
  /// false (so `mean(r.value > 2.99)` is a fraction). Not differentiable.
  static func elementwiseComparison(_ op: BinaryOperator, _ a: Value, _ b: Value, span: SourceSpan) throws(RuntimeError) -> Tensor {
    func tensor(_ v: Value) -> Tensor {
      if case .tensor(let t) = v { return t }
      if case .number(let x) = v { return Tensor(scalar: Float(x)) }
      return Tensor(scalar: 0)
    }
    let x = tensor(a), y = tensor(b)
    guard let shape = Shape.broadcast(x.shape, y.shape) else {
      throw RuntimeError(
        .shape, "cannot compare tensors of shapes \(Format.shape(x.shape)) and \(Format.shape(y.shape)) with '\(op.rawValue)'; the shapes do not broadcast",
        at: span)
    }
    let difference = Autograd.withoutRecording { (x - y).values }
    let values = difference.map { d -> Float in
      switch op {
      case .less: return d < 0 ? 1 : 0
      case .lessEqual: return d <= 0 ? 1 : 0
      case .greater: return d > 0 ? 1 : 0
      default: return d >= 0 ? 1 : 0
      }
    }
    return Tensor(shape: shape, values: values)
  }

  /// Structural equality; lists and records that contain themselves compare unequal past a
  /// depth of 64 instead of recursing forever.
  static func equal(_ a: Value, _ b: Value, depth: Int = 0) -> Bool {
    guard depth < 64 else { return false }
    switch (a, b) {
    case (.number(let x), .number(let y)): return x == y
    case (.bool(let x), .bool(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.none, .none): return true
    case (.list(let x), .list(let y)):
      return x === y || (x.items.count == y.items.count && zip(x.items, y.items).allSatisfy { equal($0, $1, depth: depth + 1) })
    case (.record(let x), .record(let y)):
      return x === y || (x.keys == y.keys && zip(x.values, y.values).allSatisfy { equal($0, $1, depth: depth + 1) })
    case (.range(let x), .range(let y)): return x == y
    case (.tensor(let x), .tensor(let y)):
      if x === y || (x.shape == y.shape && x.values == y.values) { return true }
      return x.count == 1 && y.count == 1 && x.values[0] == y.values[0]
    case (.tensor(let t), .number(let x)), (.number(let x), .tensor(let t)):
      return t.count == 1 && Format.double(t.values[0]) == x
    case (.network(let x), .network(let y)): return x === y
    case (.layer(let x), .layer(let y)): return x.network === y.network && x.name == y.name
    case (.layerSpec(let x), .layerSpec(let y)): return x == y
    case (.function(let x), .function(let y)): return x === y
    case (.builtin(let x), .builtin(let y)): return x.name == y.name
    case (.rule(let x), .rule(let y)): return x == y
    case (.slope(let x), .slope(let y)): return x == y
    case (.objective(let x), .objective(let y)): return x.objective == y.objective && x.network === y.network
    default: return false
    }
  }

  // MARK: - Tensors

  static func tensors(_ op: BinaryOperator, _ x: Tensor, _ y: Tensor, span: SourceSpan) throws(RuntimeError) -> Tensor {
    if op == .matmul { return try matmulChecked(x, y, span: span) }
    guard Shape.broadcast(x.shape, y.shape) != nil else {
      throw RuntimeError(
        .shape,
        "cannot apply '\(op.rawValue)' to tensors of shapes \(Format.shape(x.shape)) and \(Format.shape(y.shape)); the shapes do not broadcast",
        at: span)
    }
    switch op {
    case .add: return x + y
    case .subtract: return x - y
    case .multiply: return x * y
    case .divide: return x / y
    default:
      throw RuntimeError(.type, "'\(op.rawValue)' is not defined for tensors", at: span)
    }
  }

  static func matmulChecked(_ x: Tensor, _ y: Tensor, span: SourceSpan) throws(RuntimeError) -> Tensor {
    let ok: Bool
    switch (x.rank, y.rank) {
    case (2, 2): ok = x.shape[1] == y.shape[0]
    case (1, 2): ok = x.shape[0] == y.shape[0]
    case (2, 1): ok = x.shape[1] == y.shape[0]
    default: ok = false
    }
    guard ok else {
      throw RuntimeError(
        .shape,
        "cannot multiply matrices of shapes \(Format.shape(x.shape)) and \(Format.shape(y.shape)); expected [m, k] @ [k, n], [k] @ [k, n] or [m, k] @ [k]",
        at: span)
    }
    return matmul(x, y)
  }

  static func scalarRight(_ op: BinaryOperator, _ x: Tensor, _ y: Float) -> Tensor {
    switch op {
    case .add: return x + y
    case .subtract: return x - y
    case .multiply: return x * y
    default: return x / y
    }
  }

  static func scalarLeft(_ op: BinaryOperator, _ x: Float, _ y: Tensor) -> Tensor {
    switch op {
    case .add: return x + y
    case .subtract: return x - y
    case .multiply: return x * y
    default: return x / y
    }
  }

  // MARK: - Powers

  /// `a ** b`: a number to a number power; a tensor to a number power (`pow`); a positive
  /// number to a tensor power (`exp(b * log(a))`); a tensor of positive numbers to a tensor
  /// power, elementwise with broadcasting. Tensors stay differentiable.
  static func power(_ a: Value, _ b: Value, span: SourceSpan) throws(RuntimeError) -> Value {
    switch (a, b) {
    case (.number(let x), .number(let y)):
      if x == 0, y < 0 { throw RuntimeError(.value, "0 ** \(Format.number(y)) is a division by zero", at: span) }
      return .number(Foundation.pow(x, y))
    case (.tensor(let x), .number(let y)):
      return .tensor(pow(x, Float(y)))
    case (.number(let x), .tensor(let y)):
      guard x > 0 else {
        throw RuntimeError(.value, "a number raised to a tensor power must be positive, got \(Format.number(x))", at: span)
      }
      return .tensor(exp(y * Float(Foundation.log(x))))
    case (.tensor(let x), .tensor(let y)):
      if y.count == 1, y.rank == 0 { return .tensor(pow(x, y.values[0])) }
      guard Shape.broadcast(x.shape, y.shape) != nil else {
        throw RuntimeError(
          .shape, "cannot apply '**' to tensors of shapes \(Format.shape(x.shape)) and \(Format.shape(y.shape)); the shapes do not broadcast", at: span)
      }
      guard x.values.allSatisfy({ $0 > 0 }) else {
        throw RuntimeError(.value, "a tensor raised to a tensor power must hold positive numbers; use a number exponent for others", at: span)
      }
      return .tensor(exp(y * log(x)))
    default:
      throw RuntimeError(.type, "cannot apply '**' to \(a.typeDescription) and \(b.typeDescription); expected numbers or tensors", at: span)
    }
  }

  // MARK: - Objectives

  static func objectives(_ op: BinaryOperator, _ a: Value, _ b: Value, span: SourceSpan) throws(RuntimeError) -> Value {
    func network(_ x: ObjectiveValue, _ y: ObjectiveValue) throws(RuntimeError) -> ProxyGradNN.Network? {
      if let nx = x.network, let ny = y.network, nx !== ny {
        throw RuntimeError(.value, "cannot combine objectives on two different networks", at: span)
      }
      return x.network ?? y.network
    }
    switch (op, a, b) {
    case (.add, .objective(let x), .objective(let y)):
      return .objective(ObjectiveValue(objective: .sum(x.objective, y.objective), network: try network(x, y)))
    case (.subtract, .objective(let x), .objective(let y)):
      return .objective(
        ObjectiveValue(objective: .sum(x.objective, .scaled(y.objective, -1)), network: try network(x, y)))
    case (.multiply, .number(let w), .objective(let x)), (.multiply, .objective(let x), .number(let w)):
      return .objective(ObjectiveValue(objective: .scaled(x.objective, w), network: x.network))
    case (.divide, .objective(let x), .number(let w)):
      guard w != 0 else { throw RuntimeError(.value, "division of an objective by zero", at: span) }
      return .objective(ObjectiveValue(objective: .scaled(x.objective, 1 / w), network: x.network))
    default:
      throw RuntimeError(
        .type,
        "cannot apply '\(op.rawValue)' to \(a.typeDescription) and \(b.typeDescription); objectives add and subtract with objectives and scale by numbers",
        at: span)
    }
  }
}
