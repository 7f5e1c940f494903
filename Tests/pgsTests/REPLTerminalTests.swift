import Foundation
import Testing

/// The REPL of the built `pgs` binary: piped standard input, and a real pseudo-terminal
/// driven by `Tests/e2e/repl_pty.py` (pexpect from the project's `.venv`, made by
/// `scripts/setup`).
@Suite struct REPLTerminalTests {
  /// The package's root folder, found from this file's path.
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// `.venv/bin/python3` when it exists and imports pexpect; nil otherwise.
  static let python: URL? = {
    let python = packageRoot.appendingPathComponent(".venv/bin/python3")
    guard FileManager.default.isExecutableFile(atPath: python.path) else { return nil }
    let process = Process()
    process.executableURL = python
    process.arguments = ["-c", "import pexpect"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    process.waitUntilExit()
    return process.terminationStatus == 0 ? python : nil
  }()

  /// Runs `pgs` with `arguments`, `stdin` piped in, and a private state folder for history.
  func run(_ arguments: [String], stdin: String) throws -> BuiltBinary.Outcome {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-repl-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: state) }
    return try BuiltBinary.run(arguments, stdin: stdin, environment: ["XDG_STATE_HOME": state.path])
  }

  /// Runs the pexpect script `Tests/e2e/NAME` on the built binary; it prints "ok" last when every
  /// check passed.
  func runTerminalScript(_ name: String) throws {
    let python = try #require(Self.python)
    let binary = try #require(BuiltBinary.pgs, "the pgs binary is built next to the tests")
    let process = Process()
    process.executableURL = python
    process.arguments = [Self.packageRoot.appendingPathComponent("Tests/e2e/" + name).path, binary.path]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    #expect(text.hasSuffix("ok\n"))
  }

  @Test func pipedInputRunsLineByLineWithoutPrompts() throws {
    let outcome = try run([], stdin: "x = 2\nx * 3\nf = fn(a) {\n  a + _\n}\nf(1)\ny = nope\nx\n")
    #expect(outcome.stdout == "6\n7\n2\n")
    #expect(outcome.stderr.contains("undefined name 'nope'"))
    #expect(!outcome.stdout.contains("pgs>") && !outcome.stderr.contains("pgs>"))
    #expect(outcome.status == 0)
  }

  @Test func strictExitStatusReflectsTheLastError() throws {
    #expect(try run(["--strict"], stdin: "1 + 1\n").status == 0)
    #expect(try run(["--strict"], stdin: "x = )\n1\n").status == 65)
    #expect(try run(["repl", "--strict"], stdin: "assert(false)\n").status == 70)
    #expect(try run(["--strict"], stdin: "print(1\n").status == 65)
  }

  @Test func quitStopsReadingPipedInput() throws {
    let outcome = try run([], stdin: "1\n:quit\n2\n")
    #expect(outcome.stdout == "1\n")
  }

  @Test(.enabled(if: python != nil, "needs .venv/bin/python3 with pexpect; run scripts/setup"))
  func pseudoTerminalSession() throws {
    try runTerminalScript("repl_pty.py")
  }

  /// Pictures in the REPL under a pseudo-terminal that plays kitty, a sixel terminal, a silent
  /// terminal and tmux (`Tests/e2e/terminal_pictures_pty.py`).
  @Test(.enabled(if: python != nil, "needs .venv/bin/python3 with pexpect; run scripts/setup"))
  func picturesUnderAPseudoTerminal() throws {
    try runTerminalScript("terminal_pictures_pty.py")
  }
}
