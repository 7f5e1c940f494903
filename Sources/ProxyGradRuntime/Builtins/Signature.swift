/// A builtin's declaration: how a call reads, parsed once into what the resolver, the argument
/// readers, completion and the reference need (docs/architecture.md §5, "A builtin").
///
/// The text is one or more forms joined by ` or `:
///
///     conv(out, kernel, stride: 1, pad: 0, name: nil)
///     relu(t) or relu(name: nil)
///     concat(tensors, axis: 0) or concat(name: nil) { branches }
///
/// Inside the parentheses, in order:
/// - `x`: a positional parameter;
/// - `xs...`: any number of positional arguments (`print(values...)`);
/// - `...` after positional parameters: any number more of them (`zip(a, b, ...)`);
/// - `label: default`: a named argument and what it is when the call leaves it out: a literal
///   (`1`, `-1`, `0.8`, `"diverging"`, `true`, `nil`, `[1, 28, 28]`), a call of a builtin with
///   literal arguments (`plain()`, `adam(lr: 0.001)`), a positional parameter of the same form
///   (`stride: kernel`, computed by the body), or anything else, which names what the caller
///   must give (`input: shape`, `x: column`);
/// - `...` after a named argument: any label (`record(name: value, ...)`).
///
/// A trailing `{ ... }` says the form takes a block. Positional counts of the forms must make one
/// contiguous range, and a label in several forms must have one default.
public final class Signature: Sendable {
  /// The most positional arguments a variadic form accepts.
  static let variadicLimit = 255

  /// What a named argument is when a call leaves it out.
  public enum Default: Sendable {
    case literal(Literal)
    /// A builtin called with literal arguments (`adam(lr: 0.001)`).
    case call(name: String, positional: [Literal], named: [Named])
    /// Computed by the body from a positional parameter (`stride: kernel`).
    case parameter(String)
    /// The caller must give it; the text says what (`input: shape`).
    case required(String)
  }

  public struct Named: Sendable {
    public let label: String
    public let value: Literal
  }

  /// A constant of the language: what a default can be without running anything.
  public indirect enum Literal: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case none
    case list([Literal])

