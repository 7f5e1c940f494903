import Foundation

/// A golden `.pgs` fixture and the expectations written in its comments, in the jlox style:
///
/// - `# expect: TEXT` — the next line of output;
/// - `# expect error: L:C: MESSAGE` — a syntax or name error (the script does not run);
/// - `# expect runtime error: MESSAGE` or `# expect runtime error: L:C: MESSAGE` — the script
///   stops with this runtime error.
public struct LanguageFixture: Sendable, CustomStringConvertible {
  public let name: String
  public let source: String
  public let expectedOutput: [String]
  public let expectedErrors: [String]
  public let expectedRuntimeError: String?

  public var description: String { name }

  public init(name: String, source: String) {
    self.name = name
    self.source = source
    var output: [String] = []
    var errors: [String] = []
    var runtime: String?
    for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
      guard let marker = line.range(of: "# expect") else { continue }
      let rest = line[marker.upperBound...]
      if rest.hasPrefix(": ") {
        output.append(String(rest.dropFirst(2)))
      } else if rest.hasPrefix(":") {
        output.append("")
      } else if rest.hasPrefix(" error: ") {
        errors.append(String(rest.dropFirst(" error: ".count)))
      } else if rest.hasPrefix(" runtime error: ") {
        runtime = String(rest.dropFirst(" runtime error: ".count))
      }
    }
    expectedOutput = output
    expectedErrors = errors
    expectedRuntimeError = runtime
  }

  /// Every `.pgs` file in a folder, sorted by name.
  public static func load(from folder: URL) -> [LanguageFixture] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return files.filter { $0.hasSuffix(".pgs") }.sorted().compactMap { file in
      guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path) else {
        return nil
      }
      return LanguageFixture(name: file, source: String(decoding: data, as: UTF8.self))
    }
  }
}
