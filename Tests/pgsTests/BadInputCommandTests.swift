import Foundation
import Testing

/// Bad input gets one message that names the real problem.
@Suite struct BadInputCommandTests {
  let helper = NotebookCommandTests()

  @Test func aFileWithANULByteIsNotAText() throws {
    let (folder, _) = try helper.notebook("")
    let path = folder + "/bin.pgs"
    try Data("x = 1\n\0\0abc\0\n".utf8).write(to: URL(fileURLWithPath: path))
    for command in ["run", "check"] {
      let outcome = try helper.run([command, path])
      #expect(outcome.status == 64)
      #expect(outcome.stderr.hasPrefix("Error: '\(path)' is not a text file: NUL byte at offset 6\n"), "\(outcome.stderr)")
      #expect(!outcome.stderr.contains("\0"))
      #expect(outcome.stderr.split(separator: "\n").count <= 3)
    }
  }

  @Test func runOnAFolderSaysItIsAFolder() throws {
    let (folder, _) = try helper.notebook("")
    let outcome = try helper.run(["run", folder])
    #expect(outcome.status == 64)
    #expect(outcome.stderr.hasPrefix("Error: cannot read '\(folder)': it is a folder; give a .pgs script\n"))
  }

  @Test func loadWeightsOnAFolderSaysItIsAFolder() throws {
    let (folder, script) = try helper.notebook("net = network(input: [2]) {\n  linear(2)\n}\nload_weights(net, \"FOLDER\")\n")
    try String(contentsOfFile: script, encoding: .utf8).replacingOccurrences(of: "FOLDER", with: folder)
      .write(toFile: script, atomically: true, encoding: .utf8)
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 70)
    #expect(outcome.stderr.hasPrefix(script + ":4:19: error: load_weights: \(folder): is a folder, not a file\n"), "\(outcome.stderr)")
  }

  @Test func aHugeRangeBoundSaysHowLargeABoundMayBe() throws {
    let (_, script) = try helper.notebook("# %% parameters\nn = 3\n# %%\nfor i in 0..<n { x = i }\n")
    let outcome = try helper.run(["run", script, "-p", "n=1e12"])
    #expect(outcome.status == 70)
    #expect(
      outcome.stderr.hasPrefix(
        script + ":4:14: error: range bounds must be less than 10^12 in size, got 1000000000000; a range that long would never end\n"),
      "\(outcome.stderr)")
  }

  @Test func checkReportsTheSyntaxErrorsOfEveryCell() throws {
    let (_, script) = try helper.notebook("# %%\nx = (1 +\n# %%\ny = 2 +* 3\n# %%\nz = 1\n")
    for command in [["check", script], ["run", script]] {
      let outcome = try helper.run(command)
      #expect(outcome.status == 65)
      #expect(outcome.stderr.contains(script + ":2:9: error[E0101]: expected expression, found end of input\n"))
      #expect(outcome.stderr.contains(script + ":4:8: error[E0101]: expected expression, found '*'\n"))
    }
  }

  @Test func jobsHelpStatesItsDefaultOnce() throws {
    let outcome = try helper.run(["run", "--help"])
    let jobs = outcome.stdout.components(separatedBy: "--jobs <jobs>").dropFirst().first ?? ""
    let entry = jobs.components(separatedBy: "\n  --").first ?? ""
    #expect(entry.components(separatedBy: "default").count == 2, "\(entry)")
  }
}
