/// Turns source text into tokens. Never throws: an unknown character becomes an `.invalid`
/// token plus a diagnostic.
///
/// Line breaks are `.newline` tokens (statement separators) except inside `(...)` and `[...]`,
/// and after a token that cannot end a statement (binary operators, `,`, `=`, opening brackets).
/// Inside `{...}` they stay significant, so a function body inside call arguments keeps its
/// statement separators. Runs of line breaks produce one token.
public struct Lexer {
  let file: SourceFile
  let bytes: [UInt8]
  var position = 0
  var tokens: [Token] = []
  var diagnostics = DiagnosticBag()
  /// Open brackets, innermost last.
  var brackets: [UInt8] = []

  public init(_ file: SourceFile) {
    self.file = file
    self.bytes = file.bytes
  }

  /// Lexes the whole file; the last token is `.endOfFile`.
  public static func tokenize(_ file: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
    var lexer = Lexer(file)
    lexer.run()
    return (lexer.tokens, lexer.diagnostics.diagnostics)
  }

  mutating func run() {
    while position < bytes.count {
      scanToken()
    }
    emit(.endOfFile, bytes.count..<bytes.count)
  }

  // MARK: - Scanning

  mutating func scanToken() {
    let start = position
    let byte = bytes[position]
    position += 1
    switch byte {
    case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
      return
    case UInt8(ascii: "\n"):
      newline(at: start)
    case UInt8(ascii: "#"):
      while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
    case UInt8(ascii: "\""):
      string(from: start)
    case UInt8(ascii: "0")...UInt8(ascii: "9"):
      number(from: start)
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "_"):
      while position < bytes.count, Self.isIdentifierByte(bytes[position]) { position += 1 }
      let word = String(decoding: bytes[start..<position], as: UTF8.self)
      emit(Token.keywords[word] ?? .identifier, start..<position)
    default:
      punctuation(byte, from: start)
    }
  }

  mutating func newline(at start: Int) {
    if let open = brackets.last, open != UInt8(ascii: "{") { return }
    guard let last = tokens.last else { return }
    if last.kind == .newline || last.kind.continuesLine { return }
    emit(.newline, start..<start + 1)
  }

  mutating func punctuation(_ byte: UInt8, from start: Int) {
    let kind: Token.Kind
    switch byte {
    case UInt8(ascii: "+"): kind = match("=") ? .plusEqual : .plus
    case UInt8(ascii: "-"): kind = match("=") ? .minusEqual : .minus
    case UInt8(ascii: "*"): kind = match("=") ? .starEqual : match("*") ? .starStar : .star
    case UInt8(ascii: "/"): kind = match("=") ? .slashEqual : .slash
    case UInt8(ascii: "%"): kind = .percent
    case UInt8(ascii: "@"): kind = .at
    case UInt8(ascii: "="): kind = match("=") ? .equalEqual : .equal
    case UInt8(ascii: "!"): kind = match("=") ? .bangEqual : .not
    case UInt8(ascii: "<"): kind = match("=") ? .lessEqual : .less
    case UInt8(ascii: ">"): kind = match("=") ? .greaterEqual : .greater
    case UInt8(ascii: ","): kind = .comma
    case UInt8(ascii: ":"): kind = .colon
    case UInt8(ascii: ";"): kind = .semicolon
    case UInt8(ascii: "&") where match("&"): kind = .and
    case UInt8(ascii: "|") where match("|"): kind = .or
    case UInt8(ascii: "."):
      if peek(0) == UInt8(ascii: "."), peek(1) == UInt8(ascii: ".") {
        position += 2
        kind = .closedRange
      } else if peek(0) == UInt8(ascii: "."), peek(1) == UInt8(ascii: "<") {
        position += 2
        kind = .halfOpenRange
      } else if peek(0) == UInt8(ascii: ".") {
        position += 1
        kind = .dotDot
      } else {
        kind = .dot
      }
    case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
      brackets.append(byte)
      kind = byte == UInt8(ascii: "(") ? .leftParen : byte == UInt8(ascii: "[") ? .leftBracket : .leftBrace
    case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
      closeBracket(byte)
      kind = byte == UInt8(ascii: ")") ? .rightParen : byte == UInt8(ascii: "]") ? .rightBracket : .rightBrace
    default:
      invalidCharacter(from: start)
      return
    }
    emit(kind, start..<position)
  }

  /// Pops the matching opener; a stray closer leaves the stack alone, so the parser reports it.
  mutating func closeBracket(_ byte: UInt8) {
    let opener: UInt8 =
      byte == UInt8(ascii: ")") ? UInt8(ascii: "(") : byte == UInt8(ascii: "]") ? UInt8(ascii: "[") : UInt8(ascii: "{")
    if let index = brackets.lastIndex(of: opener) {
      brackets.removeSubrange(index...)
    }
  }

  mutating func invalidCharacter(from start: Int) {
    // Consume a whole UTF-8 scalar so the diagnostic shows one character.
    while position < bytes.count, bytes[position] & 0xC0 == 0x80 { position += 1 }
    let text = file.text(in: start..<position)
    let shown = text == "&" || text == "|" ? "'\(text)' (did you mean '\(text)\(text)'?)" : "'\(text)'"
    diagnostics.error(.unexpectedCharacter, "unexpected character \(shown)", at: span(start..<position))
    emit(.invalid, start..<position)
  }

  mutating func number(from start: Int) {
    digits()
    if peek(0) == UInt8(ascii: "."), let next = peek(1), Self.isDigit(next) {
      position += 1
      digits()
    }
    if let e = peek(0), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
      var look = 1
      if let sign = peek(1), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { look = 2 }
      if let digit = peek(look), Self.isDigit(digit) {
        position += look
        digits()
      }
    }
    // A letter glued to a number (`3x`, `1e`) is a malformed number, not two tokens.
    if let next = peek(0), Self.isIdentifierByte(next) {
      while position < bytes.count, Self.isIdentifierByte(bytes[position]) { position += 1 }
      diagnostics.error(
        .invalidNumber, "invalid number literal '\(file.text(in: start..<position))'",
        at: span(start..<position))
      emit(.invalid, start..<position)
      return
    }
    if let value = Lexer.numberValue(file.text(in: start..<position)), !value.isFinite {
      diagnostics.error(.invalidNumber, "number literal is too large", at: span(start..<position))
    }
    emit(.number, start..<position)
  }

  mutating func digits() {
    while let byte = peek(0), Self.isDigit(byte) || byte == UInt8(ascii: "_") { position += 1 }
  }

  mutating func string(from start: Int) {
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        position += 1
        emit(.string, start..<position)
        return
      }
      if byte == UInt8(ascii: "\n") { break }
      if byte == UInt8(ascii: "\\") {
        escape()
      } else {
        position += 1
      }
    }
    diagnostics.error(.unterminatedString, "unterminated string literal", at: span(start..<position))
    emit(.invalid, start..<position)
  }

  mutating func escape() {
    let start = position
    position += 1
    guard let next = peek(0), next != UInt8(ascii: "\n") else {
      diagnostics.error(.invalidEscape, "incomplete escape sequence", at: span(start..<position))
      return
    }
    position += 1
    switch next {
    case UInt8(ascii: "n"), UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "0"),
      UInt8(ascii: "\\"), UInt8(ascii: "\""):
      return
    case UInt8(ascii: "u") where peek(0) == UInt8(ascii: "{"):
      var end = position + 1
      while end < bytes.count, end - position <= 9, Self.isHexDigit(bytes[end]) { end += 1 }
      let hex = file.text(in: position + 1..<end)
      if end < bytes.count, bytes[end] == UInt8(ascii: "}"), !hex.isEmpty,
        let code = UInt32(hex, radix: 16), Unicode.Scalar(code) != nil
      {
        position = end + 1
        return
      }
      diagnostics.error(
        .invalidEscape, "invalid unicode escape; expected '\\u{' hex digits '}'",
        at: span(start..<position))
    default:
      while position < bytes.count, bytes[position] & 0xC0 == 0x80 { position += 1 }
      diagnostics.error(
        .invalidEscape, "invalid escape sequence '\(file.text(in: start..<position))'",
        at: span(start..<position))
    }
  }

  // MARK: - Helpers

  mutating func match(_ scalar: Unicode.Scalar) -> Bool {
    guard position < bytes.count, bytes[position] == UInt8(ascii: scalar) else { return false }
    position += 1
    return true
  }

  func peek(_ offset: Int) -> UInt8? {
    position + offset < bytes.count ? bytes[position + offset] : nil
  }

  func span(_ range: Range<Int>) -> SourceSpan { SourceSpan(file, range) }

  mutating func emit(_ kind: Token.Kind, _ range: Range<Int>) {
    tokens.append(Token(kind: kind, span: span(range)))
  }

  static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
  static func isHexDigit(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102)
  }
  static func isIdentifierByte(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95
  }

  // MARK: - Literal values

  /// The value of a number lexeme (`1_000`, `1e-3`); nil when malformed.
  public static func numberValue(_ lexeme: String) -> Double? {
    Double(String(lexeme.filter { $0 != "_" }))
  }

  /// The decoded contents of a string lexeme (with its quotes). Invalid escapes, already
  /// reported by the lexer, are dropped.
  public static func stringValue(_ lexeme: String) -> String {
    var scalars = Array(lexeme.unicodeScalars)
    if scalars.first == "\"" { scalars.removeFirst() }
    if scalars.last == "\"" { scalars.removeLast() }
    var out = String.UnicodeScalarView()
    var index = 0
    while index < scalars.count {
      let scalar = scalars[index]
      index += 1
      guard scalar == "\\", index < scalars.count else {
        if scalar != "\\" { out.append(scalar) }
        continue
      }
      let code = scalars[index]
      index += 1
      switch code {
      case "n": out.append("\n")
      case "t": out.append("\t")
      case "r": out.append("\r")
      case "0": out.append("\0")
      case "\\": out.append("\\")
      case "\"": out.append("\"")
      case "u":
        var hex = ""
        if index < scalars.count, scalars[index] == "{" {
          index += 1
          while index < scalars.count, scalars[index] != "}" {
            hex.unicodeScalars.append(scalars[index])
            index += 1
          }
          index += 1
        }
        if let value = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(value) {
          out.append(decoded)
        }
      default: break
      }
    }
    return String(out)
  }
}
