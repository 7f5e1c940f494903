import ProxyGradSyntax

/// A document's lines, and the conversion between LSP positions (0-based lines, columns in UTF-16
/// code units, the protocol's default encoding) and the `Character` columns completion counts.
///
/// Positions past the end of a line or of the document are clamped, never trusted.
package struct LSPText {
  /// The lines without their line breaks (a `\r` before a `\n` is dropped too).
  package let lines: [String]

  package init(_ text: String) {
    lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
    }
  }

  /// The text of a 0-based line; empty outside the document.
  package func line(_ index: Int) -> String {
    lines.indices.contains(index) ? lines[index] : ""
  }

  /// The `Character` offset in its line of a UTF-16 column (a column inside a character, or past
  /// the end, goes to the end of that character, or of the line).
  package func characterOffset(line index: Int, utf16 column: Int) -> Int {
    var units = 0
    var characters = 0
    for character in line(index) {
      guard units < column else { break }
      units += character.utf16.count
      characters += 1
    }
    return characters
  }

  /// The UTF-16 column of a `Character` offset in a 0-based line.
  package func utf16Column(line index: Int, characters: Int) -> Int {
    line(index).prefix(max(0, characters)).utf16.count
  }

  /// The length of a 0-based line in UTF-16 code units.
  package func utf16Length(line index: Int) -> Int { line(index).utf16.count }

  /// The LSP position of a byte offset in a source file: its 0-based line and UTF-16 column.
  /// Spans of notebook cells live in files whose lines are the script's (``Notebook``), so the
  /// position holds for the whole document.
  package static func position(ofByte offset: Int, in file: SourceFile) -> LSPPosition {
    let clamped = min(max(offset, 0), file.bytes.count)
    var low = 0
    var high = file.lineStarts.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if file.lineStarts[mid] <= clamped { low = mid } else { high = mid - 1 }
    }
    let prefix = file.bytes[file.lineStarts[low]..<clamped]
    return LSPPosition(line: low, character: String(decoding: prefix, as: UTF8.self).utf16.count)
  }

  /// The text with the 0-based UTF-16 range replaced (an incremental `didChange`).
  package func replacing(_ range: LSPRange, with text: String) -> String {
    func offset(_ position: LSPPosition) -> Int {
      guard position.line < lines.count else { return lines.joined(separator: "\n").count }
      let line = max(0, position.line)
      let before = lines[..<line].reduce(0) { $0 + $1.count + 1 }
      return before + characterOffset(line: line, utf16: position.character)
    }
    let whole = Array(lines.joined(separator: "\n"))
    let lower = min(offset(range.start), whole.count)
    let upper = min(max(offset(range.end), lower), whole.count)
    return String(whole[..<lower]) + text + String(whole[upper...])
  }
}

/// A place in a document: a 0-based line and a column in UTF-16 code units.
package struct LSPPosition: Equatable, Sendable {
  package var line: Int
  package var character: Int
}

/// A stretch of a document, its end exclusive.
package struct LSPRange: Equatable, Sendable {
  package var start: LSPPosition
  package var end: LSPPosition
}

extension LSPRange {
  /// The range of a span, in the lines of the document its file mirrors.
  package init(_ span: SourceSpan) {
    self.init(
      start: LSPText.position(ofByte: span.start, in: span.file), end: LSPText.position(ofByte: span.end, in: span.file))
  }
}
