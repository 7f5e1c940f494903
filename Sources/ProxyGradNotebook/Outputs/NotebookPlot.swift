import ProxyGradFormat

/// One line of a plot, with an optional ± standard deviation band.
package struct PlotSeries: Equatable, Sendable {
  package let name: String
  package let x: [Double]
  package let y: [Double]
  /// Half-width of the band at each point (`y - std ... y + std`), or `nil` for no band.
  package let std: [Double]?

  /// Creates a series; `x`, `y` and `std` must have equal lengths. Non-finite points are
  /// allowed and break the line.
  package init(name: String, x: [Double], y: [Double], std: [Double]? = nil) throws(NotebookError) {
    guard x.count == y.count else {
      throw .plotSeriesLengthMismatch(series: name, x: x.count, y: y.count)
    }
    if let std, std.count != y.count {
      throw .plotSeriesLengthMismatch(series: name + " (std)", x: x.count, y: std.count)
    }
    self.name = name
    self.x = x
    self.y = y
    self.std = std
  }
}

/// A line plot output: one or more series on shared axes, rendered as self-contained SVG.
package struct NotebookPlot: Equatable, Sendable {
  package var title: String?
  package var xLabel: String
  package var yLabel: String
  package var series: [PlotSeries]

  package init(title: String? = nil, xLabel: String, yLabel: String, series: [PlotSeries]) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
  }

  /// A plot of table columns: one series per name in `y` against column `x`, named after its
  /// column. `std` maps a `y` column to the column holding its standard deviation (a band).
  /// Cells that are not numbers become gaps.
  /// - Throws: `NotebookError.table(.unknownColumn)` for a name the table lacks.
  package static func lines(
    from table: Table, x: String, y: [String], std: [String: String] = [:],
    title: String? = nil
  ) throws(NotebookError) -> NotebookPlot {
    func numbers(_ name: String) throws(NotebookError) -> [Double] {
      do throws(TableError) {
        return try table.column(named: name).map { cell in
          if case .number(let value) = cell { return value }
          return .nan
        }
      } catch {
        throw .table(error)
      }
    }
    let xs = try numbers(x)
    var series: [PlotSeries] = []
    for name in y {
      let band = try std[name].map { (column) throws(NotebookError) in try numbers(column) }
      series.append(try PlotSeries(name: name, x: xs, y: try numbers(name), std: band))
    }
    return NotebookPlot(
      title: title, xLabel: x, yLabel: y.count == 1 ? y[0] : "value", series: series)
  }

  /// A short plain-text stand-in for the plot (the ipynb `text/plain` of the SVG).
  package var summaryText: String {
    let names = series.map(\.name).joined(separator: ", ")
    let head = title.map { "\($0): " } ?? ""
    return "<plot \(head)\(yLabel) against \(xLabel); series: \(names)>"
  }
}
