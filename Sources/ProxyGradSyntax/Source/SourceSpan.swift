/// A byte range in one ``SourceFile``. Lines and columns are computed only when rendering.
public struct SourceSpan: Equatable, Sendable, CustomStringConvertible {
  public let file: SourceFile
  public let start: Int
  public let end: Int

  public init(_ file: SourceFile, _ range: Range<Int>) {
    self.file = file
    self.start = range.lowerBound
    self.end = range.upperBound
  }

  public var range: Range<Int> { start..<end }

  /// The smallest span covering both spans (of the same file).
  public func merged(with other: SourceSpan) -> SourceSpan {
    SourceSpan(file, min(start, other.start)..<max(end, other.end))
  }

  /// The source text of the span.
  public var text: String { file.text(in: range) }

  /// 1-based line and column of the start.
  public var location: (line: Int, column: Int) { file.location(of: start) }

  /// `path:line:col`.
  public var description: String {
    let (line, column) = location
    return "\(file.path):\(line):\(column)"
  }

  public static func == (lhs: SourceSpan, rhs: SourceSpan) -> Bool {
    lhs.file === rhs.file && lhs.start == rhs.start && lhs.end == rhs.end
  }
}
