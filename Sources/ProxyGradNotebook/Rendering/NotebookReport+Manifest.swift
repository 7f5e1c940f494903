import ProxyGradFormat

extension NotebookReport {
  /// `manifest.json`: the run's record, members in a fixed order, two-space indentation.
  ///
  /// ```
  /// { "format": "pgs-notebook-manifest", "format_version": 1, "tool_version", "script": {path,
  ///   sha256}, "seed", "parameters": {name: value}, "overridden_parameters": [name],
  ///   "machine": {cpu, blas, blas_kernel},
  ///   "status": "ok" | "partial" | "error" | "interrupted", "failed_cell": N | null,
  ///   "interrupted_by": "SIGINT" | "SIGTERM" | null, "duration_seconds",
  ///   "files": {html, notebook, metrics_json, metrics_csv},
  ///   "cells": [{ "number", "kind", "title", "first_line", "last_line", "status",
  ///               "duration_seconds", "outputs": [{ "kind", ... }] }],
  ///   "sweeps": [{ "name", "status": "ok" | "partial" | "failed", "runs", "failed" }] }
  /// ```
  /// The run's status is `error` when a cell failed, else `partial` when runs of a sweep
  /// failed, else `ok`.
  /// Image outputs name their `file`; metrics carry `name` and `value`; errors `name` and
  /// `message`; streams and results their `text`. This is the only file with timings.
  package func manifestJSON() -> String {
    let failed = run.failedCellIndex
    let cells: [JSONValue] = run.cells.enumerated().map { index, record in
      .object([
        ("number", .int(index + 1)),
        ("kind", .string(record.cell.kind.rawValue)),
        ("title", .optional(record.cell.title)),
        ("first_line", .int(record.cell.firstLine)),
        ("last_line", .int(record.cell.lastLine)),
        ("status", .string(record.status.rawValue)),
        ("duration_seconds", .double(record.duration)),
        (
          "outputs",
          .array(
            record.outputs.enumerated().map { outputIndex, output in
              manifestEntry(output, key: ImageKey(cell: index, output: outputIndex))
            })
        ),
      ])
    }
    let manifest: JSONValue = .object([
      ("format", .string("pgs-notebook-manifest")),
      ("format_version", .int(1)),
      ("tool_version", .string(run.toolVersion)),
      (
        "script",
        .object([
          ("path", .string(run.scriptPath)), ("sha256", .string(run.scriptSHA256)),
        ])
      ),
      ("seed", seedJSON),
      ("threads", .int(run.threads)),
      ("machine", .object(run.machine.map { ($0.name, .string($0.value)) })),
      ("parameters", .object(run.parameters.map { ($0.name, $0.value.json) })),
      (
        "overridden_parameters",
        .array(run.parameters.filter(\.overridden).map { .string($0.name) })
      ),
      ("status", .string(status)),
      ("failed_cell", failed.map { .int($0 + 1) } ?? .null),
      ("interrupted_by", .optional(run.interruptedBy)),
      ("duration_seconds", .double(run.cells.reduce(0) { $0 + $1.duration })),
      (
        "files",
        .object([
          ("html", .string("index.html")), ("notebook", .string(notebookFileName)),
          ("metrics_json", .string("metrics.json")), ("metrics_csv", .string("metrics.csv")),
        ])
      ),
      ("cells", .array(cells)),
      (
        "sweeps",
        .array(
          run.sweeps.map {
            .object([
              ("name", .string($0.name)), ("status", .string($0.status)), ("runs", .int($0.runs)),
              ("failed", .int($0.failed)),
            ])
          })
      ),
    ])
    return manifest.serialized(indent: 2)
  }

  /// `interrupted` (a signal stopped the run), `error` (a cell failed), `partial` (runs of a
  /// sweep failed) or `ok`.
  var status: String {
    if run.interruptedBy != nil { return "interrupted" }
    if run.failedCellIndex != nil { return "error" }
    return run.sweeps.contains { $0.failed > 0 } ? "partial" : "ok"
  }

  private func manifestEntry(_ output: CellOutput, key: ImageKey) -> JSONValue {
    var members: [(String, JSONValue)] = [("kind", .string(output.kindName))]
    switch output {
    case .stream(let text), .result(let text), .warning(let text):
      members.append(("text", .string(text)))
    case .image(_, let caption):
      if let image = images[key] {
        members += [
          ("file", .string(image.path)), ("width", .int(image.width)),
          ("height", .int(image.height)), ("channels", .int(image.channels)),
        ]
      }
      members.append(("caption", .optional(caption)))
    case .metric(let name, let value, _):
      members += [("name", .string(name)), ("value", .double(value))]
    case .table(let table):
      members += [
        ("columns", .array(table.columns.map(JSONValue.string))), ("rows", .int(table.rows.count)),
      ]
    case .plot(let plot):
      members += [
        ("title", .optional(plot.title)), ("series", .array(plot.series.map { .string($0.name) })),
      ]
    case .error(let error):
      members += [
        ("name", .string(error.name)), ("message", .string(error.message)),
        ("details", .array(error.details.map(JSONValue.string))),
      ]
    }
    return .object(members)
  }

  /// `metrics.json`: one object, name → value, in the order metrics were first recorded (a
  /// name recorded twice keeps its last value). Values are shortest round-trip numbers; NaN and
  /// the infinities, which JSON lacks, are `null`.
  package func metricsJSON() -> String {
    JSONValue.object(run.metrics.map { ($0.name, .double($0.value)) }).serialized(indent: 2)
  }

  /// `metrics.csv`: a `name,value` header and one row per metric in the order of `metrics.json`,
  /// RFC 4180 quoting, CRLF line ends; values in shortest round-trip form, `nan`/`inf` for
  /// non-finite values.
  package func metricsCSV() -> String {
    let rows = run.metrics.map { [TableCell.string($0.name), .string(Self.metricText($0.value))] }
    let table = try? Table(columns: ["name", "value"], rows: rows)
    return table?.csv() ?? "name,value\r\n"
  }

  /// A metric value for CSV: `"\(value)"` (shortest round trip) for finite values.
  static func metricText(_ value: Double) -> String {
    value.isFinite ? "\(value)" : Format.number(value)
  }
}
