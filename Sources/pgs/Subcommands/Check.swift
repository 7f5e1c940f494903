import ArgumentParser
import ProxyGradRuntime
import ProxyGradSyntax

extension PGSCommand {
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Parse and resolve a PGS script and report every error, without running it.",
      discussion: "Exit status: 0 when the script is well-formed, 65 otherwise.")

    @ArgumentParser.Argument(help: "The script to check, or '-' to read it from standard input.")
    var file: String

    func run() throws {
      let source = try ScriptSource.load(file)
      let diagnostics = Interpreter.onLargeStack { Interpreter().check(source).diagnostics }
      guard diagnostics.isEmpty else {
        StandardError.write(DiagnosticRenderer().render(diagnostics))
        throw ExitCode(65)
      }
    }
  }
}
