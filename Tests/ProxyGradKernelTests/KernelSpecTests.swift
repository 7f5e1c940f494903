import Foundation
import ProxyGradNotebook
import Testing

@testable import ProxyGradKernel

@Suite struct KernelSpecTests {
  @Test func kernelJSONStartsThisBinaryWithTheConnectionFile() throws {
    let spec = KernelSpec(executable: "/opt/pgs/bin/pgs", interruptMode: .signal)
    let json = try #require(JSONValue.parse(Array(spec.json.utf8)))
    #expect(
      json["argv"]
        == .array(["/opt/pgs/bin/pgs", "kernel", "--connection-file", "{connection_file}"].map(JSONValue.string)))
    #expect(json["display_name"]?.stringValue == "ProxyGrad (pgs)")
    #expect(json["language"]?.stringValue == "pgs")
    #expect(json["interrupt_mode"]?.stringValue == "signal")
  }

  /// `pgs run` names the kernel in every `.ipynb`; both must agree.
  @Test func namesMatchTheNotebooksPgsRunWrites() throws {
    let run = NotebookRun(
      scriptPath: "nb.pgs", scriptText: "", parameters: [], seed: 0, toolVersion: "t", cells: [])
    let notebook = try NotebookReport(run: run).notebookJSON()
    let kernelspec = JSONValue.parse(Array(notebook.utf8))?["metadata"]?["kernelspec"]
    #expect(kernelspec?["name"]?.stringValue == KernelSpec.name)
    #expect(kernelspec?["display_name"]?.stringValue == KernelSpec.displayName)
    #expect(kernelspec?["language"]?.stringValue == KernelSpec.language)
  }

  @Test func locations() {
    let environment = ["HOME": "/home/u", "JUPYTER_DATA_DIR": "/data"]
    #expect(KernelSpec.Location.user.directory(environment: environment) == "/data/kernels/pgs")
    #if os(Linux)
      #expect(KernelSpec.Location.user.directory(environment: ["HOME": "/home/u"]) == "/home/u/.local/share/jupyter/kernels/pgs")
    #endif
    #expect(KernelSpec.Location.prefix("/p").directory() == "/p/share/jupyter/kernels/pgs")
    #expect(KernelSpec.Location.system.directory() == "/usr/local/share/jupyter/kernels/pgs")
  }

  @Test func installsAndUninstalls() throws {
    let prefix = NSTemporaryDirectory() + "pgs-kernelspec-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: prefix) }
    let spec = KernelSpec(executable: "/bin/pgs")
    let folder = try spec.install(at: .prefix(prefix))
    #expect(folder == prefix + "/share/jupyter/kernels/pgs")
    let written = FileManager.default.contents(atPath: folder + "/kernel.json")
    #expect(written.map { String(decoding: $0, as: UTF8.self) } == spec.json)
    #expect(try KernelSpec.uninstall(from: .prefix(prefix)) == folder)
    #expect(!FileManager.default.fileExists(atPath: folder))
    #expect(try KernelSpec.uninstall(from: .prefix(prefix)) == nil)
  }
}
