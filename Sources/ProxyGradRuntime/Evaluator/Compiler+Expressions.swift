import ProxyGradSyntax

extension Compiler {
  mutating func expression(_ expr: Expr) -> Code {
    let span = expr.span
    switch expr.kind {
    case .number(let x):
      return { _ in .number(x) }
    case .string(let s):
      let value = Value.string(s)
      return { _ in value }
    case .bool(let b):
      return { _ in .bool(b) }
    case .nilLiteral:
      return { _ in .none }
    case .name(let name):
      return load(name, span: span)
    case .list(let items):
      let codes = items.map { expression($0) }
      return { f throws(Unwind) in
        var values: [Value] = []
        values.reserveCapacity(codes.count)
        for code in codes { values.append(try code(f)) }
        return .list(ListBox(values))
      }
    case .record(let fields):
      let keys = fields.map(\.key.name)
      let codes = fields.map { expression($0.value) }
      return { f throws(Unwind) in
        var values: [(String, Value)] = []
        for (key, code) in zip(keys, codes) { values.append((key, try code(f))) }
        return .record(RecordBox(values))
      }
    case .range(let lowExpr, let highExpr, let inclusive):
      let low = expression(lowExpr)
      let high = expression(highExpr)
      let spans = (lowExpr.span, highExpr.span)
      return { f throws(Unwind) in
        let a = try Iteration.bound(try low(f), span: spans.0)
        let b = try Iteration.bound(try high(f), span: spans.1)
        return .range(RangeValue(low: a, high: b, inclusive: inclusive))
      }
    case .unary(let op, let operandExpr):
      let operand = expression(operandExpr)
      let apply = Operators.unary(op, span: span)
      return { f throws(Unwind) in try apply(try operand(f)) }
    case .binary(.and, let lhsExpr, let rhsExpr, _):
      let lhs = expression(lhsExpr)
      let rhs = expression(rhsExpr)
      let lhsSpan = lhsExpr.span
      return { f throws(Unwind) in
        let a = try lhs(f)
        return try a.holds(at: lhsSpan) ? try rhs(f) : a
      }
    case .binary(.or, let lhsExpr, let rhsExpr, _):
      let lhs = expression(lhsExpr)
      let rhs = expression(rhsExpr)
      let lhsSpan = lhsExpr.span
      return { f throws(Unwind) in
        let a = try lhs(f)
        return try a.holds(at: lhsSpan) ? a : try rhs(f)
      }
    case .binary(let op, let lhsExpr, let rhsExpr, let operatorSpan):
      return binary(expr, op, lhsExpr, rhsExpr, span: operatorSpan)
    case .call(let callee, let arguments, let trailing):
      return call(callee, arguments, trailing, span: span)
    case .field(let objectExpr, let name):
      let object = expression(objectExpr)
      let read = Access.field(name.name, span: name.span)
      return { f throws(Unwind) in try read(try object(f)) }
    case .index(let objectExpr, let indexExpr):
      let object = expression(objectExpr)
      let index = expression(indexExpr)
      return { f throws(Unwind) in try Access.index(try object(f), try index(f), span: span) }
    case .slice(let objectExpr, let items):
      let object = expression(objectExpr)
      var codes: [SubscriptCode] = []
      for item in items { codes.append(subscriptCode(item, span: span)) }
      return { f throws(Unwind) in
        let container = try object(f)
        var keys: [Subscript] = []
        for code in codes { keys.append(try code(f)) }
        do throws(RuntimeError) { return try Slicing.select(container, keys, span: span) } catch { throw .error(error) }
      }
    case .function(let parameters, let body):
      return function(parameters, body, span: span, name: nil)
    case .ifElse(let conditionExpr, let thenBlock, let otherwiseBlock):
      let condition = expression(conditionExpr)
      let test = truthTest(conditionExpr)
      let conditionSpan = conditionExpr.span
      let then = block(thenBlock.statements)
      let otherwise = otherwiseBlock.map { block($0.statements) }
      return { f throws(Unwind) in
        if try Compiler.holds(test, condition, f, span: conditionSpan) { return try then(f) }
        return try otherwise?(f) ?? .none
      }
    }
  }

