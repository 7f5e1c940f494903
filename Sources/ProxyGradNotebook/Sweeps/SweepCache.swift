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
    String(SHA256.hexDigest(of: material).prefix(32))
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
