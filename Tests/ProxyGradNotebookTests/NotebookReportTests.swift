import Foundation
import Testing

import ProxyGradFormat
@testable import ProxyGradNotebook

@Suite struct NotebookReportTests {
  @Test func listsEveryFileOfTheFolder() throws {
    let report = try NotebookReport(run: SampleRun.run())
    #expect(
      report.files().map(\.path) == [
        "images/cell03-1.png", "index.html", "sample.ipynb", "manifest.json", "metrics.json",
        "metrics.csv",
      ])
    #expect(NotebookReport.imagePath(cell: 2, image: 1, cellCount: 5) == "images/cell03-1.png")
    #expect(NotebookReport.imagePath(cell: 119, image: 2, cellCount: 120) == "images/cell120-2.png")
  }

  @Test func outputsAreByteIdenticalExceptTheManifest() throws {
    let first = try NotebookReport(run: SampleRun.run()).files()
    let second = try NotebookReport(run: SampleRun.run(durations: [1, 2, 3, 4, 5])).files()
    for (a, b) in zip(first, second) where a.path != "manifest.json" {
      #expect(a == b, "\(a.path) differs between runs")
    }
    let manifests = (first + second).filter { $0.path == "manifest.json" }
    #expect(manifests[0] != manifests[1])
  }

  @Test func metricsFilesKeepRunOrderAndLastValue() throws {
    var run = try SampleRun.run()
    run.cells[2].outputs.append(.metric(name: "a, b", value: 1, digits: nil))
    run.cells[2].outputs.append(.metric(name: "test accuracy", value: 0.9, digits: nil))
    run.cells[2].outputs.append(.metric(name: "bad", value: .nan, digits: nil))
    let report = try NotebookReport(run: run)
    #expect(
      report.metricsJSON() == "{\n  \"test accuracy\": 0.9,\n  \"a, b\": 1.0,\n  \"bad\": null\n}\n"
    )
    #expect(report.metricsCSV() == "name,value\r\ntest accuracy,0.9\r\n\"a, b\",1.0\r\nbad,nan\r\n")
  }

  @Test func manifestRecordsCellsOutputsAndTimings() throws {
    let report = try NotebookReport(run: SampleRun.run())
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(report.manifestJSON().utf8)) as? [String: Any])
    #expect(object["format"] as? String == "pgs-notebook-manifest")
    #expect(object["status"] as? String == "error")
    #expect(object["failed_cell"] as? Int == 4)
    #expect(object["seed"] as? Int == 0)
    #expect(
      (object["script"] as? [String: Any])?["sha256"] as? String
        == Digest.sha256Hex(of: SampleRun.script))
    #expect((object["parameters"] as? [String: Any])?["backward"] as? Double == 0.6)
    #expect(object["overridden_parameters"] as? [String] == ["backward"])
    let cells = try #require(object["cells"] as? [[String: Any]])
    #expect(cells.map { $0["status"] as? String } == ["ok", "ok", "ok", "error", "skipped"])
    #expect(cells[2]["duration_seconds"] as? Double == 1.5)
    #expect(cells[2]["first_line"] as? Int == 10)
    let outputs = try #require(cells[2]["outputs"] as? [[String: Any]])
    #expect(
      outputs.map { $0["kind"] as? String } == [
        "stream", "image", "metric", "table", "plot", "result",
      ])
    #expect(outputs[1]["file"] as? String == "images/cell03-1.png")
    #expect(
      (cells[3]["outputs"] as? [[String: Any]])?.last?["message"] as? String
        == "19:5: undefined name 'undefined_name'")
  }

  @Test func htmlIsSelfContainedAndShowsEverything() throws {
    let html = try NotebookReport(run: SampleRun.run()).indexHTML()
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("<h1>Sample notebook</h1>"))  // Markdown through Ink
    #expect(html.contains("<em>once</em>"))
    #expect(html.contains("<span class=\"ln\">10</span>print(&quot;hello ✓&quot;)"))
    #expect(html.contains("src=\"data:image/png;base64,iVBORw0KGgo"))
    #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(html.contains("<table class=\"pgs-table\">"))
    #expect(
      html.contains("<span class=\"name\">test accuracy</span><span class=\"value\">0.875</span>"))
    #expect(html.contains("<section class=\"cell code error\" id=\"cell-4\">"))
    #expect(html.contains("undefined name &#39;undefined_name&#39;"))
    #expect(html.contains("<section class=\"cell code skipped\" id=\"cell-5\">"))
    #expect(html.contains("The run stopped at <a href=\"#cell-4\">cell 4</a>"))
    #expect(html.contains("backward = 0.6"))
    // Offline: nothing is fetched from elsewhere.
    #expect(!html.contains("src=\"http"))
    #expect(!html.contains("<link"))
    #expect(!html.contains("<script"))
  }

  @Test func notebookHasJupyterStructure() throws {
    let text = try NotebookReport(run: SampleRun.run()).notebookJSON()
    let notebook = try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(notebook["nbformat"] as? Int == 4)
    #expect(notebook["nbformat_minor"] as? Int == 5)
    let metadata = try #require(notebook["metadata"] as? [String: Any])
    #expect((metadata["kernelspec"] as? [String: String])?["display_name"] == "ProxyGrad (pgs)")
    #expect((metadata["language_info"] as? [String: String])?["file_extension"] == ".pgs")
    let cells = try #require(notebook["cells"] as? [[String: Any]])
    #expect(
      cells.map { $0["id"] as? String } == [
        "cell-1", "cell-2", "cell-2-injected", "cell-3", "cell-4", "cell-5",
      ])
    #expect(
      cells.map { $0["cell_type"] as? String } == [
        "markdown", "code", "code", "code", "code", "code",
      ])
    #expect((cells[1]["metadata"] as? [String: Any])?["tags"] as? [String] == ["parameters"])
    #expect((cells[2]["source"] as? [String]) == ["# Parameters\n", "backward = 0.6"])
    #expect(cells.map { $0["execution_count"] as? Int } == [nil, 1, nil, 2, 3, nil])
    let outputs = try #require(cells[3]["outputs"] as? [[String: Any]])
    #expect(
      outputs.map { $0["output_type"] as? String } == [
        "stream", "display_data", "display_data", "display_data", "display_data", "execute_result",
      ])
    let image = try #require(outputs[1]["data"] as? [String: Any])
    #expect((image["image/png"] as? String)?.hasPrefix("iVBORw0KGgo") == true)
    #expect(image["text/plain"] != nil)
    #expect((outputs[3]["data"] as? [String: Any])?["text/html"] != nil)
    #expect((outputs[4]["data"] as? [String: Any])?["image/svg+xml"] != nil)
    #expect(outputs[5]["execution_count"] as? Int == 2)
    let error = try #require((cells[4]["outputs"] as? [[String: Any]])?.last)
    #expect(error["output_type"] as? String == "error")
    #expect(error["ename"] as? String == "RuntimeError")
    #expect(
      error["traceback"] as? [String] == [
        "19:5: undefined name 'undefined_name'", "x = undefined_name", "    ^~~~~~~~~~~~~~",
      ])
    #expect(!text.contains("duration"))
  }

  @Test(
    .enabled(if: NBFormat.python != nil, "no python with the nbformat package (set PGS_PYTHON)"))
  func notebookValidatesWithNbformatAndMatchesItsWriter() throws {
    let folder = try TemporaryFolder()
    let path = folder.path + "/sample.ipynb"
    try AtomicFile.write(try NotebookReport(run: SampleRun.run()).notebookJSON(), to: path)
    let result = try NBFormat.run(
      """
      import sys, nbformat
      text = open(sys.argv[1], encoding="utf-8").read()
      nb = nbformat.reads(text, as_version=4)
      nbformat.validate(nb)
      again = nbformat.writes(nb) + "\\n"
      print("same" if again == text else "different")
      """, arguments: [path])
    #expect(result.status == 0, "nbformat rejected the notebook: \(result.output)")
    #expect(
      result.output.hasSuffix("same\n"), "nbformat would write it differently: \(result.output)")
  }
}

