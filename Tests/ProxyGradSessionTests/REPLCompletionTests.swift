import ProxyGradRuntime
import ProxyGradSession
import Testing

@Suite struct REPLCompletionTests {
  static func session(_ lines: [String]) -> REPLSession {
    let session = REPLSession(console: REPLTranscript())
    for line in lines { session.feed(line) }
    return session
  }

  static let net = [
    "net = network(input: [1, 8, 8]) {", "conv(4, 3, pad: 1, name: \"feat\")", "relu()", "flatten()",
    "linear(3)", "}",
  ]

  @Test func keywordsBuiltinsAndGlobals() {
    let session = Self.session(["record_count = 1", "reload = 2"])
    let answer = session.completions(line: "x = re", cursor: 6)
    #expect(answer.wordStart == 4)
    #expect(answer.candidates == ["record", "record_count", "reload", "relu", "relu6", "reshape", "residual", "resnet", "return"])
    #expect(session.completions(line: "whi", cursor: 3).candidates == ["while"])
  }

  @Test func cursorInTheMiddleCompletesTheWordBeforeIt() {
    let session = Self.session([])
    let answer = session.completions(line: "prin(1)", cursor: 4)
    #expect(answer.wordStart == 0)
    #expect(answer.candidates == ["print"])
  }

  @Test func layerNamesAfterNetDot() {
    let session = Self.session(Self.net)
    let answer = session.completions(line: "channel(net.f", cursor: 13)
    #expect(answer.wordStart == 12)
    #expect(answer.candidates == ["feat", "flatten1"])
    let all = session.completions(line: "net.", cursor: 4).candidates
    #expect(all == ["feat", "relu1", "flatten1", "linear1", "input_shape", "output_shape", "parameter_count"])
    #expect(session.completions(line: "net.feat.", cursor: 9).candidates.contains("weight"))
  }

  @Test func recordFieldsNested() {
    let session = Self.session(["cfg = {lr: 0.05, opt: {momentum: 0.9, lr2: 1}}", "t = zeros([2])"])
    #expect(session.completions(line: "cfg.l", cursor: 5).candidates == ["lr"])
    #expect(session.completions(line: "f(cfg.opt.", cursor: 10) == (10, ["momentum", "lr2"]))
    #expect(session.completions(line: "t.s", cursor: 3).candidates == ["shape"])
    #expect(session.completions(line: "nothing.", cursor: 8).candidates.isEmpty)
    #expect(session.completions(line: "0..", cursor: 3).candidates.isEmpty)
  }

  @Test func commandsAndTheirArguments() {
    let session = Self.session(["total = 3"])
    #expect(session.completions(line: ":", cursor: 1).candidates.count == 6)
    #expect(session.completions(line: ":r", cursor: 2) == (0, [":reset"]))
    #expect(session.completions(line: "  :lo", cursor: 5) == (2, [":load"]))
    #expect(session.completions(line: ":load tot", cursor: 9).candidates.isEmpty)
    #expect(session.completions(line: ":time tot", cursor: 9) == (6, ["total"]))
    #expect(session.completions(line: "?tot", cursor: 4) == (1, ["total"]))
  }

  @Test func nothingInsideStringsCommentsOrNumbers() {
    let session = Self.session(["total = 3"])
    #expect(session.completions(line: "print(\"tot", cursor: 10).candidates.isEmpty)
    #expect(session.completions(line: "x = 1 # tot", cursor: 11).candidates.isEmpty)
    #expect(session.completions(line: "print(\"a\\\"\", tot", cursor: 16).candidates == ["total"])
    #expect(session.completions(line: "x = 12", cursor: 6).candidates.isEmpty)
    #expect(session.completions(line: "", cursor: 0).candidates.isEmpty)
  }

  @Test func namesOfAnUnfinishedStatement() {
    let session = Self.session(["f = fn(alpha_value) {"])
    #expect(session.needsMoreInput)
    #expect(session.completions(line: "  alpha_", cursor: 8).candidates == ["alpha_value"])
    // Inside a statement a colon is code (`{a: re⇥}`), not a command.
    #expect(session.completions(line: "{a: re", cursor: 6).candidates.contains("relu"))
    #expect(session.completions(line: ":re", cursor: 3).candidates.contains(":reset") == false)
  }
}
