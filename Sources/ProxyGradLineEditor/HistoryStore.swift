import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The REPL's persistent input history: an ordered, size-capped list of entries kept in a
/// file. An entry is what was entered at one prompt, continuation lines included (a network
/// block is one entry). Only consecutive duplicates are dropped, so a sequence of entries
/// replays as it was typed.
///
/// Each entered line is appended to the file at once with a single `write` on a file
/// opened with `O_APPEND`, so a crash loses nothing and two sessions running side by side
/// both keep their lines. When the file has grown to twice ``capacity`` lines it is
/// compacted: read again (picking up other sessions' lines), consecutive duplicates dropped, capped and
/// replaced atomically (written to a temporary file, then renamed over the old one).
///
/// File format: one entry per line, UTF-8; a backslash, newline or carriage return inside
/// an entry is written as `\\`, `\n` or `\r`.
public struct HistoryStore: Sendable {
  /// The history file, or `nil` for a history kept only in memory.
  public let fileURL: URL?
  /// The most entries kept; older ones are dropped first.
  public let capacity: Int
  /// The entries, oldest first, no two consecutive ones equal.
  public private(set) var entries: [String] = []

  /// Lines currently in the file, duplicates included; decides when to compact it.
  private var linesInFile = 0

  /// Creates an empty history; call ``load()`` to read the file.
  /// - Parameters:
  ///   - fileURL: where the history lives, or `nil` to keep it in memory only.
  ///   - capacity: the most entries kept (at least 1).
  public init(fileURL: URL?, capacity: Int = 1000) {
    self.fileURL = fileURL
    self.capacity = max(1, capacity)
  }

  /// The history file the REPL uses: `$XDG_STATE_HOME/pgs/history`, or
  /// `~/.local/state/pgs/history` when `XDG_STATE_HOME` is unset, empty or relative.
  /// - Parameter environment: the process environment (a parameter for tests).
  /// - Returns: the file's location, or `nil` when no home directory is known.
  public static func defaultFileURL(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> URL? {
    if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
      return URL(fileURLWithPath: state).appendingPathComponent("pgs/history")
    }
    guard let home = environment["HOME"], !home.isEmpty else { return nil }
    return URL(fileURLWithPath: home).appendingPathComponent(".local/state/pgs/history")
  }

  // MARK: - Reading and writing

  /// Replaces ``entries`` with the file's contents, without consecutive duplicates and
  /// capped. A missing file is an empty history.
  /// - Throws: ``HistoryFileError`` when the file exists but cannot be read.
  public mutating func load() throws {
    guard let fileURL else { return }
    let lines = try Self.readLines(of: fileURL)
    entries = Self.deduplicatedAndCapped(lines, capacity: capacity)
    linesInFile = lines.count
  }

  /// Adds a line as the newest entry and appends it to the file; a line equal to the newest
  /// entry is not added again. Blank lines are ignored.
  /// - Parameter line: the line as entered.
  /// - Returns: `false` when the line was blank and not recorded.
  /// - Throws: ``HistoryFileError`` when the file cannot be written; the entry is kept in
  ///   memory anyway.
  @discardableResult
  public mutating func add(_ line: String) throws -> Bool {
    guard line.contains(where: { !$0.isWhitespace }) else { return false }
    if entries.last == line { return false }
    entries.append(line)
    if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    guard let fileURL else { return true }
    try Self.createParentFolder(of: fileURL)
    try Self.append(Self.encode(line) + "\n", to: fileURL)
    linesInFile += 1
    if linesInFile >= 2 * capacity { try compact() }
    return true
  }

  /// Writes ``entries`` to the file atomically: a temporary file in the same folder is
  /// written and flushed, then renamed over the history file.
  /// - Throws: ``HistoryFileError`` when the file cannot be written.
  public mutating func save() throws {
    guard let fileURL else { return }
    try Self.createParentFolder(of: fileURL)
    let text = entries.map { Self.encode($0) + "\n" }.joined()
    try Self.replaceAtomically(fileURL, with: text)
    linesInFile = entries.count
  }

