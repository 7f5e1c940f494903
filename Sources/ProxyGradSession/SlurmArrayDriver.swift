import Foundation

/// Runs a sweep's unfinished points as one Slurm job array and waits for it, knowing nothing of
/// notebooks: a point is finished when `isFinished(index)` says so (its run folder exists), and
/// the batch script for a list of indices comes from `makeScript`.
///
/// Files, all in `folder` (the sweep's `slurm/` folder on the shared filesystem):
/// `sweep.sbatch` (the last script submitted), `job.json` (its job id, see `SlurmJobRecord`) and
/// `logs/JOB_INDEX.log` (each task's output).
///
/// Points that finished are never submitted again. When the last submitted array is still queued
/// or running, the driver waits for it instead of submitting the same points twice. Tasks that
/// ended without a run folder are reported with their Slurm state and log file; the next run
/// submits only them.
package struct SlurmArrayDriver {
  /// What to do.
  package enum Mode: Equatable, Sendable {
    /// Submit what is missing and wait for it (`pgs run --slurm`).
    case submitAndWait
    /// Submit what is missing and return (`pgs run --slurm --no-wait`).
    case submitOnly
    /// Submit nothing; wait for an array still running, then report (`pgs collect`).
    case collect
  }

  package var cluster: SlurmCluster
  package var folder: String
  package var total: Int
  package var makeScript: ([Int]) -> SlurmBatchScript
  package var isFinished: (Int) -> Bool
  /// Seconds between two `squeue` polls.
  package var pollInterval: Double = 1
  /// Polls in a row that may fail (a busy controller times out) before waiting gives up.
  package var toleratedQueryFailures = 10
  package var sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
  /// Checked between polls: when it turns true, the driver stops waiting (the array keeps running;
  /// the next run waits for it again).
  package var isInterrupted: () -> Bool = { false }
  /// Called with the number of finished points and a line on the array's tasks.
  package var progress: (Int, String) -> Void = { _, _ in }

  package init(
    cluster: SlurmCluster, folder: String, total: Int,
    makeScript: @escaping ([Int]) -> SlurmBatchScript, isFinished: @escaping (Int) -> Bool
  ) {
    self.cluster = cluster
    self.folder = folder
    self.total = total
    self.makeScript = makeScript
    self.isFinished = isFinished
  }

  package var scriptPath: String { folder + "/sweep.sbatch" }
  package var recordPath: String { folder + "/job.json" }
  package var logFolder: String { folder + "/logs" }

  /// The indices of the points without a run folder.
  package func missing() -> [Int] {
    (0..<total).filter { !isFinished($0) }
  }

  /// Submits what is missing (unless collecting), waits unless told not to, and says how it went.
  package func run(_ mode: Mode) throws(SlurmError) -> SlurmArrayOutcome {
    let previous = SlurmJobRecord.load(from: recordPath)
    if let previous, try !cluster.queuedTasks(of: previous.jobID).isEmpty {
      if mode == .submitOnly {
        return .submitted(jobID: previous.jobID, indices: previous.indices, isNew: false)
      }
      return try wait(for: previous)
    }
    let missing = self.missing()
    if missing.isEmpty { return .finished(jobID: previous?.jobID) }
    if mode == .collect {
      return .incomplete(jobID: previous?.jobID, failures: try failures(missing, of: previous))
    }
    let record = try submit(missing)
    if mode == .submitOnly { return .submitted(jobID: record.jobID, indices: missing, isNew: true) }
    return try wait(for: record)
  }

  /// Writes the batch script for `indices`, submits it and records the job.
  func submit(_ indices: [Int]) throws(SlurmError) -> SlurmJobRecord {
    let script = makeScript(indices)
    do {
      try FileManager.default.createDirectory(atPath: script.logFolder, withIntermediateDirectories: true)
      try Data(script.text.utf8).write(to: URL(fileURLWithPath: scriptPath), options: .atomic)
    } catch {
      throw .submissionRefused("cannot write \(scriptPath): \(error.localizedDescription)")
    }
    let jobID = try cluster.submit(script: scriptPath)
    let record = SlurmJobRecord(
      jobID: jobID, indices: indices.sorted(), scriptPath: scriptPath, logFolder: script.logFolder)
    // Without the record a rerun would submit the running points again; say so, but the job runs.
    do { try record.save(to: recordPath) } catch {
      throw .submissionRefused("submitted job \(jobID), but cannot write \(recordPath): \(error.localizedDescription); cancel it with 'scancel \(jobID)'")
    }
    return record
  }

  /// Polls until the array has left the queue, then reports the points still missing.
  func wait(for record: SlurmJobRecord) throws(SlurmError) -> SlurmArrayOutcome {
    var lastSeen: [Int: SlurmTaskState] = [:]
    var failedPolls = 0
    while true {
      let queued: [SlurmTaskState]
      do throws(SlurmError) {
        queued = try cluster.queuedTasks(of: record.jobID)
        failedPolls = 0
      } catch {
        guard case .queryFailed = error, failedPolls < toleratedQueryFailures else { throw error }
        failedPolls += 1
        if isInterrupted() { return .interrupted(jobID: record.jobID) }
        sleep(pollInterval)
        continue
      }
      for task in queued { lastSeen[task.index] = task }
      let finished = (0..<total).count(where: isFinished)
      progress(finished, Self.summary(jobID: record.jobID, queued))
      if queued.isEmpty { break }
      if isInterrupted() { return .interrupted(jobID: record.jobID) }
      sleep(pollInterval)
    }
    let missing = self.missing()
    if missing.isEmpty { return .finished(jobID: record.jobID) }
    return .incomplete(jobID: record.jobID, failures: try failures(missing, of: record, lastSeen: lastSeen))
  }

  /// Why each missing point is missing, from what Slurm still knows of the last array.
  func failures(
    _ missing: [Int], of record: SlurmJobRecord?, lastSeen: [Int: SlurmTaskState] = [:]
  ) throws(SlurmError) -> [SlurmTaskFailure] {
    let records = try record.map { (record) throws(SlurmError) in try cluster.taskRecords(of: record.jobID) } ?? [:]
    return missing.map { index in
      guard let record, record.indices.contains(index) else {
        return SlurmTaskFailure(index: index, state: nil, logPath: nil)
      }
      let state = records[index] ?? lastSeen[index]
      return SlurmTaskFailure(
        index: index, state: state, logPath: state?.logPath ?? record.logPath(index: index))
    }
  }

  /// `job 12: 2 running, 3 pending`.
  static func summary(jobID: String, _ queued: [SlurmTaskState]) -> String {
    if queued.isEmpty { return "job \(jobID): done" }
    var counts: [String: Int] = [:]
    for task in queued { counts[task.baseState.lowercased(), default: 0] += 1 }
    let order = ["running", "completing", "configuring", "pending"]
    let keys = counts.keys.sorted { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }
    return "job \(jobID): " + keys.map { "\(counts[$0]!) \($0)" }.joined(separator: ", ")
  }
}

