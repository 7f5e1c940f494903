import Foundation
import ProxyGradRuntime
import ProxyGradSyntax

/// What feeding one line to a ``REPLSession`` did.
public enum REPLStep: Equatable, Sendable {
  /// A blank line (or a comment) with nothing pending: nothing ran.
  case empty
  /// The statement is unfinished; the next line continues it (prompt `...> `).
  case needsMore
  /// The input ran (or the command did its work) without error.
  case succeeded
  /// The input failed: ``ExitStatus/invalidScript`` for syntax and name errors,
  /// ``ExitStatus/runtimeError``, ``ExitStatus/interrupted``, or for a command
  /// ``ExitStatus/usage`` and ``ExitStatus/noInput``.
  case failed(status: ExitStatus)
  /// `:quit`: the front end should stop reading.
  case quit
}

/// The REPL's engine, free of any terminal: it is fed lines, decides with the parser when a
/// statement is complete, runs it in one long-lived interpreter, and writes echoes and errors
/// to a ``REPLConsole``.
///
/// - Lines starting with `:` are commands (`:help`, `:time`, `:load`, `:vars`, `:reset`,
///   `:quit`); a line starting with `?` shows help for a name. Both are recognised only at the
///   start of a statement, before the language sees the line.
/// - Otherwise lines collect until ``Parser/isComplete(_:)`` says the text is complete (or
///   invalid, which more lines cannot fix); then it runs.
/// - The value of a final expression statement is echoed and kept in `_`; a trailing `;`
///   suppresses the echo (the value is still kept).
/// - Errors never reset the session: globals set before the error stay.
///
/// Statements run through a ``Session``, the road every front end shares. The front end shows
/// ``prompt`` and passes a stop check (Ctrl-C) at creation, which the interpreter polls at
/// loops, calls and long builtins; it resets what the check reads before each statement.
public final class REPLSession {
  /// The prompt for a new statement.
  public static let primaryPrompt = "pgs> "
  /// The prompt while a statement is unfinished.
  public static let continuationPrompt = "...> "
  /// The name diagnostics give to typed input.
  public static let inputPath = "<repl>"

  /// Where echoes, outputs and errors go.
  public let console: any REPLConsole
  /// The seed of a fresh interpreter (at start and after `:reset`).
  public let seed: UInt64
  /// Checks and runs statements; holds the globals.
  public let session: Session
  /// The interpreter holding the session's globals; replaced by `:reset`.
  public var interpreter: Interpreter { session.interpreter }
  /// The lines of the unfinished statement, first line first.
  public private(set) var pendingLines: [String] = []
  /// The status of the most recent failure, or ``ExitStatus/ok`` when nothing failed yet;
  /// `pgs repl --strict` exits with it.
  public private(set) var lastErrorStatus = ExitStatus.ok
  /// Set by `:quit`.
  public internal(set) var hasQuit = false
  /// The folder `:load` resolves relative paths against.
  public var baseDirectory: URL

  let sink: ConsoleOutputSink
  /// Where `train`, `maximize` and sweeps report progress; kept across `:reset`.
  let progress: (any ProgressSink)?
  /// The line width echoes and help text are laid out for; the front end sets the terminal's.
  public var width = 80 {
    didSet { sink.pictures?.columns = width }
  }
  /// How `show(...)` and `plot(...)` are drawn; nil (the default) writes a one-line text form.
  /// `pgs` sets it from the terminal's graphics protocol.
  public var pictures: TerminalPictures? {
    get { sink.pictures }
    set { sink.pictures = newValue }
  }
  /// Creates a session with an empty interpreter.
  /// - Parameters:
  ///   - console: where text goes.
  ///   - seed: the seed of random tensors and network weights.
  ///   - baseDirectory: the folder `:load` starts from; the current folder by default.
  ///   - shouldStop: polled while code runs; returning true stops it (Ctrl-C). The front end
  ///     resets whatever it reads before each statement.
  ///   - progress: where long work reports progress; nil shows none.
  public init(
    console: any REPLConsole, seed: UInt64 = 0,
    baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
    shouldStop: (@Sendable () -> Bool)? = nil, progress: (any ProgressSink)? = nil
  ) {
    self.console = console
    self.seed = seed
    self.baseDirectory = baseDirectory
    self.progress = progress
    let sink = ConsoleOutputSink(console: console)
    self.sink = sink
    session = Session {
      let interpreter = Interpreter(output: sink, seed: seed)
      interpreter.progress = progress
      interpreter.files = ScriptFileAccess()
      if let shouldStop { interpreter.stops.check = shouldStop }
      return interpreter
    }
  }

  /// Whether the next line continues an unfinished statement.
  public var needsMoreInput: Bool { !pendingLines.isEmpty }

