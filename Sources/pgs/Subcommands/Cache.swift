import ArgumentParser
import Foundation
import ProxyGradFormat
import ProxyGradNotebook
import ProxyGradSession

extension PGSCommand {
  struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show or prune the run cache of a notebook's sweeps.",
      discussion: """
        Finished sweep runs are kept in FOLDER.cache beside the output folder (nb.out.cache for \
        nb.out), so that a rerun or an interrupted run computes only what is missing. After each \
        sweep, the least recently used runs of other configurations are removed while the cache \
        is larger than its limit: 2G, or PGS_SWEEP_CACHE_LIMIT (e.g. 500M).

        Without options, lists the cache: its location, and per sweep the runs and their size. \
        --limit SIZE removes least recently used runs until the cache is at most SIZE; --clear \
        removes every run, and the cells kept for incremental reruns (docs/notebooks.md).

        Exit status: 0, or 66 when the folder has no cache.
        """)

    @ArgumentParser.Argument(help: "The output folder (nb.out), or its notebook (nb.pgs) when the default folder was used.")
    var target: String

    @Option(help: ArgumentHelp("Remove least recently used runs until the cache is at most SIZE (e.g. 500M, 2G).", valueName: "SIZE"))
    var limit: String?

    @Flag(help: "Remove every cached run.")
    var clear = false

    func validate() throws {
      if let limit, SweepCache.parseSize(limit) == nil {
        throw ValidationError("--limit expects a size such as 500M or 2G, got '\(limit)'")
      }
      if clear && limit != nil { throw ValidationError("give --clear or --limit, not both") }
    }

    func run() throws {
      let folder = target.hasSuffix(".pgs") ? NotebookJob.defaultOutputFolder(forScript: target) : target
      let cache = SweepCache(outputFolder: folder)
      guard FileManager.default.fileExists(atPath: cache.folder + "/sweeps") else {
        StandardError.write("error: '\(folder)' has no sweep cache (no \(cache.folder)/sweeps)\n")
        throw ExitCode(ExitStatus.noInput.rawValue)
      }
      if clear { DiskCellCache(outputFolder: folder).keepOnly([]) }
      if clear || limit != nil {
        let removed = cache.prune(toAtMost: clear ? 0 : SweepCache.parseSize(limit ?? "0") ?? 0)
        print("removed \(removed.count) run\(removed.count == 1 ? "" : "s") (\(Self.size(removed.reduce(0) { $0 + $1.bytes })))")
      }
      let entries = cache.entries()
      print("\(cache.folder): \(entries.count) run\(entries.count == 1 ? "" : "s"), \(Self.size(entries.reduce(0) { $0 + $1.bytes })), limit \(Self.size(SweepCache.limit()))")
      var sweeps: [String: (runs: Int, bytes: Int64)] = [:]
      for entry in entries { sweeps[entry.sweep, default: (0, 0)].runs += 1; sweeps[entry.sweep, default: (0, 0)].bytes += entry.bytes }
      for (name, totals) in sweeps.sorted(by: { $0.key < $1.key }) {
        print("  \(name): \(totals.runs) run\(totals.runs == 1 ? "" : "s"), \(Self.size(totals.bytes))")
      }
    }

    /// Bytes for people: `812 B`, `3.4 KiB`, `1.2 GiB`.
    static func size(_ bytes: Int64) -> String {
      let units = ["B", "KiB", "MiB", "GiB", "TiB"]
      var value = Double(bytes)
      var unit = 0
      while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
      }
      return unit == 0 ? "\(bytes) B" : Format.fixed(value, decimals: 1) + " " + units[unit]
    }
  }
}
