import ProxyGradRuntime
import ProxyGradSyntax

extension REPLSession {
  /// Tab completion for the REPL (``Session/completions(line:cursor:pending:)``), with the
  /// names of the unfinished statement. Inside strings, comments and the argument of `:load` it
  /// proposes nothing, so a file path completer placed before it answers there.
  ///
  /// Positions are counted in `Character`s, as the line editor counts them.
  /// - Parameters:
  ///   - line: the whole line being edited.
  ///   - cursor: the cursor position in `Character`s.
  /// - Returns: where the word being completed starts, and its full replacements, sorted.
  public func completions(line: String, cursor: Int) -> (wordStart: Int, candidates: [String]) {
    session.completions(line: line, cursor: cursor, pending: pendingLines)
  }
}

/// The completion logic behind ``Session/completions(line:cursor:pending:)``, shared by the
/// REPL and the Jupyter kernel.
struct Completer {
  let interpreter: Interpreter
  /// The lines of an unfinished statement (the REPL's continuation lines).
  let pending: [String]

  typealias Answer = (wordStart: Int, candidates: [String])
  static let nothing: Answer = (0, [])

  func complete(_ before: [Character]) -> Answer {
    var offset = 0
    if pending.isEmpty {
      while offset < before.count, before[offset] == " " || before[offset] == "\t" { offset += 1 }
      if offset < before.count, before[offset] == ":" {
        guard let space = before[offset...].firstIndex(where: { $0 == " " || $0 == "\t" }) else {
          return commandNames(before, from: offset)
        }
        // Only `:time` takes code; `:load` takes a path, which the file completer handles.
        guard MetaCommand.named(String(before[offset..<space]))?.name == ":time" else { return Self.nothing }
        offset = space + 1
      } else if offset < before.count, before[offset] == "?" {
        offset += 1
      }
    }
    guard TextEnd(of: before[offset...]) == .code else { return Self.nothing }
    return code(before)
  }

  // MARK: - Commands

  /// Completes the command word itself (`:lo⇥`).
  func commandNames(_ before: [Character], from start: Int) -> Answer {
    let word = String(before[start...])
    let names = MetaCommand.all.map(\.name).filter { $0.hasPrefix(word) }
    return (start, names)
  }

  // MARK: - Code

  func code(_ before: [Character]) -> Answer {
    var start = before.count
    while start > 0, Self.isIdentifier(before[start - 1]) { start -= 1 }
    let word = String(before[start...])
    if let first = word.first, first.isNumber { return Self.nothing }
    if start > 0, before[start - 1] == "." {
      guard start < 2 || before[start - 2] != "." else { return Self.nothing }
      guard let base = value(ofChainEndingAt: start - 1, in: before) else { return Self.nothing }
      return (start, base.fieldNames.filter { $0.hasPrefix(word) })
    }
    guard !word.isEmpty else { return Self.nothing }
    let labels = argumentLabels(before, before: start).filter { $0.hasPrefix(word) }.map { $0 + ":" }
    return (start, labels + names(startingWith: word))
  }

  /// The argument names of the call whose parentheses enclose position `end`
  /// (`maximize(obj, st⇥` offers `steps:`): a builtin's labels or a function's parameters.
  func argumentLabels(_ before: [Character], before end: Int) -> [String] {
    var depth = 0
    var i = end - 1
    while i >= 0 {
      switch before[i] {
      case ")", "]", "}": depth += 1
      case "[", "{":
        if depth == 0 { return [] }
        depth -= 1
      case "(":
        if depth > 0 {
          depth -= 1
        } else {
          var nameStart = i
          while nameStart > 0, Self.isIdentifier(before[nameStart - 1]) { nameStart -= 1 }
          guard nameStart < i, nameStart == 0 || before[nameStart - 1] != "." else { return [] }
          let name = String(before[nameStart..<i])
          if case .function(let closure)? = interpreter.global(name) { return closure.parameters }
          if interpreter.global(name) == nil, let builtin = Builtins.named(name) { return builtin.labels ?? [] }
          return []
        }
      default: break
      }
      i -= 1
    }
    return []
  }

  /// Every keyword, builtin, global and name typed in the unfinished statement that starts
  /// with `prefix`, sorted.
  func names(startingWith prefix: String) -> [String] {
    var names = Set(Token.keywordNames)
    names.formUnion(Builtins.names)
    names.formUnion(interpreter.globals.names.filter { interpreter.global($0) != nil })
    names.formUnion(pendingIdentifiers())
    return names.filter { $0.hasPrefix(prefix) }.sorted()
  }

  func pendingIdentifiers() -> [String] {
    guard !pending.isEmpty else { return [] }
    let file = SourceFile(path: REPLSession.inputPath, text: pending.joined(separator: "\n"))
    return Lexer.tokenize(file).tokens.filter { $0.kind == .identifier }.map(\.lexeme)
  }

  /// The value of `a.b.c` where `dot` is the position of the `.` after `c`: a global, then
  /// fields. Nothing is evaluated beyond field look-ups, so completion has no side effects.
  func value(ofChainEndingAt dot: Int, in before: [Character]) -> Value? {
    var names: [String] = []
    var end = dot
    while true {
      var start = end
      while start > 0, Self.isIdentifier(before[start - 1]) { start -= 1 }
      guard start < end, !before[start].isNumber else { return nil }
      names.insert(String(before[start..<end]), at: 0)
      guard start > 0, before[start - 1] == "." else { break }
      end = start - 1
    }
    guard var value = interpreter.global(names[0]) else { return nil }
    for name in names.dropFirst() {
      guard let next = value.field(named: name) else { return nil }
      value = next
    }
    return value
  }

  // MARK: - Lexical

  static func isIdentifier(_ c: Character) -> Bool {
    c == "_" || (c.isASCII && (c.isLetter || c.isNumber))
  }
}
