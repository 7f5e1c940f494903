import ProxyGradNN
import ProxyGradSyntax

/// Layer names that `pgs check` can verify without running a script.
///
/// A network assigned once, at the top level, from an expression that reads no variable
/// (`net = network(input: [1, 28, 28]) { ... }`, `vgg(depth: 4)`, `onnx("model.onnx")`) is built
/// here, and every `net.name` or `net["name"]` in the script, sweep bodies and functions included,
/// must name one of its layers or fields. A name the script assigns twice, or a network built
/// from variables, is left to the run.
enum LayerNameCheck {
  /// The calls whose value is a network.
  static let constructors: Set<String> = ["network", "vgg", "resnet", "onnx"]

  static func diagnostics(_ program: Program) -> [Diagnostic] {
    var assignments: [String: Int] = [:]
    for statement in program.statements { countAssignments(statement, into: &assignments) }
    var networks: [String: Network] = [:]
    for statement in program.statements {
      guard case .assign(let target, nil, let value) = statement.kind, case .name(let name) = target.kind,
        assignments[name] == 1, case .call(let callee, _, _) = value.kind,
        case .name(let constructor) = callee.kind, constructors.contains(constructor), readsNoVariable(value),
        let network = build(value, file: program.file)
      else { continue }
      networks[name] = network
    }
    guard !networks.isEmpty else { return [] }
    var found: [Diagnostic] = []
    for statement in program.statements { visit(statement, networks, &found) }
    return found
  }

  /// The network an expression builds, or nil when it fails or is not a network.
  private static func build(_ expression: Expr, file: SourceFile) -> Network? {
    let interpreter = Interpreter()
    let program = Program(statements: [Stmt(.expression(expression), expression.span)], file: file)
    let (resolved, problems) = Resolver.resolve(program, globals: interpreter.globals)
    guard problems.isEmpty, case .network(let network)? = try? interpreter.run(resolved) else { return nil }
    return network
  }

  private static let fields: Set<String> = ["input_shape", "output_shape", "parameter_count"]

  private static func check(_ name: Identifier, of network: Network, called variable: String, _ found: inout [Diagnostic]) {
    guard network.layer(named: name.name) == nil, !fields.contains(name.name) else { return }
    let names = network.allLayers.map(\.name)
    var notes: [Diagnostic.Note] = []
    if let suggestion = names.min(by: { editDistance(name.name, $0) < editDistance(name.name, $1) }),
      editDistance(name.name, suggestion) <= (name.name.count < 4 ? 1 : 2)
    {
      notes.append(.init("did you mean '\(suggestion)'?"))
    }
    notes.append(.init("layers of '\(variable)': " + names.joined(separator: ", ")))
    found.append(Diagnostic(.unknownLayer, "network '\(variable)' has no layer '\(name.name)'", at: name.span, notes: notes))
  }

  // MARK: - Walking the tree

  private static func visit(_ statement: Stmt, _ networks: [String: Network], _ found: inout [Diagnostic]) {
    switch statement.kind {
    case .expression(let e): visit(e, networks, &found)
    case .assign(let target, _, let value):
      visit(target, networks, &found)
      visit(value, networks, &found)
    case .forIn(let variable, let sequence, let body):
      visit(sequence, networks, &found)
      visit(body, networks.filter { $0.key != variable.name }, &found)
    case .whileLoop(let condition, let body):
      visit(condition, networks, &found)
      visit(body, networks, &found)
    case .returnValue(let value): if let value { visit(value, networks, &found) }
    case .sweep(_, let axes, let options, let body):
      for axis in axes { visit(axis.values, networks, &found) }
      for option in options { visit(option.value, networks, &found) }
      visit(body, networks.filter { name, _ in !axes.contains { $0.variable.name == name } }, &found)
    case .breakLoop, .continueLoop: break
    }
  }

  private static func visit(_ block: Block, _ networks: [String: Network], _ found: inout [Diagnostic]) {
    for statement in block.statements { visit(statement, networks, &found) }
  }

