import Foundation
import Testing

/// SIGINT and SIGTERM sent to a running `pgs run`: the first writes the report of every finished
/// cell, marks the running one interrupted, exits 130 and leaves no temporary folder; a second
/// one stops the process at once.
@Suite struct InterruptCommandTests {
  let helper = NotebookCommandTests()

  static let text = """
    # %%
    print("first")
    metric("m", 1)
    # %%
    save("started", "marker.txt")
    i = 0
    while i < 1e12 { i += 1 }
    # %%
    print("never")
    """

  func waitFor(_ path: String, seconds: Double = 60) -> Bool {
    var waited = 0.0
    while !FileManager.default.fileExists(atPath: path) && waited < seconds {
      usleep(20_000)
      waited += 0.02
    }
    return FileManager.default.fileExists(atPath: path)
  }

  /// Entries of `folder` that are temporary folders of a run (`NAME.tmp-…`, `NAME.old-…`).
  func leftovers(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
      $0.contains(".tmp-") || $0.contains(".old-")
    }
  }

  @Test(.timeLimit(.minutes(2)), arguments: [("SIGINT", SIGINT), ("SIGTERM", SIGTERM)])
  func theFirstSignalWritesTheReportOfTheFinishedCells(name: String, number: Int32) throws {
    let (folder, script) = try helper.notebook(Self.text)
    let (process, out, err) = try helper.process(["run", script])
    #expect(waitFor(folder + "/nb.out.tmp-\(process.processIdentifier)/marker.txt"), "the run reached cell 2")
    kill(process.processIdentifier, number)
    let outcome = BuiltBinary.finish(process, out, err)
    #expect(process.terminationReason == .exit)
    #expect(outcome.status == 130)
    #expect(outcome.stdout == folder + "/nb.out/index.html\n")
    #expect(outcome.stderr.hasPrefix(script + ":7:7: error: interrupted by \(name)\n"), "\(outcome.stderr)")
    let manifest = try helper.report(folder, "manifest.json")
    #expect(manifest.contains("\"status\": \"interrupted\",\n  \"failed_cell\": 2,\n  \"interrupted_by\": \"\(name)\""))
    #expect(manifest.contains("\"name\": \"Interrupted\",\n          \"message\": \"7:7: interrupted by \(name)\""))
    #expect(manifest.contains("\"status\": \"skipped\""))
    let metrics = try helper.report(folder, "metrics.json")
    #expect(metrics == "{\n  \"m\": 1.0\n}\n")
    let html = try helper.report(folder, "index.html")
    #expect(html.contains("first\n"))
    #expect(html.contains("Interrupted: 7:7: interrupted by \(name)"))
    #expect(FileManager.default.fileExists(atPath: folder + "/nb.out/marker.txt"))
    #expect(leftovers(folder).isEmpty, "\(leftovers(folder))")
  }

  @Test(.timeLimit(.minutes(2)), arguments: [1, 2])
  func anInterruptedSweepKeepsItsFinishedRunsAndTheReport(jobs: Int) throws {
    let (folder, script) = try helper.notebook(SweepCommandTests.text)
    let out = folder + "/nb.out"
    let (process, stdout, stderr) = try helper.process(["run", script, "--jobs", String(jobs), "-p", "spin=300000"])
    var waited = 0
    while SweepCommandTests().entries(out + ".cache").count < 2 && waited < 3000 {
      usleep(20_000)
      waited += 1
    }
    kill(process.processIdentifier, SIGINT)
    let outcome = BuiltBinary.finish(process, stdout, stderr)
    #expect(outcome.status == 130, "\(outcome.stderr)")
    #expect(outcome.stderr.contains("error: interrupted by SIGINT"), "\(outcome.stderr)")
    let kept = SweepCommandTests().entries(out + ".cache")
    #expect(kept.count >= 2 && kept.count < 9, "interrupted midway, with finished runs")
    let manifest = try String(contentsOfFile: out + "/manifest.json", encoding: .utf8)
    #expect(manifest.contains("\"status\": \"interrupted\""))
    #expect(leftovers(folder).isEmpty, "\(leftovers(folder))")
    #expect(!FileManager.default.fileExists(atPath: out + ".cache/jobs"), "no scratch folder of workers is left")
    usleep(300_000)
    let again = try helper.run(["run", script, "--jobs", String(jobs), "-p", "spin=300000"])
    #expect(again.status == 0, "\(again.stderr)")
    let finished = SweepCommandTests().entries(out + ".cache")
    for (key, stamp) in kept { #expect(finished[key] == stamp, "run \(key) was not recomputed") }
  }

  /// A cell busy in one long tensor operation does not reach a safe point soon: the second
  /// signal ends the process at once, without a report.
  @Test(.timeLimit(.minutes(2)))
  func aSecondSignalStopsAtOnce() throws {
    let text = """
      # %%
      save("started", "marker.txt")
      a = uniform([3000, 3000], -1, 1)
      b = a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a @ a
      """
    let (folder, script) = try helper.notebook(text)
    let (process, out, err) = try helper.process(["run", script, "--threads", "1"])
    #expect(waitFor(folder + "/nb.out.tmp-\(process.processIdentifier)/marker.txt"))
    usleep(300_000)
    kill(process.processIdentifier, SIGINT)
    usleep(300_000)
    #expect(process.isRunning, "the first signal waits for a safe point")
    let start = Date()
    kill(process.processIdentifier, SIGINT)
    _ = BuiltBinary.finish(process, out, err)
    #expect(Date().timeIntervalSince(start) < 2)
    #expect(process.terminationReason == .uncaughtSignal)
    #expect(process.terminationStatus == SIGINT)
    #expect(!FileManager.default.fileExists(atPath: folder + "/nb.out/index.html"))
  }

  @Test(.timeLimit(.minutes(2)))
  func aPlainScriptStopsWith130() throws {
    let (_, script) = try helper.notebook("print(\"started\")\ni = 0\nwhile i < 1e12 { i += 1 }\n")
    let (process, out, err) = try BuiltBinary.start(["run", script])
    usleep(1_000_000)
    kill(process.processIdentifier, SIGINT)
    let outcome = BuiltBinary.finish(process, out, err)
    #expect(outcome.status == 130)
    #expect(outcome.stderr == script + ":3:7: error: interrupted by SIGINT\n", "\(outcome.stderr)")
  }
}
