import ArgumentParser
import Foundation
import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradSession
import ProxyGradSyntax

extension PGSCommand {
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a PGS script or notebook.",
      discussion: """
        A script with '# %%' cell markers runs as a notebook: its cells run in order and a report \
        folder NAME.out is written beside it (or at --out DIR): index.html, NAME.ipynb, \
        manifest.json, metrics.json, metrics.csv and images/. The last line printed is the path \
        of index.html. A script without markers runs as a plain script, printing its outputs as \
        text, unless --out or -p is given; then it is a notebook of one cell. Every run is confined: \
        a plain script writes only beneath its working directory, a notebook only inside its output \
        folder; '..', absolute paths and symbolic links leading outside are refused unless \
        --allow-write covers them.

        A notebook run keeps each cell's outputs and the state after it in NAME.out.cache beside \
        the report folder: running again restores the longest prefix of cells that cannot have \
        changed and runs from the first changed cell, with the same report as a full run \
        (--fresh runs every cell). Sweeps write sweeps/NAME/ into the report folder; their \
        finished runs are kept in the same cache: running again skips them (--fresh recomputes \
        them), and --jobs N runs the others in N worker processes, with the same results as \
        --jobs 1.

        Exit status: 0 on success, 64 on usage errors (such as an unknown parameter), 65 on \
        syntax or name errors (nothing runs), 70 when a cell fails at run time (the report is \
        still written; a sweep whose every run failed fails its cell), 73 when the output folder \
        cannot be written, 130 when Ctrl-C or SIGTERM interrupted the run (the report of the finished \
        cells is still written; a second Ctrl-C stops at once, without one). Warnings, such as \
        sweep runs that failed, go to standard error.

        --watch runs the notebook, then again each time the file is saved, and serves its report \
        on 127.0.0.1 (--port N, else a free port; the URL is the first line printed); the open page \
        reloads itself when a run finishes, and shows a failed run's error above the last good \
        outputs, marked stale. Ctrl-C stops it, with exit status 130. See docs/notebooks.md.
        """)

    @ArgumentParser.Argument(help: "The script to run, or '-' to read it from standard input.")
    var file: String

    @Option(
      name: [.customShort("p"), .customLong("parameter")],
      help: ArgumentHelp(
        "Sets a parameter of the parameters cell, typed like its default: a number, a string, true or false, or a list such as [1, 2]. Repeat for several.",
        valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp("The notebook's output folder (default: NAME.out beside the script).", valueName: "dir"))
    var out: String?

    @Option(
      name: .customLong("allow-write"),
      help: ArgumentHelp("Lets save(...), save_weights(...) and every other writer write to this file or folder outside the output folder (a plain script: outside the working directory). Repeat for several.", valueName: "path"))
    var allowWrite: [String] = []

    @Option(
      name: .customLong("seed"),
      help: "The seed of random tensors and network weights (default: the notebook's seed parameter, else 0).")
    var seedOption: UInt64?

    @Option(help: "Runs the points of sweeps in this many worker processes (1: in this process).")
    var jobs: Int = 1

    @Flag(help: "Runs every cell and recomputes every run of every sweep instead of reusing them from the cache.")
    var fresh = false

    @Flag(help: "Runs the notebook, then again on every save, and serves its report on 127.0.0.1; the page reloads itself after each run. Ctrl-C stops.")
    var watch = false

    @Option(help: ArgumentHelp("The port of --watch's report server (default: a free port).", valueName: "n"))
    var port: Int?

    /// Worker mode (started by `--jobs N`): the sweep to run, its points and the spooled notebook.
    @Option(name: .customLong("sweep-worker"), help: .hidden)
    var sweepWorker: String?
    @Option(name: .customLong("sweep-points"), help: .hidden)
    var sweepPoints: String?
    @Option(name: .customLong("sweep-source"), help: .hidden)
    var sweepSource: String?

    @OptionGroup(title: "Slurm")
    var slurmArguments: SlurmArguments

    func validate() throws {
      guard (1...256).contains(jobs) else { throw ValidationError("--jobs expects a number from 1 to 256, got \(jobs)") }
      if (sweepWorker == nil) != (sweepPoints == nil) || (sweepWorker == nil) != (sweepSource == nil) {
        throw ValidationError("--sweep-worker, --sweep-points and --sweep-source go together")
      }
      try validateWatch()
    }

    /// The seed a plain script runs with.
    var seed: UInt64 { seedOption ?? 0 }

    @Option(help: "Threads for tensor work (default: PGS_THREADS, else every core); results are identical for a given count.")
    var threads: Int?

    func run() throws {
      EngineThreads.configure(threads)
      if let sweepWorker, let sweepPoints, let sweepSource {
        return try runWorker(sweep: sweepWorker, points: sweepPoints, source: sweepSource)
      }
      let source = try ScriptSource.load(file)
      RunSignals.install()
      let notebook = Notebook(path: source.path, text: source.text)
      let asNotebook = watch || out != nil || !parameters.isEmpty || slurmArguments.slurm
        || (file != "-" && notebook.hasCellMarkers)
      guard asNotebook else {
        let seed = self.seed
        let allowed = allowWrite
        let status = Interpreter.onLargeStack {
          ScriptRunner.run(source, seed: seed, output: StandardOutput(), allowedWrites: allowed)
        }
        if status != .ok { throw ExitCode(status.rawValue) }
        return
      }
      try runNotebook(notebook)
    }

    func runNotebook(_ notebook: Notebook) throws {
      if file == "-" && out == nil {
        throw ValidationError("a notebook read from standard input needs --out DIR for its report")
      }
      if watch { return try watchNotebook(notebook.path) }
      let overrides = try resolvedOverrides(notebook)
      let (result, slurm, outputFolder) = try executeNotebook(notebook, overrides: overrides)
      if reportSubmissions(slurm, outputFolder: outputFolder) { return }
      StandardError.write(result.errorText)
      if let index = result.indexPath { print(index) }
      if result.exitStatus != .ok { throw ExitCode(result.exitStatus.rawValue) }
    }

    /// Runs the notebook once into its output folder and writes its report: the one way every
    /// run goes, that of `pgs run` and each run of `pgs run --watch`.
    /// - Parameter cache: where cells are reused from and kept; nil: the disk cache beside the
    ///   output folder (`--watch` keeps its own in memory).
    func executeNotebook(
      _ notebook: Notebook, overrides: [(name: String, value: ParameterValue)],
      cache: (any CellCache)? = nil
    ) throws -> (result: NotebookJob.Result, slurm: SlurmSweepSettings?, outputFolder: String) {
      let progress = ProgressDisplay(isTerminal: isatty(2) != 0, write: StandardError.write)
      var runner = NotebookRunner(
        seed: seedOption, overrides: overrides,
        toolVersion: PGSCommand.configuration.version, progress: progress)
      runner.interruption = { RunSignals.name }
      let job = NotebookJob(notebook: notebook, outputFolder: out, allowedWrites: allowWrite, runner: runner)
      runner.sweepOptions = SweepOptions(
        jobs: jobs, fresh: fresh, launcher: workerLauncher(outputFolder: job.outputFolder))
      runner.sweepOptions.slurm = try slurmSettings(notebook, outputFolder: job.outputFolder)
      if runner.sweepOptions.slurm == nil {
        runner.reuse = CellReuseOptions(
          cache: cache ?? DiskCellCache(outputFolder: job.outputFolder), fresh: fresh)
      }
      var configured = job
      configured.runner = runner
      let result = configured.execute()
      for note in result.outcome?.cacheNotes ?? [] { StandardError.write(note + "\n") }
      return (result, runner.sweepOptions.slurm, job.outputFolder)
    }

    /// The `-p` values checked against the parameters cell, and against `--seed`.
    func resolvedOverrides(_ notebook: Notebook) throws -> [(name: String, value: ParameterValue)] {
      switch checkedOverrides(notebook) {
      case .success(let overrides):
        return overrides
      case .failure(let error):
        StandardError.write(error.text)
        throw ExitCode(ExitStatus.usage.rawValue)
      }
    }

    /// The `-p` values checked against the parameters cell, and against `--seed`; or the usage
    /// error as standard error shows it.
    func checkedOverrides(_ notebook: Notebook) -> Result<[(name: String, value: ParameterValue)], UsageMessage> {
      let overrides: [(name: String, value: ParameterValue)]
      do throws(ParameterError) {
        let assignments = try parameters.map { (text) throws(ParameterError) in try ParameterAssignment(parsing: text) }
        let declarations = notebook.parametersCellIndex.map {
          NotebookParameters.declarations(in: notebook.sourceFile(ofCell: $0))
        }
        overrides = try NotebookParameters.resolve(assignments, declarations: declarations)
      } catch {
        return .failure(UsageMessage(text: "error: \(error)\n"))
      }
      if let seed = seedOption, let given = overrides.first(where: { $0.name == "seed" }), given.value != .number(Double(seed)) {
        return .failure(
          UsageMessage(text: "error: --seed \(seed) and -p seed=\(given.value.sourceText) disagree; give the seed once\n"))
      }
      return .success(overrides)
    }
  }
}