  /// Re-reads the file (other sessions may have appended), then rewrites it compacted.
  private mutating func compact() throws {
    try load()
    try save()
  }

  // MARK: - Pure helpers

  /// Replaces the newest entry (a statement that grew by a continuation line) and rewrites
  /// the file. When it then equals the entry before it, it is dropped as a consecutive
  /// duplicate.
  public mutating func replaceLast(with entry: String) throws {
    guard !entries.isEmpty else {
      try add(entry)
      return
    }
    entries[entries.count - 1] = entry
    if entries.count >= 2, entries[entries.count - 2] == entry { entries.removeLast() }
    try save()
  }

  /// Drops consecutive duplicates and keeps at most `capacity` lines (the newest), oldest
  /// first.
  static func deduplicatedAndCapped(_ lines: [String], capacity: Int) -> [String] {
    var kept: [String] = []
    for line in lines where kept.last != line { kept.append(line) }
    return Array(kept.suffix(capacity))
  }

  static func encode(_ entry: String) -> String {
    var out = ""
    for character in entry {
      switch character {
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\r\n": out += "\\r\\n"
      default: out.append(character)
      }
    }
    return out
  }

  static func decode(_ stored: Substring) -> String {
    var out = ""
    var escaping = false
    for character in stored {
      if escaping {
        switch character {
        case "n": out.append("\n")
        case "r": out.append("\r")
        case "\\": out.append("\\")
        default:
          out.append("\\")
          out.append(character)
        }
        escaping = false
      } else if character == "\\" {
        escaping = true
      } else {
        out.append(character)
      }
    }
    if escaping { out.append("\\") }
    return out
  }

  // MARK: - File system

  private static func readLines(of url: URL) throws -> [String] {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch CocoaError.fileReadNoSuchFile {
      return []
    } catch {
      if !FileManager.default.fileExists(atPath: url.path) { return [] }
      throw HistoryFileError(path: url.path, operation: "read", reason: "\(error)")
    }
    let text = String(decoding: data, as: UTF8.self)
    return text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(decode)
  }

  private static func createParentFolder(of url: URL) throws {
    let folder = url.deletingLastPathComponent()
    guard !FileManager.default.fileExists(atPath: folder.path) else { return }
    do {
      try FileManager.default.createDirectory(
        at: folder, withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o700])
    } catch {
      throw HistoryFileError(path: folder.path, operation: "create folder", reason: "\(error)")
    }
  }

  private static func append(_ text: String, to url: URL) throws {
    let fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw HistoryFileError.posix(url.path, "open") }
    defer { close(fd) }
    try writeAll(Array(text.utf8), to: fd, path: url.path)
  }

  private static func replaceAtomically(_ url: URL, with text: String) throws {
    let name = ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    let temporary = url.deletingLastPathComponent().appendingPathComponent(name)
    let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw HistoryFileError.posix(temporary.path, "create") }
    var renamed = false
    defer { if !renamed { unlink(temporary.path) } }
    do {
      defer { close(fd) }
      try writeAll(Array(text.utf8), to: fd, path: temporary.path)
      guard fsync(fd) == 0 else { throw HistoryFileError.posix(temporary.path, "sync") }
    }
    guard rename(temporary.path, url.path) == 0 else {
      throw HistoryFileError.posix(url.path, "replace")
    }
    renamed = true
  }

  private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { buffer -> Int in
        guard let base = buffer.baseAddress else { return 0 }
        return write(fd, base + offset, buffer.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw HistoryFileError.posix(path, "write")
      }
      offset += written
    }
  }
}

/// A history file could not be read or written.
public struct HistoryFileError: Error, CustomStringConvertible, Sendable {
  /// The file or folder concerned.
  public var path: String
  /// What was being done: `read`, `write`, `open`, …
  public var operation: String
  /// The system's explanation.
  public var reason: String

  /// A one-line message such as `cannot write /home/a/.local/state/pgs/history: ...`.
  public var description: String { "cannot \(operation) \(path): \(reason)" }

  static func posix(_ path: String, _ operation: String) -> HistoryFileError {
    HistoryFileError(path: path, operation: operation, reason: String(cString: strerror(errno)))
  }
}
