/// The runs of a finished sweep as tables: `runs` (tidy: one row per `record`, a failed run
/// adds a row holding its error) and `summary` (mean, sample std and count of every recorded
/// number, grouped by every sweep variable except the seed variable).
public struct SweepResults: Equatable, Sendable {
  public var axes: [String]
  public var configurations: [[SweepField]]
  public var runs: [SweepRun]
  /// The variable the summary aggregates over: declared with `seed: "s"`, else `seed` when a
  /// variable has that name, else none.
  public var seedAxis: String?

  public init(axes: [String], configurations: [[SweepField]], runs: [SweepRun], seedAxis: String? = nil) {
    self.axes = axes
    self.configurations = configurations
    self.runs = runs
    self.seedAxis = seedAxis ?? (axes.contains("seed") ? "seed" : nil)
  }

  /// The sweep variables the summary groups by: all but the seed variable.
  public var groupAxes: [String] { axes.filter { $0 != seedAxis } }

  public var failedCount: Int { runs.filter { $0.error != nil }.count }

  /// Recorded names in order of first appearance.
  public var recordedNames: [String] {
    var names: [String] = []
    for run in runs { for row in run.rows { for field in row where !names.contains(field.name) { names.append(field.name) } } }
    return names
  }

  /// Recorded names whose every value is a number: the ones summarized and plotted.
  public var numericNames: [String] {
    recordedNames.filter { name in
      runs.allSatisfy { run in
        run.rows.allSatisfy { row in
          guard let field = row.last(where: { $0.name == name }) else { return true }
          if case .number = field.value { return true }
          return false
        }
      }
    }
  }

  // MARK: - Runs table

  /// Columns: the sweep variables, the recorded names, and `error` when a run failed.
  public var runsColumns: [String] {
    axes + recordedNames.filter { !axes.contains($0) } + (failedCount > 0 ? ["error"] : [])
  }

  /// One row per record, in run order; a failed run adds a row with its error. Missing cells
  /// are empty strings.
  public var runsRows: [[TableCell]] {
    let columns = runsColumns
    var table: [[TableCell]] = []
    for (configuration, run) in zip(configurations, runs) {
      var rows = run.rows.map { configuration + $0 }
      if let error = run.error { rows.append(configuration + [SweepField("error", .string(error))]) }
      for row in rows {
        table.append(columns.map { column in row.last { $0.name == column }?.value ?? .string("") })
      }
    }
    return table
  }

  // MARK: - Summary

  /// Statistics of one recorded number in one group.
  public struct Statistics: Equatable, Sendable {
    public var mean: Double
    /// The sample standard deviation (divisor n − 1); nil when n < 2.
    public var std: Double?
    public var n: Int
  }

  /// One group of runs that differ only in `seed`.
  public struct Group: Equatable, Sendable {
    public var key: [SweepField]
    public var runs: Int
    public var failed: Int
    public var statistics: [String: Statistics]
  }

  /// The groups in order of first appearance (grid order).
  public var groups: [Group] {
    let names = numericNames
    let keyAxes = groupAxes
    var order: [[SweepField]] = []
    var members: [[Int]] = []
    for (index, configuration) in configurations.enumerated() {
      let key = configuration.filter { keyAxes.contains($0.name) }
      if let position = order.firstIndex(of: key) {
        members[position].append(index)
      } else {
        order.append(key)
        members.append([index])
      }
    }
    return zip(order, members).map { key, indices in
      var statistics: [String: Statistics] = [:]
      for name in names {
        var values: [Double] = []
        for index in indices {
          for row in runs[index].rows {
            if case .number(let x)? = row.last(where: { $0.name == name })?.value { values.append(x) }
          }
        }
        if !values.isEmpty { statistics[name] = Self.statistics(values) }
      }
      return Group(
        key: key, runs: indices.count, failed: indices.filter { runs[$0].error != nil }.count,
        statistics: statistics)
    }
  }

  /// Mean, sample standard deviation (n − 1) and count.
  public static func statistics(_ values: [Double]) -> Statistics {
    let n = values.count
    let mean = values.reduce(0, +) / Double(n)
    guard n > 1 else { return Statistics(mean: mean, std: nil, n: n) }
    let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return Statistics(mean: mean, std: (squares / Double(n - 1)).squareRoot(), n: n)
  }

  /// Columns: the group variables, `runs`, `failed`, then `X_mean`, `X_std`, `X_n` for every
  /// recorded number X.
  public var summaryColumns: [String] {
    groupAxes + ["runs", "failed"] + numericNames.flatMap { [$0 + "_mean", $0 + "_std", $0 + "_n"] }
  }

