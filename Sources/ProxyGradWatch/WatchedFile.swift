import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What one poll saw of the watched file: which file the path names (device and inode), its
/// size, its modification time and its bytes. Two snapshots differ when any of them does, so
/// a save that replaces the file by a rename (a new inode), one that keeps the size, and one
/// within the file system's time resolution are all seen.
package struct FileSnapshot: Equatable, Sendable {
  package var device: UInt64
  package var inode: UInt64
  package var size: Int64
  /// Nanoseconds since 1970.
  package var modified: Int64
  package var contents: Data

  package init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, contents: Data) {
    self.device = device
    self.inode = inode
    self.size = size
    self.modified = modified
    self.contents = contents
  }

  /// A file modified this recently (nanoseconds) is read again even when its metadata is
  /// unchanged: a second save within the file system's time resolution keeps them.
  static let settledAfter: Int64 = 2_000_000_000

  /// The file at `path` now; nil when it is missing, not a regular file, or cannot be read (an
  /// editor between removing the old file and writing the new one). With `previous` (the last
  /// poll's snapshot), the bytes are read only when the metadata differs from it or the file was
  /// modified within ``settledAfter``; otherwise they are `previous`'s.
  package static func read(_ path: String, previous: FileSnapshot? = nil) -> FileSnapshot? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    #if canImport(Darwin)
      let modified = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
    #else
      let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    #endif
    var snapshot = FileSnapshot(
      device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size), modified: modified,
      contents: Data())
    let now = Int64(Date().timeIntervalSince1970 * 1e9)
    if let previous, now - modified > settledAfter,
      (previous.device, previous.inode, previous.size, previous.modified)
        == (snapshot.device, snapshot.inode, snapshot.size, snapshot.modified)
    {
      snapshot.contents = previous.contents
      return snapshot
    }
    guard let contents = FileManager.default.contents(atPath: path) else { return nil }
    snapshot.contents = contents
    return snapshot
  }
}

/// Decides from successive polls of a file when to run it again: after it changed, once it has
/// stayed the same for `quietPeriod` seconds (an editor that writes a file in several steps, or
/// removes it and writes it anew, causes one run, with the finished file).
///
/// A change is any difference from the snapshot of the last run (see ``FileSnapshot``); a file
/// changed and changed back before it settled causes no run.
package struct ChangeDetector: Sendable {
  /// What the caller does after a poll.
  package enum Decision: Equatable, Sendable {
    /// Nothing: the file is as it was run, or it is still changing.
    case wait
    /// The file changed and settled: run this.
    case run(FileSnapshot)
    /// The file has been missing for `quietPeriod`; said once until it is back.
    case missing
  }

  package let quietPeriod: Double
  /// The snapshot the last run used.
  package private(set) var ran: FileSnapshot?
  /// The last snapshot that differs from `ran`, and since when it has been seen.
  private var pending: (snapshot: FileSnapshot?, since: Double)?
  private var reportedMissing = false

  package init(ran: FileSnapshot?, quietPeriod: Double = 0.2) {
    self.ran = ran
    self.quietPeriod = quietPeriod
  }

  /// Feeds the snapshot of one poll taken at `time` (seconds on a monotonic clock).
  package mutating func observe(_ snapshot: FileSnapshot?, at time: Double) -> Decision {
    if snapshot != nil && snapshot == ran {
      pending = nil
      reportedMissing = false
      return .wait
    }
    if snapshot != nil { reportedMissing = false }
    guard let pending, pending.snapshot == snapshot else {
      pending = (snapshot, time)
      return .wait
    }
    guard time - pending.since >= quietPeriod else { return .wait }
    guard let snapshot else {
      if reportedMissing { return .wait }
      reportedMissing = true
      return .missing
    }
    ran = snapshot
    self.pending = nil
    return .run(snapshot)
  }
}
