import Testing

import ProxyGradFormat
@testable import ProxyGradNotebook

@Suite struct NotebookPlotTests {
  static func plot() throws -> NotebookPlot {
    NotebookPlot(
      title: "Loss <train>", xLabel: "step", yLabel: "loss",
      series: [
        try PlotSeries(
          name: "adam", x: [0, 1, 2, 3], y: [2.0, 1.2, 0.8, 0.5], std: [0.1, 0.1, 0.2, 0.1]),
        try PlotSeries(name: "sgd", x: [0, 1, 2, 3], y: [2.0, 1.9, .nan, 1.5]),
      ])
  }

  @Test func svgHasAxesTicksLabelsAndLegend() throws {
    let svg = try Self.plot().svg()
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(svg.hasSuffix("</svg>\n"))
    #expect(svg.contains("class=\"axes\""))
    #expect(svg.contains(">step</text>"))
    #expect(svg.contains(">loss</text>"))
    #expect(svg.contains("Loss &lt;train&gt;"))
    #expect(svg.contains("class=\"legend\""))
    #expect(svg.contains(">adam</text>"))
    #expect(svg.contains(">sgd</text>"))
    #expect(svg.contains("fill-opacity=\"0.2\""))  // the std band
    // The NaN splits sgd into a two-point line and a single point.
    #expect(svg.contains("<circle"))
    // Ticks: x 0…3 in steps of 1, y 0.0…2.5 in steps of 0.5 (the band reaches 0.4 and 2.1).
    #expect(svg.contains(">3</text>"))
    #expect(svg.contains(">0.0</text>"))
    #expect(svg.contains(">2.5</text>"))
  }

  @Test func svgIsDeterministic() throws {
    #expect(try Self.plot().svg() == Self.plot().svg())
  }

  @Test func singleSeriesWithoutBandHasNoLegend() throws {
    let plot = NotebookPlot(
      xLabel: "x", yLabel: "y", series: [try PlotSeries(name: "a", x: [1, 2], y: [3, 4])])
    #expect(!plot.svg().contains("legend"))
  }

  @Test func emptyPlotSaysNoData() {
    let svg = NotebookPlot(xLabel: "x", yLabel: "y", series: []).svg()
    #expect(svg.contains("no data"))
  }

  @Test func niceScaleEnclosesDataWithRoundSteps() {
    let scale = NiceScale(minimum: 0.13, maximum: 9.7)
    #expect(scale.lower == 0)
    #expect(scale.upper == 10)
    #expect(scale.step == 2)
    #expect(scale.ticks == [0, 2, 4, 6, 8, 10])
    let flat = NiceScale(minimum: 5, maximum: 5)
    #expect(flat.lower < 5 && flat.upper > 5)
    let small = NiceScale(minimum: 0.001, maximum: 0.0042)
    #expect(small.step == 0.001)
    #expect(small.decimals == 3)
    let broken = NiceScale(minimum: .infinity, maximum: -.infinity)
    #expect(broken.lower == 0 && broken.upper == 1)
  }

  @Test func linesFromTableUseColumnsAndBands() throws {
    let table = Table(records: [
      [("slope", .number(0)), ("mean", .number(1)), ("std", .number(0.1))],
      [("slope", .number(0.5)), ("mean", .number(2)), ("std", .string("n/a"))],
    ])
    let plot = try NotebookPlot.lines(from: table, x: "slope", y: ["mean"], std: ["mean": "std"])
    #expect(plot.series.count == 1)
    #expect(plot.series[0].x == [0, 0.5])
    #expect(plot.series[0].std?.first == 0.1)
    #expect(plot.series[0].std?.last?.isNaN == true)
    #expect(plot.yLabel == "mean")
    #expect(throws: NotebookError.self) {
      try NotebookPlot.lines(from: table, x: "nope", y: ["mean"])
    }
    #expect(throws: NotebookError.plotSeriesLengthMismatch(series: "a", x: 1, y: 2)) {
      try PlotSeries(name: "a", x: [1], y: [1, 2])
    }
  }
}
