import Foundation
import Testing

/// With standard error sent to a file or a pipe (a batch job's log), long work writes plain
/// progress lines at a modest rate, then its summary line: no carriage returns, no escape codes.
@Suite struct ProgressLogCommandTests {
  let helper = NotebookCommandTests()

  static let text = """
    \(NotebookCommandTests.smallCNN(count: 512, size: 16, channels: 8))
    h = train(net, data.train, epochs: 6, batch: 8, seed: 1)
    print(len(h))
    """

  func check(_ stderr: String) {
    #expect(!stderr.contains("\r") && !stderr.contains("\u{1B}"), "\(stderr)")
    let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.last == "")
    let progress = lines.filter { $0.hasPrefix("train [") }
    #expect(!progress.isEmpty, "\(stderr)")
    #expect(progress.allSatisfy { $0.contains("/384") && $0.contains(" eta ") }, "\(stderr)")
    let summary = lines.dropLast().last ?? ""
    #expect(summary.hasPrefix("train: 384/384 in "), "\(stderr)")
  }

  @Test func aPlainScriptWritesProgressLinesToAFile() throws {
    let (_, script) = try helper.notebook(Self.text)
    let outcome = try BuiltBinary.run(["run", script], environment: ["PGS_PROGRESS_INTERVAL": "0.02"])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout == "384\n")
    check(outcome.stderr)
  }

  @Test func aNotebookWritesProgressLinesToAFile() throws {
    let (_, script) = try helper.notebook("# %%\n" + Self.text)
    let outcome = try BuiltBinary.run(["run", script], environment: ["PGS_PROGRESS_INTERVAL": "0.02"])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    check(outcome.stderr)
  }
}