  typealias SubscriptCode = (Frame) throws(Unwind) -> Subscript

  /// One item of `x[...]`: its value, `..`, or an open range with its bounds evaluated.
  mutating func subscriptCode(_ item: IndexItem, span: SourceSpan) -> SubscriptCode {
    switch item {
    case .all:
      let all: SubscriptCode = { (_: Frame) throws(Unwind) -> Subscript in .all }
      return all
    case .value(let e):
      let code = expression(e)
      let value: SubscriptCode = { (f: Frame) throws(Unwind) -> Subscript in .value(try code(f)) }
      return value
    case .open(let lowerExpr, let upperExpr, let inclusive):
      let lower: Code? = lowerExpr.map { expression($0) }
      let upper: Code? = upperExpr.map { expression($0) }
      let lowSpan = lowerExpr?.span ?? span
      let highSpan = upperExpr?.span ?? span
      let open: SubscriptCode = { (f: Frame) throws(Unwind) -> Subscript in
        var low: Int?
        var high: Int?
        if let lower { low = try Iteration.bound(try lower(f), span: lowSpan) }
        if let upper { high = try Iteration.bound(try upper(f), span: highSpan) }
        return .open(low, high, inclusive: inclusive)
      }
      return open
    }
  }

  /// Arithmetic and comparisons with a fast path for numbers (see NumberFastPath.swift): when
  /// both operands are side-effect-free the whole expression is computed as a Double or a Bool;
  /// otherwise the side-effect-free operand, if any, is read in place.
  mutating func binary(
    _ expr: Expr, _ op: BinaryOperator, _ lhsExpr: Expr, _ rhsExpr: Expr, span: SourceSpan
  ) -> Code {
    let lhs = expression(lhsExpr)
    let rhs = expression(rhsExpr)
    let slow = Operators.binary(op, span: span)
    if case .computed(let number)? = numberOperand(expr) {
      return { f throws(Unwind) in
        if let x = number(f) { return .number(x) }
        return try slow(try lhs(f), try rhs(f))
      }
    }
    if let condition = comparison(op, lhsExpr, rhsExpr) {
      return { f throws(Unwind) in
        if let b = condition(f) { return .bool(b) }
        return try slow(try lhs(f), try rhs(f))
      }
    }
    let l = numberOperand(lhsExpr)?.code
    let r = numberOperand(rhsExpr)?.code
    switch op {
    case .add: return NumberAdd.code(lhs, rhs, l, r, slow)
    case .subtract: return NumberSubtract.code(lhs, rhs, l, r, slow)
    case .multiply: return NumberMultiply.code(lhs, rhs, l, r, slow)
    case .divide: return NumberDivide.code(lhs, rhs, l, r, slow)
    case .remainder: return NumberRemainder.code(lhs, rhs, l, r, slow)
    case .less: return NumberLess.code(lhs, rhs, l, r, slow)
    case .lessEqual: return NumberLessEqual.code(lhs, rhs, l, r, slow)
    case .greater: return NumberGreater.code(lhs, rhs, l, r, slow)
    case .greaterEqual: return NumberGreaterEqual.code(lhs, rhs, l, r, slow)
    case .equal: return NumberEqual.code(lhs, rhs, l, r, slow)
    case .notEqual: return NumberNotEqual.code(lhs, rhs, l, r, slow)
    default:
      return { f throws(Unwind) in try slow(try lhs(f), try rhs(f)) }
    }
  }

