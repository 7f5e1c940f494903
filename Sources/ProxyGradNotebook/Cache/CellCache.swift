import Foundation
import ProxyGradFormat

/// A file a cell read (a data set, weights, an ONNX model, an image): what the keys of the
/// cells after it depend on.
package struct FileStamp: Equatable, Sendable {
  /// The path as the script read it.
  package var path: String
  package var size: Int64
  /// Lowercase hex SHA-256 of the contents (of every file under it, for a folder).
  package var sha256: String

  /// The stamp of `path` as it is now: a file's size and digest, or for a folder the total size
  /// and the digest of its files' relative paths, sizes and digests in sorted order; size -1 and
  /// an empty digest for a path that does not exist.
  package static func current(_ path: String) -> FileStamp {
    if FileSystem.isDirectory(path) {
      var listing = ""
      var total: Int64 = 0
      let enumerator = FileManager.default.enumerator(atPath: path)
      var relatives: [String] = []
      while let relative = enumerator?.nextObject() as? String { relatives.append(relative) }
      for relative in relatives.sorted() where !FileSystem.isDirectory(path + "/" + relative) {
        let stamp = current(path + "/" + relative)
        total += max(stamp.size, 0)
        listing += "\(relative)\t\(stamp.size)\t\(stamp.sha256)\n"
      }
      return FileStamp(path: path, size: total, sha256: Digest.sha256Hex(of: listing))
    }
    guard let data = FileManager.default.contents(atPath: path) else { return FileStamp(path: path, size: -1, sha256: "") }
    return FileStamp(path: path, size: Int64(data.count), sha256: Digest.sha256Hex(of: data))
  }
}

/// What a cell of a finished run left: its outputs, the files it wrote into the output folder,
/// the files it read, and the session's state after it (when it could be snapshotted).
package struct CellEntry: Equatable, Sendable {
  /// The cell's recorded outputs (`CellRecord.outputs` of a cell that ran to its end).
  package var outputs: [CellOutput]
  /// Files the cell wrote into the output folder (relative paths), with their bytes.
  package var files: [ReportFile]
  /// Files the cell read.
  package var reads: [FileStamp]
  /// The parameters of the run, for the parameters cell.
  package var parameters: [RunParameter]?
  /// The sweeps the cell finished.
  package var sweeps: [SweepSummary]
  /// Wall-clock seconds the cell took when it ran.
  package var duration: Double
  /// The session's state after the cell (`SessionSnapshot.bytes`); nil when it holds a value no
  /// snapshot can keep.
  package var snapshot: [UInt8]?
  /// The snapshot's large tensors (`SessionSnapshot.blobs`) by SHA-256; a store keeps each once.
  package var blobDigests: [String]
  /// Why there is no snapshot (`'f' holds a function, ...`).
  package var unsnapshotted: String?

  package init(
    outputs: [CellOutput], files: [ReportFile] = [], reads: [FileStamp] = [],
    parameters: [RunParameter]? = nil, sweeps: [SweepSummary] = [], duration: Double = 0,
    snapshot: [UInt8]? = nil, blobDigests: [String] = [], unsnapshotted: String? = nil
  ) {
    self.outputs = outputs
    self.files = files
    self.reads = reads
    self.parameters = parameters
    self.sweeps = sweeps
    self.duration = duration
    self.snapshot = snapshot
    self.blobDigests = blobDigests
    self.unsnapshotted = unsnapshotted
  }
}

/// What looking a cell up found.
package enum CellLookup: Equatable, Sendable {
  case hit(CellEntry)
  case miss
  /// An entry was there but damaged, of another format version, or of another key; it has been
  /// removed. The text says what was wrong.
  case dropped(String)
}

/// Where the cells of earlier runs are kept (docs/notebooks.md, "Caching and incremental
/// reruns"): ``DiskCellCache`` beside the output folder for `pgs run`, ``MemoryCellCache`` for a
/// process that runs a notebook again and again.
package protocol CellCache: AnyObject {
  /// The entry stored under `key`.
  func load(_ key: String) -> CellLookup
  /// Stores an entry under `key` (replacing one there), with the blobs its snapshot references,
  /// in the order of `entry.blobDigests`.
  func store(_ key: String, _ entry: CellEntry, blobs: [[UInt8]]) throws(NotebookError)
  /// The blob of a digest, checked against it; nil when missing or damaged.
  func blob(_ digest: String) -> [UInt8]?
  /// Removes every entry whose key is not in `keys`, and blobs none of the kept entries uses.
  func keepOnly(_ keys: Set<String>)
}

