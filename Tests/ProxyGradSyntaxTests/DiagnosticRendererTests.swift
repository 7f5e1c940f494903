import Testing

@testable import ProxyGradSyntax

@Suite struct DiagnosticRendererTests {
  @Test func humanModeUnderlinesTheSpan() {
    let file = SourceFile(path: "nb.pgs", text: "x = 1\ny = foo(1, 2\nz = 3\n")
    let diagnostic = Diagnostic(.expectedToken, "expected ')' after arguments", at: SourceSpan(file, 10..<13))
    #expect(
      DiagnosticRenderer().render(diagnostic) == """
        nb.pgs:2:5: error[E0102]: expected ')' after arguments
        2 | y = foo(1, 2
          |     ^~~

        """)
  }

  @Test func plainModeIsOneLine() {
    let file = SourceFile(path: "nb.pgs", text: "a\nb $")
    let diagnostic = Diagnostic(.unexpectedCharacter, "unexpected character '$'", at: SourceSpan(file, 4..<5))
    #expect(DiagnosticRenderer(mode: .plain).render(diagnostic) == "nb.pgs:2:3: error: unexpected character '$'\n")
  }

  @Test func emptySpanAtEndOfLineGetsOneCaret() {
    let file = SourceFile(path: "a.pgs", text: "f(1")
    let diagnostic = Diagnostic(.expectedToken, "expected ')'", at: SourceSpan(file, 3..<3))
    #expect(DiagnosticRenderer(showsCodes: false).render(diagnostic) == "a.pgs:1:4: error: expected ')'\n1 | f(1\n  |    ^\n")
  }

  @Test func notesWithSpansAreRenderedWithTheirLine() {
    let file = SourceFile(path: "a.pgs", text: "if x {\n")
    let diagnostic = Diagnostic(
      .expectedToken, "expected '}'", at: SourceSpan(file, 7..<7),
      notes: [.init("the block starts here", span: SourceSpan(file, 5..<6))])
    #expect(
      DiagnosticRenderer(showsCodes: false).render(diagnostic) == """
        a.pgs:2:1: error: expected '}'
        2 | 
          | ^
        a.pgs:1:6: note: the block starts here
        1 | if x {
          |      ^

        """)
  }

  @Test func columnsCountCharactersNotBytes() {
    let file = SourceFile(path: "u.pgs", text: "s = \"é\" $")
    #expect(file.location(of: 9) == (1, 9))
  }
}
