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
      return { f throws(Unwind) in
        let a = try lhs(f)
        return a.isTruthy ? try rhs(f) : a
      }
    case .binary(.or, let lhsExpr, let rhsExpr, _):
      let lhs = expression(lhsExpr)
      let rhs = expression(rhsExpr)
      return { f throws(Unwind) in
        let a = try lhs(f)
        return a.isTruthy ? a : try rhs(f)
      }
    case .binary(let op, let lhsExpr, let rhsExpr, let operatorSpan):
      return binary(op, lhsExpr, rhsExpr, expression(lhsExpr), expression(rhsExpr), span: operatorSpan)
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
    case .function(let parameters, let body):
      return function(parameters, body, span: span, name: nil)
    case .ifElse(let conditionExpr, let thenBlock, let otherwiseBlock):
      let condition = expression(conditionExpr)
      let then = block(thenBlock.statements)
      let otherwise = otherwiseBlock.map { block($0.statements) }
      return { f throws(Unwind) in
        if try condition(f).isTruthy { return try then(f) }
        return try otherwise?(f) ?? .none
      }
    }
  }

  /// Arithmetic with a fast path for two numbers. Operands that are constants or variables are
  /// read in place as Doubles, without copying a `Value`.
  func binary(
    _ op: BinaryOperator, _ lhsExpr: Expr, _ rhsExpr: Expr, _ lhs: @escaping Code,
    _ rhs: @escaping Code, span: SourceSpan
  ) -> Code {
    let slow = Operators.binary(op, span: span)
    let l = numberReader(lhsExpr)
    let r = numberReader(rhsExpr)
    switch op {
    case .add: return NumberAdd.code(lhs, rhs, l, r, slow)
    case .subtract: return NumberSubtract.code(lhs, rhs, l, r, slow)
    case .multiply: return NumberMultiply.code(lhs, rhs, l, r, slow)
    case .less: return NumberLess.code(lhs, rhs, l, r, slow)
    case .lessEqual: return NumberLessEqual.code(lhs, rhs, l, r, slow)
    case .greater: return NumberGreater.code(lhs, rhs, l, r, slow)
    case .greaterEqual: return NumberGreaterEqual.code(lhs, rhs, l, r, slow)
    default:
      return { f throws(Unwind) in try slow(try lhs(f), try rhs(f)) }
    }
  }

  /// Reads a side-effect-free operand as a Double, or nil when it is not a number.
  func numberReader(_ expr: Expr) -> ((Frame) -> Double?)? {
    switch expr.kind {
    case .number(let x):
      return { _ in x }
    case .name(let name):
      switch binding(at: expr.span) {
      case .global(let slot):
        let globals = interpreter.globalSlots.values
        return { _ in
          if case .number(let x) = globals[slot] { return x }
          return nil
        }
      case .local(0, let slot):
        return { f in
          if case .number(let x) = f.slots[slot] { return x }
          return nil
        }
      default:
        _ = name
        return nil
      }
    default:
      return nil
    }
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
