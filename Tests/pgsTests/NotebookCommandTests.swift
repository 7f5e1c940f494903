import Foundation
import Testing

/// End-to-end runs of `pgs run` on notebooks: the report folder, parameters, exit statuses, and
/// a run killed with SIGKILL.
@Suite struct NotebookCommandTests {
  typealias Outcome = BuiltBinary.Outcome


  func process(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
    try BuiltBinary.start(arguments)
  }

  func run(_ arguments: [String]) throws -> Outcome {
    try BuiltBinary.run(arguments)
  }

  /// A fresh folder holding `nb.pgs`.
  func notebook(_ text: String) throws -> (folder: String, script: String) {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("pgs-nb-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try text.write(toFile: folder + "/nb.pgs", atomically: true, encoding: .utf8)
    return (folder, folder + "/nb.pgs")
  }

  /// The text of `file` in the report folder `nb.out` beside the notebook in `folder`.
  func report(_ folder: String, _ file: String) throws -> String {
    try String(contentsOfFile: folder + "/nb.out/" + file, encoding: .utf8)
  }

  /// Lines of a script: seeded synthetic data of `count` images `size`×`size` in 4 classes, and
  /// `net`, one convolution of `channels` channels, a ReLU and a linear layer of 4 outputs.
  static func smallCNN(count: Int, size: Int, channels: Int) -> String {
    """
    data = synthetic(count: \(count), classes: 4, size: \(size), seed: 1)
    net = network(input: [1, \(size), \(size)], seed: 1) {
      conv(\(channels), 3, pad: 1)
      relu()
      flatten()
      linear(4)
    }
    """
  }

  /// Every file under `folder` with its bytes.
  func snapshot(_ folder: String) -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: folder)
    while let name = enumerator?.nextObject() as? String {
      if let data = FileManager.default.contents(atPath: folder + "/" + name) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory),
          !isDirectory.boolValue
        {
          files[name] = data
        }
      }
    }
    return files
  }

  static let text = """
    # %% [markdown]
    # # A notebook
    # %% parameters
    steps = 3
    name = "demo"
    spin = 0
    # %% Work
    save("started", "marker.txt")
    i = 0
    while i < spin { i += 1 }
    metric("steps", steps)
    show(uniform([1, 8, 8], -1, 1), title: name)
    steps * 2
    """

  @Test func runWritesTheReportAndPrintsTheIndexPath() throws {
    let (folder, script) = try notebook(Self.text)
    let outcome = try run(["run", script, "-p", "steps=5", "-p", "name=typed", "--seed", "4"])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout == folder + "/nb.out/index.html\n")
    let manifest = try report(folder, "manifest.json")
    #expect(manifest.contains("\"steps\": 5.0"))
    #expect(manifest.contains("\"name\": \"typed\""))
    #expect(manifest.contains("\"seed\": 4"))
    let metrics = try report(folder, "metrics.json")
    #expect(metrics == "{\n  \"steps\": 5.0\n}\n")
    let custom = try run(["run", script, "--out", folder + "/custom"])
    #expect(custom.stdout == folder + "/custom/index.html\n")
  }

  @Test func parameterErrorsAreUsageErrors() throws {
    let (_, script) = try notebook(Self.text)
    let unknown = try run(["run", script, "-p", "stepz=5"])
    #expect(unknown.status == 64)
    #expect(unknown.stderr == "error: unknown parameter 'stepz': the parameters cell does not assign it; it declares steps, name, spin\n")
    let typed = try run(["run", script, "-p", "steps=many"])
    #expect(typed.status == 64)
    #expect(typed.stderr == "error: parameter 'steps' expects a number, got 'many'\n")
    let stdin = try run(["run", "-", "-p", "steps=1"])
    #expect(stdin.status == 64)
  }

  @Test func aFailingCellExitsWith70AndKeepsTheReport() throws {
    let (folder, script) = try notebook("# %%\nprint(\"ok\")\n# %%\nx = [1][5]\n")
    let outcome = try run(["run", script])
    #expect(outcome.status == 70)
    #expect(outcome.stderr.hasPrefix(script + ":4:"))
    #expect(outcome.stdout == folder + "/nb.out/index.html\n")
    let manifest = try report(folder, "manifest.json")
    #expect(manifest.contains("\"failed_cell\": 2"))
  }

  @Test(.timeLimit(.minutes(2)))
  func aRunKilledMidwayLeavesThePreviousFolderIntact() throws {
    let (folder, script) = try notebook(Self.text)
    let first = try run(["run", script])
    #expect(first.status == 0)
    let before = snapshot(folder + "/nb.out")
    #expect(before["index.html"] != nil && before["marker.txt"] != nil)

    let (process, _, _) = try process(["run", script, "-p", "spin=1e12", "-p", "steps=9"])
    let staging = folder + "/nb.out.tmp-\(process.processIdentifier)"
    var waited = 0
    while !FileManager.default.fileExists(atPath: staging + "/marker.txt") && waited < 600 {
      usleep(50_000)
      waited += 1
    }
    #expect(FileManager.default.fileExists(atPath: staging + "/marker.txt"), "the run got midway")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal)
    #expect(snapshot(folder + "/nb.out") == before)

    let again = try run(["run", script, "-p", "steps=9"])
    #expect(again.status == 0)
    #expect(!FileManager.default.fileExists(atPath: staging), "the stale staging folder is cleaned")
    let metrics = try report(folder, "metrics.json")
    #expect(metrics.contains("\"steps\": 9.0"))
  }
}
