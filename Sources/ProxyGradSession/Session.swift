import Foundation
import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradSyntax

/// How a run, a cell or a command ended, as the process exit status every front end gives it
/// (the BSD `sysexits` values, and 130 for an interrupt as shells report SIGINT).
public enum ExitStatus: Int32, Sendable, CustomStringConvertible {
  case ok = 0
  /// Bad command-line arguments or a misused command (`EX_USAGE`).
  case usage = 64
  /// The script is not valid: a syntax or name error, found before anything ran (`EX_DATAERR`).
  case invalidScript = 65
  /// An input file (a script, a cache folder, a sweep's output) is missing (`EX_NOINPUT`).
  case noInput = 66
  /// The code failed while it ran (`EX_SOFTWARE`).
  case runtimeError = 70
  /// An output folder or file cannot be written (`EX_CANTCREAT`).
  case cannotCreate = 73
  /// Ctrl-C, SIGINT or SIGTERM stopped the run.
  case interrupted = 130

  public var description: String { String(rawValue) }
}

/// What executing one piece of source did.
public struct CellResult {
  /// ``ExitStatus/ok``, ``ExitStatus/invalidScript``, ``ExitStatus/runtimeError`` or
  /// ``ExitStatus/interrupted``.
  public var status: ExitStatus
  /// The checked program; nil when checking failed.
  public var program: ResolvedProgram?
  /// Errors found by checking; when there are any, nothing ran.
  public var diagnostics: [Diagnostic] = []
  /// The error the run stopped with.
  public var error: RuntimeError?
  /// The value of a final expression statement, to show; nil when the last statement is no
  /// expression, or its value is nothing.
  public var shownValue: Value?

  /// Whether the source ran to its end.
  public var succeeded: Bool { status == .ok }

  /// The error for a terminal: the rendered diagnostics or the runtime error with its source
  /// line; empty when the source ran.
  public var errorText: String {
    if !diagnostics.isEmpty { return DiagnosticRenderer().render(diagnostics) }
    return error?.rendered() ?? ""
  }

  /// The error as a notebook cell or Jupyter shows it.
  package var cellError: CellError? {
    if !diagnostics.isEmpty { return CellError(diagnostics) }
    guard let error else { return nil }
    var cellError = CellError(error)
    if status == .interrupted { cellError.name = "Interrupted" }
    return cellError
  }
}

/// The one road from text to a result (docs/architecture.md): a long-lived interpreter that
/// each piece of source is checked against, then run in, with how it ended classified once.
/// The REPL, `pgs run` (plain scripts and notebook cells) and the Jupyter kernel all execute
/// through a session; they differ only in where outputs go and how they show the result.
///
/// A front end sets the interpreter's output sink, file access, progress and sweep host, and
/// injects its stop check (``Interpreter/stops``); errors never reset the session.
public final class Session {
  /// The interpreter holding the globals; replaced by ``reset()``.
  public private(set) var interpreter: Interpreter
  private let make: () -> Interpreter

  /// - Parameter make: makes the interpreter, now and at each ``reset()``.
  public init(_ make: @escaping () -> Interpreter) {
    self.make = make
    interpreter = make()
  }

  /// Replaces the interpreter with a fresh one: every global is gone.
  public func reset() {
    interpreter = make()
  }

  /// Checks `file` against the session's globals, then runs it.
  /// - Returns: how it ended. A run that failed while the stop check asked to stop counts as
  ///   interrupted, whatever stopped it (the interrupt itself, or a worker the signal ended).
  public func execute(_ file: SourceFile) -> CellResult {
    let (program, diagnostics) = interpreter.check(file)
    guard let program else { return CellResult(status: .invalidScript, diagnostics: diagnostics) }
    do {
      let value = try interpreter.run(program)
      var result = CellResult(status: .ok, program: program)
      if case .expression? = program.program.statements.last?.kind {
        switch value {
        case .none, .unset: break
        default: result.shownValue = value
        }
      }
      return result
    } catch {
      let interrupted = error.kind == .interrupted || interpreter.stops.check()
      return CellResult(status: interrupted ? .interrupted : .runtimeError, program: program, error: error)
    }
  }

  // MARK: - Questions about names

  /// The help `?name` shows: what a global holds, a builtin's signature, text and example, or
  /// a keyword's statement; nil when there is no such name.
  /// - Parameter width: the line width text is wrapped to.
  public func help(for name: String, width: Int = 80) -> String? {
    if let value = interpreter.global(name) {
      return "\(name): \(Self.typeName(value))\n\(ValueDisplay.render(value, width: width))\n"
    }
    if let builtin = Builtins.named(name) { return REPLHelp.wrap(Builtins.helpText(builtin), width: width) + "\n" }
    if let text = REPLHelp.keywords[name] { return REPLHelp.wrap(text, width: width) + "\n" }
    return nil
  }

  /// Tab completion of `line` up to `cursor` (in `Character`s): keywords, builtins, names in
  /// scope, argument labels, fields and layer names after a `.`, and `:` commands.
  /// - Parameter pending: the unfinished statement's earlier lines, whose names are offered too.
  /// - Returns: where the word being completed starts, and its full replacements, sorted.
  public func completions(line: String, cursor: Int, pending: [String] = []) -> (wordStart: Int, candidates: [String]) {
    Completer(interpreter: interpreter, pending: pending).complete(Array(line.prefix(max(0, cursor))))
  }

  /// A type name without its article: `number`, `tensor`.
  public static func typeName(_ value: Value) -> String {
    let description = value.typeDescription
    for article in ["a ", "an "] where description.hasPrefix(article) {
      return String(description.dropFirst(article.count))
    }
    return description
  }
}
