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
}
