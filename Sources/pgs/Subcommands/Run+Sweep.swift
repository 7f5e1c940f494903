import ArgumentParser
import Foundation
import ProxyGradNN
import ProxyGradNotebook
import ProxyGradSession

extension PGSCommand.Run {
  /// How `--jobs N` starts a worker: this executable, `run` with the same file, output folder,
  /// parameters, seed and write permissions, plus the hidden worker options.
  func workerLauncher(outputFolder: String) -> SweepWorkerLauncher {
    let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
    var shared = ["--out", outputFolder]
    for parameter in parameters { shared += ["-p", parameter] }
    if let seedOption { shared += ["--seed", String(seedOption)] }
    for path in allowWrite { shared += ["--allow-write", path] }
    // Workers share the cores: each gets its part of the parent's threads. The engine's results
    // do not depend on the thread count, so the runs are the ones --jobs 1 computes.
    shared += ["--threads", String(max(1, Parallel.threads / max(1, jobs)))]
    let file = self.file
    let common = shared
    return SweepWorkerLauncher { task, source in
      [executable, "run", file] + common + [
        "--sweep-worker", task.sweep, "--sweep-points", task.pointList, "--sweep-source", source,
      ]
    }
  }

  /// Worker mode: runs the notebook (as spooled by the parent) up to the sweep `sweep`, runs
  /// the points `points` of it, stores each finished run in the cache, and stops. Writes no
  /// report; files the code before the sweep saves go to a scratch folder and are dropped.
  func runWorker(sweep: String, points: String, source: String) throws {
    guard let task = SweepWorkerTask(sweep: sweep, pointList: points) else {
      throw ValidationError("--sweep-points expects point numbers such as 0,2,4, got '\(points)'")
    }
    guard let data = FileManager.default.contents(atPath: source) else {
      throw ValidationError("cannot read '\(source)'")
    }
    let notebook = Notebook(path: file == "-" ? "<stdin>" : file, text: String(decoding: data, as: UTF8.self))
    let overrides = try resolvedOverrides(notebook)
    let target = out ?? NotebookJob.defaultOutputFolder(forScript: notebook.path)
    let cache = SweepCache(outputFolder: target)
    let scratch = cache.folder + "/jobs/\(FileSystem.processTag)"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    var runner = NotebookRunner(
      seed: seedOption, overrides: overrides, toolVersion: PGSCommand.configuration.version)
    runner.files = NotebookFileAccess(
      confinement: WriteConfinement(
        outputFolder: target, stagingFolder: scratch + "/prelude", allowedPaths: allowWrite,
        reservedNames: NotebookReport.reservedNames(
          notebookName: NotebookRun(scriptPath: notebook.path, scriptSHA256: "", toolVersion: "", cells: []).name)))
    runner.outputFolder = target
    runner.sweepOptions = SweepOptions(cache: cache, task: task)
    // A worker's stderr is its log (a Slurm task's log, or worker-K.log with --jobs): plain lines.
    runner.progress = ProgressDisplay(isTerminal: false, write: StandardError.write)
    let outcome = runner.run(notebook)
    guard outcome.sweepWorkerFinished else {
      StandardError.write(outcome.errorText ?? "error: the notebook ended before the sweep '\(sweep)'\n")
      throw ExitCode((outcome.exitStatus == .ok ? ExitStatus.runtimeError : outcome.exitStatus).rawValue)
    }
  }
}
