import Foundation

/// The `sbatch` script of one sweep's job array: one array task per sweep point, the array task id
/// being the point's index in the sweep. The script is written into the output folder so that a
/// user can read it and resubmit it by hand (`sbatch FILE`); the task command skips points that
/// already finished, so resubmitting it whole only repeats cheap checks.
package struct SlurmBatchScript: Equatable, Sendable {
  /// One word of the task's command line.
  package enum Word: Equatable, Sendable {
    /// Written single-quoted, as is.
    case literal(String)
    /// The array task id, i.e. the index of the point the task runs.
    case taskIndex
  }

  /// `--job-name`.
  package var jobName: String
  /// The points to run (array task ids), in any order.
  package var indices: [Int]
  package var options: SlurmOptions
  /// The folder of the tasks' log files; Slurm does not create it, the submitter does.
  package var logFolder: String
  /// The tasks' working directory (`--chdir`).
  package var workingDirectory: String
  /// The command each task runs (`exec`uted, so Slurm signals reach `pgs`).
  package var command: [Word]
  /// A line per point for the script's header, e.g. `slope=0.1 seed=2`; optional.
  package var pointLabels: [Int: String]
  /// The first lines of the header comment, e.g. which notebook and sweep the array runs.
  package var description: [String]

  package init(
    jobName: String, indices: [Int], options: SlurmOptions, logFolder: String,
    workingDirectory: String, command: [Word], pointLabels: [Int: String] = [:],
    description: [String] = []
  ) {
    self.jobName = jobName
    self.indices = indices
    self.options = options
    self.logFolder = logFolder
    self.workingDirectory = workingDirectory
    self.command = command
    self.pointLabels = pointLabels
    self.description = description
  }

  /// The log file of one task, as Slurm names it (`%A_%a.log`).
  package func logPath(jobID: String, index: Int) -> String {
    "\(logFolder)/\(jobID)_\(index).log"
  }

  /// The script's text.
  package var text: String {
    var lines = ["#!/bin/bash"]
    lines += description.map { "# " + $0 }
    lines.append("# One array task per sweep point; the task id is the point's index.")
    lines.append("# Resubmitting is safe: a task whose point already finished does nothing.")
    for index in indices.sorted() {
      if let label = pointLabels[index] { lines.append("#   task \(index): \(label)") }
    }
    lines.append("#SBATCH --job-name=\(jobName)")
    lines.append("#SBATCH --array=\(Self.arraySpec(indices, maxParallel: options.maxParallel))")
    lines.append("#SBATCH --output=" + Self.directiveValue(logFolder + "/%A_%a.log"))
    lines.append("#SBATCH --chdir=" + Self.directiveValue(workingDirectory))
    if let partition = options.partition { lines.append("#SBATCH --partition=\(partition)") }
    if let time = options.time { lines.append("#SBATCH --time=\(time)") }
    if let cpus = options.cpusPerTask { lines.append("#SBATCH --cpus-per-task=\(cpus)") }
    lines += options.extraArguments.map { "#SBATCH " + $0 }
    lines.append("set -eu")
    let words = command.map { word in
      switch word {
      case .literal(let text): return Self.quoted(text)
      case .taskIndex: return "\"$SLURM_ARRAY_TASK_ID\""
      }
    }
    lines.append("exec " + words.joined(separator: " "))
    return lines.joined(separator: "\n") + "\n"
  }

  /// `--array` for these indices: sorted, runs of consecutive indices as ranges, and `%K` when
  /// at most K may run at once, e.g. `0-3,5,8-9%2`.
  package static func arraySpec(_ indices: [Int], maxParallel: Int? = nil) -> String {
    let sorted = Array(Set(indices)).sorted()
    var parts: [String] = []
    var start = 0
    while start < sorted.count {
      var end = start
      while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
      parts.append(end == start ? "\(sorted[start])" : "\(sorted[start])-\(sorted[end])")
      start = end + 1
    }
    return parts.joined(separator: ",") + (maxParallel.map { "%\($0)" } ?? "")
  }

  /// A value on an `#SBATCH` line: double-quoted when it holds spaces (sbatch reads quotes there).
  static func directiveValue(_ value: String) -> String {
    value.contains(where: \.isWhitespace) ? "\"" + value + "\"" : value
  }

  /// A word for `bash`: single-quoted unless it is plainly safe.
  package static func quoted(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
