import Foundation

/// Where a path given to `save(...)` may be written.
///
/// A notebook writes inside its output folder. A relative path is taken relative to that folder
/// and resolved lexically (`.` dropped, `..` applied). If it stays inside, the file goes into the
/// folder being staged; if `..` leads out of the folder, or the path is absolute, the write is
/// refused unless the resolved path lies under one of the `--allow-write` paths. Symbolic links
/// are not followed when checking, and `~` is not expanded.
package struct WriteConfinement: Sendable {
  /// The output folder as the user sees it (absolute, normalized), e.g. `/home/u/nb.out`.
  package let outputFolder: String
  /// Where writes inside the output folder go during the run (the staging folder).
  package let stagingFolder: String
  /// Absolute, normalized paths outside the output folder that writes may go to or under.
  package let allowedPaths: [String]
  /// Top-level names inside the output folder that belong to the report (`index.html`, …).
  package let reservedNames: Set<String>

  /// - Parameters:
  ///   - outputFolder: the final output folder; relative paths are taken from the current
  ///     directory.
  ///   - stagingFolder: where inside writes go now; defaults to `outputFolder`.
  ///   - allowedPaths: the `--allow-write` paths, files or folders.
  ///   - reservedNames: names that `save(...)` may not use at the top of the folder.
  package init(
    outputFolder: String, stagingFolder: String? = nil, allowedPaths: [String] = [],
    reservedNames: Set<String> = []
  ) {
    self.outputFolder = Self.absolute(outputFolder)
    self.stagingFolder = Self.absolute(stagingFolder ?? outputFolder)
    self.allowedPaths = allowedPaths.map(Self.absolute)
    self.reservedNames = reservedNames
  }

  /// A resolved write target.
  package struct Target: Equatable, Sendable {
    /// The path to write to now.
    package let path: String
    /// The path relative to the output folder, or `nil` for an allowed path outside it.
    package let relativePath: String?
  }

  /// Resolves a user's path, or says why it is refused.
  /// - Throws: `NotebookError.invalidWritePath` for empty paths, NUL bytes, `~`, reserved names
  ///   and the folder itself; `NotebookError.writeNotAllowed` for paths outside the folder that
  ///   no `--allow-write` path covers.
  package func resolve(_ userPath: String) throws(NotebookError) -> Target {
    guard !userPath.isEmpty else {
      throw .invalidWritePath(path: userPath, reason: "the path is empty")
    }
    guard !userPath.unicodeScalars.contains("\0") else {
      throw .invalidWritePath(path: userPath, reason: "the path contains a NUL byte")
    }
    guard !userPath.hasPrefix("~") else {
      throw .invalidWritePath(
        path: userPath, reason: "'~' is not expanded; give a path inside the output folder")
    }
    let isAbsolute = userPath.hasPrefix("/")
    let resolved = Self.normalize(isAbsolute ? userPath : outputFolder + "/" + userPath)
    if let relative = Self.relative(resolved, under: outputFolder) {
      guard !relative.isEmpty else {
        throw .invalidWritePath(path: userPath, reason: "it names the output folder itself")
      }
      let top = String(relative.split(separator: "/")[0])
      guard !reservedNames.contains(top) else {
        throw .invalidWritePath(path: userPath, reason: "'\(top)' is part of the report")
      }
      return Target(path: stagingFolder + "/" + relative, relativePath: relative)
    }
    guard allowedPaths.contains(where: { Self.relative(resolved, under: $0) != nil }) else {
      let reason =
        isAbsolute
        ? "absolute paths are refused; write inside the output folder or pass --allow-write \(resolved)"
        : "it leads outside the output folder to \(resolved); pass --allow-write to permit it"
      throw .writeNotAllowed(path: userPath, reason: reason)
    }
    return Target(path: resolved, relativePath: nil)
  }

  /// `path` relative to `folder` ("" for the folder itself), or `nil` when outside it.
  static func relative(_ path: String, under folder: String) -> String? {
    if path == folder { return "" }
    if folder == "/" { return String(path.dropFirst()) }
    guard path.hasPrefix(folder + "/") else { return nil }
    return String(path.dropFirst(folder.count + 1))
  }

  /// Makes `path` absolute from the current directory and normalizes it.
  static func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return normalize(path) }
    return normalize(FileManager.default.currentDirectoryPath + "/" + path)
  }

  /// Lexical normalization of an absolute path: drops empty and `.` components, applies `..`
  /// (never above `/`).
  static func normalize(_ path: String) -> String {
    var parts: [Substring] = []
    for component in path.split(separator: "/") {
      switch component {
      case ".": continue
      case "..": if !parts.isEmpty { parts.removeLast() }
      default: parts.append(component)
      }
    }
    return "/" + parts.joined(separator: "/")
  }
}
