import ProxyGradRuntime
import ProxyGradSession
import Testing

@Suite struct REPLHelpTests {
  static func run(_ lines: [String], width: Int = 80) -> (output: String, errors: String) {
    let transcript = REPLTranscript()
    let session = REPLSession(console: transcript)
    session.width = width
    for line in lines { session.feed(line) }
    return transcript.take()
  }

  @Test func helpAlonePrintsTheHelp() {
    let out = Self.run(["help"])
    #expect(out.output.contains(":quit") && out.output.contains("?name"))
    #expect(!out.output.contains("<builtin help>"))
    #expect(out.errors.isEmpty)
  }

  @Test(arguments: ["exit", "quit", "exit()", "quit()"])
  func leavingWordsSuggestQuit(_ word: String) {
    let out = Self.run([word])
    #expect(out.output == "to leave, type :quit (or :q, or press Ctrl-D)\n")
    #expect(out.errors.isEmpty)
  }

  @Test func aVariableNamedExitIsStillItsValue() {
    #expect(Self.run(["exit = 3", "exit"]).output == "3\n")
  }

  @Test func keywordHelpExplainsTheStatement() {
    let out = Self.run(["?sweep"])
    #expect(out.output.hasPrefix("sweep a in X, b in Y { body }\n"))
    #expect(out.output.contains("record(name: value"))
    #expect(out.errors.isEmpty)
    #expect(Self.run(["?for"]).output.contains("for name in sequence"))
  }

  @Test func helpIsWrappedAtWordBoundaries() {
    let out = Self.run(["?maximize"], width: 60)
    let lines = out.output.split(separator: "\n")
    #expect(lines.count > 5)
    for line in lines where line.contains(" ") {
      // Only a single word longer than the width may overflow.
      #expect(line.count <= 60 || !line.dropFirst().contains(" "), "\(line)")
    }
    // Words are kept whole: joining the lines gives the help text back.
    let joined = lines.joined(separator: " ")
    #expect(joined.contains("Gradient ascent on the input: activation maximization of an objective"))
    #expect(REPLHelp.wrap("aaa bbb ccc ddd", width: 20) == "aaa bbb ccc ddd")
    #expect(REPLHelp.wrap(String(repeating: "word ", count: 10), width: 20).split(separator: "\n").allSatisfy { $0.count <= 20 })
  }

  @Test func echoFollowsTheWidth() {
    let narrow = Self.run(["tensor([0.123456, 1.23456, 2.34567, 3.45678, 4.56789])"], width: 30).output
    #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 30 })
    #expect(narrow.hasPrefix("tensor [5]\n"))
    let wide = Self.run(["tensor([0.123456, 1.23456, 2.34567, 3.45678, 4.56789])"], width: 120).output
    #expect(wide == "tensor([0.123456, 1.23456, 2.34567, 3.45678, 4.56789])\n")
  }
}
