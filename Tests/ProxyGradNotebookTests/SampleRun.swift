import Foundation

import ProxyGradFormat
@testable import ProxyGradNotebook

/// Runs and folders shared by the report and output-folder tests (built fresh for each test).
enum SampleRun {
  static let script = """
    # %% [markdown]
    # # Sample notebook
    # Every output kind, *once*.

    # %% parameters
    backward = 0.3
    name = "adam"

    # %% Outputs
    print("hello ✓")
    show(images, labels: classes)
    metric("test accuracy", 0.875)
    table(rows)
    plot(h, x: "step", y: "loss")
    1 + 1

    # %% Failing
    x = undefined_name

    # %%
    never_runs()
    """

  /// A run of `script` in which cell 4 fails and cell 5 is skipped.
  static func run(durations: [Double] = [0, 0.01, 1.5, 0.2, 0]) throws -> NotebookRun {
    let cells = CellSplitter.split(script)
    let images = try NotebookImage.rendering(
      values: (0..<(2 * 28 * 28)).map { Float($0 % 28) / 14 - 1 }, shape: [2, 1, 28, 28],
      labels: ["zero", "one"])
    let table = try Table(
      columns: ["slope", "activation"],
      rows: [[.number(0), .number(1.5)], [.number(0.3), .number(2.25)]])
    let plot = NotebookPlot(
      xLabel: "step", yLabel: "loss",
      series: [try PlotSeries(name: "loss", x: [0, 1, 2], y: [1, 0.5, 0.25])])
    let outputs: [[CellOutput]] = [
      [],
      [],
      [
        .stream("hello ✓\n"), .image(images, caption: "classes"),
        .metric(name: "test accuracy", value: 0.875, digits: nil), .table(table), .plot(plot), .result("2"),
      ],
      [
        .stream("partial\n"),
        .error(
          CellError(
            name: "RuntimeError", message: "19:5: undefined name 'undefined_name'",
            details: ["x = undefined_name", "    ^~~~~~~~~~~~~~"])),
      ],
      [],
    ]
    let statuses: [CellStatus] = [.ok, .ok, .ok, .error, .skipped]
    let records = cells.indices.map { i in
      CellRecord(cell: cells[i], outputs: outputs[i], status: statuses[i], duration: durations[i])
    }
    return NotebookRun(
      scriptPath: "examples/sample.pgs", scriptText: script,
      parameters: [
        RunParameter(name: "backward", value: .number(0.6), overridden: true),
        RunParameter(name: "name", value: .string("adam")),
      ],
      seed: 0, toolVersion: "0.1.0-test", cells: records)
  }
}

/// A fresh temporary folder, removed when the value is dropped.
final class TemporaryFolder {
  let path: String

  init() throws {
    let base = FileManager.default.temporaryDirectory.path
    path = base + "/pgs-notebook-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  func read(_ relative: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path + "/" + relative)))
  }

  func text(_ relative: String) throws -> String {
    String(decoding: try read(relative), as: UTF8.self)
  }

  func exists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: path + "/" + relative)
  }

  func entries(_ relative: String = "") -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path + "/" + relative)) ?? []).sorted()
  }
}
