import ProxyGradRuntime
import ProxyGradSyntax

/// Completion and inspection for the kernel: names only (keywords, builtins, globals). Kept
/// behind two functions so the REPL's completer can replace it.
///
/// Positions are Unicode scalar offsets, as Jupyter counts them since protocol 5.2.
enum KernelCompletion {
  static func isIdentifier(_ scalar: Unicode.Scalar) -> Bool {
    scalar == "_" || (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
  }

  /// The identifier characters around `cursor`: where they start and end.
  static func word(in scalars: [Unicode.Scalar], at cursor: Int, extendingRight: Bool) -> Range<Int> {
    let cursor = min(max(0, cursor), scalars.count)
    var start = cursor
    while start > 0, isIdentifier(scalars[start - 1]) { start -= 1 }
    var end = cursor
    if extendingRight {
      while end < scalars.count, isIdentifier(scalars[end]) { end += 1 }
    }
    return start..<end
  }

  static func complete(
    _ code: String, cursor: Int, interpreter: Interpreter
  ) -> (matches: [String], start: Int, end: Int) {
    let scalars = Array(code.unicodeScalars)
    let range = word(in: scalars, at: cursor, extendingRight: false)
    let prefix = String(String.UnicodeScalarView(scalars[range]))
    let end = range.upperBound
    guard !prefix.isEmpty, let first = prefix.unicodeScalars.first, !("0"..."9").contains(first),
      range.lowerBound == 0 || scalars[range.lowerBound - 1] != "."
    else { return ([], end, end) }
    var names = Set(Token.keywordNames)
    names.formUnion(Builtins.names)
    names.formUnion(interpreter.globalValues.map(\.0))
    return (names.filter { $0.hasPrefix(prefix) }.sorted(), range.lowerBound, end)
  }

  static func inspect(_ code: String, cursor: Int, interpreter: Interpreter) -> String? {
    let scalars = Array(code.unicodeScalars)
    var range = word(in: scalars, at: cursor, extendingRight: true)
    // A cursor just after `name(` asks about `name`.
    if range.isEmpty, cursor > 0, cursor <= scalars.count, scalars[cursor - 1] == "(" {
      range = word(in: scalars, at: cursor - 1, extendingRight: false)
    }
    guard !range.isEmpty else { return nil }
    let name = String(String.UnicodeScalarView(scalars[range]))
    if let value = interpreter.global(name) {
      return "\(name) = \(Format.describe(value))\n"
    }
    if let builtin = Builtins.named(name) {
      return "\(builtin.signature)\n\n\(builtin.help)\n\nExample:\n\(builtin.example)\n"
    }
    return nil
  }
}
