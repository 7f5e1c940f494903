import Foundation
import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradSession
import ProxyGradSyntax

/// The language side of the kernel, free of sockets: one interpreter session that cells run
/// in, with execution counts, history, and the answers to `is_complete`, `complete` and
/// `inspect`. Outputs go to `publish` as they happen.
///
/// Not thread-safe: every call but ``interrupt`` comes from the thread that runs code.
package final class KernelEngine {
  /// How a cell ended.
  package enum Outcome: Equatable {
    case ok
    case error(CellError)
  }

  /// One stored input, numbered by its execution count.
  package struct HistoryEntry: Equatable {
    package var line: Int
    package var input: String
    package var output: String?
  }

  /// The session number history entries carry; this kernel keeps one session per process.
  package static let historySession = 1

  /// Checks and runs cells, as the REPL and `pgs run` do; answers completion and help.
  package let session: Session
  package var interpreter: Interpreter { session.interpreter }
  /// Receives each output message (`stream`, `display_data`, `execute_result`, `error`).
  package var publish: (MIMEBundle.Message) -> Void
  package private(set) var executionCount = 0
  package private(set) var history: [HistoryEntry] = []
  private let sink: EngineOutputSink

  /// - Parameters:
  ///   - seed: the seed of random tensors and network weights, as `pgs run` uses by default.
  ///   - shouldStop: the stop check running code polls (an `interrupt_request` or SIGINT).
  ///   - publish: receives outputs; the kernel sends them on IOPub.
  package init(
    seed: UInt64 = 0, shouldStop: @escaping @Sendable () -> Bool = { false },
    publish: @escaping (MIMEBundle.Message) -> Void = { _ in }
  ) {
    self.publish = publish
    let sink = EngineOutputSink()
    let sweeps = KernelSweepHost()
    let progress = KernelProgress { [weak sink] message in sink?.engine?.emit(message) }
    self.sink = sink
    self.sweeps = sweeps
    session = Session {
      let interpreter = Interpreter(output: sink, seed: seed)
      interpreter.files = KernelFileAccess()
      interpreter.progress = progress
      interpreter.sweepHost = sweeps
      interpreter.stops.check = shouldStop
      return interpreter
    }
    sink.engine = self
  }

  /// Runs sweeps as `pgs run` does (summary table, plots, `sweeps/NAME/` files), in the
  /// kernel's working folder.
  private let sweeps: KernelSweepHost

  /// Whether outputs are dropped (a `silent` request).
  private var isSilent = false
  /// The first output that could not be converted (an image libpng refused).
  private var outputFailure: NotebookError?

  func emit(_ message: MIMEBundle.Message) {
    if !isSilent { publish(message) }
  }

  func emit(_ event: OutputEvent) {
    do throws(NotebookError) {
      emit(try MIMEBundle.message(for: NotebookOutputCollector.output(of: event)))
    } catch {
      if outputFailure == nil { outputFailure = error }
    }
  }

  // MARK: - Execute

  /// The execution count the next stored cell gets.
  package var nextExecutionCount: Int { executionCount + 1 }

  /// Checks and runs a cell in the session; publishes its outputs, then its last value as an
  /// `execute_result` (or its error as an `error`). State set before an error is kept.
  /// - Parameters:
  ///   - silent: publish nothing and count nothing (Jupyter's `silent`).
  ///   - storeHistory: count the cell and keep it in the history.
  package func execute(_ code: String, silent: Bool = false, storeHistory: Bool = true) -> Outcome {
    isSilent = silent
    defer { isSilent = false }
    let counts = storeHistory && !silent
    if counts { executionCount += 1 }
    let count = executionCount
    outputFailure = nil
    var result: String?
    let outcome = run(code, count: count, result: &result)
    if case .error(let error) = outcome { emit(MIMEBundle.Message(type: "error", content: MIMEBundle.errorContent(error))) }
    if counts { history.append(HistoryEntry(line: count, input: code, output: result)) }
    return outcome
  }

  private func run(_ code: String, count: Int, result: inout String?) -> Outcome {
    sweeps.startCell(count)
    let cell = session.execute(SourceFile(path: "<cell \(count)>", text: code))
    if let error = cell.cellError { return .error(error) }
    if let failure = outputFailure {
      return .error(CellError(name: "OutputError", message: failure.description))
    }
    if let value = cell.shownValue {
      let text = ValueDisplay.render(value, width: ValueDisplay.reportWidth)
      result = text
      var message = (try? MIMEBundle.message(for: .result(text)))
        ?? MIMEBundle.Message(type: "execute_result", content: .object([]))
      if case .object(var members) = message.content {
        members.append(("execution_count", .int(count)))
        message.content = .object(members)
      }
      emit(message)
    }
    return .ok
  }

  // MARK: - Questions about code

  /// The parser's verdict, as `is_complete_reply` words it.
  package func isComplete(_ code: String) -> (status: String, indent: String?) {
    if code.allSatisfy(\.isWhitespace) { return ("complete", nil) }
    switch Parser.isComplete(code) {
    case .complete: return ("complete", nil)
    case .incomplete: return ("incomplete", "  ")
    case .invalid: return ("invalid", nil)
    }
  }

  /// Completions of the word before `cursor` (in Unicode scalars, as Jupyter counts since
  /// protocol 5.2): the REPL's completion (``Session/completions(line:cursor:pending:)``), on
  /// the cursor's line.
  package func complete(_ code: String, cursor: Int) -> (matches: [String], start: Int, end: Int) {
    KernelCompletion.complete(code, cursor: cursor, session: session)
  }

  /// Help for the name at `cursor`, as the REPL's `?name` shows it: a builtin's signature,
  /// help text and example, or a global's type and value. Nil when there is no such name.
  package func inspect(_ code: String, cursor: Int) -> String? {
    guard let name = KernelCompletion.name(in: code, at: cursor) else { return nil }
    return session.help(for: name)
  }

  // MARK: - History

  /// The last `n` stored inputs.
  package func historyTail(_ n: Int) -> [HistoryEntry] {
    Array(history.suffix(max(0, n)))
  }

  /// Inputs numbered `start..<stop` of `session` (0 or negative: this session). A `stop` of 0
  /// or less means to the end.
  package func historyRange(session: Int, start: Int, stop: Int) -> [HistoryEntry] {
    guard session <= 0 || session == Self.historySession else { return [] }
    return history.filter { $0.line >= start && (stop <= 0 || $0.line < stop) }
  }

  /// Inputs matching a glob `pattern` (`*`, `?`, `[...]`), the last `n` (0: all), optionally
  /// each distinct input once (its latest).
  package func historySearch(pattern: String, n: Int, unique: Bool) -> [HistoryEntry] {
    var found = history.filter { fnmatch(pattern, $0.input, 0) == 0 }
    if unique {
      var seen = Set<String>()
      found = found.reversed().filter { seen.insert($0.input).inserted }.reversed()
    }
    return n > 0 ? Array(found.suffix(n)) : found
  }
}

