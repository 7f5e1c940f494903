import Foundation
import ProxyGradNotebook
import Testing

@testable import ProxyGradSession

@Suite struct NotebookJobTests {
  func workspace(_ text: String) throws -> (folder: String, script: String) {
    try notebookWorkspace(text, prefix: "pgs-job")
  }

  func job(
    _ script: String, text: String, out: String? = nil, allow: [String] = [],
    overrides: [(name: String, value: ParameterValue)] = []
  ) -> NotebookJob.Result {
    NotebookJob(
      notebook: Notebook(path: script, text: text), outputFolder: out, allowedWrites: allow,
      runner: NotebookRunner(overrides: overrides, toolVersion: "test")
    ).execute()
  }

  func bytes(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
  }

  static let notebook = """
    # %% [markdown]
    # # Reproducible
    # %% parameters
    scale = 1
    # %%
    x = uniform([3, 1, 8, 8], -1, 1) * scale
    show(x, labels: ["a", "b", "c"])
    metric("mean", item(mean(x)))
    metric("first", item(x[0][0][0][0]))
    table([{a: 1, b: "two"}])
    plot([{s: 1, v: 2}, {s: 2, v: 1}], x: "s", y: "v")
    print("done")
    save(x[0], "first.png")
    save("note\\n", "sub/note.txt")
    mean(x)
    """

  @Test func writesTheOutputFolderBesideTheScript() throws {
    let (folder, script) = try workspace(Self.notebook)
    let result = job(script, text: Self.notebook)
    #expect(result.exitStatus == .ok)
    #expect(result.indexPath == folder + "/nb.out/index.html")
    for name in [
      "index.html", "nb.ipynb", "manifest.json", "metrics.json", "metrics.csv",
      "images/cell03-1.png", "first.png", "sub/note.txt",
    ] {
      #expect(FileManager.default.fileExists(atPath: folder + "/nb.out/" + name), "\(name)")
    }
    #expect(bytes(folder + "/nb.out/sub/note.txt") == Array("note\n".utf8))
    let png = try #require(bytes(folder + "/nb.out/first.png"))
    // `save` keeps a single image at its own size (8×8); `show` upscales for display.
    #expect(try PNGCodec.decode(png).width == 8)
  }

  @Test func runningTwiceGivesByteIdenticalFiles() throws {
    let (folder, script) = try workspace(Self.notebook)
    let first = job(script, text: Self.notebook, out: folder + "/one")
    let second = job(script, text: Self.notebook, out: folder + "/two")
    #expect(first.exitStatus == .ok && second.exitStatus == .ok)
    for name in [
      "metrics.json", "metrics.csv", "nb.ipynb", "index.html", "images/cell03-1.png", "first.png",
    ] {
      let a = try #require(bytes(folder + "/one/" + name), "\(name)")
      #expect(a == bytes(folder + "/two/" + name), "\(name) differs between runs")
    }
    let other = job(
      script, text: Self.notebook, out: folder + "/three", overrides: [("scale", .number(0.5))])
    #expect(bytes(folder + "/one/metrics.json") != bytes(folder + "/three/metrics.json"))
    let manifest = String(decoding: bytes(folder + "/three/manifest.json") ?? [], as: UTF8.self)
    #expect(manifest.contains("\"overridden_parameters\": [\n    \"scale\"\n  ]"))
  }

  @Test func aFailingCellStillWritesTheReport() throws {
    let text = "# %%\nprint(\"kept\")\nmetric(\"m\", 1)\n# %%\nassert(false, \"stop here\")\n# %%\nprint(\"never\")\n"
    let (folder, script) = try workspace(text)
    let result = job(script, text: text)
    #expect(result.exitStatus == .runtimeError)
    #expect(result.errorText.hasPrefix(script + ":5:1: error: assert: stop here"))
    let manifest = String(decoding: bytes(folder + "/nb.out/manifest.json") ?? [], as: UTF8.self)
    #expect(manifest.contains("\"status\": \"error\""))
    #expect(manifest.contains("\"failed_cell\": 2"))
    #expect(manifest.contains("\"message\": \"5:1: assert: stop here\""))
    let html = String(decoding: bytes(folder + "/nb.out/index.html") ?? [], as: UTF8.self)
    #expect(html.contains("kept"))
    #expect(html.contains("5:1: assert: stop here"))
    #expect(String(decoding: bytes(folder + "/nb.out/metrics.json") ?? [], as: UTF8.self).contains("\"m\": 1.0"))
  }

