extension Parser {
  /// Skips to the next statement boundary after a syntax error: a line break or `;` outside any
  /// brace opened since the error, or the `}` that closes the enclosing block (left for the
  /// block to consume).
  mutating func synchronize() {
    var braces = 0
    while !isAtEnd {
      switch peek.kind {
      case .newline where braces == 0, .semicolon where braces == 0:
        advance()
        return
      case .leftBrace:
        braces += 1
      case .rightBrace:
        if braces == 0 { return }
        braces -= 1
      default:
        break
      }
      advance()
    }
  }

  /// Guards recursion depth so that hostile input (`((((((...`) cannot overflow the stack.
  mutating func enterNesting() throws(ParseError) {
    depth += 1
    if depth > Parser.maximumNesting {
      depth -= 1
      throw fail(.nestingTooDeep, "expression is nested too deeply (more than \(Parser.maximumNesting) levels)")
    }
  }

  mutating func leaveNesting() { depth -= 1 }
}

/// Whether REPL input so far is a whole program, the start of one, or hopeless.
public enum Completeness: Equatable, Sendable {
  case complete
  /// More lines could complete it: an open bracket, a trailing operator, `if x` without a body.
  case incomplete
  /// It has an error that more input cannot fix.
  case invalid
}

extension Parser {
  /// Decides whether the REPL should ask for another line: open brackets or a trailing operator
  /// mean incomplete; errors only at the end of input mean incomplete; other errors, invalid.
  public static func isComplete(_ source: String) -> Completeness {
    let file = SourceFile(path: "<repl>", text: source)
    let (tokens, lexical) = Lexer.tokenize(file)
    var open = 0
    for token in tokens {
      switch token.kind {
      case .leftParen, .leftBracket, .leftBrace: open += 1
      case .rightParen, .rightBracket, .rightBrace: open -= 1
      default: break
      }
    }
    if !lexical.isEmpty { return .invalid }
    let significant = tokens.last { $0.kind != .newline && $0.kind != .endOfFile }
    if open > 0 { return .incomplete }
    if let last = significant, last.kind.continuesLine { return .incomplete }
    var parser = Parser(tokens: tokens, file: file)
    _ = parser.parseProgram()
    let errors = parser.diagnostics.diagnostics
    if errors.isEmpty { return .complete }
    let end = file.bytes.count
    return errors.allSatisfy({ $0.span.start >= end }) ? .incomplete : .invalid
  }
}
