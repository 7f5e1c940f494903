import Foundation
import ProxyGradRuntime
import ProxyGradSession
import ProxyGradTestSupport
import Testing

/// Replays inputs into a session's loop and records the prompts asked for, as the line
/// editor's `ScriptedLineReader` does.
final class REPLScript {
  var remaining: [REPLInput]
  private(set) var prompts: [String] = []

  init(_ inputs: [REPLInput]) { remaining = inputs }
  convenience init(lines: [String]) { self.init(lines.map { .line($0) }) }

  func next(_ prompt: String) -> REPLInput {
    prompts.append(prompt)
    guard !remaining.isEmpty else { return .endOfInput }
    return remaining.removeFirst()
  }
}

/// A session fed by a script: what it printed, what it reported, and the prompts.
struct REPLRun {
  var output: String
  var errors: String
  var prompts: [String]
  var status: ProxyGradSession.ExitStatus
  var session: REPLSession
}

func runREPL(_ inputs: [REPLInput], shouldStop: (@Sendable () -> Bool)? = nil) -> REPLRun {
  let transcript = REPLTranscript()
  let session = REPLSession(console: transcript, shouldStop: shouldStop)
  let script = REPLScript(inputs)
  let status = session.run(readLine: script.next)
  return REPLRun(
    output: transcript.output, errors: transcript.errors, prompts: script.prompts, status: status,
    session: session)
}

func runREPL(_ lines: [String]) -> REPLRun {
  runREPL(lines.map { .line($0) })
}

@Suite struct REPLSessionTests {
  @Test func expressionsEchoAndStatementsDoNot() {
    let run = runREPL(["x = 2", "x * 3", "print(\"hi\")", "for i in 0..<2 { print(i) }", "\"s\"", "nil"])
    #expect(run.output == "6\nhi\n0\n1\n\"s\"\n")
    #expect(run.errors == "")
    #expect(run.status == .ok)
  }

  @Test func multiLineInputIsDecidedByTheParser() {
    let run = runREPL(["f = fn(a) {", "  a * 2", "}", "f(21)", "xs = [1,", "2] +", "[3]", "xs"])
    #expect(run.output == "42\n[1, 2, 3]\n")
    #expect(run.prompts == ["pgs> ", "...> ", "...> ", "pgs> ", "pgs> ", "...> ", "...> ", "pgs> ", "pgs> "])
  }

  @Test func invalidInputRunsAtOnceAndReportsItsError() {
    let run = runREPL(["x = )", "1 + 1"])
    #expect(run.prompts == ["pgs> ", "pgs> ", "pgs> "])
    #expect(run.errors.contains("<repl>:1:5: error"))
    #expect(run.output == "2\n")
  }

  @Test func errorsNeverResetTheSession() {
    let run = runREPL(["x = 5", "y = x + nothing_here", "a = 10; assert(false, \"boom\"); a = 11", "x + a"])
    #expect(run.errors.contains("undefined name 'nothing_here'"))
    #expect(run.errors.contains("boom"))
    #expect(run.output == "15\n")
    #expect(run.status == .runtimeError)
    #expect(run.session.lastErrorStatus == .runtimeError)
  }

  @Test func underscoreHoldsTheLastValue() {
    let run = runREPL(["2 + 3", "_ * 10", "7;", "_", "x = 1", "_"])
    #expect(run.output == "5\n50\n7\n7\n")
  }

  @Test func underscoreIsUndefinedBeforeAnyValue() {
    let run = runREPL(["_"])
    #expect(run.errors.contains("undefined name '_'"))
    #expect(run.status == .invalidScript)
  }

  @Test func pastedPromptsAreDropped() {
    let run = runREPL(["pgs> y = fn(a) {", "...>   a + 1", "...> }", "pgs> y(1)"])
    #expect(run.output == "2\n")
    #expect(run.errors == "")
  }

  @Test func interruptAtThePromptDiscardsThePendingStatement() {
    let run = runREPL([.line("f = fn(a) {"), .interrupted, .line("1 + 1")])
    #expect(run.prompts == ["pgs> ", "...> ", "pgs> ", "pgs> "])
    #expect(run.output == "2\n")
  }

  @Test func endOfInputRunsAnUnfinishedStatement() {
    let run = runREPL(["print(1"])
    #expect(run.errors.contains("expected ')'"))
    #expect(run.status == .invalidScript)
  }

  @Test func helpShowsBuiltinTextUnquoted() throws {
    let relu = try #require(Builtins.named("relu"))
    let run = runREPL(["?relu", "help(relu)", "help(\"relu\")"])
    // Wrapped at word boundaries to the session's width (80 here).
    let text = REPLHelp.wrap("\(relu.signature)\n\(relu.help)\nexample: \(relu.example)", width: 80) + "\n"
    #expect(run.output == text + text + text)
    #expect(run.output.split(separator: "\n").allSatisfy { $0.count <= 80 })
    let missing = runREPL(["?nosuchthing"])
    #expect(missing.errors.contains("no builtin or name 'nosuchthing'"))
  }

  @Test func questionMarkOnAVariableShowsItsValue() {
    let run = runREPL(["cfg = {lr: 0.05}", "?cfg"])
    #expect(run.output == "cfg: record\n{lr: 0.05}\n")
  }
}

@Suite struct REPLCommandTests {
  @Test func helpListsEveryCommand() {
    let run = runREPL([":help"])
    for command in [":help", ":time EXPR", ":load FILE", ":vars", ":reset", ":quit", "?name"] {
      #expect(run.output.contains(command))
    }
  }

