/// How `pgs run --slurm` submits a sweep's points: the `sbatch` settings of its job array.
package struct SlurmOptions: Codable, Equatable, Sendable {
  /// `--partition`; nil leaves the cluster's default partition.
  package var partition: String?
  /// `--time`, a Slurm time limit such as `10`, `1:30:00` or `1-00:00:00`; nil leaves the
  /// partition's default.
  package var time: String?
  /// `--cpus-per-task`; nil leaves Slurm's default (one).
  package var cpusPerTask: Int?
  /// At most this many array tasks run at once (`--array=...%K`).
  package var maxParallel: Int?
  /// Further `sbatch` options, each written as one `#SBATCH` line (e.g. `--mem=2G`).
  package var extraArguments: [String]
  /// Whether the run waits for the array (true) or submits it and stops (`--no-wait`).
  package var wait: Bool

  package init(
    partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil,
    maxParallel: Int? = nil, extraArguments: [String] = [], wait: Bool = true
  ) {
    self.partition = partition
    self.time = time
    self.cpusPerTask = cpusPerTask
    self.maxParallel = maxParallel
    self.extraArguments = extraArguments
    self.wait = wait
  }

  /// Checks what `sbatch` would otherwise refuse later, or what would break the script.
  /// - Returns: a message for the first problem, or nil.
  package func problem() -> String? {
    if let cpusPerTask, cpusPerTask < 1 { return "--cpus-per-task must be at least 1, got \(cpusPerTask)" }
    if let maxParallel, maxParallel < 1 { return "--max-parallel must be at least 1, got \(maxParallel)" }
    for (name, value) in [("--partition", partition), ("--time", time)] {
      guard let value else { continue }
      if value.isEmpty || value.contains(where: { $0.isWhitespace }) {
        return "\(name) expects one word, got '\(value)'"
      }
    }
    for argument in extraArguments {
      if !argument.hasPrefix("-") {
        return "--sbatch-arg expects an sbatch option such as --mem=2G, got '\(argument)'"
      }
      if argument.contains(where: \.isNewline) {
        return "--sbatch-arg must be one line, got '\(argument)'"
      }
    }
    return nil
  }
}
