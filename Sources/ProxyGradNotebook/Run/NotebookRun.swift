import ProxyGradFormat

/// A parameter value as the language passes it in: number, string, bool or list.
package indirect enum ParameterValue: Equatable, Sendable {
  case number(Double)
  case string(String)
  case bool(Bool)
  case list([ParameterValue])

  /// The value as `.pgs` source text (`0.3`, `"adam"`, `true`, `[1, 2]`), used for the
  /// injected-parameters cell of the notebook.
  package var sourceText: String {
    switch self {
    case .number(let value): return Format.number(value)
    case .string(let text):
      var out = ""
      JSONValue.writeString(text, into: &out)
      return out
    case .bool(let flag): return flag ? "true" : "false"
    case .list(let items): return "[" + items.map(\.sourceText).joined(separator: ", ") + "]"
    }
  }

  var json: JSONValue {
    switch self {
    case .number(let value): return .double(value)
    case .string(let text): return .string(text)
    case .bool(let flag): return .bool(flag)
    case .list(let items): return .array(items.map(\.json))
    }
  }
}

/// A notebook parameter with the value the run used.
package struct RunParameter: Equatable, Sendable {
  package var name: String
  package var value: ParameterValue
  /// `true` when the value came from the command line (`-p name=value`), not the parameters cell.
  package var overridden: Bool

  package init(name: String, value: ParameterValue, overridden: Bool = false) {
    self.name = name
    self.value = value
    self.overridden = overridden
  }
}

/// One fact about the machine a run ran on, for the manifest.
package struct MachineFact: Equatable, Sendable {
  package var name: String
  package var value: String
  package init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }
}

/// How a sweep of the run went, for the manifest.
package struct SweepSummary: Equatable, Sendable {
  /// Its folder name under `sweeps/`.
  package var name: String
  /// The runs it ran (under `stop_on_error: true`, up to the failing one).
  package var runs: Int
  package var failed: Int

  package init(name: String, runs: Int, failed: Int) {
    self.name = name
    self.runs = runs
    self.failed = failed
  }

  /// `ok` (no run failed), `partial` (some did) or `failed` (all did).
  package var status: String {
    failed == 0 ? "ok" : failed < runs ? "partial" : "failed"
  }
}

/// What happened to a cell.
package enum CellStatus: String, Equatable, Sendable {
  /// Ran to the end (Markdown cells are always `ok`).
  case ok
  /// Stopped with an error; its last output is the `.error`.
  case error
  /// Not run because an earlier cell failed.
  case skipped
}

/// One cell of a finished run: the cell as split from the script and what running it gave.
package struct CellRecord: Equatable, Sendable {
  package var cell: NotebookCell
  package var outputs: [CellOutput]
  package var status: CellStatus
  /// Wall-clock seconds; written only to `manifest.json`.
  package var duration: Double
  /// Whether the cell's outputs were restored from the cache of an earlier run instead of
  /// running it (docs/notebooks.md, "Caching and incremental reruns").
  package var reused = false

  package init(
    cell: NotebookCell, outputs: [CellOutput] = [], status: CellStatus = .ok, duration: Double = 0
  ) {
    self.cell = cell
    self.outputs = outputs
    self.status = status
    self.duration = duration
  }
}

/// Everything the output folder is made from: the script, its parameters and seed, and each cell
/// with its outputs. The session layer fills it in; `NotebookReport` renders it.
package struct NotebookRun: Equatable, Sendable {
  /// The script path as the user gave it (shown in the report and manifest).
  package var scriptPath: String
  /// Lowercase hex SHA-256 of the script's bytes.
  package var scriptSHA256: String
  package var parameters: [RunParameter]
  package var seed: UInt64
  /// The `pgs` version that made the run.
  package var toolVersion: String
  /// The threads the engine used; results are identical for a given count.
  package var threads: Int = 1
  package var cells: [CellRecord]
  /// The sweeps that finished, in order.
  package var sweeps: [SweepSummary] = []
  /// The machine facts that decide the last digits of results: `cpu`, `blas` (the library's
  /// build), `blas_kernel` (the kernel it chose for the CPU), in that order. Empty in tests.
  package var machine: [MachineFact] = []
  /// The signal that interrupted the run (`SIGINT`, `SIGTERM`); the interrupted cell is marked
  /// `error` with an `Interrupted` error, the cells after it `skipped`.
  package var interruptedBy: String?

  package init(
    scriptPath: String, scriptSHA256: String, parameters: [RunParameter] = [], seed: UInt64 = 0,
    toolVersion: String, cells: [CellRecord]
  ) {
    self.scriptPath = scriptPath
    self.scriptSHA256 = scriptSHA256
    self.parameters = parameters
    self.seed = seed
    self.toolVersion = toolVersion
    self.cells = cells
  }

  /// Creates a run whose digest is computed from the script's text (its UTF-8 bytes).
  package init(
    scriptPath: String, scriptText: String, parameters: [RunParameter] = [], seed: UInt64 = 0,
    toolVersion: String, cells: [CellRecord]
  ) {
    self.init(
      scriptPath: scriptPath, scriptSHA256: Digest.sha256Hex(of: scriptText),
      parameters: parameters, seed: seed, toolVersion: toolVersion, cells: cells)
  }

  /// The script's file name without folders and without its last extension: `nb` for
  /// `runs/nb.pgs`. Names the `.ipynb`. Never empty (falls back to `notebook`).
  package var name: String {
    let file = scriptPath.split(separator: "/").last.map(String.init) ?? ""
    var base = file
    if let dot = file.lastIndex(of: "."), dot != file.startIndex { base = String(file[..<dot]) }
    return base.isEmpty ? "notebook" : base
  }

  /// The first cell that failed, as an index into `cells`.
  package var failedCellIndex: Int? { cells.firstIndex { $0.status == .error } }

  /// All metrics in run order as (name, value). A name recorded twice keeps its first position
  /// and its last value.
  package var metrics: [(name: String, value: Double)] {
    shownMetrics.map { ($0.name, $0.value) }
  }

  /// `metrics` with the decimal places each was last shown with (`metric(..., digits:)`).
  package var shownMetrics: [(name: String, value: Double, digits: Int?)] {
    var order: [String] = []
    var values: [String: (Double, Int?)] = [:]
    for record in cells {
      for case .metric(let name, let value, let digits) in record.outputs {
        if values[name] == nil { order.append(name) }
        values[name] = (value, digits)
      }
    }
    return order.map { ($0, values[$0]?.0 ?? .nan, values[$0]?.1) }
  }
}
