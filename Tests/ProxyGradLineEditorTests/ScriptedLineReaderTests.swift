import Testing

@testable import ProxyGradLineEditor

@Suite struct ScriptedLineReaderTests {
  @Test func returnsTheLinesInOrderThenEndOfInput() {
    var reader = ScriptedLineReader(["a = 1", "print(a)"])
    #expect(reader.readLine(prompt: "pgs> ") == .line("a = 1"))
    #expect(reader.readLine(prompt: "pgs> ") == .line("print(a)"))
    #expect(reader.readLine(prompt: "pgs> ") == .endOfInput)
    #expect(reader.readLine(prompt: "pgs> ") == .endOfInput)
  }

  @Test func recordsThePromptsItWasAskedToShow() {
    var reader = ScriptedLineReader(["f(", "1)"])
    _ = reader.readLine(prompt: "pgs> ")
    _ = reader.readLine(prompt: "...> ")
    #expect(reader.prompts == ["pgs> ", "...> "])
  }

  @Test func canScriptInterrupts() {
    var reader = ScriptedLineReader(results: [.line("x {"), .interrupted, .line("y")])
    #expect(reader.readLine(prompt: "pgs> ") == .line("x {"))
    #expect(reader.readLine(prompt: "...> ") == .interrupted)
    #expect(reader.readLine(prompt: "pgs> ") == .line("y"))
    #expect(reader.remaining.isEmpty)
  }

  @Test func worksThroughTheProtocol() {
    var reader: any LineReader = ScriptedLineReader(["only"])
    #expect(reader.readLine(prompt: "") == .line("only"))
    #expect(reader.readLine(prompt: "") == .endOfInput)
  }
}
