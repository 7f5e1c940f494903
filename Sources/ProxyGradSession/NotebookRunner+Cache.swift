import Foundation
import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradTensor

/// How a notebook run uses the cells of earlier runs (docs/notebooks.md, "Caching and
/// incremental reruns"): where they are, and whether to read them.
package struct CellReuseOptions {
  /// The cache; nil keeps nothing.
  package var cache: (any CellCache)?
  /// `--fresh`: read nothing from the cache (its entries are replaced by this run's).
  package var fresh = false
  /// The staging folder of the output folder, whose files each cell wrote are kept with it.
  package var stagingFolder: String?

  package init(cache: (any CellCache)? = nil, fresh: Bool = false, stagingFolder: String? = nil) {
    self.cache = cache
    self.fresh = fresh
    self.stagingFolder = stagingFolder
  }
}

/// The keys of a run's cells, the prefix it restores, and the entries it stores.
///
/// A cell's key is the SHA-256 of: the key of the executable cell before it, the cache's format
/// version, the tool version, the thread count, `--seed`, the `-p` overrides, the cell's kind,
/// number and source at its lines, and the path, size and SHA-256 of every file the cell before
/// it read (which, through that cell's key, covers every file read before). An entry is used
/// only while the files its own cell read are unchanged too, since its snapshot holds what they
/// gave.
final class CellReuse {
  let options: CellReuseOptions
  let notebook: Notebook
  /// The text every key starts with.
  let common: String
  /// Lines for the terminal: what was reused, what was dropped.
  var notes: [String] = []
  /// The keys of this run's executable cells, by cell index.
  var keys: [Int: String] = [:]
  private var previousKey = ""
  private var previousReads: [FileStamp] = []
  /// The staging folder's files (relative path → size and modification time) before the cell.
  private var listing: [String: (Int64, Double)] = [:]
  private let stagingAbsolute: String?

  init(options: CellReuseOptions, notebook: Notebook, runner: NotebookRunner) {
    self.options = options
    self.notebook = notebook
    common = "pgs cell cache \(DiskCellCache.formatVersion)\ntool \(runner.toolVersion)\n"
      + "threads \(Parallel.threads)\nseed \(runner.seed.map(String.init) ?? "-")\n"
      + runner.overrides.map { "-p \($0.name)=\($0.value.sourceText)\n" }.joined()
    stagingAbsolute = options.stagingFolder.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
  }

  /// The key of cell `index`, after the cells before it (call in order).
  func nextKey(_ index: Int) -> String {
    let cell = notebook.cells[index]
    var material = previousKey + "\n" + common + "cell \(index + 1) \(cell.kind.rawValue)\n"
    material += notebook.sourceFile(ofCell: index).text + "\nreads\n"
    for read in previousReads { material += "\(read.path)\t\(read.size)\t\(read.sha256)\n" }
    let key = String(Digest.sha256Hex(of: material).prefix(40))
    keys[index] = key
    previousKey = key
    return key
  }

  /// The cells a run can restore: the longest run of executable cells from the first whose
  /// entries are all present (their files read unchanged), cut after the last one with a usable
  /// snapshot. Returns the entries by cell index and the snapshot to restore, or nothing.
  func restorablePrefix() -> (entries: [Int: CellEntry], last: Int, snapshot: SessionSnapshot)? {
    guard let cache = options.cache, !options.fresh else { return nil }
    var found: [(Int, CellEntry)] = []
    // Nothing runs during the scan: each file (a data set read by every cell's entry) is
    // hashed once.
    var stamps: [String: FileStamp] = [:]
    func current(_ path: String) -> FileStamp {
      if let stamp = stamps[path] { return stamp }
      let stamp = FileStamp.current(path)
      stamps[path] = stamp
      return stamp
    }
    scan: for index in notebook.cells.indices where notebook.cells[index].kind.isExecutable {
      let key = nextKey(index)
      switch cache.load(key) {
      case .hit(let entry):
        // A file the cell read has changed: the state after it would be stale.
        let now = entry.reads.map { current($0.path) }
        guard now == entry.reads else { break scan }
        found.append((index, entry))
        previousReads = now
      case .miss:
        break scan
      case .dropped(let reason):
        notes.append("cache: dropped the entry of cell \(index + 1) (\(reason)); running it again")
        break scan
      }
    }
    // The last cell whose snapshot loads, with every blob intact.
    for (position, (index, entry)) in found.enumerated().reversed() {
      guard let bytes = entry.snapshot else { continue }
      var blobs: [[UInt8]] = []
      for digest in entry.blobDigests {
        guard let blob = cache.blob(digest) else { break }
        blobs.append(blob)
      }
      guard blobs.count == entry.blobDigests.count else {
        notes.append("cache: dropped the snapshot after cell \(index + 1) (a missing or damaged blob); running from an earlier cell")
        continue
      }
      let entries = Dictionary(uniqueKeysWithValues: found[...position].map { ($0.0, $0.1) })
      return (entries, index, SessionSnapshot(bytes: bytes, blobs: blobs))
    }
    return nil
  }