  /// A side-effect-free number expression as an operand of the fast path, or nil when the
  /// expression may have effects or cannot give a number: a literal, a variable, `-x`, or
  /// `+ - * / %` of such operands.
  mutating func numberOperand(_ expr: Expr) -> NumberOperand? {
    switch expr.kind {
    case .number(let x):
      return .constant(x)
    case .name:
      switch binding(at: expr.span) {
      case .global(let slot):
        return .global(interpreter.globalSlots.values + slot)
      case .local(0, let slot):
        return .local(slot)
      case .local(let depth, let slot):
        return .computed { f in
          if case .number(let x) = f.ancestor(depth).slots[slot] { return x }
          return nil
        }
      case .builtin, nil:
        return nil
      }
    case .unary, .binary:
      // Cached by span: `binary` asks for the operand of every arithmetic node, and without the
      // cache a long chain `a + b + c + ...` would rebuild its left part at every level. (A
      // cached nil, "not a number operand", is a hit too.)
      let key = expr.span.range
      if let cached = numberOperands[key] { return cached }
      let operand = compoundNumberOperand(expr)
      numberOperands[key] = operand
      return operand
    default:
      return nil
    }
  }

  private mutating func compoundNumberOperand(_ expr: Expr) -> NumberOperand? {
    switch expr.kind {
    case .unary(.negate, let operandExpr):
      guard let operand = numberOperand(operandExpr) else { return nil }
      if case .constant(let x) = operand { return .constant(-x) }
      let code = operand.code
      return .computed { f in
        guard let x = code(f) else { return nil }
        return -x
      }
    case .binary(let op, let lhsExpr, let rhsExpr, _):
      guard let l = numberOperand(lhsExpr), let r = numberOperand(rhsExpr) else { return nil }
      return Self.arithmetic(op, l, r).map { .computed($0) }
    default:
      return nil
    }
  }

  /// `l op r` as number code, for the operators that give numbers.
  static func arithmetic(_ op: BinaryOperator, _ l: NumberOperand, _ r: NumberOperand) -> NumberCode? {
    switch op {
    case .add: return NumberAdd.fused(l, r)
    case .subtract: return NumberSubtract.fused(l, r)
    case .multiply: return NumberMultiply.fused(l, r)
    case .divide: return NumberDivide.fused(l, r)
    case .remainder: return NumberRemainder.fused(l, r)
    default: return nil
    }
  }

  /// A comparison of two side-effect-free number operands as condition code.
  mutating func comparison(_ op: BinaryOperator, _ lhsExpr: Expr, _ rhsExpr: Expr) -> ConditionCode? {
    switch op {
    case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: break
    default: return nil
    }
    guard let l = numberOperand(lhsExpr), let r = numberOperand(rhsExpr) else { return nil }
    switch op {
    case .less: return NumberLess.fused(l, r)
    case .lessEqual: return NumberLessEqual.fused(l, r)
    case .greater: return NumberGreater.fused(l, r)
    case .greaterEqual: return NumberGreaterEqual.fused(l, r)
    case .equal: return NumberEqual.fused(l, r)
    default: return NumberNotEqual.fused(l, r)
    }
  }

  /// The truth of a side-effect-free condition (`i < n`, `not done`, `a < b and b < c`,
  /// `true`), or nil when the condition must be evaluated the general way.
  mutating func conditionCode(_ expr: Expr) -> ConditionCode? {
    switch expr.kind {
    case .bool(let b):
      return { _ in b }
    case .unary(.not, let operandExpr):
      guard let operand = conditionCode(operandExpr) else { return nil }
      return { f in operand(f).map { !$0 } }
    case .binary(.and, let lhsExpr, let rhsExpr, _):
      guard let l = conditionCode(lhsExpr), let r = conditionCode(rhsExpr) else { return nil }
      return { f in
        guard let x = l(f) else { return nil }
        return x ? r(f) : false
      }
    case .binary(.or, let lhsExpr, let rhsExpr, _):
      guard let l = conditionCode(lhsExpr), let r = conditionCode(rhsExpr) else { return nil }
      return { f in
        guard let x = l(f) else { return nil }
        return x ? true : r(f)
      }
    case .binary(let op, let lhsExpr, let rhsExpr, _):
      return comparison(op, lhsExpr, rhsExpr)
    default:
      return nil
    }
  }

  /// The condition code of a loop or `if` test: `conditionCode`, or one that always defers to
  /// the general path. (Not an optional: unwrapping an optional closure inside a loop retains
  /// and releases its context on every turn.)
  /// (Nor built with `??`: through its generic parameter the closure would come back wrapped in
  /// a reabstraction thunk, one more call per turn.)
  mutating func truthTest(_ expr: Expr) -> ConditionCode {
    if let code = conditionCode(expr) { return code }
    return { _ in nil }
  }

