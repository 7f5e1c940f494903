import ProxyGradFormat

extension NotebookPlot {
  /// Series colours, in order (the "tab10" palette), reused cyclically.
  static let palette = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
  ]

  /// The plot as a self-contained SVG document: axes with nice ticks and grid lines, axis
  /// labels, an optional title, one polyline per series (broken at non-finite points), a
  /// translucent band for series with `std`, and a legend when there is more than one series or
  /// any band. Coordinates are written with two decimals, so equal plots give equal text.
  package func svg(width: Int = 640, height: Int = 400) -> String {
    let frame = PlotFrame(width: Double(width), height: Double(height), hasTitle: title != nil)
    let xScale = NiceScale(minimum: range(\.x).0, maximum: range(\.x).1)
    let yBounds = yRange()
    let yScale = NiceScale(minimum: yBounds.0, maximum: yBounds.1)
    let map = PlotMapping(frame: frame, x: xScale, y: yScale)

    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
      viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12" role="img" \
      aria-label="\(HTMLText.escape(title ?? summaryText))">\n
      """
    svg += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
    svg += axes(map)
    for (index, series) in series.enumerated() {
      svg += draw(series, color: Self.palette[index % Self.palette.count], map: map)
    }
    svg += legend(frame)
    return svg + "</svg>\n"
  }

  // MARK: - Ranges

  private func range(_ values: KeyPath<PlotSeries, [Double]>) -> (Double, Double) {
    var low = Double.infinity
    var high = -Double.infinity
    for series in series {
      for v in series[keyPath: values] where v.isFinite {
        low = min(low, v)
        high = max(high, v)
      }
    }
    return (low, high)
  }

  private func yRange() -> (Double, Double) {
    var (low, high) = range(\.y)
    for series in series {
      guard let std = series.std else { continue }
      for (y, s) in zip(series.y, std) where y.isFinite && s.isFinite {
        low = min(low, y - abs(s))
        high = max(high, y + abs(s))
      }
    }
    return (low, high)
  }

  // MARK: - Pieces

  private func axes(_ map: PlotMapping) -> String {
    let f = map.frame
    var out = "<g class=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\">\n"
    for tick in map.x.ticks { out += line(map.px(tick), f.top, map.px(tick), f.bottom) }
    for tick in map.y.ticks { out += line(f.left, map.py(tick), f.right, map.py(tick)) }
    out += "</g>\n<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1\">\n"
    out += line(f.left, f.bottom, f.right, f.bottom)
    out += line(f.left, f.top, f.left, f.bottom)
    for tick in map.x.ticks { out += line(map.px(tick), f.bottom, map.px(tick), f.bottom + 5) }
    for tick in map.y.ticks { out += line(f.left - 5, map.py(tick), f.left, map.py(tick)) }
    out += "</g>\n<g class=\"ticks\" fill=\"#333333\">\n"
    for tick in map.x.ticks {
      out +=
        "<text x=\"\(n(map.px(tick)))\" y=\"\(n(f.bottom + 18))\" text-anchor=\"middle\">\(label(tick, map.x))</text>\n"
    }
    for tick in map.y.ticks {
      out +=
        "<text x=\"\(n(f.left - 8))\" y=\"\(n(map.py(tick) + 4))\" text-anchor=\"end\">\(label(tick, map.y))</text>\n"
    }
    out += "</g>\n"
    out +=
      "<text class=\"x-label\" x=\"\(n((f.left + f.right) / 2))\" y=\"\(n(f.height - 10))\" text-anchor=\"middle\">\(HTMLText.escape(xLabel))</text>\n"
    out +=
      "<text class=\"y-label\" x=\"14\" y=\"\(n((f.top + f.bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(n((f.top + f.bottom) / 2)))\">\(HTMLText.escape(yLabel))</text>\n"
    if let title {
      out +=
        "<text class=\"title\" x=\"\(n(f.width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(HTMLText.escape(title))</text>\n"
    }
    if series.allSatisfy({ s in !s.y.contains(where: \.isFinite) }) {
      out +=
        "<text x=\"\(n((f.left + f.right) / 2))\" y=\"\(n((f.top + f.bottom) / 2))\" text-anchor=\"middle\" fill=\"#999999\">no data</text>\n"
    }
    return out
  }

  private func draw(_ series: PlotSeries, color: String, map: PlotMapping) -> String {
    var out = "<g class=\"series\" data-name=\"\(HTMLText.escape(series.name))\">\n"
    let points = zip(series.x, series.y).enumerated().map { i, p in (i, p.0, p.1) }
    if let std = series.std {
      for segment in Self.segments(points.filter { std[$0.0].isFinite }) {
        let upper = segment.map { "\(n(map.px($0.1))),\(n(map.py($0.2 + abs(std[$0.0]))))" }
        let lower = segment.reversed().map {
          "\(n(map.px($0.1))),\(n(map.py($0.2 - abs(std[$0.0]))))"
        }
        out +=
          "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.2\" stroke=\"none\"/>\n"
      }
    }
    for segment in Self.segments(points) {
      if segment.count == 1, let p = segment.first {
        out +=
          "<circle cx=\"\(n(map.px(p.1)))\" cy=\"\(n(map.py(p.2)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
      } else {
        let coords = segment.map { "\(n(map.px($0.1))),\(n(map.py($0.2)))" }.joined(separator: " ")
        out +=
          "<polyline points=\"\(coords)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n"
      }
    }
    return out + "</g>\n"
  }

  private func legend(_ frame: PlotFrame) -> String {
    guard series.count > 1 || series.contains(where: { $0.std != nil }) else { return "" }
    let longest = series.map(\.name.count).max() ?? 0
    let boxWidth = Double(34 + 7 * longest)
    let boxHeight = Double(8 + 18 * series.count)
    let x = frame.right - boxWidth - 8
    let y = frame.top + 8
    var out = "<g class=\"legend\">\n"
    out +=
      "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(boxWidth))\" height=\"\(n(boxHeight))\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n"
    for (index, series) in series.enumerated() {
      let color = Self.palette[index % Self.palette.count]
      let rowY = y + 15 + Double(18 * index)
      if series.std != nil {
        out +=
          "<rect x=\"\(n(x + 6))\" y=\"\(n(rowY - 9))\" width=\"20\" height=\"10\" fill=\"\(color)\" fill-opacity=\"0.2\"/>\n"
      }
      out +=
        "<line x1=\"\(n(x + 6))\" y1=\"\(n(rowY - 4))\" x2=\"\(n(x + 26))\" y2=\"\(n(rowY - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
      out += "<text x=\"\(n(x + 30))\" y=\"\(n(rowY))\">\(HTMLText.escape(series.name))</text>\n"
    }
    return out + "</g>\n"
  }

  // MARK: - Helpers

  /// Runs of consecutive points with finite coordinates.
  private static func segments(_ points: [(Int, Double, Double)]) -> [[(Int, Double, Double)]] {
    var result: [[(Int, Double, Double)]] = []
    var current: [(Int, Double, Double)] = []
    var previous = -2
    for point in points {
      let finite = point.1.isFinite && point.2.isFinite
      if !finite || point.0 != previous + 1, !current.isEmpty {
        result.append(current)
        current = []
      }
      if finite { current.append(point) }
      previous = point.0
    }
    if !current.isEmpty { result.append(current) }
    return result
  }

  private func label(_ tick: Double, _ scale: NiceScale) -> String {
    let magnitude = max(abs(scale.lower), abs(scale.upper))
    if magnitude >= 1e6 || scale.decimals > 6 { return Format.number(tick) }
    return Format.fixed(tick, decimals: scale.decimals)
  }

  private func n(_ value: Double) -> String { Format.fixed(value, decimals: 2) }

  /// An SVG line from (x1, y1) to (x2, y2), drawn in its group's stroke.
  private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> String {
    "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\"/>\n"
  }
}

/// The plot area inside the SVG canvas: margins for the tick labels (left, bottom), the title
/// (top) and the last tick label (right).
private struct PlotFrame {
  let width: Double
  let height: Double
  let top: Double

  init(width: Double, height: Double, hasTitle: Bool) {
    self.width = width
    self.height = height
    top = hasTitle ? 36 : 16
  }

  var left: Double { 72 }
  var right: Double { width - 20 }
  var bottom: Double { height - 48 }
}

/// Data coordinates to canvas coordinates.
private struct PlotMapping {
  let frame: PlotFrame
  let x: NiceScale
  let y: NiceScale

  func px(_ value: Double) -> Double {
    frame.left + (value - x.lower) / (x.upper - x.lower) * (frame.right - frame.left)
  }

  func py(_ value: Double) -> Double {
    frame.bottom - (value - y.lower) / (y.upper - y.lower) * (frame.bottom - frame.top)
  }
}
