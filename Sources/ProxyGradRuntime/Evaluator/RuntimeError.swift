import ProxyGradSyntax

/// An error while a script runs: what went wrong, where, and the calls that led there.
public struct RuntimeError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Broad classes of runtime failure.
  public enum Kind: String, Equatable, Sendable {
    case type, value, shape, name, arity, index, recursion, engine, unsupported
    /// A file or folder could not be opened, read or written.
    case io
    /// Ctrl-C, SIGINT, SIGTERM or a kernel's interrupt stopped the run.
    case interrupted
    /// The run stopped on purpose once its work was handed on, not a failure: a sweep submitted
    /// to Slurm without waiting, or a sweep worker whose runs are done.
    case stopped
  }

  /// One call on the way to the error, innermost first.
  public struct Frame: Equatable, Sendable {
    public var function: String
    public var callSite: SourceSpan
  }

  public var kind: Kind
  /// Lowercase, says what was expected and what was found.
  public var message: String
  /// The failing expression (for an operator: the operator).
  public var span: SourceSpan?
  public var trace: [Frame]

  public init(_ kind: Kind, _ message: String, at span: SourceSpan? = nil) {
    self.kind = kind
    self.message = message
    self.span = span
    self.trace = []
  }

  public var description: String { message }

  /// `path:line:col: error: message`, the source line with a caret, and the call trace.
  public func rendered(showsSource: Bool = true) -> String {
    var out = ""
    if let span {
      out += "\(span): error: \(message)\n"
      if showsSource { out += DiagnosticRenderer.excerpt(span) }
    } else {
      out += "error: \(message)\n"
    }
    let shown = trace.prefix(8)
    for frame in shown {
      out += "  in \(frame.function), called at \(frame.callSite)\n"
    }
    if trace.count > shown.count {
      out += "  ... \(trace.count - shown.count) more calls\n"
    }
    return out
  }
}

/// How evaluation leaves an expression early: an error, or structured control flow. Returned
/// values travel in ``Interpreter/returnValue``, so that this type stays `Sendable`.
enum Unwind: Error {
  case error(RuntimeError)
  case breakLoop
  case continueLoop
  case returnValue
}
