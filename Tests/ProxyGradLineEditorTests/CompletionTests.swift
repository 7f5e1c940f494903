import Testing

@testable import ProxyGradLineEditor

@Suite struct CompletionTests {
  @Test(
    arguments: [
      (["train", "transpose", "trace"], "tra"),
      (["print", "println"], "print"),
      (["same"], "same"),
      (["abc", "xyz"], ""),
      ([], ""),
    ] as [([String], String)])
  func longestCommonPrefixOfCandidates(candidates: [String], prefix: String) {
    #expect(CompletionEdit.longestCommonPrefix(candidates) == prefix)
  }

  @Test func oneCandidateReplacesTheWord() {
    let request = CompletionRequest(line: "x = tra", cursor: 7)
    let result = CompletionResult(wordStart: 4, candidates: ["train"])
    let edit = CompletionEdit.forTab(request, result: result)
    #expect(edit == CompletionEdit(replaced: "tra", insertion: "train", listing: [], rings: false))
  }

  @Test func severalCandidatesInsertTheCommonPrefixAndAreListed() {
    let request = CompletionRequest(line: "pr")
    let result = CompletionResult(wordStart: 0, candidates: ["print", "println", "print"])
    let edit = CompletionEdit.forTab(request, result: result)
    #expect(edit.replaced == "pr")
    #expect(edit.insertion == "print")
    #expect(edit.listing == ["print", "println"])
    #expect(!edit.rings)
  }

  @Test func candidatesWithNoLongerPrefixAreOnlyListed() {
    let request = CompletionRequest(line: "t")
    let result = CompletionResult(wordStart: 0, candidates: ["train", "tensor"])
    let edit = CompletionEdit.forTab(request, result: result)
    #expect(edit.insertion.isEmpty && edit.replaced.isEmpty)
    #expect(edit.listing == ["train", "tensor"])
  }

  @Test func noCandidateRingsTheBell() {
    let edit = CompletionEdit.forTab(CompletionRequest(line: "zz"), result: .none)
    #expect(edit.rings)
    #expect(edit.listing.isEmpty && edit.insertion.isEmpty)
  }

  @Test func theCursorLimitsTheWordAndOutOfRangeOffsetsAreClamped() {
    let request = CompletionRequest(line: "print(x)", cursor: 3)
    #expect(request.textBeforeCursor == "pri")
    #expect(CompletionRequest(line: "ab", cursor: 9).cursor == 2)
    let result = CompletionResult(wordStart: 10, candidates: ["x"])
    #expect(CompletionEdit.forTab(request, result: result).replaced == "")
  }

  @Test func firstMatchFallsThroughEmptyProviders() {
    let empty = ClosureCompletionProvider { _ in .none }
    let names = ClosureCompletionProvider { request in
      CompletionResult(wordStart: 0, candidates: [String(request.textBeforeCursor) + "!"])
    }
    let combined = FirstMatchCompletionProvider([empty, names])
    #expect(combined.completions(for: CompletionRequest(line: "a")).candidates == ["a!"])
    #expect(FirstMatchCompletionProvider([empty]).completions(for: .init(line: "a")) == .none)
  }

  @Test func columnsFillTopToBottomWithinTheWidth() {
    let items = ["a", "bb", "ccc", "dddd", "e"]
    // Column width is 4 + 2 = 6, so 14 columns of terminal fit two columns.
    #expect(CompletionEdit.columns(items, width: 14) == ["a     dddd", "bb    e", "ccc"])
    #expect(CompletionEdit.columns(items, width: 3) == ["a", "bb", "ccc", "dddd", "e"])
    #expect(CompletionEdit.columns([], width: 80).isEmpty)
  }
}
