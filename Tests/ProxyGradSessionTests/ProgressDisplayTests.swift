import Testing

@testable import ProxyGradSession

@Suite struct ProgressDisplayTests {
  final class Clock: @unchecked Sendable {
    var now = 0.0
  }

  @Test func aTerminalGetsABarAndASummary() {
    var text = ""
    let clock = Clock()
    let display = ProgressDisplay(isTerminal: true, write: { text += $0 }, clock: { clock.now })
    display.begin("sweep", total: 4)
    clock.now = 1
    display.update(completed: 1, detail: "")
    clock.now = 1.05
    display.update(completed: 2, detail: "")  // within 0.1 s of the last bar: not drawn
    clock.now = 4
    display.update(completed: 4, detail: "")
    display.end(completed: 4, detail: "")
    let lines = text.split(separator: "\r").map(String.init)
    #expect(lines.count == 4)
    #expect(lines[1].hasPrefix("sweep [######..................]  25%  1/4  0:01 eta 0:03"))
    #expect(lines[3] == "sweep: 4/4 in 0:04 (1.0/s)\u{1B}[K\n")
  }

  @Test func elsewhereOnlyTheOutermostWorkGetsOneLine() {
    var text = ""
    let clock = Clock()
    let display = ProgressDisplay(isTerminal: false, write: { text += $0 }, clock: { clock.now })
    display.begin("sweep", total: 2)
    display.begin("train", total: 100)
    display.update(completed: 50, detail: "loss 0.5")
    display.end(completed: 100, detail: "loss 0.1")
    display.update(completed: 1, detail: "")
    display.update(completed: 2, detail: "")
    clock.now = 2
    display.end(completed: 2, detail: "best 3")
    #expect(text == "sweep: 2/2 in 0:02 (1.0/s), best 3\n")
  }

  @Test func aLogGetsPlainLinesAtTheIntervalThenTheSummary() {
    var text = ""
    let clock = Clock()
    let display = ProgressDisplay(style: .lines(every: 10), write: { text += $0 }, clock: { clock.now })
    display.begin("train", total: 100)
    for step in 1...100 {
      clock.now = Double(step) * 0.25  // 25 s in all: lines at 10 s and 20 s
      display.begin("maximize", total: 8)  // inner work draws nothing
      display.end(completed: 8, detail: "")
      display.update(completed: step, detail: "loss 0.5")
    }
    display.end(completed: 100, detail: "loss 0.1")
    #expect(
      text == """
        train [#########...............]  40%  40/100  0:10 eta 0:15  loss 0.5
        train [###################.....]  80%  80/100  0:20 eta 0:05  loss 0.5
        train: 100/100 in 0:25 (4.0/s), loss 0.1

        """)
    #expect(!text.contains("\r") && !text.contains("\u{1B}"))
  }

  @Test func aDisplayIsReplacedWholeAndEndsAsTheSummary() {
    var shown: [String] = []
    let clock = Clock()
    let display = ProgressDisplay(style: .display(every: 0.5), write: { shown.append($0) }, clock: { clock.now })
    display.begin("maximize", total: 4)
    clock.now = 0.2
    display.update(completed: 1, detail: "")  // before the first interval: not shown
    clock.now = 0.6
    display.update(completed: 2, detail: "")
    clock.now = 0.8
    display.update(completed: 4, detail: "")  // the summary follows at once
    display.end(completed: 4, detail: "")
    #expect(shown == ["maximize [############............]  50%  2/4  0:00 eta 0:00", "maximize: 4/4 in 0:00 (5.0/s)"])
  }

  @Test func theLogIntervalComesFromTheEnvironment() {
    #expect(ProgressDisplay.Style.forStream(isTerminal: true, environment: ["PGS_PROGRESS_INTERVAL": "2"]) == .bar)
    #expect(ProgressDisplay.Style.forStream(isTerminal: false, environment: [:]) == .lines(every: 10))
    #expect(ProgressDisplay.Style.forStream(isTerminal: false, environment: ["PGS_PROGRESS_INTERVAL": "0.5"]) == .lines(every: 0.5))
    #expect(ProgressDisplay.Style.forStream(isTerminal: false, environment: ["PGS_PROGRESS_INTERVAL": "-1"]) == .lines(every: 10))
    #expect(ProgressDisplay.Style.forStream(isTerminal: false, environment: ["PGS_PROGRESS_INTERVAL": "soon"]) == .lines(every: 10))
  }
}
