import Foundation
import ProxyGradRuntime
import ProxyGradSession
import ProxyGradSyntax
import ProxyGradTestSupport
import Testing

/// The one execute path every front end shares.
@Suite struct SessionTests {
  static func session(stop: StopSwitch? = nil) -> (Session, OutputBuffer) {
    let output = OutputBuffer()
    let session = Session {
      let interpreter = Interpreter(output: output)
      if let stop { interpreter.stops.check = stop.check }
      return interpreter
    }
    return (session, output)
  }

  static func file(_ text: String) -> SourceFile { SourceFile(path: "<cell>", text: text) }

  @Test func aFinalExpressionIsShownAndStatementsAreNot() throws {
    let (session, _) = Self.session()
    let shown = Interpreter.onLargeStack { session.execute(Self.file("x = 2\nx * 21")) }
    #expect(shown.status == .ok && shown.succeeded && shown.errorText.isEmpty)
    #expect(Format.describe(try #require(shown.shownValue)) == "42")
    #expect(Interpreter.onLargeStack { session.execute(Self.file("y = x")) }.shownValue == nil)
    #expect(Interpreter.onLargeStack { session.execute(Self.file("print(1)")) }.shownValue == nil)
  }

  @Test func checkErrorsRunNothingAndRuntimeErrorsKeepEarlierState() {
    let (session, _) = Self.session()
    let invalid = Interpreter.onLargeStack { session.execute(Self.file("kept = 1\nz = nope + 1")) }
    #expect(invalid.status == .invalidScript && invalid.program == nil)
    #expect(invalid.errorText.hasPrefix("<cell>:2:5: error[E0201]: undefined name 'nope'"))
    #expect(session.interpreter.global("kept") == nil)
    let failed = Interpreter.onLargeStack { session.execute(Self.file("kept = 1\nboom = 1 / 0")) }
    #expect(failed.status == .runtimeError && failed.error != nil)
    #expect(failed.errorText.hasPrefix("<cell>:2:"))
    #expect(session.interpreter.global("kept") != nil)
  }

  @Test func theInjectedStopCheckInterrupts() {
    let stop = StopSwitch()
    let (session, _) = Self.session(stop: stop)
    stop.raise()
    let result = Interpreter.onLargeStack { session.execute(Self.file("while true { }")) }
    #expect(result.status == .interrupted)
    #expect(result.error?.kind == .interrupted)
    stop.clear()
    #expect(Interpreter.onLargeStack { session.execute(Self.file("1 + 1")) }.status == .ok)
  }

  @Test func resetForgetsEveryName() {
    let (session, _) = Self.session()
    _ = Interpreter.onLargeStack { session.execute(Self.file("a = 1")) }
    session.reset()
    #expect(Interpreter.onLargeStack { session.execute(Self.file("a")) }.status == .invalidScript)
  }

  @Test func helpAndCompletionAreTheREPLs() {
    let (session, _) = Self.session()
    _ = Interpreter.onLargeStack { session.execute(Self.file("total = 3")) }
    #expect(session.help(for: "total") == "total: number\n3\n")
    #expect(session.help(for: "relu")?.hasPrefix("relu(") == true)
    #expect(session.help(for: "sweep")?.isEmpty == false)
    #expect(session.help(for: "no_such_name") == nil)
    #expect(session.completions(line: "tot", cursor: 3) == (0, ["total"]))
    #expect(session.completions(line: "x", cursor: 1, pending: ["xylo = 1"]).candidates.contains("xylo"))
  }

  @Test func exitStatusesAreTheDocumentedCodes() {
    let codes: [ProxyGradSession.ExitStatus: Int32] = [
      .ok: 0, .usage: 64, .invalidScript: 65, .noInput: 66, .runtimeError: 70, .cannotCreate: 73, .interrupted: 130,
    ]
    for (status, code) in codes { #expect(status.rawValue == code) }
  }
}
