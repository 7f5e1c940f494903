import Foundation
import ProxyGradSession

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

extension REPLDriver {
  /// How the REPL draws pictures: on a terminal, in the protocol it answers to (or the one
  /// `PGS_GRAPHICS` names); with output piped, no drawing but still a file and its path.
  static func terminalPictures(environment: [String: String], columns: Int) -> TerminalPictures {
    let insideTmux = environment["TMUX"] != nil || environment["TERM"].map { $0.hasPrefix("tmux") || $0.hasPrefix("screen") } == true
    let folder = TerminalPictures.defaultFolder(environment: environment)
    guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
      return TerminalPictures(graphics: .none, folder: folder, columns: columns)
    }
    var reply: String?
    if !TerminalGraphics.isChosen(environment: environment) {
      reply = askTerminal(TerminalGraphics.query(insideTmux: insideTmux), untilKittyReply: insideTmux, timeout: 0.3)
    }
    let graphics = TerminalGraphics.detect(environment: environment, reply: reply)
    return TerminalPictures(graphics: graphics, folder: folder, insideTmux: insideTmux, columns: columns)
  }

  /// Writes `query` to the controlling terminal and collects its reply until the DA1 answer
  /// (`ESC [ ? ... c`) arrives (inside tmux, which answers DA1 itself at once: until the kitty
  /// reply) or `timeout` seconds pass. The terminal is in non-canonical, no-echo mode meanwhile
  /// and restored with TCSAFLUSH, so late replies do not leak into the input.
  static func askTerminal(_ query: String, untilKittyReply: Bool, timeout: Double) -> String? {
    let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var saved = termios()
    guard tcgetattr(fd, &saved) == 0 else { return nil }
    var raw = saved
    raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
    tcsetattr(fd, TCSANOW, &raw)
    defer { tcsetattr(fd, TCSAFLUSH, &saved) }
    let bytes = Array(query.utf8)
    guard write(fd, bytes, bytes.count) == bytes.count else { return nil }
    var reply: [UInt8] = []
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let wait = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
      guard poll(&poller, 1, wait) > 0 else { continue }
      var buffer = [UInt8](repeating: 0, count: 256)
      let n = read(fd, &buffer, buffer.count)
      guard n > 0 else { break }
      reply += buffer[0..<n]
      let text = String(decoding: reply, as: UTF8.self)
      if text.contains("\u{1B}_Gi=31;") { if untilKittyReply || text.range(of: "\u{1B}[?") != nil && text.hasSuffix("c") { break } }
      if !untilKittyReply, let start = text.range(of: "\u{1B}[?"), text[start.upperBound...].contains("c") { break }
    }
    return String(decoding: reply, as: UTF8.self)
  }
}
