import Foundation
import Testing

/// Every `pgs run` is confined: a plain script writes only beneath its working directory, a
/// notebook only inside its output folder; `..`, absolute paths and symbolic links leading
/// outside are refused for every writer (`save`, `save_weights`) unless `--allow-write` covers
/// them.
@Suite struct WriteConfinementCommandTests {
  /// `work/` (the working directory, holding `link` → `../outside`) and `outside/`.
  func folders() throws -> (work: String, outside: String) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-confine-\(UUID().uuidString)").path
    let work = root + "/work"
    let outside = root + "/outside"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: work + "/link", withDestinationPath: "../outside")
    return (work, outside)
  }

  /// Runs `pgs run` in `folder` on a script holding `text`.
  func run(_ text: String, in folder: String, name: String = "s.pgs", _ extra: [String] = []) throws -> BuiltBinary.Outcome {
    try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    return try BuiltBinary.run(["run", name] + extra, directory: folder)
  }

  static let net = "net = network(input: [2]) {\n  linear(2)\n}\n"

  /// One call of each writer with `path`.
  static func writers(_ path: String) -> [(String, String)] {
    [("save", "save(\"x\", \"\(path)\")\n"), ("save_weights", net + "save_weights(net, \"\(path)\")\n")]
  }

  @Test(arguments: ["../escape.txt", "ABSOLUTE", "link/f.txt", "link"])
  func aPlainScriptCannotWriteOutsideItsWorkingDirectory(path: String) throws {
    let (work, outside) = try folders()
    let target = path == "ABSOLUTE" ? outside + "/abs.txt" : path
    for (writer, text) in Self.writers(target) {
      let outcome = try run(text, in: work)
      #expect(outcome.status == 70, "\(writer) \(target)")
      #expect(outcome.stderr.contains("error: \(writer): refusing to write '\(target)': "), "\(outcome.stderr)")
      #expect(outcome.stderr.contains("the working directory"), "\(outcome.stderr)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty, "\(writer) wrote outside")
      #expect(!FileManager.default.fileExists(atPath: work + "/../escape.txt"))
    }
  }

  @Test func aPlainScriptWritesInsideAndWhereAllowWritePermits() throws {
    let (work, outside) = try folders()
    try FileManager.default.createDirectory(atPath: work + "/d", withIntermediateDirectories: true)
    for (writer, text) in Self.writers("d/WRITER.out") {
      let inside = try run(text.replacingOccurrences(of: "WRITER", with: writer), in: work)
      #expect(inside.status == 0, "\(inside.stderr)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: work + "/d").sorted() == ["save.out", "save_weights.out"])
    for (writer, text) in Self.writers("link/allowed-WRITER") {
      let text = text.replacingOccurrences(of: "WRITER", with: writer)
      let refused = try run(text, in: work)
      #expect(refused.status == 70, "\(writer)")
      let allowed = try run(text, in: work, ["--allow-write", outside])
      #expect(allowed.status == 0, "\(writer): \(allowed.stderr)")
      #expect(allowed.stdout == "", "a plain script stays plain with --allow-write")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside).count == 2)
  }

  @Test(arguments: ["../escape.txt", "ABSOLUTE"])
  func aNotebookCannotWriteOutsideItsOutputFolder(path: String) throws {
    let (work, outside) = try folders()
    let target = path == "ABSOLUTE" ? outside + "/abs.txt" : path
    for (writer, text) in Self.writers(target) {
      let outcome = try run("# %%\n" + text, in: work)
      #expect(outcome.status == 70, "\(writer) \(target)")
      #expect(outcome.stderr.contains("error: \(writer): refusing to write '\(target)': "), "\(outcome.stderr)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }
  }

  /// `--allow-write DIR` covers DIR, not a link inside it that leads elsewhere.
  @Test func aLinkInsideAnAllowedFolderCannotLeadOut() throws {
    let (work, outside) = try folders()
    let allowed = work + "/allowed"
    try FileManager.default.createDirectory(atPath: allowed, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: allowed + "/out", withDestinationPath: outside)
    for (writer, text) in Self.writers(allowed + "/out/f.txt") {
      let outcome = try run("# %%\n" + text, in: work, ["--allow-write", allowed])
      #expect(outcome.status == 70, "\(writer)")
      #expect(outcome.stderr.contains("a symbolic link leads outside"), "\(outcome.stderr)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
  }
}
