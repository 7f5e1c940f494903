import Testing

@testable import ProxyGradSyntax

@Suite struct LexerTests {
  func kinds(_ text: String) -> [Token.Kind] {
    Lexer.tokenize(SourceFile(path: "t.pgs", text: text)).tokens.map(\.kind)
  }

  @Test func tokensCarryExactSpans() {
    let file = SourceFile(path: "t.pgs", text: "x += 1e-3")
    let (tokens, diagnostics) = Lexer.tokenize(file)
    #expect(diagnostics.isEmpty)
    #expect(
      tokens == [
        Token(kind: .identifier, span: SourceSpan(file, 0..<1)),
        Token(kind: .plusEqual, span: SourceSpan(file, 2..<4)),
        Token(kind: .number, span: SourceSpan(file, 5..<9)),
        Token(kind: .endOfFile, span: SourceSpan(file, 9..<9)),
      ])
  }

  @Test func rangesAreNotNumbers() {
    #expect(kinds("1...3") == [.number, .closedRange, .number, .endOfFile])
    #expect(kinds("0..<5") == [.number, .halfOpenRange, .number, .endOfFile])
    #expect(kinds("1.5.x") == [.number, .dot, .identifier, .endOfFile])
  }

  @Test func newlinesSeparateStatementsButNotInsideParentheses() {
    #expect(kinds("a\n\n\nb") == [.identifier, .newline, .identifier, .endOfFile])
    #expect(kinds("f(1,\n2\n)") == [.identifier, .leftParen, .number, .comma, .number, .rightParen, .endOfFile])
    #expect(kinds("a +\nb") == [.identifier, .plus, .identifier, .endOfFile])
    #expect(kinds("[1\n]") == [.leftBracket, .number, .rightBracket, .endOfFile])
  }

  @Test func newlinesInsideBracesInsideParenthesesStaySignificant() {
    #expect(
      kinds("f(fn() {\na\nb\n})") == [
        .identifier, .leftParen, .fnKeyword, .leftParen, .rightParen, .leftBrace, .identifier,
        .newline, .identifier, .newline, .rightBrace, .rightParen, .endOfFile,
      ])
  }

  @Test func commentsAreSkipped() {
    #expect(kinds("a # note\nb") == [.identifier, .newline, .identifier, .endOfFile])
  }

  @Test func keywordsAndSymbolicLogicOperators() {
    #expect(kinds("a and b && c or d || not e !f") == [
      .identifier, .and, .identifier, .and, .identifier, .or, .identifier, .or,
      .not, .identifier, .not, .identifier, .endOfFile,
    ])
  }

  @Test func stringEscapesDecode() {
    #expect(Lexer.stringValue(#""a\n\t\"q\"\\ \u{41}""#) == "a\n\t\"q\"\\ A")
  }

  @Test func numbersWithExponentsAndSeparators() {
    #expect(Lexer.numberValue("1e-3") == 0.001)
    #expect(Lexer.numberValue("1_000") == 1000)
    #expect(Lexer.numberValue("2.5E+2") == 250)
  }

  @Test func invalidCharacterBecomesInvalidTokenAndDiagnostic() {
    let file = SourceFile(path: "t.pgs", text: "a $ b")
    let (tokens, diagnostics) = Lexer.tokenize(file)
    #expect(tokens.map(\.kind) == [.identifier, .invalid, .identifier, .endOfFile])
    #expect(
      diagnostics == [
        Diagnostic(.unexpectedCharacter, "unexpected character '$'", at: SourceSpan(file, 2..<3))
      ])
  }

  @Test func unterminatedStringAndBadEscape() {
    let file = SourceFile(path: "t.pgs", text: "\"ab\\q\n\"open")
    let (_, diagnostics) = Lexer.tokenize(file)
    #expect(diagnostics.map(\.message) == [
      "invalid escape sequence '\\q'", "unterminated string literal", "unterminated string literal",
    ])
    #expect(diagnostics.map(\.code) == [.invalidEscape, .unterminatedString, .unterminatedString])
  }

  @Test func malformedAndHugeNumbers() {
    let file = SourceFile(path: "t.pgs", text: "3x 1e999")
    let (_, diagnostics) = Lexer.tokenize(file)
    #expect(diagnostics.map(\.message) == ["invalid number literal '3x'", "number literal is too large"])
  }
}
