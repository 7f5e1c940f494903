import Foundation
import Testing

/// `manifest.json` records the machine facts that decide results' last digits.
@Suite struct MachineFactsCommandTests {
  let helper = NotebookCommandTests()

  @Test func theManifestNamesTheCPUAndTheBLASKernel() throws {
    let (folder, script) = try helper.notebook("# %%\nprint(1)\n")
    let outcome = try helper.run(["run", script])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/nb.out/manifest.json"))
    let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let machine = try #require(manifest["machine"] as? [String: String])
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
      .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) } ?? "unknown"
    #expect(machine["cpu"] == model)
    let blas = try #require(machine["blas"])
    let kernel = try #require(machine["blas_kernel"])
    #expect(blas.hasPrefix("OpenBLAS "))
    #expect(!kernel.isEmpty && kernel != "unknown")
    // OpenBLAS's build string names the kernel it chose.
    #expect(blas.lowercased().contains(kernel.lowercased()), "\(blas) / \(kernel)")
  }
}
