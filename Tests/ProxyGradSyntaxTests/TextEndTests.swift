import ProxyGradSyntax
import Testing

@Suite struct TextEndTests {
  @Test func codeStringsAndComments() {
    #expect(TextEnd(of: "x = 1 + ") == .code)
    #expect(TextEnd(of: "load(\"runs/a") == .string(contentStart: 6))
    #expect(TextEnd(of: "s = \"a\" + \"b\" ") == .code)
    #expect(TextEnd(of: "x = 1  # note") == .comment)
    #expect(TextEnd(of: "s = \"# not a comment") == .string(contentStart: 5))
  }

  @Test func escapedQuotesStayInsideTheString() {
    #expect(TextEnd(of: #"s = "say \"hi"#) == .string(contentStart: 5))
    #expect(TextEnd(of: #"s = "a\\" + x"#) == .code)
  }
}
