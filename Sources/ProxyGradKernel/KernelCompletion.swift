import ProxyGradSession

/// Jupyter's view of the session's completion and inspection: Jupyter sends a whole cell and
/// a cursor counted in Unicode scalars (protocol 5.2 and later); the REPL completes one line
/// with positions in `Character`s.
enum KernelCompletion {
  static func isIdentifier(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "_" || (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
  }

  /// The session's completions for the line of `cursor`, with the replaced range in scalars.
  static func complete(
    _ code: String, cursor: Int, session: Session
  ) -> (matches: [String], start: Int, end: Int) {
    let scalars = Array(code.unicodeScalars)
    let cursor = min(max(0, cursor), scalars.count)
    var lineStart = cursor
    while lineStart > 0, scalars[lineStart - 1] != "\n" { lineStart -= 1 }
    let line = String(String.UnicodeScalarView(scalars[lineStart..<cursor]))
    let (wordStart, candidates) = session.completions(line: line, cursor: line.count)
    let start = lineStart + String(line.prefix(wordStart)).unicodeScalars.count
    return (candidates, start, cursor)
  }

  /// The identifier at `cursor` (or just before a `(` at it), for inspection.
  static func name(in code: String, at cursor: Int) -> String? {
    let scalars = Array(code.unicodeScalars)
    var cursor = min(max(0, cursor), scalars.count)
    if cursor > 0, scalars[cursor - 1] == "(", cursor == scalars.count || !isIdentifier(scalars[cursor]) {
      cursor -= 1
    }
    var start = cursor
    while start > 0, isIdentifier(scalars[start - 1]) { start -= 1 }
    var end = cursor
    while end < scalars.count, isIdentifier(scalars[end]) { end += 1 }
    guard start < end, !("0"..."9").contains(scalars[start]) else { return nil }
    return String(String.UnicodeScalarView(scalars[start..<end]))
  }
}
