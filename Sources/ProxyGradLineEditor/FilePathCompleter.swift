import Foundation
import ProxyGradSyntax

/// Completes file paths where the REPL expects one: inside a string literal
/// (`load_weights(net, "runs/ne⇥`) and after a `:load` command (`:load exam⇥`).
///
/// Only the last path component is replaced, so the candidates listed are plain file
/// names; folders get a trailing `/` so Tab can go on into them. Hidden entries are
/// offered only when the typed name starts with a dot. Anywhere else it proposes nothing,
/// which lets ``FirstMatchCompletionProvider`` fall through to the session's name
/// completion.
public struct FilePathCompleter: CompletionProvider {
  /// The folder relative paths are resolved against.
  public var baseDirectory: URL
  /// The folder `~/` stands for, or `nil` to leave `~` alone.
  public var homeDirectory: String?
  /// The meta-commands whose argument is a path.
  public var pathCommands: [String]

  /// Creates a completer.
  /// - Parameters:
  ///   - baseDirectory: the folder relative paths start from; the current folder by default.
  ///   - homeDirectory: what `~/` expands to; `$HOME` by default.
  ///   - pathCommands: the meta-commands that take a path; `:load` by default.
  public init(
    baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
    homeDirectory: String? = ProcessInfo.processInfo.environment["HOME"],
    pathCommands: [String] = [":load"]
  ) {
    self.baseDirectory = baseDirectory
    self.homeDirectory = homeDirectory
    self.pathCommands = pathCommands
  }

  /// Proposes the entries of the folder named before the cursor whose names start with the
  /// typed last component.
  public func completions(for request: CompletionRequest) -> CompletionResult {
    let before = request.textBeforeCursor
    guard let pathStart = pathStart(in: before) else { return .none }
    let typed = before.dropFirst(pathStart)
    let folderPart = typed.lastIndex(of: "/").map { typed[...$0] } ?? ""
    let namePrefix = String(typed.dropFirst(folderPart.count))
    guard let folder = resolve(String(folderPart)) else { return .none }
    let names = entries(of: folder, startingWith: namePrefix)
    return CompletionResult(wordStart: pathStart + folderPart.count, candidates: names)
  }

  /// Where the path being typed starts, in `Character`s, or `nil` when the cursor is not
  /// at a place that takes a path.
  func pathStart(in before: Substring) -> Int? {
    if case .string(let start) = TextEnd(of: before) { return start }
    let trimmed = before.drop(while: { $0 == " " || $0 == "\t" })
    for command in pathCommands where trimmed.hasPrefix(command) {
      let rest = trimmed.dropFirst(command.count)
      guard let first = rest.first, first == " " || first == "\t" else { continue }
      let argument = rest.drop(while: { $0 == " " || $0 == "\t" })
      if argument.first == "\"" { return nil }  // handled as a string above
      return before.count - argument.count
    }
    return nil
  }

  private func resolve(_ folderPart: String) -> URL? {
    if folderPart.isEmpty { return baseDirectory }
    if folderPart.hasPrefix("/") { return URL(fileURLWithPath: folderPart, isDirectory: true) }
    if folderPart.hasPrefix("~/") {
      guard let homeDirectory else { return nil }
      return URL(fileURLWithPath: homeDirectory, isDirectory: true)
        .appendingPathComponent(String(folderPart.dropFirst(2)), isDirectory: true)
    }
    return baseDirectory.appendingPathComponent(folderPart, isDirectory: true)
  }

  private func entries(of folder: URL, startingWith prefix: String) -> [String] {
    let fileManager = FileManager.default
    guard let names = try? fileManager.contentsOfDirectory(atPath: folder.path) else {
      return []
    }
    let showsHidden = prefix.hasPrefix(".")
    return
      names
      .filter { $0.hasPrefix(prefix) && (showsHidden || !$0.hasPrefix(".")) }
      .sorted()
      .map { name in
        var isFolder: ObjCBool = false
        let path = folder.appendingPathComponent(name).path
        let exists = fileManager.fileExists(atPath: path, isDirectory: &isFolder)
        return exists && isFolder.boolValue ? name + "/" : name
      }
  }
}
