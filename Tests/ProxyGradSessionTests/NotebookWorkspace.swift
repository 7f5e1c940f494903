import Foundation

/// A fresh folder `PREFIX-UUID` under the temporary directory, holding `nb.pgs` with `text`.
func notebookWorkspace(_ text: String, prefix: String) throws -> (folder: String, script: String) {
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  let script = folder + "/nb.pgs"
  try text.write(toFile: script, atomically: true, encoding: .utf8)
  return (folder, script)
}
