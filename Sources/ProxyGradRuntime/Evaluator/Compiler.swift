import ProxyGradSyntax

/// Turns a resolved tree into closures over slot addresses: the interpreter's "tree walk" done
/// once, so evaluation does no name lookups and no dictionary accesses.
struct Compiler {
  unowned let interpreter: Interpreter
  let resolved: ResolvedProgram
  /// Inside a trailing block (not crossing function literals): expression statements add their
  /// values to the block's collection.
  var collecting = false
  /// Number operands already built, by the span of their expression (see `numberOperand`).
  var numberOperands: [Range<Int>: NumberOperand?] = [:]

  init(interpreter: Interpreter, resolved: ResolvedProgram) {
    self.interpreter = interpreter
    self.resolved = resolved
  }

  // MARK: - Blocks and statements

  /// A sequence of statements; its value is the last statement's.
  ///
  /// Statements are chained pairwise rather than kept in an array: closures stored in an array
  /// are called through reabstraction thunks, which costs in loops.
  mutating func block(_ statements: [Stmt]) -> Code {
    guard let last = statements.last else { return { _ in .none } }
    let code = statement(last)
    guard statements.count > 1 else { return code }
    let before = effects(statements.dropLast())
    return { f throws(Unwind) in
      try before(f)
      return try code(f)
    }
  }

  /// Statements run for their effects, chained pairwise like `block`. Used where their values
  /// are dropped (all but the last statement of a block, a loop body), so no `Value` is
  /// returned and destroyed per statement.
  mutating func effects(_ statements: ArraySlice<Stmt>) -> Effect {
    guard let first = statements.first else { return { _ in } }
    var code = effect(first)
    for next in statements.dropFirst() {
      let before = code
      let after = effect(next)
      code = { f throws(Unwind) in
        try before(f)
        try after(f)
      }
    }
    return code
  }

  /// One statement run for its effect.
  mutating func effect(_ statement: Stmt) -> Effect {
    if case .assign(let target, let op, let value) = statement.kind {
      let saved = collecting
      collecting = false
      defer { collecting = saved }
      return assignment(target, op, value)
    }
    let code = self.statement(statement)
    return { f throws(Unwind) in _ = try code(f) }
  }

  mutating func statement(_ statement: Stmt) -> Code {
    switch statement.kind {
    case .expression(let expr):
      guard collecting else { return expression(expr) }
      // Only the statement's own value is collected, and the statements of an `if` standing as
      // a statement; an `if` inside an argument or an operand gives its value to that.
      let code: Code
      if case .ifElse = expr.kind {
        code = expression(expr)
      } else {
        collecting = false
        code = expression(expr)
        collecting = true
      }
      let interpreter = self.interpreter
      return { f throws(Unwind) in
        let value = try code(f)
        if case .none = value { return .none }
        if !interpreter.collectors.isEmpty {
          interpreter.collectors[interpreter.collectors.count - 1].append(value)
        }
        return .none
      }
    case .assign(let target, let op, let value):
      let saved = collecting
      collecting = false
      defer { collecting = saved }
      let assign = assignment(target, op, value)
      return { f throws(Unwind) in
        try assign(f)
        return .none
      }
    case .forIn(let variable, let sequence, let body):
      return forLoop(variable, sequence, body)
    case .whileLoop(let condition, let body):
      return whileLoop(condition, body)
    case .breakLoop:
      return { _ throws(Unwind) in throw .breakLoop }
    case .continueLoop:
      return { _ throws(Unwind) in throw .continueLoop }
    case .returnValue(let value):
      let code = value.map { expression($0) }
      let interpreter = self.interpreter
      return { f throws(Unwind) in
        interpreter.returnValue = try code?(f) ?? .none
        throw .returnValue
      }
    case .sweep(let name, let axes, let options, let body):
      return sweep(name: name, axes: axes, options: options, body: body, span: statement.span)
    }
  }

  // MARK: - Variables

  func binding(at span: SourceSpan) -> Binding? { resolved.bindings[span.start] }

  /// Reads a variable.
  func load(_ name: String, span: SourceSpan) -> Code {
    let unset = RuntimeError(.name, "'\(name)' is used before it has a value", at: span)
    switch binding(at: span) {
    case .global(let slot):
      let globals = interpreter.globalSlots.values
      return { _ throws(Unwind) in
        let value = globals[slot]
        if case .unset = value { throw .error(unset) }
        return value
      }
    case .local(0, let slot):
      return { f throws(Unwind) in
        let value = f.slots[slot]
        if case .unset = value { throw .error(unset) }
        return value
      }
    case .local(let depth, let slot):
      return { f throws(Unwind) in
        let value = f.ancestor(depth).slots[slot]
        if case .unset = value { throw .error(unset) }
        return value
      }
    case .builtin(let name):
      guard let builtin = Builtins.named(name) else { return failing(unset) }
      // Built once: the payload is boxed (indirect), so building it per read would allocate.
      let value = Value.builtin(builtin)
      return { _ in value }
    case nil:
      return failing(RuntimeError(.name, "undefined name '\(name)'", at: span))
    }
  }

