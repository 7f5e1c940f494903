/// Recursive-descent parser for PGS. Reports every syntax error of a file: after an error it
/// skips to the next statement boundary (``synchronize()``) and goes on.
///
/// Grammar (newlines or `;` separate statements):
/// ```
/// program    = statement* EOF
/// statement  = "for" NAME "in" expr block | "while" expr block | "break" | "continue"
///            | "return" expr? | "sweep" (STRING ":")? item ("," item)* block
///            where item = NAME "in" expr | NAME ":" expr (an option)
///            | expr (("=" | "+=" | "-=" | "*=" | "/=") expr)?
/// expr       = or ;  or = and ("or" and)* ; and = not ("and" not)* ; not = "not" not | compare
/// compare    = range (("==" | "!=" | "<" | "<=" | ">" | ">=") range)?
/// range      = additive (("..." | "..<") additive)?
/// additive   = term (("+" | "-") term)* ; term = unary (("*" | "/" | "%" | "@") unary)*
/// unary      = "-" unary | postfix
/// postfix    = (NAME block | primary) ("(" arguments ")" block? | "." NAME | "[" expr "]")*
/// primary    = NUMBER | STRING | "true" | "false" | "nil" | NAME | "(" expr ")"
///            | "[" (expr ("," expr)*)? "]" | "{" (NAME ":" expr ("," ...)*)? "}"
///            | "fn" "(" (NAME ("," NAME)*)? ")" block | "if" expr block ("else" (if | block))?
/// ```
public struct Parser {
  let file: SourceFile
  let tokens: [Token]
  var current = 0
  var diagnostics = DiagnosticBag()
  /// Parsing an `if`/`while`/`for` head: a `{` ends the expression instead of starting a record
  /// or a trailing block.
  var inConditionHead = false
  var depth = 0

  /// Deeper nesting than this is a syntax error, which keeps every later stage's recursion bounded.
  /// Operator chains (`a + b + c`, `a.b.c`) count too: each link is one level of the tree.
  public static let maximumNesting = 256

  struct ParseError: Error {}

  public init(tokens: [Token], file: SourceFile) {
    self.file = file
    self.tokens = tokens.isEmpty ? [Token(kind: .endOfFile, span: SourceSpan(file, 0..<0))] : tokens
  }

  /// Lexes and parses a file. The diagnostics hold lexical errors first, then syntax errors.
  public static func parse(_ file: SourceFile) -> (program: Program, diagnostics: [Diagnostic]) {
    let (tokens, lexical) = Lexer.tokenize(file)
    var parser = Parser(tokens: tokens, file: file)
    let program = parser.parseProgram()
    let all = (lexical + parser.diagnostics.diagnostics).enumerated().sorted {
      ($0.element.span.start, $0.offset) < ($1.element.span.start, $1.offset)
    }
    return (program, all.map(\.element))
  }

  public mutating func parseProgram() -> Program {
    var statements: [Stmt] = []
    skipSeparators()
    while !isAtEnd {
      if check(.rightBrace) {
        error(.expectedExpression, "unexpected '}' without a matching '{'", at: peek.span)
        advance()
      } else if let statement = statementRecovering() {
        statements.append(statement)
      }
      skipSeparators()
    }
    return Program(statements: statements, file: file)
  }

  /// One statement; on a syntax error, nil after skipping to the next statement boundary.
  mutating func statementRecovering() -> Stmt? {
    do {
      let statement = try statement()
      if check(.invalid) {
        synchronize()  // the lexer has reported it
      } else if !check(.newline), !check(.semicolon), !check(.rightBrace), !isAtEnd {
        error(
          .expectedToken, "expected end of statement, found \(describe(peek))", at: peek.span)
        synchronize()
      }
      return statement
    } catch {
      synchronize()
      return nil
    }
  }

  // MARK: - Token helpers

  var peek: Token { tokens[current] }
  var previous: Token { tokens[max(current - 1, 0)] }
  var isAtEnd: Bool { peek.kind == .endOfFile }

  func check(_ kind: Token.Kind) -> Bool { peek.kind == kind }

  @discardableResult
  mutating func advance() -> Token {
    let token = tokens[current]
    if !isAtEnd { current += 1 }
    return token
  }

  mutating func match(_ kinds: Token.Kind...) -> Bool {
    guard kinds.contains(peek.kind) else { return false }
    advance()
    return true
  }

  /// Consumes a token of the given kind or reports `expected X <context>, found Y`.
  @discardableResult
  mutating func consume(_ kind: Token.Kind, _ context: String) throws(ParseError) -> Token {
    if check(kind) { return advance() }
    throw fail(.expectedToken, "expected \(kind.displayName) \(context), found \(describe(peek))")
  }

  mutating func skipNewlines() {
    while check(.newline) { advance() }
  }

  mutating func skipSeparators() {
    while check(.newline) || check(.semicolon) { advance() }
  }

  func describe(_ token: Token) -> String {
    switch token.kind {
    case .identifier: return "'\(token.lexeme)'"
    case .number: return "number \(token.lexeme)"
    case .string: return "string \(token.lexeme)"
    case .invalid: return "'\(token.lexeme)'"
    default: return token.kind.displayName
    }
  }

  // MARK: - Errors

  mutating func error(_ code: DiagnosticCode, _ message: String, at span: SourceSpan) {
    // One error per position: a cascade at the same token says nothing new.
    if let last = diagnostics.diagnostics.last, last.span.start == span.start { return }
    diagnostics.error(code, message, at: span)
  }

  /// Reports an error at the current token and returns the error to throw.
  mutating func fail(_ code: DiagnosticCode, _ message: String) -> ParseError {
    var span = peek.span
    // A missing token at a line end is reported at the end of the previous token.
    if peek.kind == .newline || peek.kind == .endOfFile, current > 0 {
      span = SourceSpan(file, previous.span.end..<previous.span.end)
      if peek.kind == .endOfFile { span = SourceSpan(file, peek.span.start..<peek.span.start) }
    }
    error(code, message, at: span)
    return ParseError()
  }

  func span(from start: SourceSpan) -> SourceSpan {
    SourceSpan(file, start.start..<max(start.start, previous.span.end))
  }
}
