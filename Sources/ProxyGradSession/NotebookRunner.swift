import Foundation
import ProxyGradNN
import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradSyntax

/// What running a notebook gave: the cell records for the report, and what the command line
/// needs (diagnostics, the failing cell's error as text, the exit status).
package struct NotebookOutcome {
  package var run: NotebookRun
  /// Errors found by checking the whole notebook before it ran; when there are any, nothing ran.
  package var diagnostics: [Diagnostic]
  /// The error that stopped the run, rendered for a terminal (`path:line:col: error: ...`).
  package var errorText: String?
  /// Whether the failing cell failed to parse or resolve rather than at run time.
  package var failedStatically: Bool
  /// In a sweep worker process: its runs are done (the run stopped on purpose after them).
  package var sweepWorkerFinished = false
  /// The signal that interrupted the run (`SIGINT`, `SIGTERM`), if one did.
  package var interruptedBy: String? { run.interruptedBy }
  /// One line each for the terminal about the cache of cells: what was reused, what was
  /// dropped, which state could not be kept.
  package var cacheNotes: [String] = []

  /// How the run ended: every cell ran, a syntax or name error, a runtime error, or a signal
  /// interrupted it.
  package var exitStatus: ExitStatus {
    if !diagnostics.isEmpty { return .invalidScript }
    if interruptedBy != nil { return .interrupted }
    guard run.failedCellIndex != nil else { return .ok }
    return failedStatically ? .invalidScript : .runtimeError
  }
}

/// Runs a notebook's cells in order in one interpreter session and records each cell's outputs.
///
/// The runner writes nothing itself: outputs become `CellRecord`s, and scripts' file writes go
/// through the injected `files` access (none: writes are refused). The seed is fixed per run: `seed` when given, else the parameters cell's
/// `seed` when it assigns a whole number, else 0.
package struct NotebookRunner {
  /// The seed from the command line; overrides the script's `seed` parameter.
  package var seed: UInt64?
  /// Typed `-p` values, checked against the parameters cell (see `NotebookParameters.resolve`).
  package var overrides: [(name: String, value: ParameterValue)]
  package var toolVersion: String
  package var files: FileAccess?
  package var progress: ProgressSink?
  /// Seconds on a monotonic clock, for the manifest's durations.
  package var clock: @Sendable () -> Double
  /// How sweeps run: jobs, cache, `--fresh`, worker task (see `NotebookSweepHost`).
  package var sweepOptions = SweepOptions()
  /// The output folder as the user sees it, and the writer of files into its staging folder;
  /// sweeps write `sweeps/NAME/` through it.
  package var outputFolder: String?
  package var writeFile: (@Sendable (ReportFile) throws(NotebookError) -> Void)?
  /// The signal that asked the run to stop (`SIGINT`), nil while none did; the interpreter's
  /// stop check. The running cell stops at its next safe point and is marked interrupted, the
  /// cells after it are skipped, and the outcome exits with ``ExitStatus/interrupted``.
  package var interruption: (@Sendable () -> String?)?
  /// The cache of cells of earlier runs (docs/notebooks.md, "Caching and incremental reruns"):
  /// a run restores the longest unchanged prefix and runs from the first changed cell.
  package var reuse = CellReuseOptions()

  package init(
    seed: UInt64? = nil, overrides: [(name: String, value: ParameterValue)] = [],
    toolVersion: String, files: FileAccess? = nil, progress: ProgressSink? = nil,
    clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }
  ) {
    self.seed = seed
    self.overrides = overrides
    self.toolVersion = toolVersion
    self.files = files
    self.progress = progress
    self.clock = clock
  }

  /// Parses every executable cell on its own, and reports the syntax errors of every cell when
  /// there are any; else resolves every executable cell as one file. Runs nothing.
  /// - Parameter layerNames: also build the networks the script assigns from literals and check
  ///   the layer names it uses (`pgs check`; a run finds them when it gets there).
  package static func check(_ notebook: Notebook, layerNames: Bool = false) -> [Diagnostic] {
    Interpreter.onLargeStack {
      var syntax: [Diagnostic] = []
      if notebook.hasCellMarkers {
        for index in notebook.cells.indices where notebook.cells[index].kind.isExecutable {
          syntax += Parser.parse(notebook.sourceFile(ofCell: index)).diagnostics
        }
      }
      guard syntax.isEmpty else { return syntax }
      let (program, diagnostics) = Interpreter().check(notebook.executableSource())
      guard layerNames, let program else { return diagnostics }
      return Interpreter.layerNameDiagnostics(program)
    }
  }

  /// Runs `notebook` once with `cache`, reusing the cells it holds that cannot have changed
  /// and keeping the cells that ran in it: the entry point of a process that runs a notebook
  /// again and again (a ``MemoryCellCache`` keeps the state in memory).
  package func run(_ notebook: Notebook, cache: any CellCache) -> NotebookOutcome {
    var runner = self
    runner.reuse.cache = cache
    return runner.run(notebook)
  }

  /// Checks the whole notebook, then runs its cells until one fails. Runs on a thread with a
  /// large stack, like scripts.
  package func run(_ notebook: Notebook) -> NotebookOutcome {
    let runner = self
    return Interpreter.onLargeStack { NotebookSession(runner: runner, notebook: notebook).run() }
  }
}