  /// Writes a variable. The value is consumed and moved into its slot.
  func store(_ name: String, span: SourceSpan) -> (Frame, consuming Value) -> Void {
    switch binding(at: span) {
    case .global(let slot):
      let cell = interpreter.globalSlots.values + slot
      return { _, value in
        _ = cell.move()
        cell.initialize(to: value)
      }
    case .local(0, let slot):
      return { f, value in
        let cell = f.slots + slot
        _ = cell.move()
        cell.initialize(to: value)
      }
    case .local(let depth, let slot):
      return { f, value in f.ancestor(depth).slots[slot] = value }
    case .builtin, nil:
      return { _, _ in }
    }
  }

  func failing(_ error: RuntimeError) -> Code {
    { _ throws(Unwind) in throw .error(error) }
  }

  // MARK: - Assignment

  mutating func assignment(_ target: Expr, _ op: BinaryOperator?, _ valueExpr: Expr) -> Effect {
    let value = expression(valueExpr)
    switch target.kind {
    case .name(let name):
      let store = self.store(name, span: target.span)
      if let op {
        let load = self.load(name, span: target.span)
        let apply = Operators.binary(op, span: target.span)
        let general: Effect = { f throws(Unwind) in
          let lhs = try load(f)
          store(f, try apply(lhs, try value(f)))
        }
        // `x op= e` on numbers: `x op e` as number code, written straight into the slot.
        if let l = numberOperand(target), let r = numberOperand(valueExpr),
          let number = Self.arithmetic(op, l, r)
        {
          return numberAssignment(to: target.span, number, general)
        }
        return general
      }
      var named = value
      if case .function(let parameters, let body) = valueExpr.kind {
        named = function(parameters, body, span: valueExpr.span, name: name)
      }
      let code = named
      let general: Effect = { f throws(Unwind) in store(f, try code(f)) }
      if let number = numberOperand(valueExpr)?.code {
        return numberAssignment(to: target.span, number, general)
      }
      return general
    case .field(let objectExpr, let field):
      let object = expression(objectExpr)
      let read = Access.field(field.name, span: field.span)
      let apply = op.map { Operators.binary($0, span: target.span) }
      return { f throws(Unwind) in
        let container = try object(f)
        var newValue = try value(f)
        if let apply { newValue = try apply(try read(container), newValue) }
        try Access.setField(container, field.name, newValue, span: field.span)
      }
    case .index(let objectExpr, let indexExpr):
      let object = expression(objectExpr)
      let index = expression(indexExpr)
      let span = target.span
      let apply = op.map { Operators.binary($0, span: target.span) }
      return { f throws(Unwind) in
        let container = try object(f)
        let key = try index(f)
        var newValue = try value(f)
        if let apply { newValue = try apply(try Access.index(container, key, span: span), newValue) }
        try Access.setIndex(container, key, newValue, span: span)
      }
    default:
      let error = RuntimeError(.unsupported, "cannot assign to this expression", at: target.span)
      return { _ throws(Unwind) in throw .error(error) }
    }
  }

  /// Assignment of a side-effect-free number expression to a variable: the number is written
  /// into the slot without going through a `Value` result; anything else takes `general`.
  func numberAssignment(
    to span: SourceSpan, _ number: @escaping NumberCode, _ general: @escaping Effect
  ) -> Effect {
    switch binding(at: span) {
    case .global(let slot):
      let cell = interpreter.globalSlots.values + slot
      return { f throws(Unwind) in
        if let x = number(f) { NumberSlot.set(cell, x) } else { try general(f) }
      }
    case .local(0, let slot):
      return { f throws(Unwind) in
        if let x = number(f) { NumberSlot.set(f.slots + slot, x) } else { try general(f) }
      }
    case .local(let depth, let slot):
      return { f throws(Unwind) in
        if let x = number(f) { NumberSlot.set(f.ancestor(depth).slots + slot, x) } else { try general(f) }
      }
    case .builtin, nil:
      return general
    }
  }

  // MARK: - Loops

  mutating func forLoop(_ variable: Identifier, _ sequenceExpr: Expr, _ bodyBlock: Block) -> Code {
    let sequence = expression(sequenceExpr)
    let body = effects(bodyBlock.statements[...])
    let store = self.store(variable.name, span: variable.span)
    let stops = interpreter.stops
    let span = sequenceExpr.span
    return { f throws(Unwind) in
      let items = try Iteration.items(try sequence(f), span: span)
      var position = 0
      while let item = items.item(at: position) {
        position += 1
        if stops.isRequestedSoon { throw .error(RuntimeError(.interrupted, "interrupted", at: span)) }
        store(f, item)
        guard try Compiler.turn(body, f) else { break }
      }
      return .none
    }
  }

  mutating func whileLoop(_ conditionExpr: Expr, _ bodyBlock: Block) -> Code {
    let condition = expression(conditionExpr)
    let test = truthTest(conditionExpr)
    let body = effects(bodyBlock.statements[...])
    let stops = interpreter.stops
    let span = conditionExpr.span
    return { f throws(Unwind) in
      while try Compiler.holds(test, condition, f, span: span) {
        if stops.isRequestedSoon { throw .error(RuntimeError(.interrupted, "interrupted", at: span)) }
        guard try Compiler.turn(body, f) else { break }
      }
      return .none
    }
  }

  /// Runs a loop's body once.
  /// - Returns: false when the body left the loop with `break`; `continue` ends the turn.
  @inline(__always)
  static func turn(_ body: Effect, _ f: Frame) throws(Unwind) -> Bool {
    do throws(Unwind) {
      try body(f)
    } catch {
      switch error {
      case .breakLoop: return false
      case .continueLoop: return true
      default: throw error
      }
    }
    return true
  }
}