/// A usage error found after the arguments were parsed, as standard error shows it.
struct UsageMessage: Error {
  var text: String
}

/// Loads a script from a path or from standard input.
enum ScriptSource {
  static func load(_ path: String) throws -> SourceFile {
    if path == "-" {
      let data = FileHandle.standardInput.readDataToEndOfFile()
      return try text(data, path: "<stdin>")
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw ValidationError("cannot read '\(path)': it is a folder; give a .pgs script")
    }
    // FileHandle also reads pipes and process substitutions (/dev/fd/N).
    guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data() else {
      throw ValidationError("cannot read '\(path)': no such file or not readable")
    }
    return try text(data, path: path)
  }

  /// The script's text; a file holding a NUL byte is refused as one error, since it is no text.
  static func text(_ data: Data, path: String) throws -> SourceFile {
    if let offset = data.firstIndex(of: 0) {
      throw ValidationError("'\(path)' is not a text file: NUL byte at offset \(offset - data.startIndex)")
    }
    return SourceFile(path: path, text: String(decoding: data, as: UTF8.self))
  }
}

/// Writes outputs to standard output as text; warnings go to standard error.
final class StandardOutput: OutputSink {
  func emit(_ event: OutputEvent) {
    if case .warning = event {
      fflush(nil)  // the text printed so far comes first
      StandardError.write(OutputText.render(event))
    } else {
      print(OutputText.render(event), terminator: "")
    }
  }
}

enum StandardError {
  static func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}

/// Checks, then runs, one script through a ``Session``; reports errors on standard error.
enum ScriptRunner {
  /// - Returns: ``ExitStatus/ok``, ``ExitStatus/invalidScript``, ``ExitStatus/runtimeError``
  ///   or ``ExitStatus/interrupted`` (SIGINT or SIGTERM, see `RunSignals`, stops the script at
  ///   its next safe point).
  static func run(_ source: SourceFile, seed: UInt64, output: OutputSink, allowedWrites: [String] = []) -> ExitStatus {
    let session = Session {
      let interpreter = Interpreter(output: output, seed: seed)
      interpreter.files = ScriptFileAccess.confinedToWorkingDirectory(allowing: allowedWrites)
      interpreter.progress = ProgressDisplay(isTerminal: isatty(2) != 0, write: StandardError.write)
      interpreter.stops.check = { RunSignals.received }
      return interpreter
    }
    let result = session.execute(source)
    if result.status == .interrupted, let error = result.error, let signal = RunSignals.name {
      var interrupted = error
      interrupted.message = "interrupted by \(signal)"
      StandardError.write(interrupted.rendered(showsSource: false))
    } else {
      StandardError.write(result.errorText)
    }
    return result.status
  }
}