  /// Whether a condition holds: through its condition code when that succeeds, otherwise by
  /// evaluating it and taking its truthiness.
  @inline(__always)
  static func holds(_ test: ConditionCode, _ condition: Code, _ f: Frame, span: SourceSpan) throws(Unwind) -> Bool {
    if let b = test(f) { return b }
    return try condition(f).holds(at: span)
  }

  /// A function literal: a closure over the current frame.
  mutating func function(_ parameters: [Identifier], _ bodyBlock: Block, span: SourceSpan, name: String?) -> Code {
    let savedCollecting = collecting
    collecting = false
    let body = block(bodyBlock.statements)
    collecting = savedCollecting
    let slotCount = resolved.frameSizes[span.start] ?? parameters.count
    let names = parameters.map(\.name)
    return { f in
      .function(
        Closure(name: name, parameters: names, slotCount: slotCount, body: body, captured: f, span: span))
    }
  }

  /// A call: builtins bound statically are called directly; other callees are evaluated.
  mutating func call(_ calleeExpr: Expr, _ arguments: [Argument], _ trailing: Block?, span: SourceSpan) -> Code {
    var positional: [Code] = []
    var positionalSpans: [SourceSpan] = []
    var named: [(String, Code)] = []
    var namedSpans: [SourceSpan] = []
    for argument in arguments {
      if let label = argument.label {
        named.append((label.name, expression(argument.value)))
        namedSpans.append(argument.value.span)
      } else {
        positional.append(expression(argument.value))
        positionalSpans.append(argument.value.span)
      }
    }
    var blockCode: Code?
    if let trailing {
      let saved = collecting
      collecting = true
      blockCode = block(trailing.statements)
      collecting = saved
    }
    let interpreter = self.interpreter
    let calleeSpan = calleeExpr.span
    let collect = blockCode
    let evaluate = { (f: Frame) throws(Unwind) -> Arguments in
      var values: [Value] = []
      values.reserveCapacity(positional.count)
      for code in positional { values.append(try code(f)) }
      var labelled: [(String, Value)] = []
      for (label, code) in named { labelled.append((label, try code(f))) }
      var arguments = Arguments(
        positional: values, named: labelled, positionalSpans: positionalSpans,
        namedSpans: namedSpans, span: span, calleeSpan: calleeSpan)
      if let collect {
        interpreter.collectors.append([])
        defer { interpreter.collectors.removeLast() }
        _ = try collect(f)
        arguments.block = interpreter.collectors.last
      }
      return arguments
    }
    if case .name(let name) = calleeExpr.kind, binding(at: calleeExpr.span) == .builtin(name),
      let builtin = Builtins.named(name)
    {
      return { f throws(Unwind) in
        var arguments = try evaluate(f)
        arguments.name = name
        return try interpreter.callBuiltin(builtin, &arguments)
      }
    }
    let callee = expression(calleeExpr)
    if named.isEmpty, collect == nil {
      // Fast path: a user function called with positional arguments gets them straight in its
      // new frame, with no argument arrays.
      let count = positional.count
      let single = positional.first
      return { f throws(Unwind) in
        let function = try callee(f)
        if case .function(let closure) = function, closure.parameters.count == count {
          let frame = Frame(count: closure.slotCount, parent: closure.captured)
          if count == 1, let single {
            frame.slots[0] = try single(f)
          } else {
            for i in 0..<count { frame.slots[i] = try positional[i](f) }
          }
          return try interpreter.invoke(closure, frame: frame, callSite: span)
        }
        var arguments = try evaluate(f)
        if case .builtin(let builtin) = function { arguments.name = builtin.name }
        return try interpreter.call(function, &arguments)
      }
    }
    return { f throws(Unwind) in
      let function = try callee(f)
      var arguments = try evaluate(f)
      if case .builtin(let builtin) = function { arguments.name = builtin.name }
      return try interpreter.call(function, &arguments)
    }
  }
}
