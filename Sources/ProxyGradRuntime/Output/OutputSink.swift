import ProxyGradNN

/// A table cell: outputs carry plain data, not language values.
public enum TableCell: Equatable, Sendable, CustomStringConvertible {
  case number(Double)
  case string(String)
  public var description: String {
    switch self {
    case .number(let x): return Format.number(x)
    case .string(let s): return s
    }
  }
}

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

  /// Columns padded to their widest cell; numbers for people (see ``Format/shown(_:digits:)``).
  public static func table(_ columns: [String], _ rows: [[TableCell]], digits: Int? = nil) -> String {
    let cells = [columns] + rows.map { row in
      row.map { cell -> String in
        if case .number(let x) = cell { return Format.shown(x, digits: digits) }
        return cell.description
      }
    }
    var widths = columns.map(\.count)
    for row in cells {
      for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    return cells.map { row in
      row.enumerated().map { i, cell in
        i < widths.count ? cell + String(repeating: " ", count: widths[i] - cell.count) : cell
      }.joined(separator: "  ").trimmingTrailingSpaces()
    }.joined(separator: "\n") + "\n"
  }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var s = self
    while s.last == " " { s.removeLast() }
    return s
  }
}
