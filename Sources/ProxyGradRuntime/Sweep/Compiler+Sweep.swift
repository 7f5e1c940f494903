import ProxyGradSyntax

extension Compiler {
  /// `sweep "name": a in X, b in Y, stop_on_error: true { body }`: evaluates the axes, builds the
  /// grid (the first axis outermost, the last fastest) and hands it to the session's sweep host,
  /// or runs it here. Each run gets a fresh frame for the body's scope and starts from the state
  /// the sweep began with (see `SweepState`); the sweep leaves no variables behind.
  mutating func sweep(
    name: String?, axes: [SweepAxis], options: [Argument], body bodyBlock: Block, span: SourceSpan
  ) -> Code {
    let values = axes.map { expression($0.values) }
    let spans = axes.map(\.values.span)
    let optionCodes = options.map { (expression($0.value), $0.value.span) }
    let optionLabels = options.map { $0.label?.name ?? "" }
    let names = axes.map(\.variable.name)
    let frameSize = max(resolved.frameSizes[span.start] ?? names.count, names.count)
    let savedCollecting = collecting
    collecting = false
    let body = block(bodyBlock.statements)
    collecting = savedCollecting
    let interpreter = self.interpreter
    return { f throws(Unwind) in
      if let name { try Self.checkSweepName(name, span: span) }
      var stopOnError = false
      var seedAxis: String? = names.contains("seed") ? "seed" : nil
      for ((code, optionSpan), label) in zip(optionCodes, optionLabels) {
        let value = try code(f)
        if label == "seed" {
          guard case .string(let name) = value, names.contains(name) else {
            throw .error(
              RuntimeError(
                .value, "sweep: seed: expects the name of a sweep variable as a string (such as \"s\"); variables: \(names.joined(separator: ", "))",
                at: optionSpan))
          }
          seedAxis = name
          continue
        }
        guard case .bool(let flag) = value else {
          throw .error(RuntimeError(.type, "sweep: stop_on_error expects true or false", at: optionSpan))
        }
        stopOnError = flag
      }
      let lists = try Self.axisValues(values, spans: spans, frame: f)
      let points = Self.grid(lists)
      let configurations = points.map { point in
        zip(names, point).map { SweepField($0, OutputBuiltins.cell($1)) }
      }
      let keys = points.map { point in
        zip(names, point).map { "\($0) = \(Format.describe($1))" }.joined(separator: "\n")
      }
      let state = SweepState(interpreter: interpreter, frame: f)
      defer { state.restore() }
      let execution = SweepExecution(
        name: name, span: span, axes: names, configurations: configurations, keys: keys,
        stopOnError: stopOnError, seedAxis: seedAxis
      ) { index, output, files in
        interpreter.runSweepPoint(
          points[index], frameSize: frameSize, parent: f, body: body, state: state, output: output,
          files: files)
      }
      do throws(RuntimeError) {
        if let host = interpreter.sweepHost, interpreter.sweeps.isEmpty {
          try host.execute(execution, interpreter: interpreter)
        } else {
          try interpreter.runSweepHere(execution)
        }
      } catch {
        throw .error(error)
      }
      return .none
    }
  }

  /// A name must make a folder name: letters, digits, `_`, `-` and `.`, not starting with `.`.
  static func checkSweepName(_ name: String, span: SourceSpan) throws(Unwind) {
    let allowed = name.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || $0 == "_" || $0 == "-" || $0 == "."
    }
    guard !name.isEmpty, allowed, !name.hasPrefix("."), name.count <= 100 else {
      throw .error(
        RuntimeError(
          .value, "sweep: a name holds letters, digits, '_', '-' and '.' (a folder name), got \"\(name)\"",
          at: span))
    }
  }

  static func axisValues(_ codes: [Code], spans: [SourceSpan], frame f: Frame) throws(Unwind) -> [[Value]] {
    var lists: [[Value]] = []
    var total = 1
    for (code, span) in zip(codes, spans) {
      let iteration = try Iteration.items(try code(f), span: span)
      if case .range(let low, let upper) = iteration, upper - low > 1_000_000 {
        throw .error(RuntimeError(.value, "sweep: an axis has \(upper - low) values; at most 1000000", at: span))
      }
      let items = iteration.all
      if items.isEmpty {
        throw .error(RuntimeError(.value, "sweep: an axis has no values", at: span))
      }
      let (product, overflow) = total.multipliedReportingOverflow(by: items.count)
      guard !overflow, product <= 1_000_000 else {
        throw .error(RuntimeError(.value, "sweep: the grid has more than 1000000 runs", at: span))
      }
      total = product
      lists.append(items)
    }
    return lists
  }

  /// Every combination of the lists' items, the first list outermost.
  static func grid(_ lists: [[Value]]) -> [[Value]] {
    var points: [[Value]] = [[]]
    for list in lists {
      points = points.flatMap { prefix in list.map { prefix + [$0] } }
    }
    return points
  }
}

