import FlyingFox
import FlyingSocks
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why the server could not start, in words for the terminal.
package struct LiveServerError: Error, CustomStringConvertible, Equatable {
  package var description: String
}

/// The HTTP server of `pgs run --watch`, on 127.0.0.1 only (FlyingFox):
///
/// | path | answer |
/// |---|---|
/// | `/`, `/index.html` | the live page (``LiveReport/page()``) |
/// | `/__pgs/version` | `{"version":N,"running":B}`, polled by the page |
/// | `/__pgs/latest.html` | the report of the last run, when it wrote one |
/// | any other path | the file of that name in the output folder (`nb.ipynb`, `manifest.json`, ...) |
///
/// Nothing is cached by the browser (`Cache-Control: no-store`); files outside the output folder
/// (`..`, symbolic links leading out) are not served.
package final class LiveReportServer: Sendable {
  package let report: LiveReport
  package let outputFolder: String
  private let server: HTTPServer
  private let failure = Failure()

  /// - Parameter port: the port to listen on; 0 lets the system choose a free one.
  package init(report: LiveReport, outputFolder: String, port: UInt16) throws(LiveServerError) {
    self.report = report
    self.outputFolder = outputFolder
    let address: sockaddr_in
    do {
      address = try .inet(ip4: "127.0.0.1", port: port)
    } catch {
      throw LiveServerError(description: "cannot make the address 127.0.0.1:\(port): \(error)")
    }
    let handler = ClosureHTTPHandler { [report, outputFolder] request in
      Self.response(to: request, report: report, outputFolder: outputFolder)
    }
    server = HTTPServer(
      config: HTTPServer.Configuration(address: address, timeout: 15, logger: .disabled), handler: handler)
  }

  /// Starts listening and returns the port; fails when the port is taken.
  package func start(timeout: Double = 10) async throws(LiveServerError) -> UInt16 {
    let server = self.server
    let failure = self.failure
    Task {
      do {
        try await server.run()
      } catch {
        failure.record(error)
      }
    }
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let error = failure.error {
        if case SocketError.failed(_, let number, _) = error, number == EADDRINUSE {
          throw LiveServerError(description: "the port is in use")
        }
        throw LiveServerError(description: error.localizedDescription)
      }
      if let address = await server.listeningAddress, let port = Self.port(address) {
        return port
      }
      try? await Task.sleep(nanoseconds: 10_000_000)
    }
    throw LiveServerError(description: "the server did not start listening within \(Int(timeout)) s")
  }

  /// Closes the listening socket and the open connections.
  package func stop() async {
    await server.stop(timeout: 0.5)
  }

  /// `start()` for a thread outside Swift concurrency's pool (the command's main thread).
  package func startWaiting(timeout: Double = 10) throws(LiveServerError) -> UInt16 {
    let box = Box<Result<UInt16, LiveServerError>>()
    let done = DispatchSemaphore(value: 0)
    Task {
      do throws(LiveServerError) {
        box.value = .success(try await start(timeout: timeout))
      } catch {
        box.value = .failure(error)
      }
      done.signal()
    }
    done.wait()
    return try box.value!.get()
  }

  /// `stop()` for a thread outside Swift concurrency's pool; waits at most `timeout` seconds.
  package func stopWaiting(timeout: Double = 2) {
    let done = DispatchSemaphore(value: 0)
    Task {
      await stop()
      done.signal()
    }
    _ = done.wait(timeout: .now() + timeout)
  }

  private static func port(_ address: Socket.Address) -> UInt16? {
    switch address {
    case .ip4(_, let port), .ip6(_, let port): return port
    default: return nil
    }
  }

  // MARK: - Answers

  /// The answer to one request; every route of the table above.
  package static func response(to request: HTTPRequest, report: LiveReport, outputFolder: String) -> HTTPResponse {
    guard request.method == .GET || request.method == .HEAD else {
      return text(.methodNotAllowed, "only GET and HEAD\n")
    }
    switch request.path {
    case "/", "/index.html":
      return answer(report.page(), type: "text/html; charset=utf-8")
    case "/__pgs/version":
      return answer(Data(report.statusJSON.utf8), type: "application/json")
    case "/__pgs/latest.html":
      guard let page = report.latestPage() else { return text(.notFound, "the last run wrote no report\n") }
      return answer(page, type: "text/html; charset=utf-8")
    default:
      guard let path = confinedPath(request.path, in: outputFolder),
        let data = FileManager.default.contents(atPath: path)
      else {
        return text(.notFound, "not found: \(request.path)\n")
      }
      return answer(data, type: contentType(path))
    }
  }

  /// The path of the file `requestPath` names inside `folder`, or nil when there is no such
  /// regular file or it lies outside the folder (`..`, a symbolic link leading out).
  package static func confinedPath(_ requestPath: String, in folder: String) -> String? {
    let parts = requestPath.split(separator: "/", omittingEmptySubsequences: true)
    guard !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." || $0.contains("\0") }) else { return nil }
    let candidate = folder + "/" + parts.joined(separator: "/")
    guard let real = realPath(candidate), let root = realPath(folder), real.hasPrefix(root + "/") else { return nil }
    var info = stat()
    guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return real
  }

  private static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  static func contentType(_ path: String) -> String {
    switch (path as NSString).pathExtension.lowercased() {
    case "html": return "text/html; charset=utf-8"
    case "json", "ipynb": return "application/json"
    case "csv": return "text/csv; charset=utf-8"
    case "png": return "image/png"
    case "svg": return "image/svg+xml"
    case "txt", "pgs", "md": return "text/plain; charset=utf-8"
    default: return "application/octet-stream"
    }
  }

  private static func answer(_ body: Data, type: String) -> HTTPResponse {
    HTTPResponse(
      statusCode: .ok, headers: [.contentType: type, .cacheControl: "no-store"], body: body)
  }

  private static func text(_ status: HTTPStatusCode, _ message: String) -> HTTPResponse {
    HTTPResponse(
      statusCode: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
      body: Data(message.utf8))
  }
}

/// The error the server's task ended with, read by the thread that started it.
private final class Failure: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: (any Error)?

  func record(_ error: any Error) { lock.withLock { stored = error } }
  var error: (any Error)? { lock.withLock { stored } }
}

private final class Box<T>: @unchecked Sendable {
  var value: T?
}
