import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Small POSIX helpers behind the atomic writers; every failure becomes a
/// `NotebookError.fileSystem` naming the path.
package enum FileSystem {
  static func errorText(_ code: Int32) -> String {
    String(cString: strerror(code)).lowercased()
  }

  static func fail(_ path: String, _ operation: String, _ code: Int32 = errno) -> NotebookError {
    .fileSystem(path: path, operation: operation, message: errorText(code))
  }

  /// Writes `bytes` to a new file at `path` (replacing one that exists), optionally syncing it.
  static func writeFile(_ bytes: [UInt8], to path: String, sync: Bool) throws(NotebookError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw fail(path, "create") }
    var failure: NotebookError? = nil
    bytes.withUnsafeBytes { raw in
      guard let base = raw.baseAddress else { return }
      var offset = 0
      while offset < raw.count {
        let written = Foundation.write(fd, base + offset, raw.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = fail(path, "write")
          return
        }
        offset += written
      }
    }
    if failure == nil && sync && fsync(fd) != 0 { failure = fail(path, "sync") }
    if close(fd) != 0 && failure == nil { failure = fail(path, "close") }
    if let failure { throw failure }
  }

  static func makeDirectory(_ path: String) throws(NotebookError) {
    do {
      try FileManager.default.createDirectory(
        atPath: path, withIntermediateDirectories: true, attributes: nil)
    } catch {
      throw .fileSystem(
        path: path, operation: "create folder",
        message: "\(error.localizedDescription)".lowercased())
    }
  }

  static func remove(_ path: String) throws(NotebookError) {
    guard exists(path) else { return }
    do {
      try FileManager.default.removeItem(atPath: path)
    } catch {
      throw .fileSystem(
        path: path, operation: "remove", message: "\(error.localizedDescription)".lowercased())
    }
  }

  static func rename(_ from: String, _ to: String) throws(NotebookError) {
    guard Foundation.rename(from, to) == 0 else { throw fail(to, "rename '\(from)' to") }
  }

  /// Exchanges two existing paths atomically (Linux `renameat2(RENAME_EXCHANGE)`, looked up at
  /// run time because Swift's Glibc module does not declare it). Returns `false` when the call is
  /// unavailable or refused, so the caller can fall back.
  static func exchange(_ a: String, _ b: String) -> Bool {
    #if os(Linux)
      typealias RenameAt2 =
        @convention(c) (
          Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32
        ) -> Int32
      guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else {
        return false
      }
      let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
      let renameExchange: UInt32 = 1 << 1
      return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
    #else
      return false
    #endif
  }

  static func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
  }

  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// The bytes of the regular files under `path` (0 when it cannot be read).
  static func size(of path: String) -> Int64 {
    guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total: Int64 = 0
    while let relative = enumerator.nextObject() as? String {
      var info = stat()
      if lstat(path + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { total += Int64(info.st_size) }
    }
    return total
  }

  /// The modification time of `path` in seconds since 1970, or 0.
  static func modificationTime(_ path: String) -> Double {
    var info = stat()
    guard stat(path, &info) == 0 else { return 0 }
    return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
  }

  /// Sets the modification time of `path` to now (nothing when it does not exist).
  static func touch(_ path: String) {
    _ = utimensat(AT_FDCWD, path, nil, 0)
  }

  static func contents(of directory: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
  }

  /// Whether a process with this id exists (a zombie or another user's process counts).
  static func processIsAlive(_ pid: Int32) -> Bool {
    guard pid > 0 else { return false }
    return kill(pid, 0) == 0 || errno == EPERM
  }

  static var processID: Int32 { getpid() }

  /// This machine's host name, for telling apart processes of several nodes that share a folder.
  static let hostName: String = {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, 255) == 0 else { return "localhost" }
    let name = String(cString: buffer).filter { $0 != "/" && $0 != "@" }
    return name.isEmpty ? "localhost" : name
  }()

  /// `PID@HOST`: names scratch and staging folders so that processes on different nodes of a
  /// cluster never share one, even with equal process ids.
  package static var processTag: String { "\(processID)@\(hostName)" }

  /// Whether a folder tagged `PID@HOST` was left by a process that is gone. Only this host's
  /// processes can be checked; another host's are never judged stale.
  static func isStale(tag: String) -> Bool {
    let parts = tag.split(separator: "@", maxSplits: 1)
    guard parts.count == 2, String(parts[1]) == hostName, let pid = Int32(parts[0]) else { return false }
    return pid != processID && !processIsAlive(pid)
  }
}
