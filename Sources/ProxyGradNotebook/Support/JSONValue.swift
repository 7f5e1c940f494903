/// A JSON value with a deterministic writer.
///
/// Objects keep their members in the order given; `serialized(sortedKeys: true)` sorts them by
/// Unicode scalar order instead (what `json.dumps(sort_keys=True)` does for the keys used here).
/// Doubles are written in Swift's shortest round-trip form (`0.1`, `3.0`, `1e-05`); NaN and the
/// infinities, which JSON cannot hold, are written as `null`. Strings keep non-ASCII characters
/// as UTF-8 and escape only `"`, `\` and control characters.
package indirect enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.int(let a), .int(let b)): return a == b
    case (.double(let a), .double(let b)): return a == b || (a.isNaN && b.isNaN)
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// A string value, or `null` for `nil`.
  package static func optional(_ string: String?) -> JSONValue {
    string.map(JSONValue.string) ?? .null
  }

  /// The value as JSON text.
  /// - Parameters:
  ///   - indent: spaces per nesting level; 0 writes everything on one line.
  ///   - sortedKeys: sort object members by key.
  /// - Returns: the text, ending with a newline when `indent > 0`.
  package func serialized(indent: Int = 2, sortedKeys: Bool = false) -> String {
    var out = ""
    write(into: &out, level: 0, indent: indent, sortedKeys: sortedKeys)
    if indent > 0 { out += "\n" }
    return out
  }

  private func write(into out: inout String, level: Int, indent: Int, sortedKeys: Bool) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d): out += JSONValue.number(d)
    case .string(let s): JSONValue.writeString(s, into: &out)
    case .array(let items):
      writeContainer(
        open: "[", close: "]", count: items.count, into: &out, level: level, indent: indent
      ) { i, out in
        items[i].write(into: &out, level: level + 1, indent: indent, sortedKeys: sortedKeys)
      }
    case .object(let members):
      let ordered =
        sortedKeys
        ? members.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
        : members
      writeContainer(
        open: "{", close: "}", count: ordered.count, into: &out, level: level, indent: indent
      ) { i, out in
        JSONValue.writeString(ordered[i].0, into: &out)
        out += indent > 0 ? ": " : ":"
        ordered[i].1.write(into: &out, level: level + 1, indent: indent, sortedKeys: sortedKeys)
      }
    }
  }

  private func writeContainer(
    open: String, close: String, count: Int, into out: inout String, level: Int, indent: Int,
    element: (Int, inout String) -> Void
  ) {
    out += open
    guard count > 0 else {
      out += close
      return
    }
    let inner = String(repeating: " ", count: indent * (level + 1))
    for i in 0..<count {
      if i > 0 { out += "," }
      if indent > 0 { out += "\n" + inner }
      element(i, &out)
    }
    if indent > 0 { out += "\n" + String(repeating: " ", count: indent * level) }
    out += close
  }

  /// A double in JSON: shortest round-trip digits, `null` when not finite.
  static func number(_ d: Double) -> String {
    d.isFinite ? "\(d)" : "null"
  }

  static func writeString(_ s: String, into out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}
