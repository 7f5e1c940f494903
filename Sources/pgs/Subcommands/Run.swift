import ArgumentParser
import Foundation
import ProxyGradRuntime
import ProxyGradSyntax

extension PGSCommand {
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a PGS script.",
      discussion: "Exit status: 0 on success, 65 on syntax or name errors (nothing runs), 70 on runtime errors.")

    @ArgumentParser.Argument(help: "The script to run, or '-' to read it from standard input.")
    var file: String

    @Option(help: "The seed of random tensors and network weights.")
    var seed: UInt64 = 0

    func run() throws {
      let source = try ScriptSource.load(file)
      let status = Interpreter.onLargeStack {
        ScriptRunner.run(source, seed: seed, output: StandardOutput())
      }
      if status != 0 { throw ExitCode(status) }
    }
  }
}

/// Loads a script from a path or from standard input.
enum ScriptSource {
  static func load(_ path: String) throws -> SourceFile {
    if path == "-" {
      let data = FileHandle.standardInput.readDataToEndOfFile()
      return SourceFile(path: "<stdin>", text: String(decoding: data, as: UTF8.self))
    }
    // FileHandle also reads pipes and process substitutions (/dev/fd/N).
    guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data() else {
      throw ValidationError("cannot read '\(path)': no such file or not readable")
    }
    return SourceFile(path: path, text: String(decoding: data, as: UTF8.self))
  }
}

/// Writes outputs to standard output as text.
final class StandardOutput: OutputSink {
  func emit(_ event: OutputEvent) {
    print(OutputText.render(event), terminator: "")
  }
}

enum StandardError {
  static func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}

/// Checks, then runs, one script; reports errors on standard error.
enum ScriptRunner {
  /// - Returns: the exit status: 0, 65 (static errors) or 70 (runtime error).
  static func run(_ source: SourceFile, seed: UInt64, output: OutputSink) -> Int32 {
    let interpreter = Interpreter(output: output, seed: seed)
    let (program, diagnostics) = interpreter.check(source)
    guard let program else {
      StandardError.write(DiagnosticRenderer().render(diagnostics))
      return 65
    }
    do {
      try interpreter.run(program)
      return 0
    } catch {
      StandardError.write(error.rendered())
      return 70
    }
  }
}
