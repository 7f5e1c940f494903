import ProxyGradFormat

/// One output of a notebook cell, independent of the language that produced it.
package enum CellOutput: Equatable, Sendable {
  /// Text a cell printed (`print`), in order; each print's text carries its own newline.
  case stream(String)
  /// The display text of a cell's last expression, as Jupyter's `execute_result`.
  case result(String)
  /// An image (`show`), with an optional caption.
  case image(NotebookImage, caption: String?)
  /// A named scalar (`metric`), shown with `digits` decimal places (nil: six significant
  /// digits); metrics.json keeps every digit.
  case metric(name: String, value: Double, digits: Int?)
  case table(Table)
  case plot(NotebookPlot)
  /// The error that stopped the cell.
  case error(CellError)
  /// Something that went wrong without stopping the cell (a sweep's failed runs, a NaN loss);
  /// the text, ending in a newline, without the `warning: ` the renderings put before it.
  case warning(String)

  /// The output kind as written in `manifest.json`.
  package var kindName: String {
    switch self {
    case .stream: return "stream"
    case .result: return "result"
    case .image: return "image"
    case .metric: return "metric"
    case .table: return "table"
    case .plot: return "plot"
    case .error: return "error"
    case .warning: return "warning"
    }
  }
}

/// The error that stopped a cell, ready for display.
package struct CellError: Equatable, Sendable {
  /// A short error class, shown as the ipynb `ename` (`RuntimeError`, `SyntaxError`).
  package var name: String
  /// The message; by convention it starts with `line:col:` in file coordinates.
  package var message: String
  /// Further lines: the call trace and the source line with a caret. Shown under the message.
  package var details: [String]

  package init(name: String = "RuntimeError", message: String, details: [String] = []) {
    self.name = name
    self.message = message
    self.details = details
  }
}

extension CellOutput {
  /// The plain-text form of an output: the ipynb's and the kernel's `text/plain`, and the
  /// manifest's summary.
  package var plainText: String {
    switch self {
    case .stream(let text), .result(let text): return text
    case .image(let image, let caption):
      let kind = image.channels == 3 ? "RGB" : "gray"
      let suffix = caption.map { ": \($0)" } ?? ""
      return "<image \(image.width)×\(image.height) \(kind)\(suffix)>"
    case .metric(let name, let value, let digits): return "\(name): \(Format.shown(value, digits: digits))"
    case .table(let table): return table.plainText()
    case .plot(let plot): return plot.summaryText
    case .error(let error): return "\(error.name): \(error.message)"
    case .warning(let text): return "warning: " + text
    }
  }
}
