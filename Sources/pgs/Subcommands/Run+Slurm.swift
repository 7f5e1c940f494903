import ArgumentParser
import Foundation
import ProxyGradNotebook
import ProxyGradSession

/// `pgs run --slurm ...`: the options that hand each sweep's points to Slurm as a job array.
struct SlurmArguments: ParsableArguments {
  @Flag(
    help: ArgumentHelp(
      "Runs each sweep's points as a Slurm job array (one task per point) and collects the results; the output folder must be on a filesystem the cluster's nodes share. See docs/slurm.md."
    ))
  var slurm = false

  @Option(help: ArgumentHelp("The Slurm partition of the array (default: the cluster's default).", valueName: "name"))
  var partition: String?

  @Option(help: ArgumentHelp("The time limit of each array task, in Slurm's format (e.g. 30, 2:00:00).", valueName: "limit"))
  var time: String?

  @Option(name: .customLong("cpus-per-task"), help: ArgumentHelp("The CPUs of each array task.", valueName: "n"))
  var cpusPerTask: Int?

  @Option(name: .customLong("max-parallel"), help: ArgumentHelp("Runs at most this many array tasks at once.", valueName: "k"))
  var maxParallel: Int?

  @Option(
    name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
    help: ArgumentHelp("Adds an sbatch option to the array's script (e.g. --sbatch-arg --mem=2G). Repeat for several.", valueName: "arg"))
  var sbatchArguments: [String] = []

  @Flag(
    name: .customLong("no-wait"),
    help: "With --slurm: submits the first sweep's array, prints its job id and stops; 'pgs collect OUT' finishes the report later.")
  var noWait = false

  /// `pgs collect` runs the notebook with this: submit nothing, wait for arrays still queued.
  @Flag(name: .customLong("slurm-collect"), help: .hidden)
  var collect = false

  /// The Slurm settings when `--slurm` was given.
  var options: SlurmOptions? {
    guard slurm else { return nil }
    return SlurmOptions(
      partition: partition, time: time, cpusPerTask: cpusPerTask, maxParallel: maxParallel,
      extraArguments: sbatchArguments, wait: !noWait)
  }

  func validate() throws {
    if !slurm {
      let given = [
        ("--partition", partition != nil), ("--time", time != nil), ("--cpus-per-task", cpusPerTask != nil),
        ("--max-parallel", maxParallel != nil), ("--sbatch-arg", !sbatchArguments.isEmpty), ("--no-wait", noWait),
        ("--slurm-collect", collect),
      ].filter(\.1).map(\.0)
      if let first = given.first { throw ValidationError("\(first) needs --slurm") }
      return
    }
    if let problem = options?.problem() { throw ValidationError(problem) }
  }
}

extension PGSCommand.Run {
  /// The sweeps' Slurm settings under `--slurm`, else nil. Saves how the notebook was run in
  /// its cache folder, for `pgs collect`.
  func slurmSettings(_ notebook: Notebook, outputFolder: String) throws -> SlurmSweepSettings? {
    guard let options = slurmArguments.options else { return nil }
    if jobs != 1 {
      throw ValidationError("--jobs and --slurm do not go together: with --slurm, Slurm runs the points")
    }
    let mode: SlurmArrayDriver.Mode =
      slurmArguments.collect ? .collect : options.wait ? .submitAndWait : .submitOnly
    let workingDirectory = FileManager.default.currentDirectoryPath
    if mode != .collect {
      let invocation = SlurmInvocation(
        scriptPath: notebook.path, scriptText: notebook.text, outputFolder: outputFolder,
        parameters: parameters, seed: seedOption, allowedWrites: allowWrite,
        workingDirectory: workingDirectory, options: options)
      do {
        try invocation.save(cacheFolder: SweepCache(outputFolder: outputFolder).folder)
      } catch {
        StandardError.write("error: cannot write the Slurm bookkeeping beside \(outputFolder): \(error.localizedDescription)\n")
        throw ExitCode(ExitStatus.cannotCreate.rawValue)
      }
    }
    let poll = ProcessInfo.processInfo.environment["PGS_SLURM_POLL_SECONDS"].flatMap(Double.init) ?? 1
    var settings = SlurmSweepSettings(
      options: options, mode: mode, workingDirectory: workingDirectory, pollInterval: max(0.05, poll))
    settings.rerunCommand = submitCommand(outputFolder: outputFolder)
    return settings
  }

  /// `pgs run NB [-p ...] --slurm [options] --out OUT`: this run, submitting.
  func submitCommand(outputFolder: String) -> String {
    var words = ["pgs", "run", file]
    for parameter in parameters { words += ["-p", parameter] }
    if let seedOption { words += ["--seed", String(seedOption)] }
    words.append("--slurm")
    if let partition = slurmArguments.partition { words += ["--partition", partition] }
    if let time = slurmArguments.time { words += ["--time", time] }
    if let cpus = slurmArguments.cpusPerTask { words += ["--cpus-per-task", String(cpus)] }
    if let parallel = slurmArguments.maxParallel { words += ["--max-parallel", String(parallel)] }
    for argument in slurmArguments.sbatchArguments { words.append("--sbatch-arg=" + argument) }
    words += ["--out", outputFolder]
    return words.map(SlurmBatchScript.quoted).joined(separator: " ")
  }

  /// After `--no-wait`: prints the job that was submitted and how to finish the report.
  /// - Returns: whether the run ended with a submission (and so succeeded).
  func reportSubmissions(_ settings: SlurmSweepSettings?, outputFolder: String) -> Bool {
    guard let settings, settings.mode == .submitOnly, let entry = settings.submissions.entries.first else {
      return false
    }
    let what = entry.isNew ? "submitted" : "still queued from an earlier run:"
    print("\(what) job \(entry.jobID): \(entry.points) points of sweep '\(entry.sweep)' (\(entry.scriptPath))")
    print("when it has run: pgs collect \(SlurmBatchScript.quoted(outputFolder))")
    return true
  }
}
