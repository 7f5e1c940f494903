/// The few things `pgs` asks of a Slurm cluster: submit a batch script, list an array's queued
/// tasks (`squeue`), and read tasks' final states (`scontrol show job`, which keeps ended jobs for
/// `MinJobAge` seconds). No accounting database (`sacct`) is needed.
package struct SlurmCluster: Sendable {
  package var commands: any SlurmCommands

  package init(commands: any SlurmCommands = ProcessSlurmCommands()) {
    self.commands = commands
  }

  /// Submits a batch script.
  /// - Returns: the job id.
  /// - Throws: `commandMissing` without `sbatch`, `submissionRefused` when the cluster says no.
  package func submit(script path: String) throws(SlurmError) -> String {
    let result = try commands.run("sbatch", ["--parsable", path])
    guard result.status == 0 else { throw .submissionRefused(result.message) }
    guard let id = SlurmOutputParser.submittedJobID(result.output) else {
      throw .submissionRefused("sbatch printed no job id (\(result.message))")
    }
    return id
  }

  /// The array's tasks that are still queued or running; empty once the array has left the queue.
  package func queuedTasks(of jobID: String) throws(SlurmError) -> [SlurmTaskState] {
    let result = try commands.run(
      "squeue", ["--noheader", "--array", "--jobs=\(jobID)", "--format=\(SlurmOutputParser.queueFormat)"])
    if result.status != 0 {
      if Self.isUnknownJob(result) { return [] }
      throw .queryFailed(command: "squeue", message: result.message)
    }
    return SlurmOutputParser.parseQueue(result.output).filter { $0.arrayJobID == jobID }
  }

  /// What `scontrol` still knows of the array's tasks, by index; empty when it forgot the job.
  package func taskRecords(of jobID: String) throws(SlurmError) -> [Int: SlurmTaskState] {
    let result = try commands.run("scontrol", ["--oneliner", "show", "job", jobID])
    if result.status != 0 {
      if Self.isUnknownJob(result) { return [:] }
      throw .queryFailed(command: "scontrol", message: result.message)
    }
    var records: [Int: SlurmTaskState] = [:]
    for task in SlurmOutputParser.parseJobRecords(result.output) where task.arrayJobID == jobID {
      records[task.index] = task
    }
    return records
  }

  /// Cancels the array's tasks with these indices (all of them when nil).
  package func cancel(_ jobID: String, indices: [Int]? = nil) throws(SlurmError) {
    let target = indices.map { "\(jobID)_[\(SlurmBatchScript.arraySpec($0))]" } ?? jobID
    let result = try commands.run("scancel", [target])
    if result.status != 0 && !Self.isUnknownJob(result) {
      throw .queryFailed(command: "scancel", message: result.message)
    }
  }

  /// `Invalid job id specified`: the job ended long enough ago that the controller forgot it.
  static func isUnknownJob(_ result: SlurmCommandResult) -> Bool {
    (result.errorOutput + result.output).contains("Invalid job id")
  }
}
