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
    #expect(answer.candidates == ["record", "record_count", "redirect", "reload", "relu", "relu6", "reshape", "residual", "resnet", "return"])
    #expect(session.completions(line: "whi", cursor: 3).candidates == ["while"])
  }

  @Test func argumentNamesInsideCalls() {
    let session = Self.session(["obj = 1", "step_count = 3", "f = fn(alpha, beta) { alpha }"])
    let answer = session.completions(line: "maximize(obj, st", cursor: 16)
    #expect(answer.wordStart == 14)
    #expect(answer.candidates.first == "steps:")
    #expect(answer.candidates.contains("step_count") && answer.candidates.contains("starts:"))
    // Nested calls: the innermost open call counts.
    #expect(session.completions(line: "train(net, data, optimizer: adam(l", cursor: 34).candidates.first == "lr:")
    let outer = session.completions(line: "print(maximize(obj, steps: 3), st", cursor: 33).candidates
    #expect(outer.contains("str") && outer.allSatisfy { !$0.hasSuffix(":") })
    #expect(session.completions(line: "f(1, be", cursor: 7).candidates == ["beta:"])
    #expect(session.completions(line: "[max(1, 2), ax", cursor: 14).candidates.allSatisfy { !$0.hasSuffix(":") })
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

  @Test func dataSetFieldsAndBlockMembersAreTheFieldsAccessReads() {
    let session = Self.session([
      "data = synthetic(count: 8, size: 8).train",
      "net = network(input: [1, 8, 8]) {", "conv(4, 3, pad: 1)", "residual(name: \"res\") { conv(4, 3, pad: 1); relu() }", "}",
    ])
    let fields = session.completions(line: "data.", cursor: 5).candidates
    #expect(fields == ["count", "classes", "images", "labels", "shape"])
    // Every field completion offers is one that field access reads.
    for field in fields {
      #expect(session.feed("data.\(field)") == .succeeded, "data.\(field)")
    }
    let members = session.completions(line: "net.res.", cursor: 8).candidates
    #expect(members.prefix(2) == ["conv1", "relu1"])
    #expect(members.contains("kind"))
    for member in members { #expect(session.feed("net.res.\(member)") == .succeeded, "net.res.\(member)") }
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