  /// One row per group; an undefined std (fewer than two values) or a number no run of the
  /// group recorded is an empty string.
  public var summaryRows: [[TableCell]] {
    let names = numericNames
    return groups.map { group in
      var row = group.key.map(\.value) + [.number(Double(group.runs)), .number(Double(group.failed))]
      for name in names {
        guard let s = group.statistics[name] else {
          row += [.string(""), .string(""), .number(0)]
          continue
        }
        row += [.number(s.mean), s.std.map { .number($0) } ?? .string(""), .number(Double(s.n))]
      }
      return row
    }
  }

  /// `summary over seed: 6 runs, 1 failed`.
  public var summaryTitle: String {
    let over = seedAxis.map { " over " + $0 } ?? ""
    return "summary\(over): \(runs.count) run\(runs.count == 1 ? "" : "s"), \(failedCount) failed"
  }
}

// MARK: - Failures

extension SweepResults {
  /// One distinct error of a sweep's failed runs and the runs (indices in grid order) it hit.
  public struct Failure: Equatable, Sendable {
    /// `line:col: message`, as the runs recorded it.
    public var error: String
    public var runs: [Int]
  }

  /// The distinct errors of the failed runs, in order of first appearance.
  public var failures: [Failure] {
    var list: [Failure] = []
    for (index, run) in runs.enumerated() {
      guard let error = run.error else { continue }
      if let position = list.firstIndex(where: { $0.error == error }) {
        list[position].runs.append(index)
      } else {
        list.append(Failure(error: error, runs: [index]))
      }
    }
    return list
  }

  /// Whether there were runs and every one of them failed.
  public var allFailed: Bool { !runs.isEmpty && failedCount == runs.count }

  /// The warning shown when runs failed, nil when none did:
  ///
  /// ```
  /// sweep s: 6 of 6 runs failed, with 1 distinct error
  ///   nb.pgs:9:13: no layer 'faet' in the network ...
  ///     in 6 runs: (layer=0.1, seed=1), (layer=0.1, seed=2), ... and 2 more
  /// ```
  /// - Parameters:
  ///   - name: the sweep's name as shown (its folder name, or `sweep` alone when it has none).
  ///   - path: the script's path, put before each error's `line:col`.
  public func failureText(name: String?, path: String) -> String? {
    let failures = self.failures
    guard !failures.isEmpty else { return nil }
    let count = failures.count
    var text = "sweep\(name.map { " " + $0 } ?? ""): \(failedCount) of \(runs.count) run\(runs.count == 1 ? "" : "s") failed, "
      + "with \(count) distinct error\(count == 1 ? "" : "s")\n"
    for failure in failures {
      text += "  " + Self.located(failure.error, path: path) + "\n"
      let shown = failure.runs.prefix(Self.listedRuns).map { "(" + label(of: $0) + ")" }
      let more = failure.runs.count - shown.count
      text += "    in \(failure.runs.count) run\(failure.runs.count == 1 ? "" : "s"): " + shown.joined(separator: ", ")
        + (more > 0 ? ", ... and \(more) more" : "") + "\n"
    }
    return text
  }

  /// How many runs a failure lists by their configuration.
  static let listedRuns = 8

  /// `a=0.1, b=2`: the configuration of run `index`.
  public func label(of index: Int) -> String {
    configurations[index].map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
  }

  /// `path:line:col: message` for a run's `line:col: message` (other texts unchanged).
  static func located(_ error: String, path: String) -> String {
    let parts = error.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
      parts[0].allSatisfy(\.isNumber), parts[1].allSatisfy(\.isNumber)
    else { return error }
    return path + ":" + error
  }
}

extension SweepExecution {
  /// After the runs: shows the warning naming every distinct error of the failed runs, and
  /// fails the statement when every run failed (a sweep with no result is no success). Under
  /// `stop_on_error: true` a failed run has stopped the sweep already (see `checkStopped`).
  /// - Parameter name: the sweep's name as shown.
  public func reportFailures(_ results: SweepResults, name: String?, output: OutputSink) throws(RuntimeError) {
    try checkStopped(results.runs)
    guard let text = results.failureText(name: name, path: span.file.path) else { return }
    output.emit(.warning(text))
    if results.allFailed {
      throw RuntimeError(
        .value,
        "sweep\(name.map { " " + $0 } ?? ""): all \(results.runs.count) run\(results.runs.count == 1 ? "" : "s") failed (errors above)",
        at: span)
    }
  }
}
