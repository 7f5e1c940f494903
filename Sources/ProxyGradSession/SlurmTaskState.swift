/// What Slurm says about one array task, from `squeue` (while the array is queued or running) or
/// `scontrol show job` (also for a while after it ended; no accounting database is needed).
package struct SlurmTaskState: Equatable, Sendable {
  /// The array's job id (`%F`, `ArrayJobId`).
  package var arrayJobID: String
  /// The array task id: the sweep point's index.
  package var index: Int
  /// Slurm's job state, e.g. `PENDING`, `RUNNING`, `COMPLETED`, `TIMEOUT`, `NODE_FAIL`.
  package var state: String
  /// Why it waits or ended (`Resources`, `NonZeroExitCode`, ...), when Slurm says.
  package var reason: String?
  /// The node it ran on, when it started.
  package var node: String?
  /// `ExitCode=status:signal`, when `scontrol` reported it.
  package var exitCode: String?
  /// The task's log file, when `scontrol` reported it.
  package var logPath: String?

  /// The state without a suffix such as `CANCELLED by 0`.
  package var baseState: String {
    String(state.prefix(while: { $0 != " " && $0 != "+" }))
  }

  /// Whether the task still waits or runs (or will run again after a requeue).
  package var isActive: Bool {
    Self.activeStates.contains(baseState)
  }

  /// Whether the task ended and its command exited with status 0.
  package var isCompleted: Bool { baseState == "COMPLETED" }

  /// Whether the task ended without completing: failed, cancelled, timed out, lost with its node.
  package var isFailed: Bool { !isActive && !isCompleted }

  /// Pending, running and transitional states; anything else has ended.
  static let activeStates: Set<String> = [
    "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD",
    "RESIZING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD",
  ]

  /// A short explanation of a failed state for a user.
  package var explanation: String {
    switch baseState {
    case "TIMEOUT": return "reached its time limit (--time)"
    case "NODE_FAIL": return "its node failed"
    case "OUT_OF_MEMORY": return "ran out of memory"
    case "CANCELLED": return "was cancelled"
    case "PREEMPTED": return "was preempted"
    case "BOOT_FAIL": return "its node did not boot"
    case "DEADLINE": return "missed its deadline"
    case "FAILED": return "exited with an error" + (exitCode.map { " (exit code \($0))" } ?? "")
    case "COMPLETED": return "completed"
    case "UNKNOWN": return "is no longer known to Slurm"
    default: return "ended as \(state)"
    }
  }
}