    /// A fresh value (lists are shared by reference, so each read gets its own).
    var value: Value {
      switch self {
      case .number(let x): return .number(x)
      case .string(let s): return .string(s)
      case .bool(let b): return .bool(b)
      case .none: return .none
      case .list(let items): return .list(ListBox(items.map(\.value)))
      }
    }
  }

  public struct Parameter: Sendable {
    public let label: String
    /// The default as written.
    public let text: String
    public let defaultValue: Default
  }

  public struct Form: Sendable {
    public let positional: [String]
    /// Accepts more positional arguments than it names.
    public let variadic: Bool
    public let parameters: [Parameter]
    /// Accepts any label (`record(name: value, ...)`).
    public let anyLabel: Bool
    /// What the trailing block holds, when the form takes one.
    public let block: String?

    var arity: ClosedRange<Int> { positional.count...(variadic ? Signature.variadicLimit : positional.count) }
  }

  public struct Malformed: Error, CustomStringConvertible, Equatable {
    public let description: String
  }

  public let text: String
  public let name: String
  public let forms: [Form]
  /// Allowed number of positional arguments: the union of the forms'.
  public let arity: ClosedRange<Int>
  /// Allowed labels, in order of first appearance; nil accepts any label.
  public let labels: [String]?
  public let takesBlock: Bool
  let parameters: [String: Parameter]

  public init(parsing text: String) throws(Malformed) {
    self.text = text
    let forms = try Self.split(text, on: " or ").map { (piece: String) throws(Malformed) in try Self.form(piece) }
    let names = Set(forms.map(\.name))
    guard names.count == 1, let name = names.first else {
      throw Malformed(description: "the forms of '\(text)' name different functions: \(forms.map(\.name))")
    }
    self.name = name
    self.forms = forms.map(\.form)
    let ranges = self.forms.map(\.arity).sorted { $0.lowerBound < $1.lowerBound }
    var arity = ranges[0]
    for range in ranges.dropFirst() {
      guard range.lowerBound <= arity.upperBound + 1 else {
        throw Malformed(description: "the forms of '\(text)' leave a gap in the number of positional arguments")
      }
      arity = arity.lowerBound...max(arity.upperBound, range.upperBound)
    }
    self.arity = arity
    var parameters: [String: Parameter] = [:]
    var labels: [String] = []
    for parameter in self.forms.flatMap(\.parameters) {
      if let earlier = parameters[parameter.label] {
        guard earlier.text == parameter.text else {
          throw Malformed(description: "'\(parameter.label):' has two defaults in '\(text)'")
        }
        continue
      }
      parameters[parameter.label] = parameter
      labels.append(parameter.label)
    }
    self.parameters = parameters
    self.labels = self.forms.contains(where: \.anyLabel) ? nil : labels
    self.takesBlock = self.forms.contains { $0.block != nil }
  }

  /// The declaration of `label`, when the signature names it.
  public func parameter(_ label: String) -> Parameter? { parameters[label] }

  /// Whether a call may pass `label:`.
  public func accepts(_ label: String) -> Bool { labels.map { $0.contains(label) } ?? true }

  // MARK: - Parsing

  static func form(_ text: String) throws(Malformed) -> (name: String, form: Form) {
    var rest = Substring(text)
    var block: String?
    if rest.hasSuffix("}"), let open = rest.lastIndex(of: "{") {
      block = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)].trimmingSpaces
      rest = rest[..<open].trimmingSpacesSubstring
    }
    guard let open = rest.firstIndex(of: "("), rest.hasSuffix(")") else {
      throw Malformed(description: "expected name(...) in '\(text)'")
    }
    let name = String(rest[..<open])
    guard isIdentifier(name) else { throw Malformed(description: "'\(name)' is not a name in '\(text)'") }
    let inner = String(rest[rest.index(after: open)..<rest.index(before: rest.endIndex)])
    var positional: [String] = []
    var variadic = false
    var parameters: [Parameter] = []
    var anyLabel = false
    for item in try split(inner, on: ",") where !item.isEmpty {
      guard !anyLabel, !(variadic && item != "...") else {
        throw Malformed(description: "nothing may follow '...' in '\(text)'")
      }
      if item == "..." {
        if parameters.isEmpty, !positional.isEmpty { variadic = true } else if !parameters.isEmpty { anyLabel = true } else {
          throw Malformed(description: "'...' follows nothing in '\(text)'")
        }
      } else if let colon = item.firstIndex(of: ":") {
        let label = String(item[..<colon])
        let written = item[item.index(after: colon)...].trimmingSpaces
        guard isIdentifier(label), !written.isEmpty else {
          throw Malformed(description: "expected label: default, got '\(item)' in '\(text)'")
        }
        guard !parameters.contains(where: { $0.label == label }) else {
          throw Malformed(description: "'\(label):' is declared twice in '\(text)'")
        }
        parameters.append(Parameter(label: label, text: written, defaultValue: defaultValue(written, positional: positional)))
      } else {
        guard parameters.isEmpty else {
          throw Malformed(description: "positional parameter '\(item)' after named ones in '\(text)'")
        }
        let bare = item.hasSuffix("...") ? String(item.dropLast(3)) : item
        guard isIdentifier(bare) else { throw Malformed(description: "'\(item)' is not a parameter in '\(text)'") }
        if item.hasSuffix("...") { variadic = true } else { positional.append(bare) }
      }
    }
    return (name, Form(positional: positional, variadic: variadic, parameters: parameters, anyLabel: anyLabel, block: block))
  }

  static func defaultValue(_ text: String, positional: [String]) -> Default {
    if let literal = literal(text) { return .literal(literal) }
    if positional.contains(text) { return .parameter(text) }
    if let open = text.firstIndex(of: "("), text.hasSuffix(")"), isIdentifier(String(text[..<open])),
      let items = try? split(String(text[text.index(after: open)..<text.index(before: text.endIndex)]), on: ",")
    {
      var positional: [Literal] = []
      var named: [Named] = []
      for item in items where !item.isEmpty {
        if let colon = item.firstIndex(of: ":"), isIdentifier(String(item[..<colon])),
          let value = literal(item[item.index(after: colon)...].trimmingSpaces)
        {
          named.append(Named(label: String(item[..<colon]), value: value))
        } else if named.isEmpty, let value = literal(item) {
          positional.append(value)
        } else {
          return .required(text)
        }
      }
      return .call(name: String(text[..<open]), positional: positional, named: named)
    }
    return .required(text)
  }

  /// A literal written as the language writes it, or nil.
  static func literal(_ text: String) -> Literal? {
    switch text {
    case "true": return .bool(true)
    case "false": return .bool(false)
    case "nil": return Literal.none
    default: break
    }
    if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") {
      let body = text.dropFirst().dropLast()
      guard !body.contains("\"") else { return nil }
      return .string(String(body))
    }
    if text.hasPrefix("["), text.hasSuffix("]") {
      guard let items = try? split(String(text.dropFirst().dropLast()), on: ",") else { return nil }
      var literals: [Literal] = []
      for item in items where !item.isEmpty {
        guard let literal = literal(item) else { return nil }
        literals.append(literal)
      }
      return .list(literals)
    }
    let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
    guard let first = digits.first, first.isNumber, let x = Double(text), x.isFinite else { return nil }
    return .number(x)
  }

  /// The pieces of `text` between top-level occurrences of `separator` (outside brackets,
  /// parentheses, braces and strings), trimmed.
  static func split(_ text: String, on separator: String) throws(Malformed) -> [String] {
    var pieces: [String] = []
    var depth = 0
    var inString = false
    var start = text.startIndex
    var i = text.startIndex
    while i < text.endIndex {
      let c = text[i]
      if inString {
        if c == "\"" { inString = false }
      } else if c == "\"" {
        inString = true
      } else if "([{".contains(c) {
        depth += 1
      } else if ")]}".contains(c) {
        depth -= 1
        guard depth >= 0 else { throw Malformed(description: "unbalanced '\(c)' in '\(text)'") }
      } else if depth == 0, text[i...].hasPrefix(separator) {
        pieces.append(text[start..<i].trimmingSpaces)
        i = text.index(i, offsetBy: separator.count)
        start = i
        continue
      }
      i = text.index(after: i)
    }
    guard depth == 0, !inString else { throw Malformed(description: "unbalanced brackets or quotes in '\(text)'") }
    pieces.append(text[start...].trimmingSpaces)
    return pieces
  }

  static func isIdentifier(_ text: String) -> Bool {
    guard let first = text.first, first.isLetter || first == "_" else { return false }
    return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
  }
}

extension Substring {
  fileprivate var trimmingSpacesSubstring: Substring {
    var s = self
    while s.first == " " || s.first == "\n" { s = s.dropFirst() }
    while s.last == " " || s.last == "\n" { s = s.dropLast() }
    return s
  }
  fileprivate var trimmingSpaces: String { String(trimmingSpacesSubstring) }
}

extension String {
  fileprivate var trimmingSpaces: String { Substring(self).trimmingSpaces }
}
