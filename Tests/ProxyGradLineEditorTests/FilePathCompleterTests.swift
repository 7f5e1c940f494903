import Foundation
import Testing

@testable import ProxyGradLineEditor

@Suite struct FilePathCompleterTests {
  /// A folder with `alpha.pgs`, `alpine.txt`, `beta.pgs`, `.hidden`, `data/train.csv`.
  private func makeFolder() throws -> TemporaryFolder {
    let folder = try TemporaryFolder()
    for name in ["alpha.pgs", "alpine.txt", "beta.pgs", ".hidden", "data/train.csv"] {
      try folder.file(name)
    }
    try folder.folder("data/runs")
    return folder
  }

  private func complete(_ line: String, in folder: TemporaryFolder) -> CompletionResult {
    let completer = FilePathCompleter(baseDirectory: folder.url, homeDirectory: folder.url.path)
    return completer.completions(for: CompletionRequest(line: line))
  }

  @Test func completesInsideAStringLiteral() throws {
    let folder = try makeFolder()
    defer { folder.remove() }
    let result = complete(#"load_weights(net, "al"#, in: folder)
    #expect(result == CompletionResult(wordStart: 19, candidates: ["alpha.pgs", "alpine.txt"]))
  }

  @Test func completesAfterLoadAndMarksFolders() throws {
    let folder = try makeFolder()
    defer { folder.remove() }
    #expect(
      complete(":load ", in: folder).candidates == ["alpha.pgs", "alpine.txt", "beta.pgs", "data/"])
    #expect(
      complete("  :load   b", in: folder)
        == CompletionResult(wordStart: 10, candidates: ["beta.pgs"]))
  }

  @Test func replacesOnlyTheLastPathComponent() throws {
    let folder = try makeFolder()
    defer { folder.remove() }
    let result = complete(#"x = read_csv("data/"#, in: folder)
    #expect(result == CompletionResult(wordStart: 19, candidates: ["runs/", "train.csv"]))
    #expect(complete(":load data/tr", in: folder).candidates == ["train.csv"])
  }

  @Test func offersHiddenEntriesOnlyAfterADot() throws {
    let folder = try makeFolder()
    defer { folder.remove() }
    #expect(complete(#""."#, in: folder).candidates == [".hidden"])
    #expect(!complete(#"""#, in: folder).candidates.contains(".hidden"))
  }

  @Test func expandsHomeAndAbsolutePaths() throws {
    let folder = try makeFolder()
    defer { folder.remove() }
    #expect(complete(#""~/be"#, in: folder).candidates == ["beta.pgs"])
    #expect(complete(":load \(folder.url.path)/data/t", in: folder).candidates == ["train.csv"])
  }

  @Test(arguments: [
    "alp",  // a plain name is the session's business
    #"print("al") + al"#,  // the string is closed
    #"x = 1  # "al"#,  // inside a comment
    ":loader al",  // not the :load command
    #"print("no_such_folder/"#,
  ])
  func proposesNothingWhereNoPathIsExpected(line: String) throws {
    let folder = try makeFolder()
    defer { folder.remove() }
    #expect(complete(line, in: folder).candidates.isEmpty)
  }

  @Test func anEscapedQuoteDoesNotCloseTheString() throws {
    let folder = try makeFolder()
    defer { folder.remove() }
    #expect(complete(#"f("a\" b", "be"#, in: folder).candidates == ["beta.pgs"])
  }

  @Test func usesTheCursorNotTheEndOfTheLine() throws {
    let folder = try makeFolder()
    defer { folder.remove() }
    let completer = FilePathCompleter(baseDirectory: folder.url)
    let result = completer.completions(for: CompletionRequest(line: #"f("be", 1)"#, cursor: 5))
    #expect(result == CompletionResult(wordStart: 3, candidates: ["beta.pgs"]))
  }
}
