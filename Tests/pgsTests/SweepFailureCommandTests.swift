import Foundation
import Testing

/// Sweeps whose runs fail say so: each distinct error with its location and runs on standard
/// error and in the report, `failed`/`partial` in the manifest, exit 70 when every run failed.
@Suite struct SweepFailureCommandTests {
  let helper = NotebookCommandTests()

  /// The layer is `feat`; the sweep body asks for `faet`.
  static let typo = """
    # %%
    net = network(input: [1, 8, 8], seed: 1) {
      conv(4, 3, pad: 1, name: "feat")
      relu()
      flatten()
      linear(10)
    }
    # %%
    sweep "s": b in [0, 0.3, 0.6], s in 1...2 {
      r = maximize(channel(net.faet, 3), steps: 4, grad: swap(b), seed: s)
      record(activation: r.value)
    }
    # %%
    print("after")
    """

  static let expectedWarning = """
    warning: sweep s: 6 of 6 runs failed, with 1 distinct error
      SCRIPT:10:28: network has no layer 'faet'; layers: feat, relu1, flatten1, linear1
        in 6 runs: (b=0, s=1), (b=0, s=2), (b=0.3, s=1), (b=0.3, s=2), (b=0.6, s=1), (b=0.6, s=2)

    """

  func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

  @Test(.timeLimit(.minutes(2)), arguments: [1, 2])
  func aSweepWhoseRunsAllFailFailsTheCellAndSaysWhy(jobs: Int) throws {
    let (folder, script) = try helper.notebook(Self.typo)
    let outcome = try helper.run(["run", script, "--jobs", String(jobs)])
    #expect(outcome.status == 70)
    let warning = Self.expectedWarning.replacingOccurrences(of: "SCRIPT", with: script)
    #expect(outcome.stderr.hasPrefix(warning), "\(outcome.stderr)")
    #expect(outcome.stderr.contains(script + ":9:1: error: sweep s: all 6 runs failed (errors above)\n"))
    #expect(outcome.stdout == folder + "/nb.out/index.html\n", "the report is written")
    let manifest = text(folder + "/nb.out/manifest.json")
    #expect(manifest.contains("\"status\": \"error\""))
    #expect(manifest.contains("\"failed_cell\": 2"))
    #expect(manifest.contains("\"name\": \"s\",\n      \"status\": \"failed\",\n      \"runs\": 6,\n      \"failed\": 6"))
    let html = text(folder + "/nb.out/index.html")
    #expect(html.contains("network has no layer &#39;faet&#39;") || html.contains("network has no layer 'faet'"))
    #expect(html.contains("class=\"stream warning\""))
    let notebook = text(folder + "/nb.out/nb.ipynb")
    #expect(notebook.contains("\"name\": \"stderr\""))
    #expect(notebook.contains("6 of 6 runs failed"))
    // The cell after the sweep does not run.
    #expect(!html.contains(">after\n<"))
  }

  /// One run of nine fails: the run goes on, exits 0, and warns.
  static let partial = """
    # %%
    sweep "p": slope in [0, 0.5, 1], seed in 1...3 {
      record(value: slope * seed)
      if slope == 1 and seed == 3 { y = [1][2] }
    }
    """

  @Test(.timeLimit(.minutes(2)), arguments: [1, 2])
  func aSweepWithSomeFailedRunsWarnsAndIsPartial(jobs: Int) throws {
    let (folder, script) = try helper.notebook(Self.partial)
    let outcome = try helper.run(["run", script, "--jobs", String(jobs)])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(
      outcome.stderr == """
        warning: sweep p: 1 of 9 runs failed, with 1 distinct error
          \(script):4:37: index 2 is out of range for a list of 1 items
            in 1 run: (slope=1, seed=3)

        """, "\(outcome.stderr)")
    let manifest = text(folder + "/nb.out/manifest.json")
    #expect(manifest.contains("\"status\": \"partial\",\n  \"failed_cell\": null"))
    #expect(manifest.contains("\"status\": \"partial\",\n      \"runs\": 9,\n      \"failed\": 1"))
    #expect(text(folder + "/nb.out/index.html").contains("1 of 9 runs failed"))
  }

  @Test func stopOnErrorKeepsItsMeaning() throws {
    let stopping = Self.partial.replacingOccurrences(of: "seed in 1...3 {", with: "seed in 1...3, stop_on_error: true {")
    let (folder, script) = try helper.notebook(stopping)
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 70)
    #expect(outcome.stderr.hasPrefix(script + ":2:1: error: sweep stopped: the run slope=1, seed=3 failed: 4:37: index 2"), "\(outcome.stderr)")
    #expect(!outcome.stderr.contains("warning"))
    #expect(text(folder + "/nb.out/sweeps/p/runs.csv").split(separator: "\r\n").count == 11, "header, 8 records, the failing run's record and its error")
  }

  @Test func aPlainScriptPrintsTheFailuresOnStandardError() throws {
    let plain = Self.typo.replacingOccurrences(of: "# %%\n", with: "")
    let (_, script) = try helper.notebook(plain)
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 70)
    let warning = Self.expectedWarning.replacingOccurrences(of: "SCRIPT", with: script)
      .replacingOccurrences(of: ":10:28:", with: ":8:28:")
    #expect(outcome.stderr.hasPrefix(warning), "\(outcome.stderr)")
    #expect(outcome.stdout.contains("summary: 6 runs, 6 failed"))
    #expect(!outcome.stdout.contains("warning"))
  }
}