  private static func visit(_ expression: Expr, _ networks: [String: Network], _ found: inout [Diagnostic]) {
    switch expression.kind {
    case .field(let object, let name):
      if case .name(let variable) = object.kind, let network = networks[variable] {
        check(name, of: network, called: variable, &found)
      } else {
        visit(object, networks, &found)
      }
    case .index(let object, let key):
      if case .name(let variable) = object.kind, let network = networks[variable], case .string(let name) = key.kind {
        check(Identifier(name, key.span), of: network, called: variable, &found)
      }
      visit(object, networks, &found)
      visit(key, networks, &found)
    case .list(let items): for item in items { visit(item, networks, &found) }
    case .record(let fields): for field in fields { visit(field.value, networks, &found) }
    case .range(let low, let high, _):
      visit(low, networks, &found)
      visit(high, networks, &found)
    case .unary(_, let operand): visit(operand, networks, &found)
    case .binary(_, let lhs, let rhs, _):
      visit(lhs, networks, &found)
      visit(rhs, networks, &found)
    case .call(let callee, let arguments, let trailing):
      visit(callee, networks, &found)
      for argument in arguments { visit(argument.value, networks, &found) }
      if let trailing { visit(trailing, networks, &found) }
    case .slice(let object, let items):
      visit(object, networks, &found)
      for item in items {
        switch item {
        case .value(let e): visit(e, networks, &found)
        case .open(let lower, let upper, _):
          if let lower { visit(lower, networks, &found) }
          if let upper { visit(upper, networks, &found) }
        case .all: break
        }
      }
    case .function(let parameters, let body):
      visit(body, networks.filter { name, _ in !parameters.contains { $0.name == name } }, &found)
    case .ifElse(let condition, let then, let otherwise):
      visit(condition, networks, &found)
      visit(then, networks, &found)
      if let otherwise { visit(otherwise, networks, &found) }
    case .number, .string, .bool, .nilLiteral, .name: break
    }
  }

  /// Counts the assignments to each plain name, anywhere in the program; loop and sweep
  /// variables count as assignments too.
  private static func countAssignments(_ statement: Stmt, into counts: inout [String: Int]) {
    func block(_ b: Block) { for s in b.statements { countAssignments(s, into: &counts) } }
    func expression(_ e: Expr) {
      switch e.kind {
      case .function(_, let body): block(body)
      case .ifElse(_, let then, let otherwise):
        block(then)
        if let otherwise { block(otherwise) }
      case .call(_, _, let trailing?): block(trailing)
      default: break
      }
    }
    switch statement.kind {
    case .assign(let target, _, let value):
      if case .name(let name) = target.kind { counts[name, default: 0] += 1 }
      expression(value)
    case .expression(let e): expression(e)
    case .forIn(let variable, _, let body):
      counts[variable.name, default: 0] += 1
      block(body)
    case .whileLoop(_, let body): block(body)
    case .sweep(_, let axes, _, let body):
      for axis in axes { counts[axis.variable.name, default: 0] += 1 }
      block(body)
    case .returnValue, .breakLoop, .continueLoop: break
    }
  }

  /// Whether an expression uses names only as the callees of calls (`conv(16, 3)`), so that it
  /// can be built before the script runs.
  private static func readsNoVariable(_ expression: Expr) -> Bool {
    switch expression.kind {
    case .number, .string, .bool, .nilLiteral: return true
    case .name: return false
    case .list(let items): return items.allSatisfy(readsNoVariable)
    case .record(let fields): return fields.allSatisfy { readsNoVariable($0.value) }
    case .range(let low, let high, _): return readsNoVariable(low) && readsNoVariable(high)
    case .unary(_, let operand): return readsNoVariable(operand)
    case .binary(_, let lhs, let rhs, _): return readsNoVariable(lhs) && readsNoVariable(rhs)
    case .call(let callee, let arguments, let trailing):
      guard case .name = callee.kind else { return false }
      return arguments.allSatisfy { readsNoVariable($0.value) }
        && (trailing?.statements.allSatisfy {
          if case .expression(let e) = $0.kind { return readsNoVariable(e) }
          return false
        } ?? true)
    case .field, .index, .slice, .function, .ifElse: return false
    }
  }
}

extension Interpreter {
  /// The layer names a checked program uses that its networks lack (see `LayerNameCheck`);
  /// `pgs check` reports them. Builds the networks the script assigns from literals.
  package static func layerNameDiagnostics(_ program: ResolvedProgram) -> [Diagnostic] {
    LayerNameCheck.diagnostics(program.program)
  }
}
