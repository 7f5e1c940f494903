import ProxyGradNotebook
import ProxyGradRuntime

/// The output sink of a notebook run: turns the runtime's events into the outputs of the cell
/// that is running. Consecutive `print` texts merge into one stream, as Jupyter shows them.
package final class NotebookOutputCollector: OutputSink {
  private var outputs: [CellOutput] = []
  /// The first event that could not become an output (an image libpng cannot take, say); the
  /// runner fails the cell with it.
  private(set) var failure: NotebookError?

  package init() {}

  package func emit(_ event: OutputEvent) {
    do throws(NotebookError) {
      append(try Self.output(of: event))
    } catch {
      if failure == nil { failure = error }
    }
  }

  /// Adds an output of the runner's own (the cell's last value, an error).
  func append(_ output: CellOutput) {
    if case .stream(let text) = output, case .stream(let previous)? = outputs.last {
      outputs[outputs.count - 1] = .stream(previous + text)
    } else {
      outputs.append(output)
    }
  }

  /// The outputs gathered since the last call, and any failure; starts a new cell.
  func take() -> (outputs: [CellOutput], failure: NotebookError?) {
    defer {
      outputs = []
      failure = nil
    }
    return (outputs, failure)
  }

  /// The notebook output of one event.
  package static func output(of event: OutputEvent) throws(NotebookError) -> CellOutput {
    switch event {
    case .text(let text):
      return .stream(text)
    case .warning(let text):
      return .warning(text)
    case .image(let tensor, let labels, let title):
      let image = try NotebookImage.rendering(
        values: tensor.values, shape: tensor.shape, labels: labels)
      return .image(image, caption: title)
    case .metric(let name, let value, let digits):
      return .metric(name: name, value: value, digits: digits)
    case .table(let title, let columns, let rows, let digits):
      var table = try tableOrError(columns, rows)
      table.title = title
      table.digits = digits
      return .table(table)
    case .plot(let title, let columns, let rows, let x, let y):
      let table = try tableOrError(columns, rows)
      return .plot(try plot(table, x: x, y: y, title: title))
    }
  }

  /// The table of an output event (its empty strings are missing cells).
  static func tableOrError(_ columns: [String], _ rows: [[TableCell]]) throws(NotebookError) -> Table {
    do throws(TableError) {
      return try Table(output: columns, rows: rows)
    } catch {
      throw .table(error)
    }
  }

  /// A line plot of `y` against `x`. A column named `Y_std` beside a plotted column `Y` draws a
  /// band of ±std around it (a sweep's mean ± std over seeds).
  static func plot(
    _ table: Table, x: String, y: [String], title: String?
  ) throws(NotebookError) -> NotebookPlot {
    var bands: [String: String] = [:]
    for name in y where table.columns.contains(name + "_std") { bands[name] = name + "_std" }
    return try NotebookPlot.lines(from: table, x: x, y: y, std: bands, title: title)
  }


}
