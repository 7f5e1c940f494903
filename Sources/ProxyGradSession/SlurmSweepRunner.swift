import Foundation
import ProxyGradNotebook
import ProxyGradRuntime

/// How a notebook run hands its sweeps to Slurm (`pgs run --slurm`, `pgs collect`).
package struct SlurmSweepSettings: Sendable {
  package var options: SlurmOptions
  package var mode: SlurmArrayDriver.Mode
  package var cluster: SlurmCluster
  /// The folder the tasks start in (`--chdir`): where `pgs run` ran, so relative paths agree.
  package var workingDirectory: String
  /// Seconds between two `squeue` polls.
  package var pollInterval: Double
  /// The tensor engine's thread count in this process: tasks use the same (results are
  /// identical for a given count, and nodes may have other core counts). Nil leaves the worker's
  /// command as it is.
  package var threads: Int?
  /// The command that submits missing points, for the message when `pgs collect` finds some.
  package var rerunCommand: String?
  /// What was submitted, for the command line to report.
  package let submissions: SlurmSubmissions

  package init(
    options: SlurmOptions, mode: SlurmArrayDriver.Mode, cluster: SlurmCluster = SlurmCluster(),
    workingDirectory: String = FileManager.default.currentDirectoryPath, pollInterval: Double = 1,
    submissions: SlurmSubmissions = SlurmSubmissions()
  ) {
    self.options = options
    self.mode = mode
    self.cluster = cluster
    self.workingDirectory = workingDirectory
    self.pollInterval = pollInterval
    self.submissions = submissions
  }
}

/// Arrays submitted and not waited for (`--no-wait`), collected while the notebook runs.
package final class SlurmSubmissions: @unchecked Sendable {
  /// One array: its sweep, job id, points and script.
  package struct Entry: Equatable, Sendable {
    package var sweep: String
    package var jobID: String
    package var points: Int
    package var scriptPath: String
    /// False when the array was submitted by an earlier run and is still queued.
    package var isNew: Bool
  }

  private let lock = NSLock()
  private var list: [Entry] = []

  package init() {}

  package var entries: [Entry] { lock.withLock { list } }

  func append(_ entry: Entry) { lock.withLock { list.append(entry) } }
}

/// Runs the unfinished points of one sweep as a Slurm job array, for `NotebookSweepHost`. Each
/// array task is a sweep worker process (`pgs run ... --sweep-worker NAME --sweep-points INDEX`)
/// that stores its run in the cache, like a `--jobs N` worker; the host then reads every run
/// from the cache as usual, so the files are those of a local run.
///
/// Its files live in the cache, beside the runs, where tasks can write while the output folder
/// is staged: `NAME.out.cache/slurm/SWEEP/` holds `notebook.pgs` (the notebook as submitted),
/// `sweep.sbatch`, `job.json` and `logs/`. The report gets copies of the script and the job
/// record under `sweeps/SWEEP/slurm/`.
struct SlurmSweepRunner {
  var settings: SlurmSweepSettings
  var cache: SweepCache
  var launcher: SweepWorkerLauncher
  var notebook: Notebook
  var write: ((ReportFile) throws(NotebookError) -> Void)?
  var progress: ProgressSink?

  /// The Slurm folder of a sweep in the cache.
  /// Absolute, so that the script's log paths and messages do not depend on a folder.
  static func folder(cache: SweepCache, sweep: String) -> String {
    let folder = cache.folder + "/slurm/" + sweep
    return folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder
  }

