// Numbers, shapes, layer specs and tables as text are part of the language's outputs: every
// module that imports the runtime sees them.
@_exported import ProxyGradFormat
import ProxyGradNN

/// Something a script produced for the user. Only `print` text exists in every front end; the
/// notebook and the REPL render the others.
public enum OutputEvent {
  case text(String)
  /// One image, or a batch shown as a grid; `labels` name the items.
  case image(Tensor, labels: [String]?, title: String?)
  /// `digits`: decimal places to show the value with (nil: six significant digits).
  case metric(name: String, value: Double, digits: Int?)
  /// `digits`: decimal places to show numbers with (nil: six significant digits); files for
  /// machines (CSV) keep every digit.
  case table(title: String?, columns: [String], rows: [[TableCell]], digits: Int?)
  case plot(title: String?, columns: [String], rows: [[TableCell]], x: String, y: [String])
  /// Something that went wrong without stopping the cell (a sweep's failed runs, a loss that
  /// became NaN): front ends show it apart from the text, on standard error or in red. The text
  /// ends with a newline.
  case warning(String)
}

/// Where outputs go. Library code never prints; front ends pass a sink.
public protocol OutputSink: AnyObject {
  func emit(_ event: OutputEvent)
}

/// Keeps every event, and the text of `print` calls, for tests and captured runs.
public final class OutputBuffer: OutputSink {
  public private(set) var events: [OutputEvent] = []
  public private(set) var text = ""
  public init() {}
  public func emit(_ event: OutputEvent) {
    events.append(event)
    text += OutputText.render(event)
  }
}

/// Plain-text rendering of events, for terminals and logs.
public enum OutputText {
  public static func render(_ event: OutputEvent) -> String {
    switch event {
    case .text(let text):
      return text
    case .image(let tensor, _, let title):
      let shape = tensor.shape.map(String.init).joined(separator: ", ")
      return "[image\(title.map { " " + $0 } ?? ""): tensor of shape [\(shape)]]\n"
    case .metric(let name, let value, let digits):
      return "\(name): \(Format.shown(value, digits: digits))\n"
    case .table(let title, let columns, let rows, let digits):
      return (title.map { $0 + "\n" } ?? "") + table(columns, rows, digits: digits)
    case .plot(let title, _, let rows, let x, let y):
      return "[plot\(title.map { " " + $0 } ?? ""): \(y.joined(separator: ", ")) against \(x), \(rows.count) points]\n"
    case .warning(let text):
      return "warning: " + text
    }
  }

  /// The table as every front end shows it as text (``Table/plainText()``): a header, a rule,
  /// numeric columns right-aligned, numbers for people (see ``Format/shown(_:digits:)``).
  public static func table(_ columns: [String], _ rows: [[TableCell]], digits: Int? = nil) -> String {
    do throws(TableError) {
      var table = try Table(output: columns, rows: rows)
      table.digits = digits
      return table.plainText()
    } catch {
      return "[table: \(error)]\n"
    }
  }
}