  /// Restarts the key chain after a restored prefix ending at `last` (whose reads
  /// `restorablePrefix` found unchanged).
  func resume(after last: Int, entry: CellEntry) {
    previousKey = keys[last] ?? ""
    previousReads = entry.reads
    listing = currentListing()
  }

  /// Starts over when nothing was restored.
  func restart() {
    previousKey = ""
    previousReads = []
    keys = [:]
    listing = currentListing()
  }

  /// Keeps what cell `index` left, under its key. Stores nothing for a cell whose outputs do not
  /// come back equal from the cache's form.
  func store(
    _ index: Int, outputs: [CellOutput], reads: [String], parameters: [RunParameter]?,
    sweeps: [SweepSummary], duration: Double, interpreter: Interpreter
  ) {
    let key = nextKey(index)
    let stamps = reads.filter { path in
      // Files earlier cells wrote into the output folder are covered by those cells' keys.
      guard let staging = stagingAbsolute else { return true }
      return !URL(fileURLWithPath: path).standardizedFileURL.path.hasPrefix(staging + "/")
    }.map(FileStamp.current)
    previousReads = stamps
    let written = writtenFiles()
    guard let cache = options.cache else { return }
    var entry = CellEntry(
      outputs: outputs, files: written, reads: stamps, parameters: parameters, sweeps: sweeps,
      duration: duration)
    var blobs: [[UInt8]] = []
    do throws(SnapshotUnsupported) {
      let snapshot = try interpreter.snapshot()
      entry.snapshot = snapshot.bytes
      entry.blobDigests = snapshot.blobs.map { Digest.sha256Hex(of: $0) }
      blobs = snapshot.blobs
    } catch {
      entry.unsnapshotted = error.description
      notes.append("cache: no snapshot after cell \(index + 1): \(error.description); a rerun runs it again")
    }
    // Every output decodes equal to itself; one holding NaN (never equal to itself) decodes to
    // the same bytes.
    var check = BinaryWriter()
    for output in outputs { output.encode(into: &check) }
    var reader = BinaryReader(check.bytes)
    var again = BinaryWriter()
    var equal = true
    for output in outputs {
      let decoded = try? CellOutput.decode(from: &reader)
      decoded?.encode(into: &again)
      equal = equal && (decoded == output || output != output)
    }
    guard equal, again.bytes == check.bytes else {
      notes.append("cache: the outputs of cell \(index + 1) do not round-trip; not kept")
      return
    }
    do throws(NotebookError) {
      try cache.store(key, entry, blobs: blobs)
    } catch {
      notes.append("cache: cannot keep cell \(index + 1): \(error)")
    }
  }

  /// Forgets the entries this run did not use or make.
  func finish() {
    options.cache?.keepOnly(Set(keys.values))
  }

  // MARK: - Files the cells write

  private func currentListing() -> [String: (Int64, Double)] {
    guard let staging = options.stagingFolder else { return [:] }
    var result: [String: (Int64, Double)] = [:]
    let enumerator = FileManager.default.enumerator(atPath: staging)
    while let relative = enumerator?.nextObject() as? String {
      guard let attributes = enumerator?.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular
      else { continue }
      let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
      let time = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
      result[relative] = (size, time)
    }
    return result
  }

  /// The files of the staging folder that are new or changed since the last call.
  private func writtenFiles() -> [ReportFile] {
    guard let staging = options.stagingFolder else { return [] }
    let now = currentListing()
    defer { listing = now }
    return now.keys.sorted().compactMap { relative in
      if let before = listing[relative], let after = now[relative], before == after { return nil }
      guard let data = FileManager.default.contents(atPath: staging + "/" + relative) else { return nil }
      return ReportFile(path: relative, bytes: [UInt8](data))
    }
  }
}
