import ProxyGradSyntax

/// Where a name lives at run time.
public enum Binding: Equatable, Sendable {
  case global(Int)
  /// `depth` function frames up from the current one.
  case local(depth: Int, slot: Int)
  case builtin(String)
}

/// The names of global slots. Shared across the inputs of one session, so a REPL line sees the
/// globals of earlier lines.
public struct GlobalTable: Equatable, Sendable {
  public private(set) var names: [String] = []
  var index: [String: Int] = [:]
  public init() {}

  public func slot(of name: String) -> Int? { index[name] }

  @discardableResult
  mutating func declare(_ name: String) -> Int {
    if let slot = index[name] { return slot }
    names.append(name)
    index[name] = names.count - 1
    return names.count - 1
  }
}

/// A program whose names are resolved: what the interpreter runs.
public struct ResolvedProgram: Sendable {
  public let program: Program
  /// Binding of every name use, assignment target and loop variable, keyed by its byte offset.
  public let bindings: [Int: Binding]
  /// Frame size of every function literal, keyed by its byte offset.
  public let frameSizes: [Int: Int]
  /// The globals after this program declared its own.
  public let globals: GlobalTable
}

/// Scopes, undefined names, builtin arity and misplaced `break`/`return`, all reported before
/// anything runs.
///
/// Scoping: the top level and every function body are scopes; blocks of `if`/`for`/`while` are
/// not. A name assigned anywhere in a scope belongs to the nearest scope (the scope itself or an
/// enclosing one) that assigns it; otherwise it is a new name of the scope. So a function may
/// update a global counter, and names of one function never leak into another.
public struct Resolver {
  struct Scope {
    var slots: [String: Int] = [:]
    var count = 0
    mutating func declare(_ name: String) -> Int {
      if let slot = slots[name] { return slot }
      slots[name] = count
      count += 1
      return count - 1
    }
  }

  var globals: GlobalTable
  var scopes: [Scope] = []
  var bindings: [Int: Binding] = [:]
  var frameSizes: [Int: Int] = [:]
  var loopDepth = 0
  /// Inside a sweep's body (not crossing function literals or inner loops): `continue` ends
  /// the run, `break` and `return` are errors.
  var inSweepBody = false
  var diagnostics = DiagnosticBag()

  public init(globals: GlobalTable = GlobalTable()) {
    self.globals = globals
  }

  /// Resolves a parsed program against the globals of earlier inputs.
  public static func resolve(_ program: Program, globals: GlobalTable = GlobalTable())
    -> (program: ResolvedProgram, diagnostics: [Diagnostic])
  {
    var resolver = Resolver(globals: globals)
    for name in AssignedNames.collect(program.statements) { resolver.globals.declare(name) }
    resolver.statements(program.statements)
    let resolved = ResolvedProgram(
      program: program, bindings: resolver.bindings, frameSizes: resolver.frameSizes,
      globals: resolver.globals)
    return (resolved, resolver.diagnostics.diagnostics)
  }

  // MARK: - Names

  func lookup(_ name: String) -> Binding? {
    for (offset, scope) in scopes.reversed().enumerated() {
      if let slot = scope.slots[name] { return .local(depth: offset, slot: slot) }
    }
    if let slot = globals.slot(of: name) { return .global(slot) }
    if Builtins.named(name) != nil { return .builtin(name) }
    return nil
  }

  mutating func use(_ name: String, at span: SourceSpan) {
    if let binding = lookup(name) {
      bindings[span.start] = binding
      return
    }
    var notes: [Diagnostic.Note] = []
    if let suggestion = suggestion(for: name) { notes.append(.init("did you mean '\(suggestion)'?")) }
    diagnostics.append(Diagnostic(.undefinedName, "undefined name '\(name)'", at: span, notes: notes))
  }

  /// Binds an assigned name; assignment never binds a builtin.
  mutating func assign(_ name: String, at span: SourceSpan) {
    if let binding = lookup(name), binding != .builtin(name) {
      bindings[span.start] = binding
    } else if scopes.isEmpty {
      bindings[span.start] = .global(globals.declare(name))
    } else {
      bindings[span.start] = .local(depth: 0, slot: scopes[scopes.count - 1].declare(name))
    }
  }

  func suggestion(for name: String) -> String? {
    var candidates = globals.names + Builtins.names
    for scope in scopes { candidates += scope.slots.keys }
    let limit = name.count <= 4 ? 1 : 2
    var best: (name: String, distance: Int)?
    for candidate in candidates where abs(candidate.count - name.count) <= limit {
      let distance = editDistance(name, candidate)
      guard distance <= limit else { continue }
      if let current = best, current.distance < distance || (current.distance == distance && current.name <= candidate) {
        continue
      }
      best = (candidate, distance)
    }
    return best?.name
  }

