extension NotebookReport {
  /// The run as an nbformat 4.5 notebook, written like Jupyter writes one: keys sorted, one space
  /// of indentation, sources and text as lists of lines, non-ASCII kept as UTF-8.
  ///
  /// - Markdown cells become `markdown` cells; code and parameters cells become `code` cells
  ///   (the parameters cell tagged `parameters`, as papermill expects).
  /// - When a parameter was overridden, a code cell tagged `injected-parameters` follows the
  ///   parameters cell and assigns the values used, as papermill does.
  /// - Outputs: `print` → `stream`; the last value → `execute_result`; images → `display_data`
  ///   with `image/png`; tables → `text/html`; plots → `image/svg+xml`; metrics → `text/plain`;
  ///   the error → `error` (`ename`, `evalue`, `traceback`). Every `display_data` also carries
  ///   `text/plain`.
  /// - Cell ids are `cell-N` (N the 1-based cell number; the injected cell is
  ///   `cell-N-injected`). No timings are written.
  package func notebookJSON() -> String {
    var cells: [JSONValue] = []
    let counts = executionCounts
    for (index, record) in run.cells.enumerated() {
      cells.append(cellJSON(record, index: index, executionCount: counts[index]))
      if record.cell.kind == .parameters, let injected = injectedParametersCell(after: index) {
        cells.append(injected)
      }
    }
    let notebook: JSONValue = .object([
      ("cells", .array(cells)),
      (
        "metadata",
        .object([
          (
            "kernelspec",
            .object([
              ("display_name", .string("ProxyGrad (pgs)")), ("language", .string("pgs")),
              ("name", .string("pgs")),
            ])
          ),
          (
            "language_info",
            .object([
              ("file_extension", .string(".pgs")), ("name", .string("pgs")),
            ])
          ),
          (
            "pgs",
            .object([
              ("parameters", .object(run.parameters.map { ($0.name, $0.value.json) })),
              ("script", .string(run.scriptPath)),
              ("script_sha256", .string(run.scriptSHA256)),
              ("seed", seedJSON),
              ("version", .string(run.toolVersion)),
            ])
          ),
        ])
      ),
      ("nbformat", .int(4)),
      ("nbformat_minor", .int(5)),
    ])
    return notebook.serialized(indent: 1, sortedKeys: true)
  }

  /// The seed as a JSON integer when it fits, else as a string of digits.
  var seedJSON: JSONValue {
    run.seed <= UInt64(Int.max) ? .int(Int(run.seed)) : .string(String(run.seed))
  }

  private func cellJSON(_ record: CellRecord, index: Int, executionCount: Int?) -> JSONValue {
    var metadata: [(String, JSONValue)] = []
    var tags = record.cell.tags
    if record.cell.kind == .parameters && !tags.contains("parameters") { tags.append("parameters") }
    if !tags.isEmpty { metadata.append(("tags", .array(tags.map(JSONValue.string)))) }
    if let title = record.cell.title { metadata.append(("title", .string(title))) }
    if record.status != .ok {
      metadata.append(("pgs", .object([("status", .string(record.status.rawValue))])))
    } else if record.reused {
      metadata.append(("pgs", .object([("reused", .bool(true))])))
    }
    let id = JSONValue.string("cell-\(index + 1)")
    if record.cell.kind == .markdown {
      return .object([
        ("cell_type", .string("markdown")), ("id", id), ("metadata", .object(metadata)),
        ("source", Self.lines(record.cell.source)),
      ])
    }
    let outputs = record.outputs.enumerated().map { outputIndex, output in
      outputJSON(output, key: ImageKey(cell: index, output: outputIndex), count: executionCount)
    }
    return .object([
      ("cell_type", .string("code")),
      ("execution_count", executionCount.map(JSONValue.int) ?? .null),
      ("id", id), ("metadata", .object(metadata)), ("outputs", .array(outputs)),
      ("source", Self.lines(record.cell.source)),
    ])
  }

  private func injectedParametersCell(after index: Int) -> JSONValue? {
    let overridden = run.parameters.filter(\.overridden)
    guard !overridden.isEmpty else { return nil }
    let source =
      "# Parameters\n"
      + overridden.map { "\($0.name) = \($0.value.sourceText)" }.joined(separator: "\n")
    return .object([
      ("cell_type", .string("code")), ("execution_count", .null),
      ("id", .string("cell-\(index + 1)-injected")),
      ("metadata", .object([("tags", .array([.string("injected-parameters")]))])),
      ("outputs", .array([])), ("source", Self.lines(source)),
    ])
  }

  private func outputJSON(_ output: CellOutput, key: ImageKey, count: Int?) -> JSONValue {
    let plain = ("text/plain", Self.lines(output.plainText))
    switch output {
    case .stream(let text):
      return .object([
        ("name", .string("stdout")), ("output_type", .string("stream")), ("text", Self.lines(text)),
      ])
    case .warning:
      return .object([
        ("name", .string("stderr")), ("output_type", .string("stream")), ("text", Self.lines(output.plainText)),
      ])
    case .result:
      return .object([
        ("data", .object([plain])), ("execution_count", count.map(JSONValue.int) ?? .null),
        ("metadata", .object([])), ("output_type", .string("execute_result")),
      ])
    case .image:
      guard let image = images[key] else { return displayData([plain]) }
      return displayData(
        [("image/png", .string(image.base64 + "\n")), plain],
        metadata: [
          (
            "image/png",
            .object([
              ("height", .int(image.height)), ("width", .int(image.width)),
            ])
          )
        ])
    case .metric:
      return displayData([plain])
    case .table(let table):
      return displayData([("text/html", Self.lines(table.html())), plain])
    case .plot(let plot):
      return displayData([("image/svg+xml", Self.lines(plot.svg())), plain])
    case .error(let error):
      return .object([
        ("ename", .string(error.name)), ("evalue", .string(error.message)),
        ("output_type", .string("error")),
        ("traceback", .array(([error.message] + error.details).map(JSONValue.string))),
      ])
    }
  }

  private func displayData(
    _ data: [(String, JSONValue)], metadata: [(String, JSONValue)] = []
  ) -> JSONValue {
    .object([
      ("data", .object(data)), ("metadata", .object(metadata)),
      ("output_type", .string("display_data")),
    ])
  }

  /// Multi-line text as Jupyter stores it: a list of lines, each but the last ending in `\n`.
  static func lines(_ text: String) -> JSONValue {
    var lines: [JSONValue] = []
    var current = ""
    for character in text {
      current.append(character)
      if character == "\n" || character == "\r\n" {
        lines.append(.string(current))
        current = ""
      }
    }
    if !current.isEmpty { lines.append(.string(current)) }
    return .array(lines)
  }
}
