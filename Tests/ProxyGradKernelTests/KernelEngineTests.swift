import Foundation
import ProxyGradNotebook
import ProxyGradTestSupport
import Testing

@testable import ProxyGradKernel

@Suite struct KernelEngineTests {
  final class Published {
    var messages: [MIMEBundle.Message] = []
    var types: [String] { messages.map(\.type) }
  }

  func engine() -> (KernelEngine, Published) {
    let published = Published()
    let engine = KernelEngine(publish: { published.messages.append($0) })
    return (engine, published)
  }

  @Test func printsStreamAndTheLastValueIsAResult() {
    let (engine, published) = engine()
    #expect(engine.execute("x = 6 * 7\nprint(\"x is\", x)\nx") == .ok)
    #expect(published.types == ["stream", "execute_result"])
    #expect(published.messages[0].content["text"]?.stringValue == "x is 42\n")
    #expect(published.messages[1].content["data"]?["text/plain"]?.stringValue == "42")
    #expect(published.messages[1].content["execution_count"]?.intValue == 1)
  }

  @Test func globalsPersistAcrossCellsAndErrors() {
    let (engine, published) = engine()
    #expect(engine.execute("a = [1, 2]") == .ok)
    guard case .error(let error) = engine.execute("b = 3\nc = a + \"x\"") else {
      Issue.record("expected an error")
      return
    }
    #expect(error.name == "RuntimeError")
    #expect(error.message.hasPrefix("2:"))
    #expect(published.types.last == "error")
    #expect(engine.execute("len(a) + b") == .ok)
    #expect(published.messages.last?.content["data"]?["text/plain"]?.stringValue == "5")
  }

  @Test func staticErrorsNameTheirKind() {
    let (engine, _) = engine()
    guard case .error(let error) = engine.execute("nosuch + 1") else {
      Issue.record("expected an error")
      return
    }
    #expect(error.name == "NameError")
  }

  @Test func showTablePlotAndMetricBecomeDisplayData() {
    let (engine, published) = engine()
    let code = """
      show(zeros([1, 4, 4]), title: "blank")
      table([{a: 1, b: 2}])
      plot([{x: 0, y: 1}, {x: 1, y: 2}], x: "x", y: "y")
      metric("m", 0.5)
      """
    #expect(engine.execute(code) == .ok)
    #expect(published.types == ["display_data", "display_data", "display_data", "display_data"])
    let data = published.messages.map { message -> [String] in
      guard case .object(let members)? = message.content["data"] else { return [] }
      return members.map(\.0)
    }
    #expect(data[0] == ["image/png", "text/plain"])
    #expect(data[1] == ["text/html", "text/plain"])
    #expect(data[2] == ["image/svg+xml", "text/plain"])
    #expect(data[3] == ["text/plain"])
    let png = published.messages[0].content["data"]?["image/png"]?.stringValue ?? ""
    #expect(Data(base64Encoded: png)?.prefix(8).elementsEqual(PNGCodec.signature) == true)
    #expect(published.messages[3].content["data"]?["text/plain"]?.stringValue == "m: 0.5")
  }

  @Test func silentCellsPublishNothingAndAreNotCounted() {
    let (engine, published) = engine()
    #expect(engine.execute("print(1)\n2", silent: true) == .ok)
    #expect(published.messages.isEmpty)
    #expect(engine.executionCount == 0)
    #expect(engine.history.isEmpty)
  }

  @Test func anInterruptStopsALoopAndKeepsTheSession() {
    let stop = StopSwitch()
    let engine = KernelEngine(shouldStop: stop.check)
    #expect(engine.execute("kept = 1") == .ok)
    stop.raise()
    guard case .error(let error) = engine.execute("n = 0\nwhile true { n = n + 1 }") else {
      Issue.record("expected an interrupt")
      return
    }
    #expect(error.name == "Interrupted")
    stop.clear()
    #expect(engine.execute("kept") == .ok)
  }

  @Test func isCompleteFollowsTheParser() {
    let (engine, _) = engine()
    #expect(engine.isComplete("x = 1").status == "complete")
    #expect(engine.isComplete("").status == "complete")
    #expect(engine.isComplete("f = fn(x) {") == ("incomplete", "  "))
    #expect(engine.isComplete("x = )").status == "invalid")
  }