  @Test func syntaxErrorsWriteNothing() throws {
    let text = "# %%\nx = (1\n"
    let (folder, script) = try workspace(text)
    let result = job(script, text: text)
    #expect(result.exitStatus == .invalidScript)
    #expect(result.indexPath == nil)
    #expect(result.errorText.hasPrefix(script + ":"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/nb.out"))
  }

  @Test func saveIsConfinedToTheOutputFolder() throws {
    let (folder, script) = try workspace("")
    for (path, refusal) in [
      ("../escape.txt", "leads outside the output folder"), ("/tmp/abs.txt", "absolute paths are refused"),
      ("index.html", "part of the report"), ("images/x.png", "part of the report"),
    ] {
      let text = "save(\"x\", \"\(path)\")\n"
      let result = job(script, text: text)
      #expect(result.exitStatus == .runtimeError, "\(path)")
      #expect(result.errorText.contains(refusal), "\(path): \(result.errorText)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder + "/escape.txt"))
    let allowed = job(script, text: "save(\"x\", \"../escape.txt\")\n", allow: [folder + "/escape.txt"])
    #expect(allowed.exitStatus == .ok)
    #expect(bytes(folder + "/escape.txt") == Array("x".utf8))
    let inside = job(script, text: "save(\"y\", \"./a/../b.txt\")\n")
    #expect(inside.exitStatus == .ok)
    #expect(bytes(folder + "/nb.out/b.txt") == Array("y".utf8))
    let badFormat = job(script, text: "save(zeros([2]), \"t.bin\")\n")
    #expect(badFormat.errorText.contains("a tensor is saved as .png, .csv or .safetensors"))
    let csv = job(script, text: "save(tensor([[1, 2.5], [3, 4]]), \"t.csv\")\n")
    #expect(csv.exitStatus == .ok)
    #expect(bytes(folder + "/nb.out/t.csv") == Array("1,2.5\n3,4\n".utf8))
  }

  @Test func anExistingFolderThatIsNotAReportIsNotReplaced() throws {
    let (folder, script) = try workspace("print(1)\n")
    try "mine".write(toFile: folder + "/keep.txt", atomically: true, encoding: .utf8)
    let result = job(script, text: "print(1)\n", out: folder)
    #expect(result.exitStatus == .cannotCreate)
    #expect(result.errorText.contains("not a pgs output folder"))
    #expect(bytes(folder + "/keep.txt") == Array("mine".utf8))
  }

  static let python: String? = {
    if let path = ProcessInfo.processInfo.environment["PGS_PYTHON"], !path.isEmpty { return path }
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 {
      url.deleteLastPathComponent()
      let candidate = url.appendingPathComponent(".venv/bin/python3").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }()

  @Test(.enabled(if: python != nil, "needs a Python with nbformat: run scripts/setup or set PGS_PYTHON"))
  func theNotebookValidatesWithNbformat() throws {
    let (folder, script) = try workspace(Self.notebook)
    let result = job(script, text: Self.notebook, overrides: [("scale", .number(0.5))])
    #expect(result.exitStatus == .ok)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(Self.python))
    process.arguments = [
      "-c",
      "import nbformat, sys; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); print(len(nb.cells))",
      folder + "/nb.out/nb.ipynb",
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    // Markdown, parameters, injected parameters, code.
    #expect(String(decoding: output, as: UTF8.self) == "4\n")
  }
}
