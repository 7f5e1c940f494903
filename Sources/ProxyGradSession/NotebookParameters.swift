import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradSyntax

/// A `-p name=value` from the command line, before it is typed.
package struct ParameterAssignment: Equatable, Sendable {
  package var name: String
  package var text: String
}

extension ParameterAssignment {
  /// Splits `name=value` at the first `=`.
  /// - Throws: `ParameterError.malformed` when there is no `=` or the name is not an identifier.
  package init(parsing argument: String) throws(ParameterError) {
    guard let equals = argument.firstIndex(of: "=") else { throw .malformed(argument) }
    let name = String(argument[..<equals]).trimmingSpaces()
    guard NotebookParameters.isIdentifier(name) else { throw .malformed(argument) }
    self.init(name: name, text: String(argument[argument.index(after: equals)...]))
  }
}

/// A problem with `-p` parameters, found before anything runs (a usage error, exit 64).
package enum ParameterError: Error, Equatable, Sendable, CustomStringConvertible {
  case malformed(String)
  case noParametersCell(name: String)
  case unknownName(String, known: [String])
  case invalidValue(name: String, text: String, expected: String)
  case duplicate(String)

  package var description: String {
    switch self {
    case .malformed(let argument):
      return "-p expects name=value with a name such as lr or steps, got '\(argument)'"
    case .noParametersCell(let name):
      return "cannot set '\(name)': the notebook has no parameters cell ('# %% parameters')"
    case .unknownName(let name, let known):
      let list = known.isEmpty ? "it declares none" : "it declares " + known.joined(separator: ", ")
      return "unknown parameter '\(name)': the parameters cell does not assign it; \(list)"
    case .invalidValue(let name, let text, let expected):
      return "parameter '\(name)' expects \(expected), got '\(text)'"
    case .duplicate(let name):
      return "parameter '\(name)' is given more than once"
    }
  }
}

/// A parameter as the parameters cell declares it: a top-level assignment, with its default when
/// that is a literal (which types the command-line value).
package struct ParameterDeclaration: Equatable, Sendable {
  package var name: String
  package var defaultValue: ParameterValue?
}

/// Declared parameters, typing of `-p` values, and conversion of language values for the report.
package enum NotebookParameters {
  /// The top-level `name = value` assignments of a parameters cell, first occurrence first.
  package static func declarations(in file: SourceFile) -> [ParameterDeclaration] {
    let (program, _) = Parser.parse(file)
    var seen: Set<String> = []
    var out: [ParameterDeclaration] = []
    for statement in program.statements {
      guard case .assign(let target, nil, let value) = statement.kind,
        case .name(let name) = target.kind, seen.insert(name).inserted
      else { continue }
      out.append(ParameterDeclaration(name: name, defaultValue: literal(value)))
    }
    return out
  }

  /// Checks names against the declarations and types each value like its default: a string
  /// default takes the text as written (quotes optional), a number needs a number, a bool `true`
  /// or `false`, a list a list (`[1, 2]` or `1,2`). A computed default accepts any literal, and a
  /// bare word as a string.
  /// - Returns: the values in the order given.
  package static func resolve(
    _ assignments: [ParameterAssignment], declarations: [ParameterDeclaration]?
  ) throws(ParameterError) -> [(name: String, value: ParameterValue)] {
    var out: [(name: String, value: ParameterValue)] = []
    for assignment in assignments {
      guard let declarations else { throw .noParametersCell(name: assignment.name) }
      guard let declaration = declarations.first(where: { $0.name == assignment.name }) else {
        throw .unknownName(assignment.name, known: declarations.map(\.name))
      }
      guard !out.contains(where: { $0.name == assignment.name }) else {
        throw .duplicate(assignment.name)
      }
      out.append(
        (assignment.name, try typed(assignment.text, like: declaration.defaultValue, name: assignment.name)))
    }
    return out
  }

  static func typed(
    _ text: String, like defaultValue: ParameterValue?, name: String
  ) throws(ParameterError) -> ParameterValue {
    let parsed = parseLiteral(text)
    switch defaultValue {
    case .string:
      if case .string(let unquoted) = parsed { return .string(unquoted) }
      return .string(text)
    case .number:
      guard case .number = parsed else {
        throw .invalidValue(name: name, text: text, expected: "a number")
      }
      return parsed ?? .number(0)
    case .bool:
      guard case .bool = parsed else {
        throw .invalidValue(name: name, text: text, expected: "true or false")
      }
      return parsed ?? .bool(false)
    case .list:
      if case .list = parsed { return parsed ?? .list([]) }
      if case .list(let items) = parseLiteral("[" + text + "]") { return .list(items) }
      throw .invalidValue(name: name, text: text, expected: "a list such as [1, 2] or 1,2")
    case nil:
      return parsed ?? .string(text)
    }
  }

  /// A number, string, bool or list literal written in PGS, or nil.
  package static func parseLiteral(_ text: String) -> ParameterValue? {
    let (program, diagnostics) = Parser.parse(SourceFile(path: "<parameter>", text: text))
    guard diagnostics.isEmpty, program.statements.count == 1,
      case .expression(let expression) = program.statements[0].kind
    else { return nil }
    return literal(expression)
  }

  static func literal(_ expression: Expr) -> ParameterValue? {
    switch expression.kind {
    case .number(let value): return .number(value)
    case .string(let text): return .string(text)
    case .bool(let flag): return .bool(flag)
    case .unary(.negate, let operand):
      if case .number(let value) = operand.kind { return .number(-value) }
      return nil
    case .list(let items):
      var values: [ParameterValue] = []
      for item in items {
        guard let value = literal(item) else { return nil }
        values.append(value)
      }
      return .list(values)
    default: return nil
    }
  }

  /// A language value as a recorded parameter; values that are not numbers, strings, bools or
  /// lists of them are recorded as their display text.
  package static func parameterValue(_ value: Value, depth: Int = 0) -> ParameterValue {
    switch value {
    case .number(let x): return .number(x)
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .list(let list) where depth < 8:
      return .list(list.items.map { parameterValue($0, depth: depth + 1) })
    default: return .string(Format.describe(value))
    }
  }

  static func isIdentifier(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, first == "_" || first.properties.isAlphabetic
    else { return false }
    return text.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
  }
}

extension String {
  func trimmingSpaces() -> String {
    var text = Substring(self)
    while text.first == " " { text.removeFirst() }
    while text.last == " " { text.removeLast() }
    return String(text)
  }
}
