import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `pgs run --watch`: arguments it refuses with a clear error, a taken port, and Ctrl-C while a
/// cell runs (the page itself is tested in headless Chromium, Tests/watch).
@Suite struct WatchCommandTests {
  let helper = NotebookCommandTests()

  @Test(arguments: [
    (["run", "--watch", "-"], "--watch needs a file to watch; standard input ('-') cannot be watched"),
    (["run", "--port", "8000", "nb.pgs"], "--port goes with --watch"),
    (["run", "--watch", "--port", "70000", "nb.pgs"], "--port expects a number from 1 to 65535, got 70000"),
    (["run", "--watch", "--slurm", "nb.pgs"], "--watch and --slurm do not go together"),
    (["run", "--watch", "missing.pgs"], "cannot read 'missing.pgs': no such file or not readable"),
  ])
  func badArgumentsAreUsageErrors(arguments: [String], message: String) throws {
    let (folder, _) = try helper.notebook("# %%\nprint(1)\n")
    let outcome = try BuiltBinary.run(arguments, stdin: "", directory: folder)
    #expect(outcome.status == 64)
    #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    #expect(outcome.stdout.isEmpty)
  }

  @Test(.timeLimit(.minutes(1))) func aTakenPortIsAUsageErrorAndNothingRuns() throws {
    let (folder, _) = try helper.notebook("# %%\nprint(1)\n")
    // A listening socket of this test holds the port.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    try #require(bound)
    let port = UInt16(bigEndian: address.sin_port)
    let outcome = try BuiltBinary.run(["run", "--watch", "nb.pgs", "--port", String(port)], directory: folder)
    #expect(outcome.status == 64)
    #expect(
      outcome.stderr
        == "error: cannot serve the report on 127.0.0.1:\(port): the port is in use; give another --port, or none to let pgs choose one\n"
    )
    #expect(!FileManager.default.fileExists(atPath: folder + "/nb.out"))
  }

  /// Reads the first line the process prints on standard output.
  func firstLine(_ pipe: Pipe) -> String {
    var data = Data()
    while !data.contains(UInt8(ascii: "\n")) {
      let chunk = pipe.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      data += chunk
    }
    return String(decoding: data, as: UTF8.self).components(separatedBy: "\n")[0]
  }

  @Test(.timeLimit(.minutes(2))) func ctrlCInterruptsTheRunningCellAndStopsTheWatch() throws {
    let (folder, script) = try helper.notebook(InterruptCommandTests.text)
    let (process, out, err) = try BuiltBinary.start(["run", "--watch", script])
    let url = firstLine(out)
    #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/"), "\(url)")
    let marker = folder + "/nb.out.tmp-\(process.processIdentifier)/marker.txt"
    #expect(InterruptCommandTests().waitFor(marker), "the run reached cell 2")
    kill(process.processIdentifier, SIGINT)
    let outcome = BuiltBinary.finish(process, out, err)
    #expect(process.terminationReason == .exit)
    #expect(outcome.status == 130)
    #expect(outcome.stderr.contains(script + ":7:7: error: interrupted by SIGINT\n"), "\(outcome.stderr)")
    #expect(outcome.stderr.contains("run 1: interrupted\n"), "\(outcome.stderr)")
    #expect(outcome.stderr.contains("stopped by SIGINT; the server is closed\n"), "\(outcome.stderr)")
    let manifest = try String(contentsOfFile: folder + "/nb.out/manifest.json", encoding: .utf8)
    #expect(manifest.contains("\"status\": \"interrupted\",\n  \"failed_cell\": 2,\n  \"interrupted_by\": \"SIGINT\""))
    #expect(InterruptCommandTests().leftovers(folder).isEmpty)
  }

  @Test(.timeLimit(.minutes(1))) func ctrlCWhileWaitingStopsAtOnce() throws {
    let (folder, script) = try helper.notebook("# %%\nprint(\"ran\")\n")
    let (process, out, err) = try BuiltBinary.start(["run", "--watch", script])
    _ = firstLine(out)
    #expect(InterruptCommandTests().waitFor(folder + "/nb.out/index.html"), "the first run wrote its report")
    usleep(300_000)
    kill(process.processIdentifier, SIGINT)
    let outcome = BuiltBinary.finish(process, out, err)
    #expect(outcome.status == 130)
    #expect(outcome.stderr.contains("run 1: ok in "), "\(outcome.stderr)")
    #expect(outcome.stderr.hasSuffix("stopped by SIGINT; the server is closed\n"), "\(outcome.stderr)")
  }
}
