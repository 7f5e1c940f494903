import Foundation

/// How the REPL wants its input read; passed to ``makeLineReader(_:)``.
public struct LineReaderOptions {
  /// The history file; ``HistoryStore/defaultFileURL(environment:)`` by default, `nil` to
  /// keep history in memory only.
  public var historyFile: URL?
  /// The most history entries kept.
  public var historyCapacity: Int
  /// What Tab completes with, or `nil` for no completion.
  public var completion: (any CompletionProvider)?
  /// The SIGINT controller readers install and cooperate with; `nil` leaves SIGINT alone.
  public var interrupts: InterruptController?
  /// The prompt of continuation lines: a line read there joins the history entry of the line
  /// before it, so a multi-line statement is one entry. `nil` records every line alone.
  public var continuationPrompt: String? = nil

  /// Creates options; every parameter has the REPL's default.
  /// - Parameters:
  ///   - historyFile: the history file, or `nil` for in-memory history.
  ///   - historyCapacity: the most history entries kept.
  ///   - completion: the Tab completion provider.
  ///   - interrupts: the SIGINT controller.
  public init(
    historyFile: URL? = HistoryStore.defaultFileURL(),
    historyCapacity: Int = 1000,
    completion: (any CompletionProvider)? = nil,
    interrupts: InterruptController? = .shared
  ) {
    self.historyFile = historyFile
    self.historyCapacity = historyCapacity
    self.completion = completion
    self.interrupts = interrupts
  }
}

/// Chooses the line reader for this process.
///
/// - Standard input and output are terminals: an ``EditLineReader`` (libedit, history,
///   completion).
/// - Standard input is a terminal but output is redirected: a ``PlainLineReader`` that
///   writes its prompts to standard error, so they stay out of the captured output.
/// - Standard input is a pipe or a file: a ``PlainLineReader`` with no prompts, so the REPL
///   can be scripted line by line.
///
/// The SIGINT handler of `options.interrupts` is installed in every case.
/// - Parameter options: history, completion and interrupt settings.
/// - Returns: the reader the session should call.
public func makeLineReader(_ options: LineReaderOptions = LineReaderOptions()) -> any LineReader {
  let inputIsTerminal = isatty(STDIN_FILENO) == 1
  if inputIsTerminal && isatty(STDOUT_FILENO) == 1 {
    let history = HistoryStore(fileURL: options.historyFile, capacity: options.historyCapacity)
    if let reader = EditLineReader(
      history: history, continuationPrompt: options.continuationPrompt, completion: options.completion,
      interrupts: options.interrupts)
    {
      return reader
    }
  }
  return PlainLineReader(
    promptFileDescriptor: inputIsTerminal ? STDERR_FILENO : nil,
    interrupts: options.interrupts)
}
