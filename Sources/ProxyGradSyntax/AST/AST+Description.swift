/// An S-expression rendering of the tree, for tests and debugging:
/// `(= x (+ 1 (* 2 3)))`.
extension Program: CustomStringConvertible {
  public var description: String { statements.map(\.description).joined(separator: "\n") }
}

extension Block: CustomStringConvertible {
  public var description: String {
    "{" + statements.map(\.description).joined(separator: "; ") + "}"
  }
}

extension Stmt: CustomStringConvertible {
  public var description: String {
    switch kind {
    case .expression(let expr): return expr.description
    case .assign(let target, let op, let value):
      return "(\(op.map { $0.rawValue } ?? "")= \(target) \(value))"
    case .forIn(let variable, let sequence, let body):
      return "(for \(variable.name) \(sequence) \(body))"
    case .whileLoop(let condition, let body): return "(while \(condition) \(body))"
    case .breakLoop: return "(break)"
    case .continueLoop: return "(continue)"
    case .returnValue(let value): return value.map { "(return \($0))" } ?? "(return)"
    case .sweep(let name, let axes, let options, let body):
      let parts = (name.map { ["\"\($0)\""] } ?? []) + axes.map { "\($0.variable.name) \($0.values)" }
        + options.map { "\($0.label?.name ?? ""): \($0.value)" }
      return "(sweep \(parts.joined(separator: " ")) \(body))"
    }
  }
}

extension Expr: CustomStringConvertible {
  public var description: String {
    switch kind {
    case .number(let value):
      return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    case .string(let value): return "\"\(value)\""
    case .bool(let value): return String(value)
    case .nilLiteral: return "nil"
    case .name(let name): return name
    case .list(let items): return "[" + items.map(\.description).joined(separator: " ") + "]"
    case .record(let fields):
      return "{" + fields.map { "\($0.key.name): \($0.value)" }.joined(separator: ", ") + "}"
    case .range(let low, let high, let inclusive):
      return "(\(inclusive ? "..." : "..<") \(low) \(high))"
    case .unary(let op, let operand): return "(\(op.rawValue) \(operand))"
    case .binary(let op, let lhs, let rhs, _): return "(\(op.rawValue) \(lhs) \(rhs))"
    case .call(let callee, let arguments, let trailing):
      var parts = [callee.description]
      for argument in arguments {
        parts.append(argument.label.map { "\($0.name): " } .map { $0 + argument.value.description }
          ?? argument.value.description)
      }
      if let trailing { parts.append(trailing.description) }
      return "(call " + parts.joined(separator: " ") + ")"
    case .field(let object, let name): return "(. \(object) \(name.name))"
    case .index(let object, let index): return "(index \(object) \(index))"
    case .slice(let object, let items):
      let parts = items.map { item -> String in
        switch item {
        case .value(let e): return e.description
        case .all: return ".."
        case .open(let lower, let upper, let inclusive):
          return (lower?.description ?? "") + (upper == nil ? ".." : inclusive ? "..." : "..<") + (upper?.description ?? "")
        }
      }
      return "(slice \(object) \(parts.joined(separator: " ")))"
    case .function(let parameters, let body):
      return "(fn (\(parameters.map(\.name).joined(separator: " "))) \(body))"
    case .ifElse(let condition, let then, let otherwise):
      return "(if \(condition) \(then)" + (otherwise.map { " \($0)" } ?? "") + ")"
    }
  }
}
