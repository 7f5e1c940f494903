import Foundation
import ProxyGradRuntime
import ProxyGradSyntax
import ProxyGradTestSupport
import Testing

/// Runs every fixture under `Fixtures/` and compares output and errors with its `# expect` lines.
@Suite struct GoldenScriptTests {
  static let fixtures: [LanguageFixture] = {
    guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return [] }
    return LanguageFixture.load(from: folder)
  }()

  @Test func fixturesArePresent() {
    #expect(Self.fixtures.count >= 20)
  }

  @Test(arguments: fixtures)
  func fixture(_ fixture: LanguageFixture) {
    let result = LanguageRun.run(fixture.source, path: fixture.name)
    #expect(result.errors == fixture.expectedErrors, "static errors of \(fixture.name)")
    #expect(result.runtimeError.map { fixture.matches(runtime: $0) } ?? (fixture.expectedRuntimeError == nil),
      "runtime error of \(fixture.name): got \(result.runtimeError.map { "\($0.location) \($0.message)" } ?? "none"), expected \(fixture.expectedRuntimeError ?? "none")")
    #expect(result.output == fixture.expectedOutput, "output of \(fixture.name)")
    #expect(result.undeclaredReads.isEmpty, "builtins of \(fixture.name) read labels their signatures do not declare")
  }
}

extension LanguageFixture {
  func matches(runtime: LanguageRun.Failure) -> Bool {
    guard let expected = expectedRuntimeError else { return false }
    return expected == runtime.message || expected == "\(runtime.location): \(runtime.message)"
  }
}

/// Runs a script in a fresh interpreter on a large stack and collects what it produced.
enum LanguageRun {
  struct Failure {
    var location: String
    var message: String
  }

  struct Result {
    var output: [String]
    var errors: [String]
    var runtimeError: Failure?
    /// Labels builtins read without declaring them (``Interpreter/checksDeclarations``).
    var undeclaredReads: Set<String> = []
  }

  static func run(_ source: String, path: String = "test.pgs") -> Result {
    Interpreter.onLargeStack {
      let buffer = OutputBuffer()
      let interpreter = Interpreter(output: buffer)
      interpreter.checksDeclarations = true
      let (program, diagnostics) = interpreter.check(SourceFile(path: path, text: source))
      let errors = diagnostics.map { d -> String in
        let (line, column) = d.span.location
        return "\(line):\(column): \(d.message)"
      }
      var failure: Failure?
      if let program {
        do throws(RuntimeError) {
          try interpreter.run(program)
        } catch {
          let location = error.span.map { "\($0.location.line):\($0.location.column)" } ?? "?"
          failure = Failure(location: location, message: error.message)
        }
      }
      var lines = buffer.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      if lines.last == "" { lines.removeLast() }
      return Result(output: lines, errors: errors, runtimeError: failure, undeclaredReads: interpreter.undeclaredReads)
    }
  }
}
