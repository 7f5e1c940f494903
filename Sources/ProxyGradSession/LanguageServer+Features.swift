import Foundation
import ProxyGradRuntime
import ProxyGradSyntax

extension LanguageServer {
  // MARK: - Completion

  /// `textDocument/completion`: what Tab offers in the REPL at the same place (keywords,
  /// builtins, argument labels, fields), with the names the document's other lines use, and the
  /// fields of records and layer names of networks the document assigns from literals.
  func completion(_ document: LSPDocument, _ uri: String, _ position: LSPPosition) -> Any {
    let lines = document.lines
    let line = lines.line(position.line)
    let cursor = lines.characterOffset(line: position.line, utf16: position.character)
    var pending = lines.lines.enumerated().filter { $0.offset != position.line }.map(\.element)
    // A nonempty `pending` also keeps `:` and `?` at the start of a line from reading as REPL
    // commands.
    if pending.isEmpty { pending = [""] }
    var (wordStart, candidates) = session.completions(line: line, cursor: cursor, pending: pending)
    let characters = Array(line.prefix(cursor))
    if candidates.isEmpty, let base = Self.nameBeforeDot(characters) {
      wordStart = base.wordStart
      let word = String(characters[wordStart...])
      candidates = document.literalFields(of: base.name).filter { $0.hasPrefix(word) }
    }
    let start = LSPPosition(line: position.line, character: lines.utf16Column(line: position.line, characters: wordStart))
    let end = LSPPosition(line: position.line, character: lines.utf16Column(line: position.line, characters: cursor))
    let items: [[String: Any]] = candidates.map { candidate in
      var item: [String: Any] = [
        "label": candidate,
        "textEdit": ["range": Self.json(LSPRange(start: start, end: end)), "newText": candidate.hasSuffix(":") ? candidate + " " : candidate]
          as [String: Any],
      ]
      if candidate.hasSuffix(":") {
        item["kind"] = 5  // Field: an argument label
      } else if Token.keywordNames.contains(candidate) {
        item["kind"] = 14  // Keyword
      } else if let builtin = Builtins.named(candidate), document.definition(of: candidate) == nil {
        item["kind"] = 3  // Function
        item["detail"] = builtin.signature
      } else {
        item["kind"] = 6  // Variable
      }
      return item
    }
    return ["isIncomplete": false, "items": items] as [String: Any]
  }

  /// `name` in `name.wor`: the identifier before the dot ending at the word being typed.
  static func nameBeforeDot(_ characters: [Character]) -> (name: String, wordStart: Int)? {
    var start = characters.count
    while start > 0, Completer.isIdentifier(characters[start - 1]) { start -= 1 }
    guard start > 0, characters[start - 1] == "." else { return nil }
    var baseStart = start - 1
    while baseStart > 0, Completer.isIdentifier(characters[baseStart - 1]) { baseStart -= 1 }
    guard baseStart < start - 1, baseStart == 0 || characters[baseStart - 1] != "." else { return nil }
    return (String(characters[baseStart..<start - 1]), start)
  }

  // MARK: - Hover

  /// `textDocument/hover`: for a name the document assigns, what it holds as far as the text
  /// says (`fn(a, b)`, a network); for a builtin or keyword, the help `?name` shows, in Markdown.
  func hover(_ document: LSPDocument, _ uri: String, _ position: LSPPosition) -> Any {
    guard let word = document.word(at: position) else { return NSNull() }
    let (name, range) = word
    let markdown: String
    if let definition = document.definition(of: name) {
      let line = LSPRange(definition.span).start.line + 1
      markdown = "```pgs\n\(name) = \(definition.summary)\n```\n\nassigned on line \(line)"
    } else if let text = session.help(for: name, width: Int(Int32.max)) {
      markdown = Self.markdown(help: text)
    } else {
      return NSNull()
    }
    return ["contents": ["kind": "markdown", "value": markdown], "range": Self.json(range)] as [String: Any]
  }

  /// Help text (unwrapped) as Markdown: a first line that reads as code (a signature, a
  /// statement form) in a code block, the rest as paragraphs.
  static func markdown(help: String) -> String {
    let lines = help.split(separator: "\n").map(String.init)
    guard let first = lines.first, lines.count > 1 else { return help.trimmingCharacters(in: .whitespacesAndNewlines) }
    let rest = lines.dropFirst().map { line in
      line.hasPrefix("example: ") ? "example: `\(line.dropFirst("example: ".count))`" : line
    }
    return "```pgs\n\(first)\n```\n\n" + rest.joined(separator: "\n\n")
  }

  // MARK: - Definition and symbols

  /// `textDocument/definition`: the first top-level assignment of the name under the cursor.
  func definition(_ document: LSPDocument, _ uri: String, _ position: LSPPosition) -> Any {
    guard let name = document.word(at: position)?.name, let definition = document.definition(of: name) else {
      return NSNull()
    }
    return ["uri": uri, "range": Self.json(LSPRange(definition.span))] as [String: Any]
  }

  /// `textDocument/documentSymbol`: cells as sections, with their functions and networks.
  func documentSymbols(_ document: LSPDocument, _ uri: String, _ position: LSPPosition) -> Any {
    document.symbols().map(Self.json)
  }

  static func json(_ symbol: LSPSymbol) -> [String: Any] {
    [
      "name": symbol.name, "detail": symbol.detail, "kind": symbol.kind.rawValue, "range": json(symbol.range),
      "selectionRange": json(symbol.selectionRange), "children": symbol.children.map(json),
    ]
  }
}
