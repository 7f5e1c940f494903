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
  /// The input failed; `status` is 65 for syntax and name errors, 70 for runtime errors and
  /// 130 for an interrupt.
  case failed(status: Int32)
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
/// The front end shows ``prompt`` and passes a stop check (Ctrl-C) at creation; while a
/// statement runs, a watcher thread polls it and raises the interpreter's interrupt flag, which
/// loops, calls and long builtins poll.
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
  /// The interpreter holding the session's globals; replaced by `:reset`.
  public private(set) var interpreter: Interpreter
  /// The lines of the unfinished statement, first line first.
  public private(set) var pendingLines: [String] = []
  /// The status of the most recent failure (65, 70 or 130), or 0 when nothing failed yet;
  /// `pgs --strict` exits with it.
  public private(set) var lastErrorStatus: Int32 = 0
  /// Set by `:quit`.
  public internal(set) var hasQuit = false
  /// The folder `:load` resolves relative paths against.
  public var baseDirectory: URL

  let shouldStop: (@Sendable () -> Bool)?
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
  /// How often the watcher polls ``shouldStop`` while a statement runs.
  let pollInterval: TimeInterval = 0.01

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
    self.shouldStop = shouldStop
    self.progress = progress
    self.sink = ConsoleOutputSink(console: console)
    self.interpreter = Self.makeInterpreter(output: sink, seed: seed, progress: progress)
  }

  static func makeInterpreter(output: OutputSink, seed: UInt64, progress: (any ProgressSink)?) -> Interpreter {
    let interpreter = Interpreter(output: output, seed: seed)
    interpreter.progress = progress
    interpreter.files = ScriptFileAccess()
    return interpreter
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
    let (resolved, diagnostics) = interpreter.check(file)
    guard let resolved else {
      report(DiagnosticRenderer().render(diagnostics), status: 65)
      return .failed(status: 65)
    }
    let result = whileWatchingForStop { () -> Result<Value, RuntimeError> in
      do throws(RuntimeError) {
        return .success(try interpreter.run(resolved))
      } catch {
        return .failure(error)
      }
    }
    switch result {
    case .success(let value):
      if echo { self.echo(value, of: resolved.program, source: file) }
      return .succeeded
    case .failure(let error) where error.kind == .interrupted:
      let place = error.span.map { " at \($0)" } ?? ""
      report("interrupted\(place); the session is kept\n", status: 130)
      return .failed(status: 130)
    case .failure(let error):
      report(error.rendered(), status: 70)
      return .failed(status: 70)
    }
  }

  /// Replaces the interpreter with a fresh one: every global (and `_`) is gone.
  public func reset() {
    interpreter = Self.makeInterpreter(output: sink, seed: seed, progress: progress)
    pendingLines = []
  }

  func report(_ text: String, status: Int32) {
    lastErrorStatus = status
    console.write(text, to: .error)
  }

  func write(_ text: String) {
    console.write(text, to: .output)
  }

  /// Echoes the value of a final expression statement and keeps it in `_`.
  func echo(_ value: Value, of program: Program, source: SourceFile) {
    guard let last = program.statements.last, case .expression(let expr) = last.kind else { return }
    if case .none = value { return }
    if case .unset = value { return }
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

  /// Runs `body` while a watcher thread turns ``shouldStop`` into the interpreter's interrupt.
  func whileWatchingForStop<T>(_ body: () -> T) -> T {
    let interrupt = interpreter.interrupt
    interrupt.clear()
    guard let shouldStop else { return body() }
    let finished = InterruptFlag()
    let interval = pollInterval
    let watcher = Thread {
      while !finished.isRaised {
        // Raised once: a builtin may clear the flag for a moment to finish its result.
        if shouldStop() {
          interrupt.raise()
          return
        }
        Thread.sleep(forTimeInterval: interval)
      }
    }
    watcher.start()
    defer {
      finished.raise()
      interrupt.clear()
    }
    return body()
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
