import Foundation
import Testing

@testable import ProxyGradWatch

#if canImport(Glibc)
  import Glibc
#endif

/// The server on a real socket: the live page, the version, the output folder's files and
/// nothing outside it, a clear error for a taken port, and a closed port after `stop()`.
@Suite(.serialized) struct LiveReportServerTests {
  struct Answer {
    var status: Int
    var headers: [String: String]
    var body: String
  }

  /// One HTTP/1.1 request over a plain socket, on a thread of its own, so that the blocking
  /// socket calls leave Swift concurrency's threads to the server; the path is sent as given
  /// (no `..` clean-up).
  static func request(_ port: UInt16, _ path: String, method: String = "GET") async throws -> Answer {
    try await withCheckedThrowingContinuation { continuation in
      Thread.detachNewThread {
        continuation.resume(with: Result { try blockingRequest(port, path, method: method) })
      }
    }
  }

  static func blockingRequest(_ port: UInt16, _ path: String, method: String) throws -> Answer {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    let text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    _ = text.withCString { send(fd, $0, strlen($0), 0) }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = recv(fd, &buffer, buffer.count, 0)
      if count <= 0 { break }
      data.append(buffer, count: count)
    }
    let response = String(decoding: data, as: UTF8.self)
    let parts = response.components(separatedBy: "\r\n\r\n")
    let head = parts[0].components(separatedBy: "\r\n")
    var headers: [String: String] = [:]
    for line in head.dropFirst() {
      if let colon = line.firstIndex(of: ":") {
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    let status = Int(head[0].split(separator: " ")[1]) ?? 0
    return Answer(status: status, headers: headers, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
  }

  func outputFolder() throws -> String {
    let root = NSTemporaryDirectory() + "pgs-watch-server-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: root + "/nb.out/images", withIntermediateDirectories: true)
    try "{\"m\": 1.0}\n".write(toFile: root + "/nb.out/metrics.json", atomically: false, encoding: .utf8)
    try "secret\n".write(toFile: root + "/secret.txt", atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: root + "/nb.out/link.txt", withDestinationPath: root + "/secret.txt")
    return root
  }

  @Test(.timeLimit(.minutes(1))) func servesThePageTheVersionAndTheFolder() async throws {
    let root = try outputFolder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let report = LiveReport(title: "nb.pgs")
    report.runFinished(
      WatchRun(number: 1, succeeded: true, page: Data("<html><body><main>\nforty-two\n</main></body></html>".utf8), errorText: "", time: "t"))
    let server = try LiveReportServer(report: report, outputFolder: root + "/nb.out", port: 0)
    let port = try await server.start()
    #expect(port > 0)

    let page = try await Self.request(port, "/")
    #expect(page.status == 200)
    #expect(page.headers["content-type"] == "text/html; charset=utf-8")
    #expect(page.headers["cache-control"] == "no-store")
    #expect(page.body.contains("forty-two") && page.body.contains("pgs-watch-script"))
    #expect(try await Self.request(port, "/index.html").body == page.body)

    #expect(try await Self.request(port, "/__pgs/version").body == "{\"version\":1,\"running\":false}")
    report.runStarted()
    #expect(try await Self.request(port, "/__pgs/version").body == "{\"version\":1,\"running\":true}")
    report.runFinished(WatchRun(number: 2, succeeded: false, page: nil, errorText: "boom", time: "t"))
    #expect(try await Self.request(port, "/__pgs/version").body == "{\"version\":2,\"running\":false}")

    let metrics = try await Self.request(port, "/metrics.json")
    #expect(metrics.status == 200 && metrics.body == "{\"m\": 1.0}\n")
    #expect(metrics.headers["content-type"] == "application/json")
    #expect(try await Self.request(port, "/missing.json").status == 404)
    #expect(try await Self.request(port, "/images").status == 404, "a folder is no file")
    #expect(try await Self.request(port, "/../secret.txt").status == 404)
    #expect(try await Self.request(port, "/images/../../secret.txt").status == 404)
    #expect(try await Self.request(port, "/link.txt").status == 404, "a symbolic link leading out")
    #expect(try await Self.request(port, "/__pgs/latest.html").status == 404, "run 2 wrote no report")
    #expect(try await Self.request(port, "/", method: "POST").status == 405)
    await server.stop()
  }

  @Test(.timeLimit(.minutes(1))) func aTakenPortIsAClearErrorAndStopClosesThePort() async throws {
    let report = LiveReport(title: "nb.pgs")
    let first = try LiveReportServer(report: report, outputFolder: "/nonexistent", port: 0)
    let port = try await first.start()
    let second = try LiveReportServer(report: report, outputFolder: "/nonexistent", port: port)
    await #expect(throws: LiveServerError(description: "the port is in use")) { try await second.start() }
    #expect(try await Self.request(port, "/").status == 200)
    await first.stop()
    await #expect(throws: POSIXError.self) { try await Self.request(port, "/") }
  }

  @Test func confinementAcceptsOnlyRegularFilesInsideTheFolder() throws {
    let root = try outputFolder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let folder = root + "/nb.out"
    #expect(LiveReportServer.confinedPath("/metrics.json", in: folder)?.hasSuffix("/nb.out/metrics.json") == true)
    #expect(LiveReportServer.confinedPath("/../secret.txt", in: folder) == nil)
    #expect(LiveReportServer.confinedPath("/./metrics.json", in: folder) == nil)
    #expect(LiveReportServer.confinedPath("/link.txt", in: folder) == nil)
    #expect(LiveReportServer.confinedPath("/images", in: folder) == nil)
    #expect(LiveReportServer.confinedPath("/", in: folder) == nil)
  }
}
