import Foundation
import ProxyGradNN
import ProxyGradRuntime
import ProxyGradSession
import ProxyGradSyntax
import Testing

/// `images(folder)` reads PNG class folders through the session's libpng codec.
@Suite struct ImageFilesTests {
  let folder: String = {
    let path = NSTemporaryDirectory() + "pgs-images-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }()

  func write(_ tensor: Tensor, _ relative: String) throws {
    let path = "\(folder)/\(relative)"
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: path, contents: Data(try ImageFiles.png(of: tensor)))
  }

  func run(_ source: String) -> (String, RuntimeError?) {
    let output = OutputBuffer()
    let interpreter = Interpreter(output: output)
    interpreter.files = ScriptFileAccess()
    guard let program = interpreter.check(SourceFile(path: "t", text: source)).program else { return ("", nil) }
    do {
      try interpreter.run(program)
      return (output.text, nil)
    } catch {
      return (output.text, error)
    }
  }

  @Test func classFoldersBecomeLabels() throws {
    let gray = Tensor(shape: [1, 2, 3], values: [-1, -0.5, 0, 0.5, 1, 1])
    try write(gray, "zebra/b.png")
    try write(gray * -1, "ant/a.png")
    try write(gray * 0.5, "ant/c.png")
    let (text, error) = run("d = images(\"\(folder)\")\nprint(d.count, d.classes, d.labels, d.shape)\nprint(d.images[2])")
    #expect(error == nil, "\(String(describing: error))")
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.first == "3 [\"ant\", \"zebra\"] [0, 0, 1] [1, 2, 3]")
    // images[2] is zebra/b.png. Pixels pass through bytes, round((x + 1) · 127.5), and back,
    // b / 127.5 − 1: −1 → 0 → −1, −0.5 → 64 → −0.498, 0 → 128 → 0.0039, 0.5 → 191 → 0.498.
    #expect(lines.last == "tensor([[[-1, -0.4980392, 0.003921628], [0.49803925, 1, 1]]])")
  }

  @Test func mixedSizesAndEmptyFoldersAreErrors() throws {
    try write(Tensor.zeros([1, 2, 2]), "a/1.png")
    try write(Tensor.zeros([1, 3, 3]), "b/1.png")
    let (_, mixed) = run("images(\"\(folder)\")")
    #expect(mixed?.message.contains("all must share one size") == true, "\(String(describing: mixed))")
    let empty = folder + "/empty"
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    let (_, none) = run("images(\"\(empty)\")")
    #expect(none?.message.contains("expected one subfolder per class") == true)
  }
}
