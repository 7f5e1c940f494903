import Foundation
import Testing

/// End-to-end runs of the built `pgs` binary: stdout, stderr and exit status.
@Suite struct CommandLineTests {
  typealias Outcome = BuiltBinary.Outcome


  func run(_ arguments: [String], stdin: String? = nil) throws -> Outcome {
    try BuiltBinary.run(arguments, stdin: stdin)
  }

  func script(_ text: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-e2e-\(UUID().uuidString).pgs")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  /// Writes `text` to a fresh script file and runs it with `pgs run`.
  func runScript(_ text: String) throws -> (file: URL, outcome: Outcome) {
    let file = try script(text)
    return (file, try run(["run", file.path]))
  }

  @Test func helpAndVersion() throws {
    let help = try run(["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("USAGE: pgs <subcommand>"))
    #expect(help.stdout.contains("run") && help.stdout.contains("check"))
    let version = try run(["--version"])
    #expect(version.status == 0)
    #expect(version.stdout == "0.1.0\n")
  }

  @Test func runPrintsOutput() throws {
    let (_, outcome) = try runScript("x = 3\nprint(x * 2, 0.1 + 0.2)\nprint(tensor([[1, 2], [3, 4]]) @ tensor([1, 1]))\n")
    #expect(outcome == Outcome(status: 0, stdout: "6 0.30000000000000004\ntensor([3, 7])\n", stderr: ""))
  }

  @Test func runReadsStandardInput() throws {
    let outcome = try run(["run", "-"], stdin: "print(\"from stdin\")\n")
    #expect(outcome.status == 0)
    #expect(outcome.stdout == "from stdin\n")
  }

  @Test func syntaxErrorsExitWith65AndRunNothing() throws {
    let (file, outcome) = try runScript("print(\"no\")\nx = 1 +* 2\ny = 2 $\n")
    #expect(outcome.status == 65)
    #expect(outcome.stdout == "")
    #expect(outcome.stderr == """
      \(file.path):2:8: error[E0101]: expected expression, found '*'
      2 | x = 1 +* 2
        |        ^
      \(file.path):3:7: error[E0001]: unexpected character '$'
      3 | y = 2 $
        |       ^

      """)
  }

  @Test func runtimeErrorsExitWith70WithTrace() throws {
    let (file, outcome) = try runScript("inner = fn(x) { x + nil }\nouter = fn(x) { inner(x) }\nprint(\"before\")\nouter(1)\n")
    #expect(outcome.status == 70)
    #expect(outcome.stdout == "before\n")
    #expect(outcome.stderr == """
      \(file.path):1:19: error: cannot apply '+' to a number and nil
      1 | inner = fn(x) { x + nil }
        |                   ^
        in inner, called at \(file.path):2:17
        in outer, called at \(file.path):4:1

      """)
  }

  @Test func checkReportsWithoutRunning() throws {
    let good = try script("print(\"side effect\")\n")
    let ok = try run(["check", good.path])
    #expect(ok.status == 0)
    #expect(ok.stdout == "")
    let bad = try script("print(nope)\n")
    let failed = try run(["check", bad.path])
    #expect(failed.status == 65)
    #expect(failed.stderr.hasPrefix("\(bad.path):1:7: error[E0201]: undefined name 'nope'\n"))
    #expect(failed.stderr.contains("1 | print(nope)\n  |       ^~~~\n"))
  }

  @Test func usageErrorsExitWith64() throws {
    #expect(try run(["run"]).status == 64)
    #expect(try run(["frobnicate"]).status == 64)
    let missing = try run(["run", "/nonexistent/file.pgs"])
    #expect(missing.status == 64)
    #expect(missing.stderr.contains("cannot read '/nonexistent/file.pgs'"))
  }

  @Test func deepRecursionIsAnErrorNotACrash() throws {
    let (_, outcome) = try runScript("down = fn(n) { down(n + 1) }\ndown(0)\n")
    #expect(outcome.status == 70)
    #expect(outcome.stderr.contains("recursion too deep: more than 1000 nested calls"))
    #expect(outcome.stderr.contains("... "))
  }
}
