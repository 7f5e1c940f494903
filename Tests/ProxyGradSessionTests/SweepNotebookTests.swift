import Foundation
import ProxyGradNotebook
import Testing

@testable import ProxyGradSession

/// Sweeps in notebooks: the files under `sweeps/NAME/`, the run cache and `--fresh`.
@Suite struct SweepNotebookTests {
  func workspace(_ text: String) throws -> (folder: String, script: String) {
    try notebookWorkspace(text, prefix: "pgs-sweep")
  }

  func job(_ script: String, _ text: String, fresh: Bool = false) -> NotebookJob.Result {
    var runner = NotebookRunner(toolVersion: "test")
    runner.sweepOptions = SweepOptions(fresh: fresh)
    return NotebookJob(notebook: Notebook(path: script, text: text), runner: runner).execute()
  }

  func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  /// Modification time and inode of every cached run: a recomputed run gets a new folder.
  func entries(_ cache: String) -> [String: String] {
    var result: [String: String] = [:]
    for sweep in (try? FileManager.default.contentsOfDirectory(atPath: cache + "/sweeps")) ?? [] {
      let folder = cache + "/sweeps/" + sweep
      for key in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
        var info = stat()
        guard stat(folder + "/" + key + "/config.json", &info) == 0 else { continue }
        result[sweep + "/" + key] = "\(info.st_ino) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
      }
    }
    return result
  }

  static let notebook = """
    # %% parameters
    scale = 2
    # %%
    base = 10
    sweep "grid": a in [1, 2], seed in 1...2 {
      print("run", a, seed)
      save("a=" + str(a), "note.txt")
      record(v: base + a * scale + seed)
      if a == 2 and seed == 2 { x = [1][3] }
    }
    """

  @Test func aSweepWritesItsFolderAndShowsTheSummary() throws {
    let (folder, script) = try workspace(Self.notebook)
    let result = job(script, Self.notebook)
    #expect(result.exitStatus == .ok, "\(result.errorText)")
    let base = folder + "/nb.out/sweeps/grid/"
    #expect(text(base + "runs.csv") == "a,seed,v,error\r\n1,1,13,\r\n1,2,14,\r\n2,1,15,\r\n2,2,16,\r\n2,2,,9:33: index 3 is out of range for a list of 1 items\r\n")
    #expect(text(base + "summary.csv") == "a,runs,failed,v_mean,v_std,v_n\r\n1,2,0,13.5,0.7071067811865476,2\r\n2,2,1,15.5,0.7071067811865476,2\r\n")
    #expect(text(base + "v.svg")?.hasPrefix("<svg") == true)
    #expect(text(base + "runs/001/config.json") == "{\n  \"a\": 1,\n  \"seed\": 1\n}\n")
    #expect(text(base + "runs/001/output.txt") == "run 1 1\n")
    #expect(text(base + "runs/003/note.txt") == "a=2")
    #expect(text(base + "runs/004/result.json")?.contains("\"status\": \"failed\"") == true)
    #expect(!FileManager.default.fileExists(atPath: base + "runs/001/" + SweepRunFolder.recordName))
    let outputs = try #require(result.outcome?.run.cells[1].outputs)
    guard case .table(let summary)? = outputs.first else {
      Issue.record("the cell shows the summary table first")
      return
    }
    #expect(summary.title == "sweep grid: summary over seed: 4 runs, 1 failed")
    #expect(outputs.contains { if case .plot = $0 { return true } else { return false } })
  }

  @Test func rerunningRecomputesNothingAndFreshRecomputesEverything() throws {
    let (folder, script) = try workspace(Self.notebook)
    #expect(job(script, Self.notebook).exitStatus == .ok)
    let cache = folder + "/nb.out.cache"
    let first = entries(cache)
    #expect(first.count == 4)
    let report = text(folder + "/nb.out/sweeps/grid/runs.csv")
    #expect(job(script, Self.notebook).exitStatus == .ok)
    #expect(entries(cache) == first)
    #expect(text(folder + "/nb.out/sweeps/grid/runs.csv") == report)
    #expect(job(script, Self.notebook, fresh: true).exitStatus == .ok)
    let fresh = entries(cache)
    #expect(Set(fresh.keys) == Set(first.keys))
    #expect(fresh.allSatisfy { first[$0.key] != $0.value })
  }

  @Test func changingTheCodeBeforeTheSweepChangesTheKeys() throws {
    let (folder, script) = try workspace(Self.notebook)
    #expect(job(script, Self.notebook).exitStatus == .ok)
    let first = entries(folder + "/nb.out.cache")
    let edited = Self.notebook.replacingOccurrences(of: "base = 10", with: "base = 20")
    #expect(job(script, edited).exitStatus == .ok)
    let second = entries(folder + "/nb.out.cache")
    #expect(second.count == 8 && Set(first.keys).isSubset(of: Set(second.keys)))
    #expect(text(folder + "/nb.out/sweeps/grid/runs.csv")?.contains("1,1,23,") == true)
  }

  @Test func unnamedSweepsAreNamedAfterTheirCell() throws {
    let text = "# %%\nx = 1\n# %%\nsweep a in [1] { record(v: a) }\nsweep a in [2] { record(v: a) }\n"
    let (folder, script) = try workspace(text)
    #expect(job(script, text).exitStatus == .ok)
    #expect(FileManager.default.fileExists(atPath: folder + "/nb.out/sweeps/cell02/runs.csv"))
    #expect(FileManager.default.fileExists(atPath: folder + "/nb.out/sweeps/cell02-2/runs.csv"))
  }

  @Test func stopOnErrorFailsTheCell() throws {
    let text = "# %%\nsweep \"s\": a in [1, 2, 3], stop_on_error: true { record(v: [1][a - 1]) }\n"
    let (folder, script) = try workspace(text)
    let result = job(script, text)
    #expect(result.exitStatus == .runtimeError)
    #expect(result.errorText.contains("sweep stopped: the run a=2 failed"))
    #expect(self.text(folder + "/nb.out/sweeps/s/summary.csv")?.contains("2,1,1") == true)
  }
}
