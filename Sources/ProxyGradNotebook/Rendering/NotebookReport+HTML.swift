import Ink
import ProxyGradFormat

extension NotebookReport {
  /// `index.html`: one self-contained, offline page. Markdown cells are rendered with Ink; code
  /// cells show their source with file line numbers, a status badge and their outputs; images
  /// are `data:` URIs, plots inline SVG; a failed cell is outlined in red and named in a banner at
  /// the top. No timings, so equal runs give equal pages.
  package func indexHTML() -> String {
    let title = HTMLText.escape(run.name)
    var page = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta name="generator" content="pgs \(HTMLText.escape(run.toolVersion))">
      <title>\(title)</title>
      <style>
      \(ReportStyle.css)
      </style>
      </head>
      <body>
      <main>\n
      """
    page += header()
    let parser = MarkdownParser()
    let counts = executionCounts
    for (index, record) in run.cells.enumerated() {
      if record.cell.kind == .markdown {
        page += "<section class=\"cell markdown\" id=\"cell-\(index + 1)\">\n"
        page += parser.html(from: record.cell.source) + "\n</section>\n"
      } else {
        page += codeCell(record, index: index, executionCount: counts[index])
      }
    }
    page += "<footer>Made by pgs \(HTMLText.escape(run.toolVersion)) from "
    page += "<code>\(HTMLText.escape(run.scriptPath))</code>.</footer>\n"
    return page + "</main>\n</body>\n</html>\n"
  }

  // MARK: - Header

  private func header() -> String {
    var out = "<header class=\"run\">\n<h1>\(HTMLText.escape(run.name))</h1>\n<dl class=\"meta\">\n"
    out += "<dt>script</dt><dd><code>\(HTMLText.escape(run.scriptPath))</code></dd>\n"
    out += "<dt>sha-256</dt><dd><code>\(run.scriptSHA256)</code></dd>\n"
    out += "<dt>seed</dt><dd>\(run.seed)</dd>\n"
    if !run.parameters.isEmpty {
      let list = run.parameters.map { parameter in
        let text =
          "<code>\(HTMLText.escape(parameter.name)) = \(HTMLText.escape(parameter.value.sourceText))</code>"
        return parameter.overridden
          ? "<span class=\"overridden\" title=\"set on the command line\">\(text)</span>" : text
      }
      out += "<dt>parameters</dt><dd>\(list.joined(separator: ", "))</dd>\n"
    }
    out += "<dt>status</dt><dd>\(statusText())</dd>\n"
    out += "<dt>pgs</dt><dd>\(HTMLText.escape(run.toolVersion))</dd>\n</dl>\n"
    if let failed = run.failedCellIndex {
      let message =
        run.cells[failed].outputs.reversed().lazy.compactMap { output -> CellError? in
          if case .error(let error) = output { return error }
          return nil
        }.first?.message ?? "error"
      out +=
        "<div class=\"banner\">The run stopped at <a href=\"#cell-\(failed + 1)\">cell \(failed + 1)</a>: "
      out += "\(HTMLText.escape(message))</div>\n"
    }
    let metrics = run.shownMetrics
    if !metrics.isEmpty {
      out += "<section class=\"metrics\">\n<h2>Metrics</h2>\n"
      out += metrics.map { metricCard(name: $0.name, value: $0.value, digits: $0.digits) }.joined()
      out += "</section>\n"
    }
    return out + "</header>\n"
  }

  private func statusText() -> String {
    let ran = run.cells.filter { $0.cell.kind.isExecutable && $0.status != .skipped }.count
    let total = run.cells.filter { $0.cell.kind.isExecutable }.count
    if let failed = run.failedCellIndex {
      return "failed in cell \(failed + 1) (\(ran) of \(total) code cells run)"
    }
    return "ok (\(total) code cells run)"
  }

  private func metricCard(name: String, value: Double, digits: Int?) -> String {
    "<div class=\"metric\"><span class=\"name\">\(HTMLText.escape(name))</span>"
      + "<span class=\"value\">\(HTMLText.escape(Format.shown(value, digits: digits)))</span></div>\n"
  }

  // MARK: - Code cells

  private func codeCell(_ record: CellRecord, index: Int, executionCount: Int?) -> String {
    let statusClass = record.status == .ok ? "" : " \(record.status.rawValue)"
    var out = "<section class=\"cell code\(statusClass)\" id=\"cell-\(index + 1)\">\n"
    out +=
      "<div class=\"cell-head\"><span class=\"count\">[\(executionCount.map(String.init) ?? " ")]</span>"
    if let title = record.cell.title {
      out += "<span class=\"title\">\(HTMLText.escape(title))</span>"
    }
    if record.cell.kind == .parameters {
      out += "<span class=\"badge parameters\">parameters</span>"
    }
    if record.status != .ok {
      out +=
        "<span class=\"badge \(record.status.rawValue)\">\(record.status == .error ? "error" : "not run")</span>"
    }
    if record.reused {
      out += "<span class=\"badge reused\" title=\"restored from the cache of an earlier run\">reused</span>"
    }
    out += "<span class=\"lines\">\(lineRange(record.cell))</span></div>\n"
    out += sourceBlock(record.cell)
    out += "<div class=\"outputs\">"
    for (outputIndex, output) in record.outputs.enumerated() {
      out += outputHTML(output, key: ImageKey(cell: index, output: outputIndex))
    }
    return out + "</div>\n</section>\n"
  }

  private func lineRange(_ cell: NotebookCell) -> String {
    let last = cell.lastLine
    if last < cell.firstLine { return "empty" }
    return last == cell.firstLine ? "line \(last)" : "lines \(cell.firstLine)–\(last)"
  }

  private func sourceBlock(_ cell: NotebookCell) -> String {
    guard !cell.source.isEmpty else { return "" }
    let lines = cell.source.split(separator: "\n", omittingEmptySubsequences: false)
    var out = "<pre class=\"source\"><code>"
    for (offset, line) in lines.enumerated() {
      out += "<span class=\"line\"><span class=\"ln\">\(cell.firstLine + offset)</span>"
      out += HTMLText.escape(String(line)) + "</span>"
    }
    return out + "</code></pre>\n"
  }

  private func outputHTML(_ output: CellOutput, key: ImageKey) -> String {
    switch output {
    case .stream(let text):
      return "<pre class=\"stream\">\(HTMLText.escape(text))</pre>\n"
    case .result(let text):
      return "<pre class=\"result\">\(HTMLText.escape(text))</pre>\n"
    case .warning:
      // Styled in place: reports without warnings keep their style sheet byte for byte.
      return "<pre class=\"stream warning\" style=\"color: var(--error)\">\(HTMLText.escape(output.plainText))</pre>\n"
    case .image(_, let caption):
      guard let image = images[key] else { return "" }
      let alt = HTMLText.escape(caption ?? "image \(image.path)")
      var out = "<figure class=\"image\"><img src=\"data:image/png;base64,\(image.base64)\" "
      out += "width=\"\(image.width)\" height=\"\(image.height)\" alt=\"\(alt)\">"
      if let caption { out += "<figcaption>\(HTMLText.escape(caption))</figcaption>" }
      return out + "</figure>\n"
    case .metric(let name, let value, let digits):
      return metricCard(name: name, value: value, digits: digits)
    case .table(let table):
      return "<div class=\"table-wrap\">\n\(table.html())</div>\n"
    case .plot(let plot):
      return "<div class=\"plot\">\n\(plot.svg())</div>\n"
    case .error(let error):
      var out = "<div class=\"error-box\"><div class=\"error-title\">"
      out += "\(HTMLText.escape(error.name)): \(HTMLText.escape(error.message))</div>"
      if !error.details.isEmpty {
        out += "<pre>\(HTMLText.escape(error.details.joined(separator: "\n")))</pre>"
      }
      return out + "</div>\n"
    }
  }
}