extension Interpreter {
  /// Runs one point of a sweep in a fresh frame, from the sweep's starting state, with its
  /// outputs going to `output`; restores the state afterwards.
  func runSweepPoint(
    _ point: [Value], frameSize: Int, parent: Frame, body: Code, state: SweepState,
    output runOutput: OutputSink, files runFiles: FileAccess?
  ) -> SweepRun {
    state.restore()
    let frame = Frame(count: frameSize, parent: parent)
    for (slot, value) in point.enumerated() { frame.slots[slot] = value }
    let context = SweepContext()
    let (savedOutput, savedFiles) = (output, files)
    sweeps.append(context)
    output = runOutput
    if let runFiles { files = runFiles }
    defer {
      sweeps.removeLast()
      (output, files) = (savedOutput, savedFiles)
      state.restore()
    }
    do throws(Unwind) {
      _ = try body(frame)
    } catch {
      switch error {
      case .continueLoop:
        break
      case .error(let runtimeError):
        return SweepRun(
          rows: context.rows, error: Self.sweepErrorText(runtimeError),
          interrupted: runtimeError.kind == .interrupted)
      case .breakLoop, .returnValue:
        return SweepRun(rows: context.rows, error: "control flow escaped the sweep's run")
      }
    }
    return SweepRun(rows: context.rows)
  }

  /// `line:col: message`, the same in every process that runs the notebook.
  static func sweepErrorText(_ error: RuntimeError) -> String {
    guard let span = error.span else { return error.message }
    let (line, column) = span.location
    return "\(line):\(column): \(error.message)"
  }

  /// Runs every point in order in this session; shows the runs table and the summary.
  /// - Parameter finished: receives the results before failures are reported (a front end
  ///   that keeps them in files).
  public func runSweepHere(
    _ sweep: SweepExecution, finished: ((SweepResults) -> Void)? = nil
  ) throws(RuntimeError) {
    var runs: [SweepRun] = []
    let total = sweep.configurations.count
    try reportingProgress("sweep", total: total) { (report) throws(RuntimeError) in
      for index in 0..<total {
        if stops.isRequested { throw RuntimeError(.interrupted, "interrupted", at: sweep.span) }
        let run = sweep.run(index, output: output)
        if run.interrupted { throw RuntimeError(.interrupted, "interrupted", at: sweep.span) }
        runs.append(run)
        report(index + 1)
        if run.error != nil && sweep.stopOnError { break }
      }
    }
    let results = SweepResults(
      axes: sweep.axes, configurations: Array(sweep.configurations.prefix(runs.count)), runs: runs,
      seedAxis: sweep.seedAxis)
    output.emit(.table(title: "sweep" + (sweep.name.map { " " + $0 } ?? ""), columns: results.runsColumns, rows: results.runsRows, digits: nil))
    output.emit(.table(title: results.summaryTitle, columns: results.summaryColumns, rows: results.summaryRows, digits: nil))
    finished?(results)
    try sweep.reportFailures(results, name: sweep.name, output: output)
  }
}

extension SweepExecution {
  /// Under `stop_on_error: true`, the error that fails the sweep when its last run failed.
  public func checkStopped(_ runs: [SweepRun]) throws(RuntimeError) {
    guard stopOnError, let last = runs.last, let error = last.error else { return }
    throw RuntimeError(
      .value, "sweep stopped: the run \(label(of: runs.count - 1)) failed: \(error)", at: span)
  }
}
