import Foundation

/// An output folder written as a whole and swapped into place, so readers see either the
/// previous complete folder or the new complete one, never a mix.
///
/// The scheme, for a target `DIR/nb.out` and process id `PID`:
/// 1. `begin` recovers from killed runs (see `recover(target:)`), checks that an existing target
///    is a pgs output folder (it holds a pgs `manifest.json`, or is empty) so that `--out ~` can
///    never replace a user's folder, and creates the staging folder `DIR/nb.out.tmp-PID`.
/// 2. Everything, including files that `save(...)` writes during the run, goes into the staging
///    folder.
/// 3. `commit` swaps the staging folder into place: on Linux with one atomic
///    `renameat2(RENAME_EXCHANGE)` and then deletes the old folder (now under the staging name);
///    elsewhere it renames the old folder to `DIR/nb.out.old-PID`, the new one to `DIR/nb.out`,
///    and deletes the old one. A target that does not exist yet is a plain rename.
/// A run killed before step 3 leaves the previous folder untouched and a stale `tmp-PID` folder;
/// one killed inside the fallback of step 3 leaves the previous folder complete as `old-PID`,
/// which the next `begin` renames back when no `nb.out` exists.
package final class OutputFolder: Sendable {
  /// The folder the run produces, e.g. `nb.out`.
  package let target: String
  /// Where files go until `commit`.
  package let staging: String

  private init(target: String, staging: String) {
    self.target = target
    self.staging = staging
  }

  /// Starts writing a new version of `target`.
  /// - Throws: `NotebookError.fileSystem` when the target is not a replaceable folder or the
  ///   staging folder cannot be made.
  package static func begin(target: String) throws(NotebookError) -> OutputFolder {
    let target = trimmed(target)
    try recover(target: target)
    if FileSystem.exists(target) { try checkReplaceable(target) }
    let (parent, _) = AtomicFile.split(target)
    if !parent.isEmpty { try FileSystem.makeDirectory(parent) }
    let staging = target + ".tmp-\(FileSystem.processID)"
    try FileSystem.remove(staging)
    try FileSystem.makeDirectory(staging)
    return OutputFolder(target: target, staging: staging)
  }

  /// The staging path of a file of the folder, relative path `relative`.
  package func stagingPath(_ relative: String) -> String { staging + "/" + relative }

  /// Writes one file into the staging folder, creating its subfolders. `file.path` must be a
  /// relative path without `..` (resolve user paths with `WriteConfinement` first).
  package func write(_ file: ReportFile) throws(NotebookError) {
    let components = file.path.split(separator: "/")
    guard !file.path.hasPrefix("/"), !components.isEmpty, !components.contains("..") else {
      throw .invalidWritePath(path: file.path, reason: "not a relative path inside the folder")
    }
    let path = stagingPath(components.joined(separator: "/"))
    let (folder, _) = AtomicFile.split(path)
    try FileSystem.makeDirectory(folder)
    try FileSystem.writeFile(file.bytes, to: path, sync: false)
  }

  /// Writes every file into the staging folder.
  package func write(_ files: [ReportFile]) throws(NotebookError) {
    for file in files { try write(file) }
  }

  /// Swaps the staging folder into place and deletes the previous version.
  package func commit() throws(NotebookError) {
    guard FileSystem.exists(target) else {
      try FileSystem.rename(staging, target)
      return
    }
    if FileSystem.isDirectory(target) && FileSystem.exchange(staging, target) {
      try FileSystem.remove(staging)
      return
    }
    let old = target + ".old-\(FileSystem.processID)"
    try FileSystem.remove(old)
    try FileSystem.rename(target, old)
    do {
      try FileSystem.rename(staging, target)
    } catch {
      try? FileSystem.rename(old, target)
      throw error
    }
    try FileSystem.remove(old)
  }

  /// Writes the report's files into the staging folder and commits: the last step of a run.
  package func finish(with report: NotebookReport) throws(NotebookError) {
    try write(report.files())
    try commit()
  }

  /// The confinement for `save(...)` during this run: inside writes go to the staging folder.
  /// - Parameters:
  ///   - allowedPaths: the `--allow-write` paths.
  ///   - reservedNames: the report's names (`NotebookReport.reservedNames(notebookName:)`).
  package func confinement(
    allowedPaths: [String] = [], reservedNames: Set<String>
  ) -> WriteConfinement {
    WriteConfinement(
      outputFolder: target, stagingFolder: staging, allowedPaths: allowedPaths,
      reservedNames: reservedNames)
  }

  /// Deletes the staging folder, leaving the target as it was.
  package func abandon() {
    try? FileSystem.remove(staging)
  }

  /// Cleans up after runs that were killed: every `TARGET.tmp-PID` and `TARGET.old-PID` beside
  /// `target` whose process is gone is deleted, except that an `old-PID` folder is renamed back
  /// to `target` when `target` is missing (a kill between the two renames of a fallback commit).
  package static func recover(target: String) throws(NotebookError) {
    let target = trimmed(target)
    let (parent, name) = AtomicFile.split(target)
    let folder = parent.isEmpty ? "." : parent
    for entry in FileSystem.contents(of: folder).sorted() {
      guard let (kind, pid) = staleSuffix(of: entry, name: name), !FileSystem.processIsAlive(pid)
      else { continue }
      let path = parent + entry
      if kind == "old" && !FileSystem.exists(target) {
        try FileSystem.rename(path, target)
      } else {
        try FileSystem.remove(path)
      }
    }
  }

  /// Parses `NAME.tmp-PID` or `NAME.old-PID`.
  static func staleSuffix(of entry: String, name: String) -> (String, Int32)? {
    for kind in ["tmp", "old"] {
      let prefix = name + "." + kind + "-"
      if entry.hasPrefix(prefix), let pid = Int32(entry.dropFirst(prefix.count)) {
        return (kind, pid == FileSystem.processID ? -1 : pid)
      }
    }
    return nil
  }

  /// An existing target may be replaced only when it is an empty folder or a pgs output folder.
  private static func checkReplaceable(_ target: String) throws(NotebookError) {
    guard FileSystem.isDirectory(target) else {
      throw .fileSystem(
        path: target, operation: "replace", message: "it exists and is not a folder")
    }
    let entries = FileSystem.contents(of: target)
    if entries.isEmpty { return }
    let manifest = target + "/manifest.json"
    let text = (try? String(contentsOfFile: manifest, encoding: .utf8)) ?? ""
    guard text.contains("\"format\": \"pgs-notebook-manifest\"") else {
      throw .fileSystem(
        path: target, operation: "replace",
        message: "it is not a pgs output folder (no pgs manifest.json); choose another --out")
    }
  }

  private static func trimmed(_ path: String) -> String {
    var path = path
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return path
  }
}
