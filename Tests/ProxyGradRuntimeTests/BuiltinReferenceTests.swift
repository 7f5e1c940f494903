import Foundation
import ProxyGradRuntime
import Testing

/// `docs/language.md` holds the builtins' help texts verbatim; this fails when they drift apart.
/// Run with `PGS_UPDATE_DOCS=1` to rewrite the generated section.
@Suite struct BuiltinReferenceTests {
  static let docsPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("docs/language.md")

  @Test func languageReferenceMatchesHelpTexts() throws {
    let text = try String(contentsOf: Self.docsPath, encoding: .utf8)
    let generated = BuiltinReference.markdown()
    let current: String
    if let begin = text.range(of: BuiltinReference.beginMarker),
      let end = text.range(of: BuiltinReference.endMarker, range: begin.upperBound..<text.endIndex)
    {
      current = String(text[begin.lowerBound..<end.upperBound])
    } else {
      current = ""
    }
    if current != generated, ProcessInfo.processInfo.environment["PGS_UPDATE_DOCS"] == "1" {
      let updated = current.isEmpty ? text + generated + "\n" : text.replacingOccurrences(of: current, with: generated)
      try updated.write(to: Self.docsPath, atomically: true, encoding: .utf8)
      return
    }
    #expect(current == generated, "docs/language.md is out of date; run the tests with PGS_UPDATE_DOCS=1")
  }

  /// The model zoo section quotes the zoo's PGS definitions as shipped.
  @Test func modelZooSourceIsQuotedInTheDocs() throws {
    let text = try String(contentsOf: Self.docsPath, encoding: .utf8)
    #expect(text.contains("```\n" + ZooSource.text + "\n```\n"), "docs/language.md quotes ZooSource.text in its model zoo section")
  }

  @Test func everyBuiltinHasHelpAndAnExampleAndIsDocumented() throws {
    let text = try String(contentsOf: Self.docsPath, encoding: .utf8)
    let grouped = BuiltinReference.groups.flatMap(\.builtins).map(\.name)
    #expect(Set(grouped) == Set(Builtins.names))
    #expect(grouped.count == Set(grouped).count, "a builtin name is registered twice")
    for builtin in Builtins.all {
      #expect(builtin.help.count > 20 && builtin.help.hasSuffix("."), "help of \(builtin.name)")
      #expect(!builtin.example.isEmpty, "example of \(builtin.name)")
      #expect(text.contains("#### `\(builtin.name)`"), "\(builtin.name) is documented")
    }
  }
}