  /// Gets every point of the sweep into the cache through Slurm, or throws why not. When every
  /// point is cached already, only copies the last script and job record into the report.
  /// - Parameters:
  ///   - progressed: receives the number of finished points.
  func run(
    _ sweep: SweepExecution, name: String, keys: [String], interpreter: Interpreter,
    progressed: (Int) -> Void
  ) throws(RuntimeError) {
    let folder = Self.folder(cache: cache, sweep: name)
    let source = folder + "/notebook.pgs"
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      if FileManager.default.contents(atPath: source) != Data(notebook.text.utf8) {
        try Data(notebook.text.utf8).write(to: URL(fileURLWithPath: source), options: .atomic)
      }
    } catch {
      throw RuntimeError(.io, "sweep \(name): cannot write \(source): \(error.localizedDescription)", at: sweep.span)
    }
    let command = Self.taskCommand(
      launcher.command(SweepWorkerTask(sweep: name, points: [0]), source), threads: settings.threads)
    let total = keys.count
    let settings = self.settings
    let notebookName = NotebookRun(scriptPath: notebook.path, scriptSHA256: "", toolVersion: "", cells: []).name
    let progress = self.progress
    let makeScript: ([Int]) -> SlurmBatchScript = { indices in
      SlurmBatchScript(
        jobName: "pgs-\(notebookName)-\(name)", indices: indices, options: settings.options,
        logFolder: folder + "/logs", workingDirectory: settings.workingDirectory, command: command,
        pointLabels: Dictionary(uniqueKeysWithValues: indices.map { ($0, sweep.label(of: $0)) }),
        description: ["Sweep '\(name)' of \(notebook.path), written by pgs run --slurm."])
    }
    let isFinished: (Int) -> Bool = { [cache] in cache.contains(sweep: name, key: keys[$0]) }
    var driver = SlurmArrayDriver(
      cluster: settings.cluster, folder: folder, total: total, makeScript: makeScript, isFinished: isFinished)
    // Every run is cached: nothing to ask Slurm (which may not even be here).
    guard !driver.missing().isEmpty else {
      copyIntoReport(driver, name: name)
      return
    }
    driver.pollInterval = settings.pollInterval
    driver.isInterrupted = { interpreter.stops.isRequested }
    let outcome: SlurmArrayOutcome
    do throws(SlurmError) {
      outcome = try withoutActuallyEscaping(progressed) { (progressed) throws(SlurmError) in
        var running = driver
        running.progress = { done, detail in
          progressed(done)
          progress?.update(completed: done, detail: detail)
        }
        return try running.run(settings.mode)
      }
    } catch {
      throw RuntimeError(.unsupported, "sweep \(name): \(error)", at: sweep.span)
    }
    copyIntoReport(driver, name: name)
    switch outcome {
    case .finished:
      progressed(total)
    case .submitted(let jobID, let indices, let isNew):
      settings.submissions.append(
        .init(sweep: name, jobID: jobID, points: indices.count, scriptPath: driver.scriptPath, isNew: isNew))
      throw RuntimeError(
        .stopped,
        "sweep \(name): \(indices.count) of \(total) points \(isNew ? "submitted" : "already queued") as Slurm job \(jobID); "
          + "'pgs collect' finishes the report when it has run",
        at: sweep.span)
    case .interrupted(let jobID):
      throw RuntimeError(
        .interrupted, "interrupted; Slurm job \(jobID) goes on, and running the notebook again waits for it",
        at: sweep.span)
    case .incomplete:
      let rerun = settings.mode == .collect
        ? "run '\(settings.rerunCommand ?? "pgs run NOTEBOOK --slurm")' to submit only these points"
        : "rerun the same command to submit only these points"
      throw RuntimeError(
        .unsupported, outcome.failureText(sweep: name, total: total, rerun: rerun) ?? "sweep \(name): points are missing",
        at: sweep.span)
    }
  }

  /// The worker's command with its point list replaced by the array task id, and `--threads`
  /// added when the command does not set it.
  static func taskCommand(_ words: [String], threads: Int? = nil) -> [SlurmBatchScript.Word] {
    var words = words
    if let threads, !words.contains(where: { $0 == "--threads" || $0.hasPrefix("--threads=") }),
      let worker = words.firstIndex(of: "--sweep-worker")
    {
      words.insert(contentsOf: ["--threads", String(threads)], at: worker)
    }
    var result: [SlurmBatchScript.Word] = []
    var replaceNext = false
    for word in words {
      if replaceNext {
        result.append(.taskIndex)
        replaceNext = false
        continue
      }
      result.append(.literal(word))
      if word == "--sweep-points" { replaceNext = true }
    }
    return result
  }

  /// Copies the batch script and job record into the report's `sweeps/NAME/slurm/`.
  func copyIntoReport(_ driver: SlurmArrayDriver, name: String) {
    guard let write else { return }
    for (path, file) in [(driver.scriptPath, "sweep.sbatch"), (driver.recordPath, "job.json")] {
      guard let data = FileManager.default.contents(atPath: path) else { continue }
      try? write(ReportFile(path: "sweeps/\(name)/slurm/\(file)", bytes: [UInt8](data)))
    }
  }
}
