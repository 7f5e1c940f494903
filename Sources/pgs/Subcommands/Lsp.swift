import ArgumentParser
import Foundation
import ProxyGradSession

extension PGSCommand {
  struct Lsp: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Serve the Language Server Protocol on standard input and output, for editors.",
      discussion: """
        Diagnostics as you type, completion, hover help, go to definition and document symbols \
        for .pgs scripts and notebooks (docs/editors.md). Nothing in a document is ever run.

        Exit status: 0 after 'shutdown' then 'exit', 1 when 'exit' or the end of input comes \
        without 'shutdown'.
        """)

    func run() throws {
      // A client that goes away must end the server through the end of its input, not a signal.
      signal(SIGPIPE, SIG_IGN)
      let server = LanguageServer()
      var framing = LSPFraming()
      var chunk = [UInt8](repeating: 0, count: 65536)
      while true {
        let count = read(STDIN_FILENO, &chunk, chunk.count)
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { break }
        framing.append(chunk[..<count])
        while let body = framing.nextMessage() {
          for reply in server.handle(body) { send(LSPFraming.frame(reply)) }
          if let status = server.exitStatus { throw ExitCode(status) }
        }
      }
      throw ExitCode(server.isShutDown ? 0 : 1)
    }

    private func send(_ bytes: [UInt8]) {
      var offset = 0
      while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        if written < 0, errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
      }
    }
  }
}
