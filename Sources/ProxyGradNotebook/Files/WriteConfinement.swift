import Foundation

/// Where a path given to `save(...)` may be written.
///
/// A notebook writes inside its output folder. A relative path is taken relative to that folder
/// and resolved lexically (`.` dropped, `..` applied). If it stays inside, the file goes into the
/// folder being staged; if `..` leads out of the folder, or the path is absolute, the write is
/// refused unless the resolved path lies under one of the `--allow-write` paths. `~` is not
/// expanded. The part of the resolved path that exists is then checked with its symbolic links
/// followed: a link leading outside the folder (or outside the `--allow-write` path) is refused.
///
/// This is the one check of every writer: `save`, `save_weights` and any builtin that writes a
/// file ask the session's `FileAccess.writablePath`, which resolves through here.
package struct WriteConfinement: Sendable {
  /// The output folder as the user sees it (absolute, normalized), e.g. `/home/u/nb.out`.
  package let outputFolder: String
  /// Where writes inside the output folder go during the run (the staging folder).
  package let stagingFolder: String
  /// Absolute, normalized paths outside the output folder that writes may go to or under.
  package let allowedPaths: [String]
  /// Top-level names inside the output folder that belong to the report (`index.html`, …).
  package let reservedNames: Set<String>
  /// How messages name the folder: `the output folder`, `the working directory`.
  package let folderName: String

  /// - Parameters:
  ///   - outputFolder: the final output folder; relative paths are taken from the current
  ///     directory.
  ///   - stagingFolder: where inside writes go now; defaults to `outputFolder`.
  ///   - allowedPaths: the `--allow-write` paths, files or folders.
  ///   - reservedNames: names that `save(...)` may not use at the top of the folder.
  package init(
    outputFolder: String, stagingFolder: String? = nil, allowedPaths: [String] = [],
    reservedNames: Set<String> = [], folderName: String = "the output folder"
  ) {
    self.outputFolder = Self.absolute(outputFolder)
    self.stagingFolder = Self.absolute(stagingFolder ?? outputFolder)
    self.allowedPaths = allowedPaths.map(Self.absolute)
    self.reservedNames = reservedNames
    self.folderName = folderName
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
        path: userPath, reason: "'~' is not expanded; give a path inside \(folderName)")
    }
    let isAbsolute = userPath.hasPrefix("/")
    let resolved = Self.normalize(isAbsolute ? userPath : outputFolder + "/" + userPath)
    if let relative = Self.relative(resolved, under: outputFolder) {
      guard !relative.isEmpty else {
        throw .invalidWritePath(path: userPath, reason: "it names \(folderName) itself")
      }
      let top = String(relative.split(separator: "/")[0])
      guard !reservedNames.contains(top) else {
        throw .invalidWritePath(path: userPath, reason: "'\(top)' is part of the report")
      }
      let path = stagingFolder + "/" + relative
      // A link inside the folder may lead to a path `--allow-write` permits.
      try checkLinks(path, userPath: userPath, roots: [stagingFolder, outputFolder] + allowedPaths)
      return Target(path: path, relativePath: relative)
    }
    let allowed = allowedPaths.filter { Self.relative(resolved, under: $0) != nil }
    guard !allowed.isEmpty else {
      let reason =
        isAbsolute
        ? "absolute paths are refused; write inside \(folderName) or pass --allow-write \(resolved)"
        : "it leads outside \(folderName) to \(resolved); pass --allow-write to permit it"
      throw .writeNotAllowed(path: userPath, reason: reason)
    }
    try checkLinks(resolved, userPath: userPath, roots: allowed)
    return Target(path: resolved, relativePath: nil)
  }

  /// Refuses `path` when its existing part, symbolic links followed, lies outside every root
  /// (roots' own links followed too).
  func checkLinks(_ path: String, userPath: String, roots: [String]) throws(NotebookError) {
    guard let real = Self.realPathOfExistingPart(path) else {
      throw .writeNotAllowed(path: userPath, reason: "it goes through a symbolic link that leads nowhere")
    }
    let realRoots = roots.compactMap(Self.realPathOfExistingPart)
    guard realRoots.contains(where: { Self.relative(real, under: $0) != nil }) else {
      throw .writeNotAllowed(
        path: userPath,
        reason: "a symbolic link leads outside \(folderName) to \(real); pass --allow-write to permit it")
    }
  }

  /// `path` with the links of its longest existing prefix followed (the rest appended as it
  /// is); nil when a component is a symbolic link to nothing.
  static func realPathOfExistingPart(_ path: String) -> String? {
    var existing = normalize(path)
    var rest: [Substring] = []
    while true {
      if let resolved = realpath(existing, nil) {
        defer { free(resolved) }
        return normalize(String(cString: resolved) + "/" + rest.reversed().joined(separator: "/"))
      }
      var info = stat()
      if lstat(existing, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK { return nil }
      guard existing != "/", let slash = existing.lastIndex(of: "/") else { return existing }
      rest.append(existing[existing.index(after: slash)...])
      existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
    }
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
