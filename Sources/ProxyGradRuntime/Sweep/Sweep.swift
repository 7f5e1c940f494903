import ProxyGradSyntax

/// A named cell of a sweep's configuration or of a recorded row.
public struct SweepField: Equatable, Sendable {
  public var name: String
  public var value: TableCell
  public init(_ name: String, _ value: TableCell) {
    self.name = name
    self.value = value
  }
}

/// What one run of a sweep gave: the rows it recorded (recorded values only; the configuration
/// is added when the runs are tabulated) and, when it failed, its error.
public struct SweepRun: Equatable, Sendable {
  public var rows: [[SweepField]]
  /// `line:col: message` of the error the run stopped with; nil when it finished.
  public var error: String?
  /// The run was stopped by an interrupt (Ctrl-C): it is neither finished nor failed, and a
  /// front end must not keep it.
  public var interrupted: Bool

  public init(rows: [[SweepField]], error: String? = nil, interrupted: Bool = false) {
    self.rows = rows
    self.error = error
    self.interrupted = interrupted
  }
}

/// A sweep about to run, handed to the interpreter's `SweepHost`: its name, its grid of
/// configurations (first axis outermost) and a way to run any point of it in this process.
public final class SweepExecution {
  /// The name given as `sweep "name": ...`, if any.
  public let name: String?
  /// The whole `sweep` statement.
  public let span: SourceSpan
  /// The sweep variables in order.
  public let axes: [String]
  /// One configuration per run: the value of every sweep variable.
  public let configurations: [[SweepField]]
  /// One text per run naming its configuration exactly (`a = 0.1\nb = "x"`), for cache keys.
  public let keys: [String]
  /// `stop_on_error: true`: the first failing run stops the sweep and fails it.
  public let stopOnError: Bool
  /// The variable holding the seed, which summaries aggregate over: `seed: "s"`, else a
  /// variable named `seed`, else none.
  public let seedAxis: String?
  let runPoint: (Int, OutputSink, FileAccess?) -> SweepRun

  init(
    name: String?, span: SourceSpan, axes: [String], configurations: [[SweepField]],
    keys: [String], stopOnError: Bool, seedAxis: String? = nil,
    runPoint: @escaping (Int, OutputSink, FileAccess?) -> SweepRun
  ) {
    self.seedAxis = seedAxis
    self.name = name
    self.span = span
    self.axes = axes
    self.configurations = configurations
    self.keys = keys
    self.stopOnError = stopOnError
    self.runPoint = runPoint
  }

  /// Runs point `index` in this process, in a fresh scope that starts from the state the
  /// sweep began with (and leaves that state as it found it).
  /// - Parameters:
  ///   - output: receives everything the run shows.
  ///   - files: the file access of the run, when it differs from the session's.
  public func run(_ index: Int, output: OutputSink, files: FileAccess? = nil) -> SweepRun {
    runPoint(index, output, files)
  }

  /// `a=0.1, b=2`: a configuration for messages.
  public func label(of index: Int) -> String {
    configurations[index].map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
  }
}

/// Runs the points of sweeps for a front end: in this process, in worker processes or from a
/// cache. Without a host, the interpreter runs every point in order and shows the runs table
/// and the summary as text (see `SweepResults`).
public protocol SweepHost: AnyObject {
  /// Runs a sweep (or finds its runs) and shows its results through `interpreter.output`.
  /// - Throws: an error that fails the statement (a run failed under `stop_on_error: true`,
  ///   an interrupt, a worker that died).
  func execute(_ sweep: SweepExecution, interpreter: Interpreter) throws(RuntimeError)
}
