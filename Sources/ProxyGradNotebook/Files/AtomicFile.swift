import Foundation

/// Whole-file writes that never leave a half-written file: the bytes go to a temporary file
/// beside the target (`.NAME.tmp-PID-N`), are synced to disk, and are renamed over the target.
/// A process killed at any moment leaves either the old file or the new one.
package enum AtomicFile {
  /// Writes `bytes` to `path` atomically; the folder must exist.
  package static func write(_ bytes: [UInt8], to path: String) throws(NotebookError) {
    let (folder, name) = split(path)
    guard !name.isEmpty else { throw .invalidWritePath(path: path, reason: "names a folder") }
    let temporary = folder + "." + name + ".tmp-\(FileSystem.processID)-\(counter.next())"
    do {
      try FileSystem.writeFile(bytes, to: temporary, sync: true)
      try FileSystem.rename(temporary, path)
    } catch {
      try? FileSystem.remove(temporary)
      throw error
    }
  }

  /// Writes the UTF-8 bytes of `text` to `path` atomically.
  package static func write(_ text: String, to path: String) throws(NotebookError) {
    try write(Array(text.utf8), to: path)
  }

  /// Splits a path into its folder (with a trailing `/`, or empty) and last component.
  static func split(_ path: String) -> (String, String) {
    guard let slash = path.lastIndex(of: "/") else { return ("", path) }
    return (String(path[...slash]), String(path[path.index(after: slash)...]))
  }

  private static let counter = Counter()
}

/// A process-wide counter for unique temporary names.
final class Counter: @unchecked Sendable {
  private var value = 0
  private let lock = NSLock()

  func next() -> Int {
    lock.withLock {
      value += 1
      return value
    }
  }
}