/// The state of one run: the interpreter, the collector and the records so far.
private final class NotebookSession {
  let runner: NotebookRunner
  let notebook: Notebook
  let collector = NotebookOutputCollector()
  let session: Session
  var interpreter: Interpreter { session.interpreter }
  var records: [CellRecord] = []
  var parameters: [RunParameter] = []
  var errorText: String?
  var failedStatically = false
  let sweepHost: NotebookSweepHost
  /// The signal that stopped the run.
  var interruptedBy: String?
  /// The cache of cells, when the run has one.
  var reuse: CellReuse?
  /// The cells restored from the cache, by index, and the last of them.
  var restored: [Int: CellEntry] = [:]
  var restoredThrough = -1
  /// Whether a cell has run (the cache's listing of written files starts then).
  var started = false

  init(runner: NotebookRunner, notebook: Notebook) {
    self.runner = runner
    self.notebook = notebook
    let collector = collector
    let sweepHost = NotebookSweepHost(
      options: runner.sweepOptions, notebook: notebook, outputFolder: runner.outputFolder,
      write: runner.writeFile, progress: runner.progress)
    self.sweepHost = sweepHost
    session = Session {
      let interpreter = Interpreter(output: collector, seed: runner.seed ?? 0)
      interpreter.files = runner.files ?? NoOutputFolderAccess()
      interpreter.progress = runner.progress
      interpreter.sweepHost = sweepHost
      if let interruption = runner.interruption { interpreter.stops.check = { interruption() != nil } }
      return interpreter
    }
  }

  func run() -> NotebookOutcome {
    let diagnostics = Interpreter().check(notebook.executableSource()).diagnostics
    var failed = !diagnostics.isEmpty
    if !failed, runner.reuse.cache != nil { restorePrefix() }
    for index in notebook.cells.indices {
      let cell = notebook.cells[index]
      if !failed, cell.kind.isExecutable, let signal = runner.interruption?() {
        // Interrupted between two cells: none was running, the rest do not run.
        interruptedBy = signal
        failed = true
        errorText = "\(notebook.path): interrupted by \(signal) before cell \(index + 1)\n"
      }
      if failed && cell.kind.isExecutable {
        records.append(CellRecord(cell: cell, status: .skipped))
      } else if index <= restoredThrough && cell.kind.isExecutable, let entry = restored[index] {
        records.append(restoreCell(index, entry))
      } else if !cell.kind.isExecutable {
        records.append(CellRecord(cell: cell))
      } else {
        let record = runCell(index)
        failed = record.status == .error
        records.append(record)
      }
    }
    var run = NotebookRun(
      scriptPath: notebook.path, scriptText: notebook.text, parameters: parameters,
      seed: interpreter.seed, toolVersion: runner.toolVersion, cells: records)
    run.threads = Parallel.threads
    run.interruptedBy = interruptedBy
    run.machine = [
      MachineFact("cpu", MachineFacts.cpuModel), MachineFact("blas", MachineFacts.blasLibrary),
      MachineFact("blas_kernel", MachineFacts.blasKernel),
    ]
    run.sweeps = sweepHost.summaries
    var outcome = NotebookOutcome(
      run: run, diagnostics: diagnostics, errorText: errorText, failedStatically: failedStatically)
    outcome.sweepWorkerFinished = sweepHost.workerFinished
    if let reuse {
      if interruptedBy == nil { reuse.finish() }
      outcome.cacheNotes = reuse.notes
    }
    return outcome
  }

  // MARK: - Cells

  func runCell(_ index: Int) -> CellRecord {
    let cell = notebook.cells[index]
    if !started {
      started = true
      _ = (runner.files as? NotebookFileAccess)?.takeReads()
      if let reuse, let entry = restored[restoredThrough] {
        reuse.resume(after: restoredThrough, entry: entry)
      } else {
        reuse?.restart()
      }
    }
    let sweepsBefore = sweepHost.summaries.count
    let start = runner.clock()
    sweepHost.cellIndex = index
    sweepHost.context = "tool \(runner.toolVersion)\nseed \(interpreter.seed)\n"
      + runner.overrides.map { "-p \($0.name)=\($0.value.sourceText)\n" }.joined()
    var error = execute(notebook.sourceFile(ofCell: index))
    if error == nil && cell.kind == .parameters && index == notebook.parametersCellIndex {
      applyParameters(index)
    }
    var (outputs, failure) = collector.take()
    if error == nil, let failure {
      error = CellError(name: "OutputError", message: failure.description)
      errorText = "\(notebook.path): error: \(failure.description)\n"
    }
    if let error { outputs.append(.error(error)) }
    let record = CellRecord(
      cell: cell, outputs: outputs, status: error == nil ? .ok : .error,
      duration: max(0, runner.clock() - start))
    if error == nil, let reuse {
      reuse.store(
        index, outputs: outputs, reads: (runner.files as? NotebookFileAccess)?.takeReads() ?? [],
        parameters: cell.kind == .parameters && index == notebook.parametersCellIndex ? parameters : nil,
        sweeps: Array(sweepHost.summaries[sweepsBefore...]), duration: record.duration,
        interpreter: interpreter)
    }
    return record
  }

