import Foundation
import Testing

/// The sweep cache has a size limit (least recently used runs of other configurations go
/// first), and `pgs cache` shows, prunes and clears it.
@Suite struct SweepCacheCommandTests {
  let helper = NotebookCommandTests()

  static func text(_ values: String) -> String {
    "# %%\nsweep \"s\": b in \(values) {\n  record(v: b * 2)\n}\n"
  }

  func cacheEntries(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/nb.out.cache/sweeps/s")) ?? []).sorted()
  }

  @Test func aFullCacheDropsTheRunsOfOtherConfigurationsFirst() throws {
    let (folder, script) = try helper.notebook(Self.text("[1, 2, 3]"))
    let limit = ["PGS_SWEEP_CACHE_LIMIT": "1"]  // one byte: only the runs just used stay
    #expect(try BuiltBinary.run(["run", script], environment: limit).status == 0)
    let first = cacheEntries(folder)
    #expect(first.count == 3)
    try Self.text("[3, 4]").write(toFile: script, atomically: true, encoding: .utf8)
    let second = try BuiltBinary.run(["run", script], environment: limit)
    #expect(second.status == 0, "\(second.stderr)")
    let kept = cacheEntries(folder)
    #expect(kept.count == 2)
    // The edited sweep has new keys: the three old runs are gone.
    #expect(Set(first).isDisjoint(with: kept))
    // Without a limit below the cache's size, nothing is removed.
    try Self.text("[1]").write(toFile: script, atomically: true, encoding: .utf8)
    #expect(try BuiltBinary.run(["run", script]).status == 0)
    #expect(cacheEntries(folder).count == 3)
  }

  @Test func cacheListsPrunesAndClears() throws {
    let (folder, script) = try helper.notebook(Self.text("[1, 2, 3, 4]"))
    #expect(try helper.run(["run", script]).status == 0)
    let listing = try helper.run(["cache", script])
    #expect(listing.status == 0, "\(listing.stderr)")
    let lines = listing.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    #expect(lines[0].hasPrefix(folder + "/nb.out.cache: 4 runs, "), "\(listing.stdout)")
    #expect(lines[0].hasSuffix(", limit 2.0 GiB"))
    #expect(lines[1].hasPrefix("  s: 4 runs, "))
    let pruned = try helper.run(["cache", folder + "/nb.out", "--limit", "300"])
    #expect(pruned.status == 0)
    #expect(cacheEntries(folder).count < 4, "\(pruned.stdout)")
    #expect(pruned.stdout.hasPrefix("removed "))
    let cleared = try helper.run(["cache", script, "--clear"])
    #expect(cleared.stdout.contains("nb.out.cache: 0 runs, 0 B"), "\(cleared.stdout)")
    #expect(cacheEntries(folder).isEmpty)
    // The report is untouched, and a rerun recomputes the runs.
    #expect(FileManager.default.fileExists(atPath: folder + "/nb.out/sweeps/s/runs.csv"))
    #expect(try helper.run(["run", script]).status == 0)
    #expect(cacheEntries(folder).count == 4)
  }

  @Test func badCacheArgumentsSayWhatIsWrong() throws {
    let (folder, script) = try helper.notebook(Self.text("[1]"))
    let none = try helper.run(["cache", script])
    #expect(none.status == 66)
    #expect(none.stderr == "error: '\(folder)/nb.out' has no sweep cache (no \(folder)/nb.out.cache/sweeps)\n")
    let size = try helper.run(["cache", script, "--limit", "lots"])
    #expect(size.status == 64)
    #expect(size.stderr.contains("--limit expects a size such as 500M or 2G, got 'lots'"), "\(size.stderr)")
  }
}
