/// Turns diagnostics into text. Human mode shows the source line and a `^~~~` underline;
/// plain mode gives one line per diagnostic, for golden tests and editors.
public struct DiagnosticRenderer: Sendable {
  public enum Mode: Sendable { case human, plain }
  public var mode: Mode
  /// Show codes (`error[E0102]`) in human mode.
  public var showsCodes: Bool

  public init(mode: Mode = .human, showsCodes: Bool = true) {
    self.mode = mode
    self.showsCodes = showsCodes
  }

  public func render(_ diagnostics: [Diagnostic]) -> String {
    diagnostics.map(render).joined()
  }

  /// One diagnostic, ending with a newline.
  public func render(_ diagnostic: Diagnostic) -> String {
    let head = header(diagnostic)
    switch mode {
    case .plain:
      var out = head + "\n"
      for note in diagnostic.notes { out += "  note: \(note.message)\n" }
      return out
    case .human:
      var out = head + "\n" + Self.excerpt(diagnostic.span)
      for note in diagnostic.notes {
        if let span = note.span {
          out += "\(span): note: \(note.message)\n" + Self.excerpt(span)
        } else {
          out += "note: \(note.message)\n"
        }
      }
      return out
    }
  }

  func header(_ diagnostic: Diagnostic) -> String {
    let severity = diagnostic.severity.rawValue
    let label = showsCodes && mode == .human ? "\(severity)[\(diagnostic.code)]" : severity
    return "\(diagnostic.span): \(label): \(diagnostic.message)"
  }

  /// The span's first source line followed by a caret line: `^` under the first character and
  /// `~` under the rest of the span on that line.
  public static func excerpt(_ span: SourceSpan) -> String {
    let (lineNumber, column) = span.location
    let line = span.file.line(lineNumber).replacingTabs()
    let lineStart = span.file.lineStarts[lineNumber - 1]
    let lineEndOffset = lineStart + Array(span.file.line(lineNumber).utf8).count
    let spanEnd = min(span.end, lineEndOffset)
    let width = max(1, span.file.text(in: span.start..<max(span.start, spanEnd)).count)
    let gutter = String(lineNumber)
    let pad = String(repeating: " ", count: gutter.count)
    let marker = String(repeating: " ", count: column - 1) + "^"
      + String(repeating: "~", count: width - 1)
    return "\(gutter) | \(line)\n\(pad) | \(marker)\n"
  }
}

extension String {
  fileprivate func replacingTabs() -> String {
    String(map { $0 == "\t" ? " " : $0 })
  }
}