  @Test func completesKeywordsBuiltinsAndGlobals() {
    let (engine, _) = engine()
    #expect(engine.execute("synthetic_data = 1") == .ok)
    let (matches, start, end) = engine.complete("y = synth", cursor: 9)
    #expect(matches == ["synthetic", "synthetic_data"])
    #expect(start == 4 && end == 9)
    #expect(engine.complete("wh", cursor: 2).matches == ["while"])
    #expect(engine.complete("x.synth", cursor: 7).matches.isEmpty)
    #expect(engine.complete("é = synth", cursor: 9).start == 4)
    // The REPL's completer: fields after a dot, on the cursor's line of a multi-line cell.
    #expect(engine.execute("rec = {alpha: 1, beta: 2}") == .ok)
    let fields = engine.complete("x = 1\ny = rec.al", cursor: 16)
    #expect(fields.matches == ["alpha"])
    #expect(fields.start == 14 && fields.end == 16)
  }

  @Test func inspectShowsBuiltinHelpAndGlobalValues() {
    let (engine, _) = engine()
    let help = engine.inspect("maximize(", cursor: 9) ?? ""
    #expect(help.hasPrefix("maximize("))
    #expect(engine.execute("answer = 42") == .ok)
    #expect(engine.inspect("answer", cursor: 3) == "answer: number\n42\n")
    #expect(engine.inspect("nothing_here", cursor: 2) == nil)
  }

  @Test func historyTailRangeAndSearch() {
    let (engine, _) = engine()
    for code in ["1", "6 * 7", "2", "6 * 7"] { _ = engine.execute(code) }
    #expect(engine.historyTail(2).map(\.input) == ["2", "6 * 7"])
    #expect(engine.historyRange(session: 0, start: 2, stop: 3).map(\.line) == [2])
    #expect(engine.historyRange(session: 5, start: 1, stop: 0).isEmpty)
    #expect(engine.historySearch(pattern: "6 [*] 7", n: 0, unique: false).count == 2)
    #expect(engine.historySearch(pattern: "6 [*] 7", n: 0, unique: true).map(\.line) == [4])
    #expect(engine.history[1].output == "42")
  }

  /// Progress is one display per piece of work, updated in place; its last state is the summary.
  @Test func progressIsOneDisplayUpdatedInPlace() {
    final class Clock: @unchecked Sendable { var now = 0.0 }
    let clock = Clock()
    var messages: [MIMEBundle.Message] = []
    let progress = KernelProgress(clock: { clock.now }) { messages.append($0) }
    for work in 0..<2 {
      progress.begin("train", total: 10)
      for step in 1...10 {
        clock.now += 0.25
        progress.begin("maximize", total: 2)
        progress.end(completed: 2, detail: "")
        progress.update(completed: step, detail: "")
      }
      progress.end(completed: 10, detail: work == 0 ? "loss 0.5" : "")
    }
    let types = messages.map(\.type)
    #expect(types.filter { $0 == "display_data" }.count == 2)
    #expect(types.first == "display_data" && types.dropFirst().first == "update_display_data")
    let ids = messages.map { $0.content["transient"]?["display_id"]?.stringValue ?? "" }
    let second = types.lastIndex(of: "display_data")!
    #expect(Set(ids[..<second]).count == 1 && Set(ids[second...]).count == 1 && ids[0] != ids[second])
    let texts = messages.map { $0.content["data"]?["text/plain"]?.stringValue ?? "" }
    #expect(texts[second - 1] == "train: 10/10 in 0:02 (4.0/s), loss 0.5")
    #expect(texts.last == "train: 10/10 in 0:02 (4.0/s)")
    #expect(texts.allSatisfy { !$0.contains("\r") && !$0.contains("\u{1B}") && !$0.hasSuffix("\n") })
  }

  @Test func aCellThatTrainsPublishesNoCarriageReturns() {
    let (engine, published) = engine()
    let code = """
      data = synthetic(count: 64, classes: 2, size: 8, seed: 1)
      net = network(input: [1, 8, 8], seed: 1) { flatten()
        linear(2) }
      h = train(net, data.train, epochs: 1, batch: 8, seed: 1)
      len(h)
      """
    #expect(engine.execute(code) == .ok)
    for message in published.messages {
      let text = message.content["text"]?.stringValue ?? message.content["data"]?["text/plain"]?.stringValue ?? ""
      #expect(!text.contains("\r") && !text.contains("\u{1B}"), "\(message.type): \(text)")
    }
    #expect(published.types.last == "execute_result")
  }
}
