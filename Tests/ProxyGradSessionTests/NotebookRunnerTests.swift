import ProxyGradNotebook
import ProxyGradRuntime
import Testing

@testable import ProxyGradSession

@Suite struct NotebookRunnerTests {
  func run(
    _ text: String, seed: UInt64? = nil, overrides: [(name: String, value: ParameterValue)] = [],
    progress: ProgressSink? = nil
  ) -> NotebookOutcome {
    NotebookRunner(seed: seed, overrides: overrides, toolVersion: "test", progress: progress)
      .run(Notebook(path: "nb.pgs", text: text))
  }

  @Test func lastExpressionOfACellIsItsResult() {
    let outcome = run("# %%\nx = 2\nx * 3\n# %%\nprint(x)\n# %%\ny = x\n# %%\n\"text\"\n")
    #expect(outcome.exitStatus == .ok)
    let outputs = outcome.run.cells.map(\.outputs)
    #expect(outputs[0] == [.result("6")])
    #expect(outputs[1] == [.stream("2\n")])
    #expect(outputs[2] == [])
    #expect(outputs[3] == [.result("\"text\"")])
  }

  @Test func everyOutputEventBecomesANotebookOutput() throws {
    let outcome = run(
      """
      print("a")
      print("b")
      show(zeros([2, 1, 4, 4]), labels: ["x", "y"], title: "pair")
      metric("m", 0.5)
      table([{k: 1, v: "one"}, {k: 2}], title: "rows")
      plot([{s: 1, y: 2, y_std: 0.5}, {s: 2, y: 3, y_std: 0.1}], x: "s", y: "y", title: "p")
      """)
    #expect(outcome.exitStatus == .ok)
    let outputs = outcome.run.cells[0].outputs
    try #require(outputs.count == 5)
    #expect(outputs[0] == .stream("a\nb\n"))
    guard case .image(let image, let caption) = outputs[1] else {
      Issue.record("expected an image, got \(outputs[1])")
      return
    }
    #expect(caption == "pair")
    #expect(image.channels == 1 && image.width > 4)
    #expect(outputs[2] == .metric(name: "m", value: 0.5, digits: nil))
    guard case .table(let table) = outputs[3], case .plot(let plot) = outputs[4] else {
      Issue.record("expected a table and a plot")
      return
    }
    #expect(table.title == "rows")
    #expect(table.columns == ["k", "v"])
    #expect(table.rows[1] == [.number(2), .missing])
    #expect(plot.title == "p" && plot.series.count == 1)
    #expect(plot.series[0].std == [0.5, 0.1])
  }

  @Test func aFailingCellStopsTheRunAndKeepsWhatCameBefore() throws {
    let text = "# %% [markdown]\n# Title\n\n# %%\nprint(\"before\")\n\n# %% Fails\nx = 1\ny = x + nil\nprint(\"same cell\")\n# %%\nprint(\"after\")\n"
    let outcome = run(text)
    #expect(outcome.exitStatus == .runtimeError)
    let statuses = outcome.run.cells.map(\.status)
    #expect(statuses == [.ok, .ok, .error, .skipped])
    #expect(outcome.run.cells[1].outputs == [.stream("before\n")])
    guard case .error(let error)? = outcome.run.cells[2].outputs.last else {
      Issue.record("the failing cell ends with its error")
      return
    }
    #expect(error.message == "9:7: cannot apply '+' to a number and nil")
    #expect(error.details.first == "9 | y = x + nil")
    #expect(outcome.run.cells[3].outputs.isEmpty)
    #expect(outcome.errorText?.hasPrefix("nb.pgs:9:7: error: cannot apply '+'") == true)
  }

  @Test func errorsInsideFunctionsCarryFileLinesAndATrace() throws {
    let text = "# %%\nf = fn(v) { v + nil }\n\n# %%\nf(1)\n"
    let outcome = run(text)
    guard case .error(let error)? = outcome.run.cells[1].outputs.last else {
      Issue.record("expected an error")
      return
    }
    #expect(error.message == "2:15: cannot apply '+' to a number and nil")
    #expect(error.details.contains("  in f, called at nb.pgs:5:1"))
  }