  @Test func varsListsNameTypeAndShape() {
    let run = runREPL(["x = 1", "t = zeros([2, 3])", "xs = [1, 2]", "1", ":vars"])
    #expect(
      run.output == """
        1
        name  type    shape
        ----  ------  -------
        x     number
        t     tensor  [2, 3]
        xs    list    2 items

        """)
  }

  @Test func resetForgetsEverything() {
    let run = runREPL(["x = 1", "x", ":reset", "x"])
    #expect(run.output == "1\nthe session is reset\n")
    #expect(run.errors.contains("undefined name 'x'"))
  }

  @Test func timeRunsAndReportsWallTime() {
    let run = runREPL([":time 6 * 7", "_"])
    let lines = run.output.split(separator: "\n")
    #expect(lines.count == 3)
    #expect(lines.first == "42")
    #expect(lines.dropFirst().first?.hasPrefix("time: ") == true)
    #expect(lines.last == "42")
  }

  @Test func loadRunsAFileIntoTheSession() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("repl-load-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try "double = fn(v) { v * 2 }\nprint(\"loaded\")\n7\n".write(
      to: folder.appendingPathComponent("lib.pgs"), atomically: true, encoding: .utf8)
    try "y = 1\ny + missing\n".write(to: folder.appendingPathComponent("bad.pgs"), atomically: true, encoding: .utf8)
    let transcript = REPLTranscript()
    let session = REPLSession(console: transcript, baseDirectory: folder)
    let script = REPLScript(lines: [":load lib.pgs", "double(4)", ":load \"bad.pgs\"", ":load nope.pgs"])
    session.run(readLine: script.next)
    #expect(transcript.output == "loaded\n8\n")
    #expect(transcript.errors.contains("bad.pgs:2:5: error"))
    #expect(transcript.errors.contains("cannot read 'nope.pgs'"))
  }

  @Test func onlyQuitAndItsAliasesQuit() {
    for command in MetaCommand.all {
      for spelling in [command.name] + command.aliases {
        let transcript = REPLTranscript()
        let session = REPLSession(console: transcript)
        let line = spelling == ":time" ? ":time 1" : spelling == ":load" ? ":load /nonexistent.pgs" : spelling
        session.feed(line)
        #expect(session.hasQuit == (command.name == ":quit"), "\(spelling)")
        #expect(!transcript.take().errors.contains("not handled"), "\(spelling)")
      }
    }
    let session = REPLSession(console: REPLTranscript())
    #expect(session.feed(":quiet") == .failed(status: .usage))
    #expect(!session.hasQuit)
  }

  @Test func quitStopsReading() {
    let run = runREPL([":quit", "print(1)"])
    #expect(run.output == "")
    #expect(run.prompts == ["pgs> "])
    #expect(run.session.hasQuit)
  }

  @Test func unknownCommandsSuggest() {
    let run = runREPL([":re"])
    #expect(run.errors == "unknown command ':re' (did you mean :reset?); :help lists commands\n")
  }
}

@Suite struct REPLInterruptTests {
  @Test func stopCheckInterruptsALongLoopAndKeepsTheSession() throws {
    let stop = StopSwitch()
    let transcript = REPLTranscript()
    let session = REPLSession(console: transcript, shouldStop: stop.check)
    session.feed("i = 0")
    let raised = Atomic(0.0)
    after(0.2) {
      raised.set(Date().timeIntervalSinceReferenceDate)
      stop.raise()
    }
    let step = session.feed("while true { i += 1 }")
    let stoppedAfter = Date().timeIntervalSinceReferenceDate - raised.get()
    #expect(step == .failed(status: .interrupted))
    #expect(stoppedAfter < 1.0, "stopped \(stoppedAfter) s after the interrupt")
    #expect(transcript.take().errors.hasPrefix("interrupted at <repl>:1:7"))
    stop.clear()
    #expect(session.feed("i > 0") == .succeeded)
    #expect(transcript.take().output == "true\n")
    #expect(session.feed("for k in 0..<3 { i = k }") == .succeeded)
    #expect(session.feed("i") == .succeeded)
    #expect(transcript.take().output == "2\n")
  }

  @Test func interruptedMaximizeKeepsItsPartialResult() throws {
    let stop = StopSwitch()
    let transcript = REPLTranscript()
    let session = REPLSession(console: transcript, shouldStop: stop.check)
    after(0.3) { stop.raise() }
    let step = session.feed(
      "r = maximize(fn(x) { sum(x) }, init: zeros([2]), steps: 100000000, optimizer: sgd(lr: 0.01))")
    #expect(step == .succeeded)
    stop.clear()
    session.feed("len(r.history) > 1 and len(r.history) < 100000000")
    #expect(transcript.take().output == "true\n")
  }

  @Test func interruptInsideAFunctionCallStopsToo() throws {
    let stop = StopSwitch()
    let transcript = REPLTranscript()
    let session = REPLSession(console: transcript, shouldStop: stop.check)
    session.feed("spin = fn(n) { while true { n += 1 } }")
    after(0.1) { stop.raise() }
    #expect(session.feed("spin(0)") == .failed(status: .interrupted))
    stop.clear()
    session.feed("spin")
    #expect(transcript.take().output == "<fn spin(n)>\n")
  }
}

/// Runs `body` after `delay` seconds on a thread of its own: the test's own thread is busy in
/// the loop being interrupted, and the shared thread pools may be too (two cores, tests in
/// parallel).
func after(_ delay: TimeInterval, _ body: @escaping @Sendable () -> Void) {
  let thread = Thread {
    Thread.sleep(forTimeInterval: delay)
    body()
  }
  thread.start()
}

/// A Double shared with a timer thread.
final class Atomic: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Double
  init(_ value: Double) { self.value = value }
  func set(_ newValue: Double) { lock.withLock { value = newValue } }
  func get() -> Double { lock.withLock { value } }
}