  // MARK: - Statements

  mutating func statements(_ list: [Stmt]) {
    for statement in list { self.statement(statement) }
  }

  mutating func block(_ block: Block) { statements(block.statements) }

  mutating func statement(_ statement: Stmt) {
    switch statement.kind {
    case .expression(let expr):
      expression(expr)
    case .assign(let target, let op, let value):
      expression(value)
      switch target.kind {
      case .name(let name):
        if op != nil { use(name, at: target.span) } else { assign(name, at: target.span) }
      case .field(let object, _):
        expression(object)
      case .index(let object, let index):
        expression(object)
        expression(index)
      default:
        break
      }
    case .forIn(let variable, let sequence, let body):
      expression(sequence)
      assign(variable.name, at: variable.span)
      loop(body)
    case .whileLoop(let condition, let body):
      expression(condition)
      loop(body)
    case .breakLoop where loopDepth == 0 && inSweepBody:
      diagnostics.error(
        .misplacedControlFlow, "'break' cannot stop a sweep; its runs are independent (use stop_on_error: true)",
        at: statement.span)
    case .continueLoop where loopDepth == 0 && inSweepBody:
      break
    case .breakLoop, .continueLoop:
      if loopDepth == 0 {
        let word = statement.kind == .breakLoop ? "break" : "continue"
        diagnostics.error(.misplacedControlFlow, "'\(word)' outside a loop", at: statement.span)
      }
    case .returnValue(let value):
      if let value { expression(value) }
      if inSweepBody {
        diagnostics.error(.misplacedControlFlow, "'return' cannot leave a sweep's run", at: statement.span)
      } else if scopes.isEmpty {
        diagnostics.error(.misplacedControlFlow, "'return' outside a function", at: statement.span)
      }
    case .sweep(_, let axes, let options, let body):
      sweep(axes, options, body, span: statement.span)
    }
  }

  /// A sweep's body is a scope of its own, entered afresh by every run: its variables and the
  /// names it assigns first are locals of the run. The axes and options are evaluated outside.
  mutating func sweep(_ axes: [SweepAxis], _ options: [Argument], _ body: Block, span: SourceSpan) {
    for axis in axes { expression(axis.values) }
    for option in options {
      expression(option.value)
      if let label = option.label, !Self.sweepOptions.contains(label.name) {
        diagnostics.error(
          .unknownArgumentLabel,
          "sweep has no option named '\(label.name)'; options: \(Self.sweepOptions.joined(separator: ", "))",
          at: label.span)
      }
      if option.label?.name == "seed", case .string(let name) = option.value.kind,
        !axes.contains(where: { $0.variable.name == name })
      {
        diagnostics.error(
          .unknownArgumentLabel,
          "sweep: seed: names '\(name)', which is not a sweep variable; variables: \(axes.map(\.variable.name).joined(separator: ", "))",
          at: option.value.span)
      }
    }
    var scope = Scope()
    var seen: Set<String> = []
    for axis in axes {
      if !seen.insert(axis.variable.name).inserted {
        diagnostics.error(
          .misplacedControlFlow, "sweep variable '\(axis.variable.name)' appears twice", at: axis.variable.span)
      }
      bindings[axis.variable.span.start] = .local(depth: 0, slot: scope.declare(axis.variable.name))
    }
    frameBody(body, scope: scope, inSweep: true, span: span)
  }

  static let sweepOptions = ["stop_on_error", "seed"]

  mutating func loop(_ body: Block) {
    loopDepth += 1
    block(body)
    loopDepth -= 1
  }

  // MARK: - Expressions

  mutating func expression(_ expr: Expr) {
    switch expr.kind {
    case .number, .string, .bool, .nilLiteral:
      break
    case .name(let name):
      use(name, at: expr.span)
    case .list(let items):
      for item in items { expression(item) }
    case .record(let fields):
      for field in fields { expression(field.value) }
    case .range(let low, let high, _):
      expression(low)
      expression(high)
    case .unary(_, let operand):
      expression(operand)
    case .binary(_, let lhs, let rhs, _):
      expression(lhs)
      expression(rhs)
    case .call(let callee, let arguments, let trailing):
      expression(callee)
      for argument in arguments { expression(argument.value) }
      if let trailing { block(trailing) }
      checkBuiltinCall(callee, arguments, trailing: trailing, span: expr.span)
    case .field(let object, _):
      expression(object)
    case .index(let object, let index):
      expression(object)
      expression(index)
    case .slice(let object, let items):
      expression(object)
      for item in items {
        switch item {
        case .value(let e): expression(e)
        case .all: break
        case .open(let lower, let upper, _):
          if let lower { expression(lower) }
          if let upper { expression(upper) }
        }
      }
    case .function(let parameters, let body):
      function(parameters, body, span: expr.span)
    case .ifElse(let condition, let then, let otherwise):
      expression(condition)
      block(then)
      if let otherwise { block(otherwise) }
    }
  }

