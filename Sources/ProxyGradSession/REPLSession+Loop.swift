/// One answer of a line source to the session's loop (mirrors the line editor's results, which
/// this target does not depend on).
public enum REPLInput: Equatable, Sendable {
  /// A line, without its terminator.
  case line(String)
  /// Ctrl-C at the prompt: the typed line is gone.
  case interrupted
  /// Ctrl-D or the end of piped input.
  case endOfInput
}

extension REPLSession {
  /// Reads and runs lines until `:quit` or the end of input.
  /// - Parameters:
  ///   - beforeStatement: called before and after each line runs; `pgs` clears its pending
  ///     Ctrl-C count there, so an interrupt stops only the statement it was meant for.
  ///   - readLine: shows the prompt it is given (or not) and returns the next input.
  /// - Returns: ``lastErrorStatus``: the status of the last error, or ``ExitStatus/ok``.
  @discardableResult
  public func run(beforeStatement: () -> Void = {}, readLine: (String) -> REPLInput) -> ExitStatus {
    loop: while !hasQuit {
      switch readLine(prompt) {
      case .line(let text):
        beforeStatement()
        feed(text)
        beforeStatement()
      case .interrupted:
        discardPendingInput()
      case .endOfInput:
        finishInput()
        break loop
      }
    }
    return lastErrorStatus
  }
}
