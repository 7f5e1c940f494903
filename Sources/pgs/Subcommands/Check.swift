import ArgumentParser
import ProxyGradSession
import ProxyGradRuntime
import ProxyGradSyntax

extension PGSCommand {
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Parse and resolve a PGS script and report every error, without running it.",
      discussion: """
        Also builds the networks the script assigns once from literals (network { }, vgg(...), \
        resnet(...), onnx("file")) and reports the layer names it uses that they lack.

        Exit status: 0 when the script is well-formed, 65 otherwise.
        """)

    @ArgumentParser.Argument(help: "The script to check, or '-' to read it from standard input.")
    var file: String

    func run() throws {
      let source = try ScriptSource.load(file)
      // The syntax errors of every cell, not only the first one of the file.
      let diagnostics = NotebookRunner.check(Notebook(path: source.path, text: source.text), layerNames: true)
      guard diagnostics.isEmpty else {
        StandardError.write(DiagnosticRenderer().render(diagnostics))
        throw ExitCode(ExitStatus.invalidScript.rawValue)
      }
    }
  }
}
