/// What one call to ``LineReader/readLine(prompt:)`` produced.
public enum LineReadResult: Equatable, Sendable {
  /// A line the user entered, without its line terminator.
  case line(String)
  /// Standard input is exhausted: Ctrl-D on an empty line, or the end of piped input.
  case endOfInput
  /// Ctrl-C at the prompt: the partly typed line was discarded.
  case interrupted
}

/// A source of input lines for the REPL.
///
/// The session asks for one line at a time and decides itself whether a statement is
/// complete; the reader only shows the prompt it is given (`pgs> ` or the continuation
/// prompt `...> `) and returns what was typed.
public protocol LineReader {
  /// Shows `prompt` (when the reader shows prompts at all) and reads one line.
  /// - Parameter prompt: the text to show before the cursor.
  /// - Returns: the line, the end of input, or an interrupt at the prompt.
  mutating func readLine(prompt: String) -> LineReadResult
}

/// A ``LineReader`` that replays a fixed list of lines, for tests of the session engine.
///
/// The prompts it was asked to show are recorded in ``prompts``, so a test can check when
/// the session asked for a continuation line.
public struct ScriptedLineReader: LineReader, Sendable {
  /// The results still to be returned, first one next.
  public private(set) var remaining: [LineReadResult]
  /// Every prompt passed to ``readLine(prompt:)``, in order.
  public private(set) var prompts: [String] = []

  /// Creates a reader that returns each of `lines` in turn, then ``LineReadResult/endOfInput``.
  /// - Parameter lines: the lines to return.
  public init(_ lines: [String]) {
    self.remaining = lines.map { .line($0) }
  }

  /// Creates a reader that returns each of `results` in turn, then
  /// ``LineReadResult/endOfInput``; use it to script interrupts.
  /// - Parameter results: the results to return.
  public init(results: [LineReadResult]) {
    self.remaining = results
  }

  /// Returns the next scripted result, or ``LineReadResult/endOfInput`` once none are left.
  public mutating func readLine(prompt: String) -> LineReadResult {
    prompts.append(prompt)
    guard !remaining.isEmpty else { return .endOfInput }
    return remaining.removeFirst()
  }
}