  mutating func function(_ parameters: [Identifier], _ body: Block, span: SourceSpan) {
    var scope = Scope()
    for parameter in parameters {
      bindings[parameter.span.start] = .local(depth: 0, slot: scope.declare(parameter.name))
    }
    frameBody(body, scope: scope, inSweep: false, span: span)
  }

  /// Resolves the body of a frame of its own (a function's or a sweep body's) whose scope holds
  /// its parameters: the names the body assigns that are not visible outside become its locals,
  /// loops start afresh, and the frame's size is recorded at `span`.
  private mutating func frameBody(_ body: Block, scope: Scope, inSweep: Bool, span: SourceSpan) {
    scopes.append(scope)
    for name in AssignedNames.collect(body.statements) where lookup(name) == nil || lookup(name) == .builtin(name) {
      _ = scopes[scopes.count - 1].declare(name)
    }
    let (savedLoopDepth, savedInSweep) = (loopDepth, inSweepBody)
    (loopDepth, inSweepBody) = (0, inSweep)
    block(body)
    (loopDepth, inSweepBody) = (savedLoopDepth, savedInSweep)
    frameSizes[span.start] = scopes.removeLast().count
  }

  /// Arity and labels of a direct builtin call, checked statically.
  mutating func checkBuiltinCall(
    _ callee: Expr, _ arguments: [Argument], trailing: Block?, span: SourceSpan
  ) {
    guard case .name(let name) = callee.kind, bindings[callee.span.start] == .builtin(name),
      let builtin = Builtins.named(name)
    else { return }
    let positional = arguments.filter { $0.label == nil }.count
    if !builtin.arity.contains(positional) {
      diagnostics.error(
        .wrongArgumentCount,
        "\(name) expects \(builtin.arityDescription), got \(positional); usage: \(builtin.signature)",
        at: span)
    }
    if let labels = builtin.labels {
      for argument in arguments {
        guard let label = argument.label, !labels.contains(label.name) else { continue }
        let known = labels.isEmpty ? "it takes no named arguments" : "it takes " + labels.map { "\($0):" }.joined(separator: ", ")
        diagnostics.error(
          .unknownArgumentLabel, "\(name) has no argument named '\(label.name)'; \(known)",
          at: label.span)
      }
    }
    if trailing != nil, !builtin.takesBlock {
      diagnostics.error(.wrongArgumentCount, "\(name) does not take a block", at: span)
    }
  }
}

/// Names a list of statements assigns, in order, without entering nested function literals.
enum AssignedNames {
  static func collect(_ statements: [Stmt]) -> [String] {
    var names: [String] = []
    var seen: Set<String> = []
    func add(_ name: String) {
      if seen.insert(name).inserted { names.append(name) }
    }
    func visit(_ statements: [Stmt]) {
      for statement in statements {
        switch statement.kind {
        case .assign(let target, let op, let value):
          if op == nil, case .name(let name) = target.kind { add(name) }
          visit(value)
        case .forIn(let variable, let sequence, let body):
          add(variable.name)
          visit(sequence)
          visit(body.statements)
        case .whileLoop(let condition, let body):
          visit(condition)
          visit(body.statements)
        case .sweep(_, let axes, let options, _):
          // The body is a scope of its own (see `Resolver.sweep`).
          for axis in axes { visit(axis.values) }
          for option in options { visit(option.value) }
        case .expression(let expr):
          visit(expr)
        case .returnValue(let expr):
          if let expr { visit(expr) }
        case .breakLoop, .continueLoop:
          break
        }
      }
    }
    /// Blocks inside expressions (`if`, trailing blocks) run in the same scope.
    func visit(_ expr: Expr) {
      switch expr.kind {
      case .ifElse(let condition, let then, let otherwise):
        visit(condition)
        visit(then.statements)
        if let otherwise { visit(otherwise.statements) }
      case .call(let callee, let arguments, let trailing):
        visit(callee)
        for argument in arguments { visit(argument.value) }
        if let trailing { visit(trailing.statements) }
      case .binary(_, let lhs, let rhs, _):
        visit(lhs)
        visit(rhs)
      case .unary(_, let operand):
        visit(operand)
      case .list(let items):
        for item in items { visit(item) }
      default:
        break
      }
    }
    visit(statements)
    return names
  }
}

/// Levenshtein distance, for "did you mean" notes.
func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous = Array(0...b.count)
  for i in 1...a.count {
    var current = [i] + Array(repeating: 0, count: b.count)
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
    }
    previous = current
  }
  return previous[b.count]
}