/// Finds a Python with `nbformat`: `$PGS_PYTHON`, then `.venv/bin/python3` in the package root,
/// then `python3` on the PATH.
enum NBFormat {
  static let python: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().path
    var candidates: [String] = []
    if let explicit = ProcessInfo.processInfo.environment["PGS_PYTHON"], !explicit.isEmpty {
      candidates.append(explicit)
    }
    candidates += [root + "/.venv/bin/python3", "/usr/bin/env"]
    for candidate in candidates {
      let arguments = candidate == "/usr/bin/env" ? ["python3"] : []
      guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
      let check = try? execute(candidate, arguments + ["-c", "import nbformat"])
      if check?.status == 0 { return candidate == "/usr/bin/env" ? "python3" : candidate }
    }
    return nil
  }()

  static func run(_ program: String, arguments: [String]) throws -> (status: Int32, output: String)
  {
    guard let python else { return (127, "no python") }
    let executable = python == "python3" ? "/usr/bin/env" : python
    let prefix = python == "python3" ? ["python3"] : []
    return try execute(executable, prefix + ["-c", program] + arguments)
  }

  /// Runs a program with its output captured in a temporary file (reading a pipe through
  /// `FileHandle` can trap on an interrupted system call).
  static func execute(_ executable: String, _ arguments: [String]) throws -> (
    status: Int32, output: String
  ) {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pgs-nbformat-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    let handle = try FileHandle(forWritingTo: log)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    try handle.close()
    let data = try Data(contentsOf: log)
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