/// Entries in memory, for a long-running process (a watch loop): nothing is encoded.
package final class MemoryCellCache: CellCache {
  private var entries: [String: CellEntry] = [:]
  private var blobs: [String: [UInt8]] = [:]

  package init() {}

  package var keys: Set<String> { Set(entries.keys) }

  package func load(_ key: String) -> CellLookup { entries[key].map { .hit($0) } ?? .miss }

  package func store(_ key: String, _ entry: CellEntry, blobs: [[UInt8]]) throws(NotebookError) {
    entries[key] = entry
    for (digest, blob) in zip(entry.blobDigests, blobs) { self.blobs[digest] = blob }
  }

  package func blob(_ digest: String) -> [UInt8]? { blobs[digest] }

  package func keepOnly(_ keys: Set<String>) {
    entries = entries.filter { keys.contains($0.key) }
    let used = Set(entries.values.flatMap(\.blobDigests))
    blobs = blobs.filter { used.contains($0.key) }
  }
}

/// Entries in files beside the output folder (`nb.out.cache/` for `nb.out/`):
///
/// ```
/// nb.out.cache/cells/KEY     one cell: header, SHA-256 of the payload, the payload
/// nb.out.cache/blobs/SHA256  the raw bytes of a large tensor of a snapshot
/// ```
///
/// A cell file starts with `PGSCELL\n`, the format version (8 bytes, little-endian), the
/// payload's length (8 bytes) and its SHA-256 (32 bytes). Every file is written under
/// `NAME.tmp-PID@HOST` and renamed into place (see `AtomicFile`), so it exists completely or not
/// at all. A file with another magic, version, length, digest or key is dropped, never trusted.
package final class DiskCellCache: CellCache {
  package static let magic = Array("PGSCELL\n".utf8)
  /// The version of the entry layout and of `SessionSnapshot`'s, together.
  package static let formatVersion: UInt64 = 1
  /// The cache folder, e.g. `runs/nb.out.cache`.
  package let folder: String

  package init(folder: String) {
    self.folder = folder
  }

  /// The cache beside an output folder (the sweep cache's folder).
  package convenience init(outputFolder: String) {
    self.init(folder: SweepCache(outputFolder: outputFolder).folder)
  }

  package func entryPath(_ key: String) -> String { folder + "/cells/" + key }
  package func blobPath(_ digest: String) -> String { folder + "/blobs/" + digest }

  package func load(_ key: String) -> CellLookup {
    let path = entryPath(key)
    guard let data = FileManager.default.contents(atPath: path) else { return .miss }
    let bytes = [UInt8](data)
    do throws(BinaryFormatError) {
      let entry = try Self.decode(bytes, key: key)
      return .hit(entry)
    } catch {
      try? FileSystem.remove(path)
      return .dropped(error.description)
    }
  }

  package func store(_ key: String, _ entry: CellEntry, blobs: [[UInt8]]) throws(NotebookError) {
    try FileSystem.makeDirectory(folder + "/cells")
    try FileSystem.makeDirectory(folder + "/blobs")
    for (digest, blob) in zip(entry.blobDigests, blobs) where FileSystem.size(of: blobPath(digest)) != Int64(blob.count) {
      try AtomicFile.write(blob, to: blobPath(digest))
    }
    try AtomicFile.write(Self.encode(entry, key: key), to: entryPath(key))
  }

  package func blob(_ digest: String) -> [UInt8]? {
    guard let data = FileManager.default.contents(atPath: blobPath(digest)) else { return nil }
    let bytes = [UInt8](data)
    guard Digest.sha256Hex(of: bytes) == digest else {
      try? FileSystem.remove(blobPath(digest))
      return nil
    }
    return bytes
  }

  package func keepOnly(_ keys: Set<String>) {
    var used: Set<String> = []
    for name in FileSystem.contents(of: folder + "/cells") {
      if keys.contains(name), case .hit(let entry) = load(name) {
        used.formUnion(entry.blobDigests)
      } else {
        try? FileSystem.remove(entryPath(name))
      }
    }
    for name in FileSystem.contents(of: folder + "/blobs") where !used.contains(name) {
      try? FileSystem.remove(blobPath(name))
    }
  }

  // MARK: - Encoding

  package static func encode(_ entry: CellEntry, key: String) -> [UInt8] {
    var w = BinaryWriter()
    w.string(key)
    w.array(entry.outputs) { w, output in output.encode(into: &w) }
    w.array(entry.files) { w, file in
      w.string(file.path)
      w.raw(file.bytes)
    }
    w.array(entry.reads) { w, read in
      w.string(read.path)
      w.int(Int(read.size))
      w.string(read.sha256)
    }
    w.bool(entry.parameters != nil)
    if let parameters = entry.parameters {
      w.array(parameters) { w, parameter in
        w.string(parameter.name)
        parameter.value.encode(into: &w)
        w.bool(parameter.overridden)
      }
    }
    w.array(entry.sweeps) { w, sweep in
      w.string(sweep.name)
      w.int(sweep.runs)
      w.int(sweep.failed)
    }
    w.double(entry.duration)
    w.bool(entry.snapshot != nil)
    if let snapshot = entry.snapshot { w.raw(snapshot) }
    w.strings(entry.blobDigests)
    w.optionalString(entry.unsnapshotted)
    let payload = w.bytes
    var file = BinaryWriter()
    for byte in magic { file.byte(byte) }
    file.uint64(formatVersion)
    file.uint64(UInt64(payload.count))
    let digest = Digest.sha256Bytes(of: payload)
    for byte in digest { file.byte(byte) }
    return file.bytes + payload
  }

  package static func decode(_ bytes: [UInt8], key: String) throws(BinaryFormatError) -> CellEntry {
    guard bytes.count >= magic.count + 48, Array(bytes[0..<magic.count]) == magic else {
      throw BinaryFormatError("not a cell entry (bad header)")
    }
    var r = BinaryReader(bytes, offset: magic.count)
    let version = try r.uint64()
    guard version == formatVersion else {
      throw BinaryFormatError("format version \(version), this pgs reads \(formatVersion)")
    }
    let length = try r.uint64()
    var digest: [UInt8] = []
    for _ in 0..<32 { digest.append(try r.byte()) }
    let payload = Array(bytes[r.offset...])
    guard UInt64(payload.count) == length else {
      throw BinaryFormatError("truncated: \(payload.count) of \(length) payload bytes")
    }
    guard Digest.sha256Bytes(of: payload) == digest else { throw BinaryFormatError("checksum mismatch") }
    r = BinaryReader(payload)
    guard try r.string() == key else { throw BinaryFormatError("entry of another key") }
    let outputs = try r.array(width: 1) { r throws(BinaryFormatError) in try CellOutput.decode(from: &r) }
    let files = try r.array(width: 1) { r throws(BinaryFormatError) in
      ReportFile(path: try r.string(), bytes: try r.raw())
    }
    let reads = try r.array(width: 1) { r throws(BinaryFormatError) in
      FileStamp(path: try r.string(), size: Int64(try r.int()), sha256: try r.string())
    }
    let parameters =
      try r.bool()
      ? try r.array(width: 1) { r throws(BinaryFormatError) in
        RunParameter(name: try r.string(), value: try ParameterValue.decode(from: &r), overridden: try r.bool())
      } : nil
    let sweeps = try r.array(width: 1) { r throws(BinaryFormatError) in
      SweepSummary(name: try r.string(), runs: try r.int(), failed: try r.int())
    }
    let duration = try r.double()
    let snapshot = try r.bool() ? try r.raw() : nil
    let blobDigests = try r.strings()
    let unsnapshotted = try r.optionalString()
    guard r.isAtEnd else { throw BinaryFormatError("bytes after the entry's end") }
    return CellEntry(
      outputs: outputs, files: files, reads: reads, parameters: parameters, sweeps: sweeps,
      duration: duration, snapshot: snapshot, blobDigests: blobDigests, unsnapshotted: unsnapshotted)
  }
}
