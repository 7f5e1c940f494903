import Foundation
import Testing

@testable import ProxyGradNotebook

@Suite struct OutputFolderTests {
  /// Writes a complete report of `run` to `target` through a committed `OutputFolder`.
  static func publish(_ run: NotebookRun, to target: String) throws {
    let folder = try OutputFolder.begin(target: target)
    try folder.write(try NotebookReport(run: run).files())
    try folder.commit()
  }

  @Test func firstCommitCreatesTheFolder() throws {
    let temp = try TemporaryFolder()
    try Self.publish(try SampleRun.run(), to: temp.path + "/nb.out")
    #expect(temp.entries() == ["nb.out"])
    #expect(
      temp.entries("nb.out") == [
        "images", "index.html", "manifest.json", "metrics.csv", "metrics.json", "sample.ipynb",
      ])
    #expect(temp.entries("nb.out/images") == ["cell03-1.png"])
    let png = try temp.read("nb.out/images/cell03-1.png")
    #expect(try PNGCodec.decode(png).width > 0)
  }

  @Test func runningTwiceGivesByteIdenticalFilesExceptTheManifest() throws {
    let temp = try TemporaryFolder()
    let target = temp.path + "/nb.out"
    try Self.publish(try SampleRun.run(), to: target)
    let before = try [
      "index.html", "sample.ipynb", "metrics.json", "metrics.csv", "images/cell03-1.png",
    ]
    .map { try temp.read("nb.out/" + $0) }
    try Self.publish(try SampleRun.run(durations: [9, 9, 9, 9, 9]), to: target)
    let after = try [
      "index.html", "sample.ipynb", "metrics.json", "metrics.csv", "images/cell03-1.png",
    ]
    .map { try temp.read("nb.out/" + $0) }
    #expect(before == after)
    #expect(temp.entries() == ["nb.out"])  // the swap left nothing behind
  }

  @Test func interruptedRunLeavesThePreviousFolderIntact() throws {
    let temp = try TemporaryFolder()
    let target = temp.path + "/nb.out"
    try Self.publish(try SampleRun.run(), to: target)
    let previous = try temp.read("nb.out/manifest.json")

    // A run that stages half its files and is then "killed": no commit.
    let killed = try OutputFolder.begin(target: target)
    try killed.write(ReportFile(path: "index.html", text: "<p>half"))
    #expect(try temp.read("nb.out/manifest.json") == previous)
    #expect(temp.entries("nb.out").contains("sample.ipynb"))
    #expect(try temp.text("nb.out/index.html").hasPrefix("<!DOCTYPE html>"))

    // Its staging folder is stale once its process is gone; the next run removes it.
    let stale = temp.path + "/nb.out.tmp-999999999"
    try FileManager.default.moveItem(atPath: killed.staging, toPath: stale)
    try Self.publish(try SampleRun.run(), to: target)
    #expect(temp.entries() == ["nb.out"])
  }

  @Test func aKillBetweenFallbackRenamesIsRecovered() throws {
    let temp = try TemporaryFolder()
    let target = temp.path + "/nb.out"
    try Self.publish(try SampleRun.run(), to: target)
    let previous = try temp.read("nb.out/index.html")
    // Simulate the fallback's state after `rename(target, old)`, before the new one arrived.
    try FileManager.default.moveItem(atPath: target, toPath: target + ".old-999999999")
    try OutputFolder.recover(target: target)
    #expect(temp.entries() == ["nb.out"])
    #expect(try temp.read("nb.out/index.html") == previous)
  }

  @Test func abandonKeepsTheTargetAndRemovesStaging() throws {
    let temp = try TemporaryFolder()
    let target = temp.path + "/nb.out"
    try Self.publish(try SampleRun.run(), to: target)
    let folder = try OutputFolder.begin(target: target)
    folder.abandon()
    #expect(temp.entries() == ["nb.out"])
  }

  @Test func refusesToReplaceAFolderThatIsNotAnOutputFolder() throws {
    let temp = try TemporaryFolder()
    let precious = temp.path + "/home"
    try FileManager.default.createDirectory(atPath: precious, withIntermediateDirectories: true)
    try AtomicFile.write("keep me", to: precious + "/notes.txt")
    #expect(throws: NotebookError.self) { try OutputFolder.begin(target: precious) }
    #expect(try temp.text("home/notes.txt") == "keep me")
    try AtomicFile.write("a file", to: temp.path + "/file.out")
    #expect(throws: NotebookError.self) { try OutputFolder.begin(target: temp.path + "/file.out") }
  }

  @Test func stagedFilesMustStayInside() throws {
    let temp = try TemporaryFolder()
    let folder = try OutputFolder.begin(target: temp.path + "/nb.out")
    defer { folder.abandon() }
    #expect(throws: NotebookError.self) { try folder.write(ReportFile(path: "../x", text: "")) }
    #expect(throws: NotebookError.self) { try folder.write(ReportFile(path: "/etc/x", text: "")) }
  }

  @Test func atomicFileReplacesWholeFilesAndLeavesNoTemporaries() throws {
    let temp = try TemporaryFolder()
    let path = temp.path + "/weights.bin"
    try AtomicFile.write([1, 2, 3], to: path)
    try AtomicFile.write([4, 5], to: path)
    #expect(try temp.read("weights.bin") == [4, 5])
    #expect(temp.entries() == ["weights.bin"])
    #expect(throws: NotebookError.self) { try AtomicFile.write([1], to: temp.path + "/missing/x") }
    #expect(temp.entries() == ["weights.bin"])
  }
}

/// Set `PGS_NOTEBOOK_SAMPLE_OUT=DIR` to keep the sample report for a look in a browser.
@Suite struct SampleReportExport {
  @Test(.enabled(if: ProcessInfo.processInfo.environment["PGS_NOTEBOOK_SAMPLE_OUT"] != nil))
  func exportSampleReport() throws {
    let target = try #require(ProcessInfo.processInfo.environment["PGS_NOTEBOOK_SAMPLE_OUT"])
    try OutputFolderTests.publish(try SampleRun.run(), to: target)
  }
}
