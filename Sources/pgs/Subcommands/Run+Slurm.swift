import ArgumentParser
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
      ].filter(\.1).map(\.0)
      if let first = given.first { throw ValidationError("\(first) needs --slurm") }
      return
    }
    if let problem = options?.problem() { throw ValidationError(problem) }
  }
}