  @Test func syntaxErrorsAreFoundBeforeAnythingRuns() {
    let outcome = run("# %%\nprint(\"side effect\")\n# %%\nx = 1 +* 2\n")
    #expect(outcome.exitStatus == .invalidScript)
    #expect(outcome.diagnostics.count == 1)
    #expect(outcome.diagnostics[0].span.description == "nb.pgs:4:8")
    #expect(outcome.run.cells.allSatisfy { $0.status == .skipped && $0.outputs.isEmpty })
  }

  @Test func aNameUsedBeforeTheCellThatDefinesItFailsThatCell() {
    let outcome = run("# %%\nprint(later())\n# %%\nlater = fn() { 1 }\n")
    #expect(outcome.exitStatus == .invalidScript)
    #expect(outcome.run.cells[0].status == .error)
    guard case .error(let error)? = outcome.run.cells[0].outputs.last else {
      Issue.record("expected an error")
      return
    }
    #expect(error.name == "NameError")
    #expect(error.message == "2:7: undefined name 'later'")
    #expect(outcome.run.cells[1].status == .skipped)
  }

  @Test func aFileWithoutMarkersIsOneCell() {
    let outcome = run("x = 1\nprint(x)\nx + 1\n")
    #expect(outcome.run.cells.count == 1)
    #expect(outcome.run.cells[0].cell.firstLine == 1)
    #expect(outcome.run.cells[0].outputs == [.stream("1\n"), .result("2")])
  }

  static let parameterized = """
    # %% parameters
    lr = 0.1
    name = "adam"
    slopes = [0, 0.3]
    flag = false

    # %%
    print(lr, name, slopes, flag)
    """

  @Test func parametersOverrideTheParametersCellAndAreRecorded() {
    let outcome = run(
      Self.parameterized,
      overrides: [("lr", .number(0.5)), ("slopes", .list([.number(1)])), ("name", .string("sgd"))])
    #expect(outcome.exitStatus == .ok)
    #expect(outcome.run.cells[1].outputs == [.stream("0.5 sgd [1] false\n")])
    #expect(
      outcome.run.parameters == [
        RunParameter(name: "lr", value: .number(0.5), overridden: true),
        RunParameter(name: "name", value: .string("sgd"), overridden: true),
        RunParameter(name: "slopes", value: .list([.number(1)]), overridden: true),
        RunParameter(name: "flag", value: .bool(false)),
      ])
  }

  @Test func theSeedIsZeroUnlessTheScriptOrTheCommandLineSetsOne() {
    let draw = "# %%\nprint(tolist(uniform([3], 0, 1)))\n"
    let first = run(draw)
    let again = run(draw)
    #expect(first.run.seed == 0)
    #expect(first.run.cells[0].outputs == again.run.cells[0].outputs)
    let seeded = run("# %% parameters\nseed = 7\n" + draw)
    #expect(seeded.run.seed == 7)
    #expect(run(draw, seed: 7).run.cells[0].outputs == seeded.run.cells[1].outputs)
    #expect(seeded.run.cells[1].outputs != first.run.cells[0].outputs)
    let commandLine = run("# %% parameters\nseed = 7\n" + draw, seed: 3)
    #expect(commandLine.run.seed == 3)
    #expect(commandLine.run.parameters == [RunParameter(name: "seed", value: .number(3), overridden: true)])
  }

  @Test func sweepsReportProgress() {
    let observer = RecordingObserver()
    let outcome = run("sweep a in [1, 2], b in 1...3 { record(v: a * b) }\n", progress: observer)
    #expect(outcome.exitStatus == .ok)
    #expect(observer.events == ["begin sweep 6", "1", "2", "3", "4", "5", "6", "end 6"])
  }

  @Test func saveWithoutAnOutputFolderIsAnError() {
    let outcome = run("save(\"x\", \"a.txt\")\n")
    #expect(outcome.exitStatus == .runtimeError)
    guard case .error(let error)? = outcome.run.cells[0].outputs.last else {
      Issue.record("expected an error")
      return
    }
    #expect(error.message == "1:11: save: this run has no output folder to write 'a.txt' into")
  }
}

final class RecordingObserver: ProgressSink {
  var events: [String] = []
  func begin(_ label: String, total: Int) { events.append("begin \(label) \(total)") }
  func update(completed: Int, detail: String) { events.append("\(completed)") }
  func end(completed: Int, detail: String) { events.append("end \(completed)") }
}
