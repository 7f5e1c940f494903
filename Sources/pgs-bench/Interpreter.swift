import ProxyGradRuntime
import ProxyGradSyntax

extension Workloads {
  /// The W4 loop: 10⁶ iterations of scalar arithmetic in the PGS language (the same loop as
  /// `scripts/bench-support/w4.pgs` and its CPython twin).
  static let loopSource = """
    s = 0
    i = 0
    while i < 1000000 {
      s = s + i * 0.5
      i = i + 1
    }
    """

  /// W4: the loop, parsed and resolved once; each repetition runs it in a fresh session.
  static func interpreterLoop() throws -> () -> Void {
    let file = SourceFile(path: "W4", text: loopSource)
    guard Interpreter().check(file).program != nil else { throw BenchError("the W4 loop does not parse") }
    return {
      let interpreter = Interpreter()
      guard let program = interpreter.check(file).program else { return }
      _ = try? interpreter.run(program)
    }
  }
}