  // MARK: - The cache of cells

  /// Finds the longest prefix of unchanged cells in the cache and restores the session's state
  /// after it.
  func restorePrefix() {
    let reuse = CellReuse(options: runner.reuse, notebook: notebook, runner: runner)
    self.reuse = reuse
    guard let prefix = reuse.restorablePrefix() else { return }
    do throws(BinaryFormatError) {
      try interpreter.restore(prefix.snapshot)
    } catch {
      reuse.notes.append("cache: dropped the snapshot after cell \(prefix.last + 1) (\(error.description)); running every cell")
      return
    }
    restored = prefix.entries
    restoredThrough = prefix.last
    let cells = prefix.entries.keys.sorted()
    let executable = notebook.cells.filter(\.kind.isExecutable).count
    reuse.notes.insert(
      "cache: reused \(cells.count) of \(executable) cells (through cell \(prefix.last + 1)) from the last run", at: 0)
  }

  /// The record of a cell restored from the cache; writes the files it wrote.
  func restoreCell(_ index: Int, _ entry: CellEntry) -> CellRecord {
    for file in entry.files {
      do throws(NotebookError) {
        try runner.writeFile?(file)
      } catch {
        reuse?.notes.append("cache: cannot restore '\(file.path)' of cell \(index + 1): \(error)")
      }
    }
    sweepHost.summaries += entry.sweeps
    if let saved = entry.parameters { parameters = saved }
    var record = CellRecord(cell: notebook.cells[index], outputs: entry.outputs, status: .ok, duration: entry.duration)
    record.reused = true
    return record
  }

  /// Checks and runs a cell in the session and shows its last value; the error it stopped with,
  /// if any.
  func execute(_ file: SourceFile) -> CellError? {
    let result = session.execute(file)
    switch result.status {
    case .ok:
      if let value = result.shownValue {
        collector.append(.result(ValueDisplay.render(value, width: ValueDisplay.reportWidth)))
      }
    case .invalidScript:
      failedStatically = true
      errorText = result.errorText
    case .interrupted, .runtimeError:
      guard let error = result.error else { break }
      guard let signal = runner.interruption?() else {
        errorText = error.rendered()
        return CellError(error)
      }
      // Whatever stopped the cell (the interrupt, or a worker process the signal ended), a
      // signal caused it.
      interruptedBy = signal
      var interrupted = error
      interrupted.message = "interrupted by \(signal)"
        + (error.kind == .interrupted && error.message == "interrupted" ? "" : ": " + error.message)
      errorText = interrupted.rendered()
      var cellError = CellError(interrupted)
      cellError.name = "Interrupted"
      return cellError
    default:
      break
    }
    return result.cellError
  }

  // MARK: - Parameters

  static func value(_ parameter: ParameterValue) -> Value {
    switch parameter {
    case .number(let x): return .number(x)
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .list(let items): return .list(ListBox(items.map(value)))
    }
  }

  /// After the parameters cell: assigns the `-p` values (and `--seed` to a `seed` parameter),
  /// fixes the run's seed, and records every parameter with the value it has now.
  func applyParameters(_ index: Int) {
    let declarations = NotebookParameters.declarations(in: notebook.sourceFile(ofCell: index))
    var assigned = runner.overrides
    if let seed = runner.seed, declarations.contains(where: { $0.name == "seed" }),
      !assigned.contains(where: { $0.name == "seed" })
    {
      assigned.append(("seed", .number(Double(seed))))
    }
    for (name, value) in assigned { interpreter.setGlobal(name, Self.value(value)) }
    if runner.seed == nil, case .number(let value)? = interpreter.global("seed"),
      value >= 0, value < 9_007_199_254_740_992, value == value.rounded()
    {
      interpreter.seed = UInt64(value)
    }
    parameters = declarations.map { declaration in
      RunParameter(
        name: declaration.name,
        value: interpreter.global(declaration.name).map { NotebookParameters.parameterValue($0) }
          ?? declaration.defaultValue ?? .string("nil"),
        overridden: assigned.contains { $0.name == declaration.name })
    }
  }

}
