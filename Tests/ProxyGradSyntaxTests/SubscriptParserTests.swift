import Testing

@testable import ProxyGradSyntax

/// Subscripts with several items, `..`, open ranges, and the power operator.
@Suite struct SubscriptParserTests {
  func tree(_ text: String) -> String {
    let (program, diagnostics) = Parser.parse(SourceFile(path: "t.pgs", text: text))
    #expect(diagnostics.isEmpty, "unexpected errors for \(text): \(diagnostics.map(\.message))")
    return program.description
  }

  @Test func oneIndexStaysAnIndexNode() {
    #expect(tree("x[1]").contains("(index x 1)"))
    #expect(tree("x[0..<2]").contains("(index x"))
  }

  @Test func severalItemsWholeAxesAndOpenRanges() {
    #expect(tree("x[.., 3]").contains("(slice x .. 3)"))
    #expect(tree("x[1.., ..<2, ...4]").contains("(slice x 1.. ..<2 ...4)"))
    #expect(tree("x[-2..]").contains("(slice x -2..)"))
    #expect(tree("x[i, [0, 2]]").contains("(slice x i [0 2])"))
  }

  @Test func powerBindsTighterThanUnaryMinusAndIsRightAssociative() {
    let minus = tree("-2 ** 2")
    #expect(minus.contains("(- (** 2 2))"))
    #expect(!minus.contains("(** -2"))
    let chain = tree("2 ** 3 ** 2")
    #expect(chain.contains("(** 2 (** 3 2))"))
    #expect(tree("a * b ** 2").contains("(* a (** b 2))"))
    #expect(tree("2 ** -1").contains("(** 2 -1)"))
  }

  @Test func lexerTokens() {
    let kinds = Lexer.tokenize(SourceFile(path: "t", text: "a ** b[..]")).tokens.map(\.kind)
    #expect(kinds.contains(.starStar) && kinds.contains(.dotDot))
    let ranges = Lexer.tokenize(SourceFile(path: "t", text: "1...2 1..<2 x.y")).tokens.map(\.kind)
    #expect(ranges.contains(.closedRange) && ranges.contains(.halfOpenRange) && ranges.contains(.dot) && !ranges.contains(.dotDot))
  }

  @Test func slicesAreNotAssignmentTargets() {
    let (_, diagnostics) = Parser.parse(SourceFile(path: "t.pgs", text: "x[.., 1] = 2"))
    #expect(!diagnostics.isEmpty)
  }
}
