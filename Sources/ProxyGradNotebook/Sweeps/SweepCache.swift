import Foundation

/// Finished runs of sweeps, kept beside the output folder (`nb.out.cache/` for `nb.out/`) so
/// that they survive the output folder's atomic swap and a killed run:
///
/// ```
/// nb.out.cache/sweeps/NAME/KEY/    one finished run: the files of its run folder
/// nb.out.cache/jobs/PID/           the notebook text handed to worker processes
/// ```
///
/// KEY is the SHA-256 (first 32 hex digits) of everything the run depends on (see
/// `SweepCache.key(_:)`'s callers). An entry is written under `KEY.tmp-PID@HOST` and renamed into
/// place, so it exists completely or not at all; a process killed in between leaves only a
/// `tmp-PID@HOST` folder, removed by the next run.
package struct SweepCache: Sendable {
  /// The cache folder, e.g. `runs/nb.out.cache`.
  package let folder: String

  package init(folder: String) {
    self.folder = folder
  }

  /// The cache beside an output folder.
  package init(outputFolder: String) {
    var target = outputFolder
    while target.count > 1 && target.hasSuffix("/") { target.removeLast() }
    self.init(folder: target + ".cache")
  }

  /// The key of a text describing a run.
  package static func key(_ material: String) -> String {
    String(Digest.sha256Hex(of: material).prefix(32))
  }

  package func entryPath(sweep: String, key: String) -> String {
    folder + "/sweeps/" + sweep + "/" + key
  }

  /// Whether the run `key` is finished.
  package func contains(sweep: String, key: String) -> Bool {
    FileSystem.isDirectory(entryPath(sweep: sweep, key: key))
  }

  /// The files of a finished run (relative paths, sorted), or nil when it is not cached.
  package func load(sweep: String, key: String) -> [ReportFile]? {
    let root = entryPath(sweep: sweep, key: key)
    guard FileSystem.isDirectory(root) else { return nil }
    var files: [ReportFile] = []
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return nil }
    while let relative = enumerator.nextObject() as? String {
      let path = root + "/" + relative
      guard !FileSystem.isDirectory(path) else { continue }
      guard let data = FileManager.default.contents(atPath: path) else { return nil }
      files.append(ReportFile(path: relative, bytes: [UInt8](data)))
    }
    return files.sorted { $0.path < $1.path }
  }

  /// Stores a finished run atomically, replacing an entry of the same key.
  package func store(sweep: String, key: String, files: [ReportFile]) throws(NotebookError) {
    let target = entryPath(sweep: sweep, key: key)
    let staging = target + ".tmp-\(FileSystem.processTag)"
    try FileSystem.remove(staging)
    try FileSystem.makeDirectory(staging)
    for file in files {
      let components = file.path.split(separator: "/")
      guard !file.path.hasPrefix("/"), !components.isEmpty, !components.contains("..") else {
        throw .invalidWritePath(path: file.path, reason: "not a relative path inside the run folder")
      }
      let path = staging + "/" + components.joined(separator: "/")
      try FileSystem.makeDirectory(AtomicFile.split(path).0)
      try FileSystem.writeFile(file.bytes, to: path, sync: false)
    }
    if FileSystem.exists(target) {
      if FileSystem.exchange(staging, target) {
        try FileSystem.remove(staging)
        return
      }
      try FileSystem.remove(target)
    }
    do {
      try FileSystem.rename(staging, target)
    } catch {
      // Another process stored the same run first: its entry is as good as ours.
      try? FileSystem.remove(staging)
      if !FileSystem.isDirectory(target) { throw error }
    }
  }

  /// One finished run in the cache, for listing and pruning.
  package struct Entry: Equatable, Sendable {
    package var sweep: String
    package var key: String
    package var bytes: Int64
    /// When a run last stored or read it (seconds since 1970).
    package var lastUsed: Double
  }

  /// Every finished run in the cache, least recently used first (then by sweep and key).
  package func entries() -> [Entry] {
    var found: [Entry] = []
    let sweeps = folder + "/sweeps"
    for sweep in FileSystem.contents(of: sweeps).sorted() where FileSystem.isDirectory(sweeps + "/" + sweep) {
      for key in FileSystem.contents(of: sweeps + "/" + sweep).sorted() where !key.contains(".tmp-") {
        let path = entryPath(sweep: sweep, key: key)
        guard FileSystem.isDirectory(path) else { continue }
        found.append(Entry(sweep: sweep, key: key, bytes: FileSystem.size(of: path), lastUsed: FileSystem.modificationTime(path)))
      }
    }
    return found.sorted { ($0.lastUsed, $0.sweep, $0.key) < ($1.lastUsed, $1.sweep, $1.key) }
  }

  /// Marks runs as used now, so that pruning keeps them longest.
  package func touch(sweep: String, keys: some Sequence<String>) {
    for key in keys { FileSystem.touch(entryPath(sweep: sweep, key: key)) }
  }

  /// Removes the least recently used runs until the cache holds at most `limit` bytes, never one
  /// of `kept` (`sweep/key`, the runs the notebook just used).
  /// - Returns: the removed entries.
  @discardableResult
  package func prune(toAtMost limit: Int64, keeping kept: Set<String> = []) -> [Entry] {
    let all = entries()
    var total = all.reduce(0) { $0 + $1.bytes }
    var removed: [Entry] = []
    for entry in all where total > limit && !kept.contains(entry.sweep + "/" + entry.key) {
      try? FileSystem.remove(entryPath(sweep: entry.sweep, key: entry.key))
      total -= entry.bytes
      removed.append(entry)
    }
    return removed
  }

  /// The default size limit: 2 GiB, or `PGS_SWEEP_CACHE_LIMIT` (a size such as `500M`, `10G`).
  package static func limit(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int64 {
    environment["PGS_SWEEP_CACHE_LIMIT"].flatMap(parseSize) ?? 2 << 30
  }

  /// `1234`, `500K`, `500M`, `2G` (powers of 1024); nil for anything else.
  package static func parseSize(_ text: String) -> Int64? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
    let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
    var digits = Substring(trimmed)
    var scale: Int64 = 1
    if let last = digits.last, let unit = units[last] {
      scale = unit
      digits = digits.dropLast()
    } else if digits.hasSuffix("B"), let unit = units[digits.dropLast().last ?? " "] {
      scale = unit
      digits = digits.dropLast(2)
    }
    guard let value = Double(digits), value.isFinite, value >= 0, value * Double(scale) < 9e18 else { return nil }
    return Int64(value * Double(scale))
  }

  /// Forgets a finished run (`--fresh`).
  package func remove(sweep: String, key: String) {
    try? FileSystem.remove(entryPath(sweep: sweep, key: key))
  }

  /// Removes `tmp-PID@HOST` folders of this host's processes that are gone (runs killed while
  /// being stored).
  package func removeStaleEntries(sweep: String) {
    let parent = folder + "/sweeps/" + sweep
    for entry in FileSystem.contents(of: parent) {
      guard let range = entry.range(of: ".tmp-"), FileSystem.isStale(tag: String(entry[range.upperBound...]))
      else { continue }
      try? FileSystem.remove(parent + "/" + entry)
    }
  }

  /// Writes the notebook text that worker processes run, under `jobs/PID@HOST/`; returns its path.
  package func spool(text: String, name: String) throws(NotebookError) -> String {
    let folder = self.folder + "/jobs/\(FileSystem.processTag)"
    try FileSystem.makeDirectory(folder)
    let path = folder + "/" + name
    try FileSystem.writeFile(Array(text.utf8), to: path, sync: false)
    return path
  }

  /// Removes this process's `jobs/PID@HOST/` folder, and those of this host's processes that are
  /// gone.
  package func removeJobs() {
    let parent = folder + "/jobs"
    for entry in FileSystem.contents(of: parent) {
      guard entry == FileSystem.processTag || FileSystem.isStale(tag: entry) else { continue }
      try? FileSystem.remove(parent + "/" + entry)
    }
    if FileSystem.contents(of: parent).isEmpty { try? FileSystem.remove(parent) }
  }
}