/// How a Slurm sweep went.
package enum SlurmArrayOutcome: Equatable, Sendable {
  /// Every point has its run folder; `jobID` is the last array, if one was submitted.
  case finished(jobID: String?)
  /// The array was submitted (or was already running, `isNew` false) and not waited for.
  case submitted(jobID: String, indices: [Int], isNew: Bool)
  /// Waiting stopped; the array goes on.
  case interrupted(jobID: String)
  /// Some points have no run folder once the array left the queue (or, when collecting, were
  /// never submitted).
  case incomplete(jobID: String?, failures: [SlurmTaskFailure])
}

/// A point with no run folder after its array task ended.
package struct SlurmTaskFailure: Equatable, Sendable {
  package var index: Int
  /// The task's last known state; nil when it was never submitted or Slurm forgot it.
  package var state: SlurmTaskState?
  package var logPath: String?

  package init(index: Int, state: SlurmTaskState?, logPath: String?) {
    self.index = index
    self.state = state
    self.logPath = logPath
  }

  /// One line for a user: `point 3: TIMEOUT (reached its time limit (--time)) on n2; log: PATH`.
  package var message: String {
    guard let logPath else { return "point \(index): not submitted yet" }
    guard let state else {
      return "point \(index): no run folder, and Slurm no longer knows its task; log: \(logPath)"
    }
    let node = state.node.map { " on \($0)" } ?? ""
    if state.isCompleted {
      return "point \(index): COMPLETED\(node) but wrote no run folder (is the output folder on a filesystem every node shares?); log: \(logPath)"
    }
    return "point \(index): \(state.state) (\(state.explanation))\(node); log: \(logPath)"
  }
}

extension SlurmArrayOutcome {
  /// The error shown when points are missing, e.g.
  /// `sweep 'grid': 2 of 6 points did not finish (job 12):` and a line per point.
  /// - Parameters:
  ///   - sweep: the sweep's name.
  ///   - total: the number of points of the sweep.
  ///   - rerun: what to do next, as the last line.
  package func failureText(sweep: String, total: Int, rerun: String) -> String? {
    guard case .incomplete(let jobID, let failures) = self else { return nil }
    let job = jobID.map { " (job \($0))" } ?? ""
    var lines = ["sweep '\(sweep)': \(failures.count) of \(total) points did not finish\(job):"]
    lines += failures.map { "  " + $0.message }
    lines.append(rerun)
    return lines.joined(separator: "\n")
  }
}
