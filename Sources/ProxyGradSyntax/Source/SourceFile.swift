/// One piece of PGS source text: a file, standard input, or one REPL entry (`<repl:12>`).
///
/// Immutable and shared by reference: every ``SourceSpan`` points back at its file, so a
/// diagnostic or runtime error can always be rendered with its source line.
public final class SourceFile: Sendable {
  /// A number that tells files of one session apart.
  public let id: Int
  /// The path shown in diagnostics (`nb.pgs`, `<stdin>`, `<repl:3>`).
  public let path: String
  /// The full text.
  public let text: String
  /// The UTF-8 bytes of `text`; spans are byte offsets into it.
  public let bytes: [UInt8]
  /// Byte offset of the first character of every line (line 1 starts at 0).
  public let lineStarts: [Int]

  public init(path: String, text: String, id: Int = 0) {
    self.id = id
    self.path = path
    self.text = text
    let bytes = Array(text.utf8)
    self.bytes = bytes
    var starts = [0]
    for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
      starts.append(offset + 1)
    }
    self.lineStarts = starts
  }

  /// 1-based line and column (column counted in characters) of a byte offset.
  public func location(of offset: Int) -> (line: Int, column: Int) {
    let clamped = min(max(offset, 0), bytes.count)
    var low = 0
    var high = lineStarts.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if lineStarts[mid] <= clamped { low = mid } else { high = mid - 1 }
    }
    let start = lineStarts[low]
    let prefix = bytes[start..<clamped]
    let column = String(decoding: prefix, as: UTF8.self).count + 1
    return (low + 1, column)
  }

  /// The text of a 1-based line, without its newline.
  public func line(_ number: Int) -> String {
    guard number >= 1, number <= lineStarts.count else { return "" }
    let start = lineStarts[number - 1]
    var end = number < lineStarts.count ? lineStarts[number] - 1 : bytes.count
    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
  }

  /// The source text covered by a byte range.
  public func text(in range: Range<Int>) -> String {
    let lower = min(max(range.lowerBound, 0), bytes.count)
    let upper = min(max(range.upperBound, lower), bytes.count)
    return String(decoding: bytes[lower..<upper], as: UTF8.self)
  }
}
