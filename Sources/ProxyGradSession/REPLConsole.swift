import ProxyGradRuntime

/// The two streams the REPL writes to.
public enum REPLStream: Equatable, Sendable {
  /// What statements print and the echo of their values: standard output.
  case output
  /// Diagnostics, runtime errors and interrupts: standard error.
  case error
}

/// Where a ``REPLSession`` writes its text. The session never touches a terminal itself, so
/// `pgs` passes a console on standard output and error, and tests pass a ``REPLTranscript``.
public protocol REPLConsole: AnyObject {
  /// Writes `text` (already ending in a newline where one belongs) to `stream`.
  /// - Parameters:
  ///   - text: the text to write.
  ///   - stream: standard output or standard error.
  func write(_ text: String, to stream: REPLStream)
}

/// A ``REPLConsole`` that keeps everything written, for tests.
public final class REPLTranscript: REPLConsole {
  /// Everything written to ``REPLStream/output``, in order.
  public private(set) var output = ""
  /// Everything written to ``REPLStream/error``, in order.
  public private(set) var errors = ""

  /// Creates an empty transcript.
  public init() {}

  /// Appends `text` to ``output`` or ``errors``.
  public func write(_ text: String, to stream: REPLStream) {
    switch stream {
    case .output: output += text
    case .error: errors += text
    }
  }

  /// Returns what was written to both streams since the last call, and forgets it.
  /// - Returns: the output and error text.
  public func take() -> (output: String, errors: String) {
    defer {
      output = ""
      errors = ""
    }
    return (output, errors)
  }
}

/// Passes the interpreter's outputs (`print`, `show`, `metric`, ...) to the console as text.
final class ConsoleOutputSink: OutputSink {
  weak var console: (any REPLConsole)?
  /// Draws images and plots in the terminal (and saves them as files); nil writes their
  /// one-line text form.
  var pictures: TerminalPictures?

  init(console: any REPLConsole) {
    self.console = console
  }

  func emit(_ event: OutputEvent) {
    if let pictures, let text = pictures.render(event) {
      console?.write(text, to: .output)
      return
    }
    if case .warning = event {
      console?.write(OutputText.render(event), to: .error)
    } else {
      console?.write(OutputText.render(event), to: .output)
    }
  }
}
