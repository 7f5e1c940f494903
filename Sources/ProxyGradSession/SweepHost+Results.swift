import ProxyGradNotebook
import ProxyGradRuntime

extension NotebookSweepHost {
  /// Reads every run back (from the cache, or from `computed` without one), writes
  /// `sweeps/NAME/` and shows the summary table and the plots in the cell.
  func finish(
    _ sweep: SweepExecution, name: String, keys: [String], computed: [Int: [ReportFile]],
    interpreter: Interpreter
  ) throws(RuntimeError) {
    var runs: [SweepRun] = []
    var folders: [[ReportFile]] = []
    for index in sweep.configurations.indices {
      guard let files = computed[index] ?? options.cache?.load(sweep: name, key: keys[index]),
        let recordFile = files.first(where: { $0.path == SweepRunFolder.recordName }),
        let record = SweepRunFolder.record(from: recordFile.bytes)
      else {
        // Only a sweep stopped by a failing run leaves runs out.
        if sweep.stopOnError, runs.last?.error != nil { break }
        throw RuntimeError(.unsupported, "sweep \(name): the run \(sweep.label(of: index)) is missing from the cache", at: sweep.span)
      }
      runs.append(SweepRun(rows: record.rows.map { row in row.map { SweepField($0.0, Self.runtimeCell($0.1)) } }, error: record.error))
      folders.append(files.filter { $0.path != SweepRunFolder.recordName })
      if sweep.stopOnError, record.error != nil { break }
    }
    if let cache = options.cache {
      // The runs just used are the most recent; older ones go first when the cache is full.
      cache.touch(sweep: name, keys: Set(keys))
      cache.prune(toAtMost: options.cacheLimit, keeping: Set(keys.map { name + "/" + $0 }))
    }
    let results = SweepResults(
      axes: sweep.axes, configurations: Array(sweep.configurations.prefix(runs.count)), runs: runs,
      seedAxis: sweep.seedAxis)
    let plots = try self.plots(results, name: name)
    if let write {
      do throws(NotebookError) {
        let base = "sweeps/\(name)/"
        for (index, files) in folders.enumerated() {
          let folder = base + "runs/" + Self.runNumber(index, of: sweep) + "/"
          for file in files { try write(ReportFile(path: folder + file.path, bytes: file.bytes)) }
        }
        try write(ReportFile(path: base + "runs.csv", text: try Self.table(results.runsColumns, results.runsRows).csv()))
        try write(ReportFile(path: base + "summary.csv", text: try Self.table(results.summaryColumns, results.summaryRows).csv()))
        for (value, plot) in plots { try write(ReportFile(path: base + value + ".svg", text: plot.svg())) }
      } catch {
        throw RuntimeError(.io, "sweep \(name): cannot write its files: \(error)", at: sweep.span)
      }
    }
    interpreter.output.emit(
      .table(title: "sweep \(name): \(results.summaryTitle)", columns: results.summaryColumns, rows: results.summaryRows, digits: nil))
    for (_, plot) in plots { interpreter.output.emit(plot.event) }
    summaries.append(SweepSummary(name: name, runs: results.runs.count, failed: results.failedCount))
    try sweep.reportFailures(results, name: name, output: interpreter.output)
  }

  struct SweepPlot {
    var event: OutputEvent
    var plot: NotebookPlot
    func svg() -> String { plot.svg() }
  }

  /// For every recorded number, its mean ± std against the first sweep variable, one line per
  /// combination of the other grouping variables. Needs a numeric first variable.
  func plots(_ results: SweepResults, name: String) throws(RuntimeError) -> [(String, SweepPlot)] {
    guard let x = results.groupAxes.first else { return [] }
    let groups = results.groups
    guard !groups.isEmpty, groups.allSatisfy({ if case .number? = $0.key.first?.value { return true } else { return false } })
    else { return [] }
    var plots: [(String, SweepPlot)] = []
    for value in results.numericNames {
      // One series per combination of the other grouping variables.
      var seriesKeys: [[SweepField]] = []
      for group in groups where !seriesKeys.contains(Array(group.key.dropFirst())) {
        seriesKeys.append(Array(group.key.dropFirst()))
      }
      var xs: [Double] = []
      for group in groups { if case .number(let v)? = group.key.first?.value, !xs.contains(v) { xs.append(v) } }
      let seriesNames = seriesKeys.map { key in
        key.isEmpty ? value : value + " (" + key.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")"
      }
      var columns = [x]
      for seriesName in seriesNames { columns += [seriesName, seriesName + "_std"] }
      let rows: [[ProxyGradRuntime.TableCell]] = xs.map { v in
        var row: [ProxyGradRuntime.TableCell] = [.number(v)]
        for key in seriesKeys {
          let group = groups.first { $0.key.first?.value == .number(v) && Array($0.key.dropFirst()) == key }
          if let s = group?.statistics[value] {
            row += [.number(s.mean), .number(s.std ?? 0)]
          } else {
            row += [.string(""), .string("")]
          }
        }
        return row
      }
      let title = "sweep \(name): \(value)" + (results.seedAxis.map { " (mean ± std over \($0))" } ?? "")
      let event = OutputEvent.plot(title: title, columns: columns, rows: rows, x: x, y: seriesNames)
      do throws(NotebookError) {
        guard case .plot(let plot) = try NotebookOutputCollector.output(of: event) else { continue }
        plots.append((Self.fileName(value), SweepPlot(event: event, plot: plot)))
      } catch {
        throw RuntimeError(.unsupported, "sweep \(name): cannot plot \(value): \(error)")
      }
    }
    return plots
  }

  /// A recorded name as a file name: characters outside letters, digits, `_`, `-`, `.` become `_`.
  static func fileName(_ value: String) -> String {
    String(value.unicodeScalars.map { scalar -> Character in
      let ok = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        || scalar == "_" || scalar == "-"
      return ok ? Character(scalar) : "_"
    })
  }

  static func table(_ columns: [String], _ rows: [[TableCell]]) throws(NotebookError) -> Table {
    try NotebookOutputCollector.tableOrError(columns, rows)
  }

  /// A cell read back from a cached run as the runtime records it: booleans as `true`/`false`,
  /// missing cells as empty strings.
  static func runtimeCell(_ cell: TableCell) -> TableCell {
    switch cell {
    case .number(let x): return .number(x)
    case .string(let s): return .string(s)
    case .bool(let b): return .string(b ? "true" : "false")
    case .missing: return .string("")
    }
  }
}