/// Forwards the interpreter's events to its engine.
private final class EngineOutputSink: OutputSink {
  weak var engine: KernelEngine?

  func emit(_ event: OutputEvent) {
    engine?.emit(event)
  }
}

/// Progress in Jupyter: one display per piece of long work (a `display_id`), replaced in place
/// at most twice a second and ending as the summary line; no `\r`, no escape codes.
final class KernelProgress: ProgressSink {
  private let emit: (MIMEBundle.Message) -> Void
  private var display: ProgressDisplay!
  private var depth = 0
  private var count = 0
  private var shown = false

  /// - Parameters:
  ///   - clock: seconds on a monotonic clock.
  ///   - emit: receives the `display_data` and `update_display_data` messages.
  init(
    clock: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime },
    emit: @escaping (MIMEBundle.Message) -> Void
  ) {
    self.emit = emit
    display = ProgressDisplay(style: .display(every: 0.5), write: { [unowned self] text in
      emit(MIMEBundle.progress(text, displayID: "pgs-progress-\(ProcessInfo.processInfo.processIdentifier)-\(count)", isUpdate: shown))
      shown = true
    }, clock: clock)
  }

  func begin(_ label: String, total: Int) {
    if depth == 0 {
      count += 1
      shown = false
    }
    depth += 1
    display.begin(label, total: total)
  }

  func update(completed: Int, detail: String) { display.update(completed: completed, detail: detail) }

  func end(completed: Int, detail: String) {
    depth -= 1
    display.end(completed: completed, detail: detail)
  }
}

/// Sweeps in Jupyter: the runs run one after another in the kernel's process, and the cell shows
/// what a `pgs run` notebook shows (the summary table and the plots). The files `pgs run` writes
/// into its output folder (`runs.csv`, `summary.csv`, the plots and one folder per run) go to
/// `sweeps/NAME/` in the kernel's working folder, replacing that sweep's earlier files, and
/// the cell says where they went. Nothing is cached.
final class KernelSweepHost: SweepHost {
  private var host: NotebookSweepHost?
  private var cleared: Set<String> = []

  /// A new cell (execution `count`): unnamed sweeps are named after it (`cell07`).
  func startCell(_ count: Int) {
    cleared = []
    let host = NotebookSweepHost(
      options: SweepOptions(), notebook: Notebook(path: "<kernel>", text: ""), outputFolder: nil,
      write: { [unowned self] (file) throws(NotebookError) in try write(file) }, progress: nil)
    host.cellIndex = max(0, count - 1)
    self.host = host
  }

  func execute(_ sweep: SweepExecution, interpreter: Interpreter) throws(RuntimeError) {
    if host == nil { startCell(1) }
    guard let host else { return }
    let before = host.summaries.count
    defer {
      if host.summaries.count > before, let name = host.summaries.last?.name {
        let folder = FileManager.default.currentDirectoryPath + "/sweeps/" + name
        interpreter.output.emit(.text("sweep \(name): runs.csv, summary.csv, plots and run folders in \(folder)/\n"))
      }
    }
    try host.execute(sweep, interpreter: interpreter)
  }

  private func write(_ file: ReportFile) throws(NotebookError) {
    let parts = file.path.split(separator: "/")
    guard parts.count >= 3, parts[0] == "sweeps", !parts.contains("..") else { return }
    let sweepFolder = "sweeps/" + parts[1]
    if !cleared.contains(sweepFolder) {
      cleared.insert(sweepFolder)
      try? FileManager.default.removeItem(atPath: sweepFolder)
    }
    let folder = URL(fileURLWithPath: file.path).deletingLastPathComponent().path
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try Data(file.bytes).write(to: URL(fileURLWithPath: file.path))
    } catch {
      throw .fileSystem(path: file.path, operation: "write", message: error.localizedDescription)
    }
  }
}
