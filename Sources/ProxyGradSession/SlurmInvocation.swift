import Foundation

/// How a notebook was run with `--slurm`, kept in the sweep cache (`NAME.out.cache/slurm/`) so
/// that `pgs collect NAME.out` can run it again the same way: the notebook's text as it was
/// submitted (the run folders' keys hash its code), where it came from, its parameters and seed,
/// and the Slurm settings.
package struct SlurmInvocation: Codable, Equatable, Sendable {
  /// The notebook's path as given (names the report), and its text at submission.
  package var scriptPath: String
  package var scriptText: String
  /// The output folder.
  package var outputFolder: String
  /// The `-p name=value` arguments, as typed.
  package var parameters: [String]
  package var seed: UInt64?
  package var allowedWrites: [String]
  /// The folder `pgs run` ran in (relative paths are relative to it).
  package var workingDirectory: String
  package var options: SlurmOptions

  package init(
    scriptPath: String, scriptText: String, outputFolder: String, parameters: [String], seed: UInt64?,
    allowedWrites: [String], workingDirectory: String, options: SlurmOptions
  ) {
    self.scriptPath = scriptPath
    self.scriptText = scriptText
    self.outputFolder = outputFolder
    self.parameters = parameters
    self.seed = seed
    self.allowedWrites = allowedWrites
    self.workingDirectory = workingDirectory
    self.options = options
  }

  /// `FOLDER/slurm/invocation.json` in the cache folder `FOLDER`.
  package static func path(cacheFolder: String) -> String {
    cacheFolder + "/slurm/invocation.json"
  }

  /// The invocation saved in a cache folder, or nil when there is none or it cannot be read.
  package static func load(cacheFolder: String) -> SlurmInvocation? {
    guard let data = FileManager.default.contents(atPath: path(cacheFolder: cacheFolder)) else { return nil }
    return try? JSONDecoder().decode(SlurmInvocation.self, from: data)
  }

  /// Saves it atomically into the cache folder.
  package func save(cacheFolder: String) throws {
    let folder = cacheFolder + "/slurm"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(cacheFolder: cacheFolder)), options: .atomic)
  }
}
