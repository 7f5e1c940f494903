import Testing

@testable import ProxyGradNotebook

@Suite struct WriteConfinementTests {
  static let confinement = WriteConfinement(
    outputFolder: "/work/nb.out", stagingFolder: "/work/nb.out.tmp-7",
    allowedPaths: ["/data/shared", "/work/../work/weights.bin"],
    reservedNames: ["index.html", "images"])

  @Test(arguments: [
    ("net.safetensors", "net.safetensors"), ("sub/dir/x.csv", "sub/dir/x.csv"),
    ("./a//b", "a/b"), ("a/../b", "b"),
  ])
  func relativePathsGoIntoTheStagingFolder(path: String, relative: String) throws {
    let target = try Self.confinement.resolve(path)
    #expect(target.relativePath == relative)
    #expect(target.path == "/work/nb.out.tmp-7/" + relative)
  }

  @Test(arguments: ["../escape.txt", "a/../../b", "/etc/passwd", "/work/nb.out.old/x"])
  func escapesAreRefusedNamingThePath(path: String) {
    do {
      _ = try Self.confinement.resolve(path)
      Issue.record("\(path) was allowed")
    } catch {
      guard case .writeNotAllowed(let named, _) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(named == path)
      #expect(error.description.hasPrefix("refusing to write '\(path)'"))
    }
  }

  @Test func allowedPathsPermitEscapes() throws {
    #expect(
      try Self.confinement.resolve("/data/shared/run1/x.png").path == "/data/shared/run1/x.png")
    #expect(try Self.confinement.resolve("../weights.bin").path == "/work/weights.bin")
    #expect(try Self.confinement.resolve("../weights.bin").relativePath == nil)
    #expect(throws: NotebookError.self) { try Self.confinement.resolve("/data/sharedother/x") }
  }

  @Test func absolutePathsInsideTheOutputFolderAreInside() throws {
    #expect(try Self.confinement.resolve("/work/nb.out/a.txt").relativePath == "a.txt")
  }

  @Test(arguments: ["", "~/x", "index.html", "images/extra.png", ".", "a/..", "bad\0name"])
  func malformedAndReservedPathsAreInvalid(path: String) {
    #expect(throws: NotebookError.self) { try Self.confinement.resolve(path) }
  }
}
