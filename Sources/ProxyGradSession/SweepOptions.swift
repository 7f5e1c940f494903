import ProxyGradNotebook

/// How a notebook run executes its sweeps (`pgs run --jobs N --fresh`, and worker processes).
package struct SweepOptions: Sendable {
  /// Worker processes for the runs that are not cached; 1 runs them in this process.
  package var jobs: Int
  /// Recompute every run, replacing cached ones.
  package var fresh: Bool
  /// Where finished runs are kept; nil keeps nothing (a run without an output folder).
  package var cache: SweepCache?
  /// Starts worker processes; needed for `jobs > 1`.
  package var launcher: SweepWorkerLauncher?
  /// Set in a worker process: the one sweep and the points it runs.
  package var task: SweepWorkerTask?
  /// `--slurm`: runs that are not cached become a Slurm job array (see `SlurmSweepRunner`).
  package var slurm: SlurmSweepSettings?
  /// The cache's size limit in bytes: after a sweep, the least recently used runs of other
  /// configurations are removed beyond it (see `SweepCache.prune`).
  package var cacheLimit: Int64 = SweepCache.limit()

  package init(
    jobs: Int = 1, fresh: Bool = false, cache: SweepCache? = nil,
    launcher: SweepWorkerLauncher? = nil, task: SweepWorkerTask? = nil
  ) {
    self.jobs = max(1, jobs)
    self.fresh = fresh
    self.cache = cache
    self.launcher = launcher
    self.task = task
  }
}

/// What a worker process runs: the points `points` (0-based, grid order) of the sweep `sweep`.
package struct SweepWorkerTask: Sendable, Equatable {
  package var sweep: String
  package var points: [Int]
}

extension SweepWorkerTask {
  /// Parses `--sweep-points` (`0,3,6`).
  package init?(sweep: String, pointList: String) {
    var points: [Int] = []
    for part in pointList.split(separator: ",") {
      guard let point = Int(part), point >= 0 else { return nil }
      points.append(point)
    }
    guard !points.isEmpty else { return nil }
    self.init(sweep: sweep, points: points)
  }

  package var pointList: String { points.map(String.init).joined(separator: ",") }
}

/// Builds the command line of a worker process: the `pgs` executable and its arguments.
package struct SweepWorkerLauncher: Sendable {
  package var command: @Sendable (_ task: SweepWorkerTask, _ sourcePath: String) -> [String]

  package init(command: @escaping @Sendable (_ task: SweepWorkerTask, _ sourcePath: String) -> [String]) {
    self.command = command
  }
}
