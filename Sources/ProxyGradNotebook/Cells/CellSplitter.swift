/// Splits a `.pgs` script into cells in Jupytext's percent format.
///
/// Rules (a subset of Jupytext's `py:percent`, with `#` as the comment token):
/// - A marker is a line that starts, in column 1, with `# %%` or `#%%`, followed by the end of the
///   line or whitespace. `# %%%` is not a marker. Indented markers are ordinary comments, so a
///   marker cannot split a braced block by accident.
/// - The rest of the marker line holds, in any order: a cell type in brackets (`[markdown]`,
///   `[md]`, `[parameters]`), metadata as `key=value` (`tags=["parameters"]`, `key="value"`), and
///   a free title. A header that is exactly `parameters` marks the parameters cell.
/// - Markdown cell lines lose their `# ` (or lone `#`) prefix; other lines are kept as written.
/// - Text before the first marker becomes a code cell if it holds more than blank lines, and a
///   file without markers is one code cell.
/// - Leading and trailing blank lines of a cell are dropped; `firstLine` accounts for that.
/// - `\r\n` line endings are accepted.
package enum CellSplitter {
  /// Splits `text` into cells, in file order.
  package static func split(_ text: String) -> [NotebookCell] {
    // "\r\n" is one Character in Swift, so both separators are matched explicitly.
    let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
      .map(String.init)
    var cells: [NotebookCell] = []
    var header: Header? = nil
    var markerLine: Int? = nil
    var body: [String] = []
    var bodyStart = 1

    // Text before the first marker is dropped when blank; a file without markers is one cell.
    func flush(beforeMarker: Bool) {
      if header == nil && beforeMarker && body.allSatisfy(isBlank) { return }
      cells.append(
        makeCell(header: header, markerLine: markerLine, body: body, bodyStart: bodyStart))
    }

    for (offset, line) in lines.enumerated() {
      let lineNumber = offset + 1
      if let parsed = parseMarker(line) {
        flush(beforeMarker: true)
        header = parsed
        markerLine = lineNumber
        body = []
        bodyStart = lineNumber + 1
      } else {
        body.append(line)
      }
    }
    flush(beforeMarker: false)
    return cells
  }

  // MARK: - Cell construction

  private static func makeCell(
    header: Header?, markerLine: Int?, body: [String], bodyStart: Int
  ) -> NotebookCell {
    var lines = body
    var first = bodyStart
    while let head = lines.first, isBlank(head) {
      lines.removeFirst()
      first += 1
    }
    while let tail = lines.last, isBlank(tail) { lines.removeLast() }
    if lines.isEmpty { first = bodyStart }
    let kind = header?.kind ?? .code
    if kind == .markdown { lines = lines.map(uncommentMarkdown) }
    return NotebookCell(
      kind: kind, title: header?.title, tags: header?.tags ?? [],
      source: lines.joined(separator: "\n"), firstLine: first, markerLine: markerLine)
  }

  private static func isBlank(_ line: String) -> Bool {
    line.allSatisfy { $0 == " " || $0 == "\t" }
  }

  private static func uncommentMarkdown(_ line: String) -> String {
    if line.hasPrefix("# ") { return String(line.dropFirst(2)) }
    if line == "#" { return "" }
    return line
  }

  // MARK: - Marker headers

  struct Header: Equatable {
    var kind: CellKind = .code
    var title: String? = nil
    var tags: [String] = []
  }

  /// Parses a marker line, or returns `nil` when `line` is not a marker.
  static func parseMarker(_ line: String) -> Header? {
    let rest: Substring
    if line.hasPrefix("# %%") {
      rest = line.dropFirst(4)
    } else if line.hasPrefix("#%%") {
      rest = line.dropFirst(3)
    } else {
      return nil
    }
    if let next = rest.first, next != " " && next != "\t" { return nil }
    return parseHeader(String(rest))
  }

  private static func parseHeader(_ text: String) -> Header {
    var header = Header()
    var titleWords: [String] = []
    var scanner = HeaderScanner(text)
    while let token = scanner.next() {
      switch token {
      case .bracket(let word):
        switch word.lowercased() {
        case "markdown", "md": header.kind = .markdown
        case "parameters": header.kind = .parameters
        default: titleWords.append("[\(word)]")
        }
      case .metadata(let key, let value):
        if key == "tags" {
          header.tags = parseStringList(value)
        }
      case .word(let word):
        titleWords.append(word)
      }
    }
    if header.tags.contains("parameters") && header.kind == .code { header.kind = .parameters }
    if header.kind == .code && titleWords == ["parameters"] {
      header.kind = .parameters
      titleWords = []
    }
    let title = titleWords.joined(separator: " ")
    header.title = title.isEmpty ? nil : title
    return header
  }

  /// Reads `["a", "b"]` or `[a, b]` (quotes optional) into its strings.
  private static func parseStringList(_ value: String) -> [String] {
    var inner = Substring(value)
    if inner.hasPrefix("[") { inner = inner.dropFirst() }
    if inner.hasSuffix("]") { inner = inner.dropLast() }
    return inner.split(separator: ",").compactMap { item in
      var word = item.trimmingBlanks()
      if word.count >= 2, let q = word.first, q == "\"" || q == "'", word.last == q {
        word = word.dropFirst().dropLast()
      }
      return word.isEmpty ? nil : String(word)
    }
  }
}

// MARK: - Header tokens

/// Splits a marker header into `[type]`, `key=value` and plain words. Values may be quoted
/// strings or bracketed lists containing spaces.
private struct HeaderScanner {
  enum Token: Equatable {
    case bracket(String)
    case metadata(key: String, value: String)
    case word(String)
  }

  private let chars: [Character]
  private var index = 0

  init(_ text: String) { chars = Array(text) }

  mutating func next() -> Token? {
    while index < chars.count, chars[index].isWhitespace { index += 1 }
    guard index < chars.count else { return nil }
    if chars[index] == "[", let close = chars[index...].firstIndex(of: "]") {
      let word = String(chars[(index + 1)..<close])
      if !word.contains(" ") {
        index = close + 1
        return .bracket(word)
      }
    }
    let start = index
    while index < chars.count, !chars[index].isWhitespace, chars[index] != "=" { index += 1 }
    if index < chars.count, chars[index] == "=", index > start,
      chars[start..<index].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
    {
      let key = String(chars[start..<index])
      index += 1
      return .metadata(key: key, value: readValue())
    }
    while index < chars.count, !chars[index].isWhitespace { index += 1 }
    return .word(String(chars[start..<index]))
  }

  /// Reads a metadata value: a quoted string, a bracketed list or a bare word.
  private mutating func readValue() -> String {
    let start = index
    var depth = 0
    var quote: Character? = nil
    while index < chars.count {
      let c = chars[index]
      if let q = quote {
        if c == "\\" { index += 1 } else if c == q { quote = nil }
      } else if c == "\"" || c == "'" {
        quote = c
      } else if c == "[" || c == "{" {
        depth += 1
      } else if c == "]" || c == "}" {
        depth -= 1
      } else if c.isWhitespace && depth <= 0 {
        break
      }
      index += 1
    }
    return String(chars[start..<min(index, chars.count)])
  }
}

extension Substring {
  fileprivate func trimmingBlanks() -> Substring {
    var s = self
    while let f = s.first, f.isWhitespace { s = s.dropFirst() }
    while let l = s.last, l.isWhitespace { s = s.dropLast() }
    return s
  }
}