  /// The prompt to show for the next line: ``primaryPrompt`` or ``continuationPrompt``.
  public var prompt: String { needsMoreInput ? Self.continuationPrompt : Self.primaryPrompt }

  // MARK: - Input

  /// Takes one line of input and runs what it completes.
  /// - Parameter line: one line, without its terminator. A leading `pgs> ` or `...> ` (pasted
  ///   from a transcript) is dropped.
  /// - Returns: what happened.
  @discardableResult
  public func feed(_ line: String) -> REPLStep {
    let line = Self.strippingPastedPrompt(line)
    if pendingLines.isEmpty {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix(":") { return runCommand(trimmed) }
      if trimmed.hasPrefix("?") { return showHelp(String(trimmed.dropFirst())) }
      if Self.isBlank(trimmed) { return .empty }
      if REPLHelp.isLeaveAttempt(trimmed), interpreter.global(String(trimmed.prefix { $0.isLetter })) == nil {
        write(REPLHelp.leaveHint)
        return .succeeded
      }
      if trimmed == "help", interpreter.global("help") == nil { return showHelp("") }
    }
    pendingLines.append(line)
    let source = pendingLines.joined(separator: "\n")
    if Parser.isComplete(source) == .incomplete { return .needsMore }
    pendingLines = []
    return execute(source, path: Self.inputPath, echo: true)
  }

  /// Ends the input (Ctrl-D or the end of a pipe): an unfinished statement is run, so its
  /// error is reported rather than lost.
  /// - Returns: the step of the pending statement, or ``REPLStep/empty``.
  @discardableResult
  public func finishInput() -> REPLStep {
    guard !pendingLines.isEmpty else { return .empty }
    let source = pendingLines.joined(separator: "\n")
    pendingLines = []
    return execute(source, path: Self.inputPath, echo: true)
  }

  /// Forgets an unfinished statement (Ctrl-C at the prompt).
  public func discardPendingInput() {
    pendingLines = []
  }

  // MARK: - Running

  /// Checks and runs `source` in the session.
  /// - Parameters:
  ///   - source: one or more statements.
  ///   - path: the name errors give the source.
  ///   - echo: whether to echo the value of a final expression statement and keep it in `_`.
  /// - Returns: ``REPLStep/succeeded`` or ``REPLStep/failed(status:)``.
  @discardableResult
  public func execute(_ source: String, path: String, echo: Bool) -> REPLStep {
    let file = SourceFile(path: path, text: source)
    let result = session.execute(file)
    switch result.status {
    case .ok:
      if echo, let value = result.shownValue, let program = result.program { self.echo(value, of: program.program, source: file) }
      return .succeeded
    case .interrupted:
      let place = result.error?.span.map { " at \($0)" } ?? ""
      report("interrupted\(place); the session is kept\n", status: .interrupted)
    default:
      report(result.errorText, status: result.status)
    }
    return .failed(status: result.status)
  }

  /// Replaces the interpreter with a fresh one: every global (and `_`) is gone.
  public func reset() {
    session.reset()
    pendingLines = []
  }

  func report(_ text: String, status: ExitStatus) {
    lastErrorStatus = status
    console.write(text, to: .error)
  }

  func write(_ text: String) {
    console.write(text, to: .output)
  }

  /// Echoes the value of a final expression statement and keeps it in `_`.
  func echo(_ value: Value, of program: Program, source: SourceFile) {
    guard let last = program.statements.last, case .expression(let expr) = last.kind else { return }
    interpreter.setGlobal("_", value)
    if Self.endsWithSemicolon(source) { return }
    if case .call(let callee, _, _) = expr.kind, case .name("help") = callee.kind,
      case .string(let text) = value
    {
      let wrapped = REPLHelp.wrap(text, width: width)
      write(wrapped.hasSuffix("\n") ? wrapped : wrapped + "\n")
      return
    }
    write(ValueDisplay.render(value, width: width) + "\n")
  }

  // MARK: - Lexical helpers

  /// Whether a line holds nothing but spaces and a comment.
  static func isBlank(_ trimmed: String) -> Bool {
    trimmed.isEmpty || trimmed.hasPrefix("#")
  }

  static func strippingPastedPrompt(_ line: String) -> String {
    for prompt in [primaryPrompt, continuationPrompt] where line.hasPrefix(prompt) {
      return String(line.dropFirst(prompt.count))
    }
    return line
  }

  /// Whether the last token of the source is `;` (the echo is suppressed).
  static func endsWithSemicolon(_ file: SourceFile) -> Bool {
    let tokens = Lexer.tokenize(file).tokens
    let last = tokens.last { $0.kind != .newline && $0.kind != .endOfFile }
    return last?.kind == .semicolon
  }
}
