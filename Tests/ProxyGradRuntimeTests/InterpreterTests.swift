import Foundation
import ProxyGradNN
import ProxyGradRuntime
import ProxyGradSyntax
import ProxyGradTestSupport
import Testing

@Suite struct InterpreterTests {
  /// Checks and runs one input in a session; returns the value of its last statement.
  @discardableResult
  func run(_ interpreter: Interpreter, _ text: String, path: String = "<repl>") throws -> Value {
    let (program, diagnostics) = interpreter.check(SourceFile(path: path, text: text))
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
    let resolved = try #require(program)
    return try Interpreter.onLargeStack { () -> Result<Value, RuntimeError> in
      do throws(RuntimeError) { return .success(try interpreter.run(resolved)) } catch { return .failure(error) }
    }.get()
  }

  @Test func sessionKeepsGlobalsAcrossInputs() throws {
    let interpreter = Interpreter()
    try run(interpreter, "x = 2\nf = fn(a) { a * x }")
    let value = try run(interpreter, "x = 5\nf(3)")
    #expect(Format.describe(value) == "15")
    #expect(interpreter.globalValues.map(\.0) == ["x", "f"])
  }

  @Test func globalsSetFromOutsideAreVisibleToScripts() throws {
    let interpreter = Interpreter()
    interpreter.setGlobal("_", .number(41))
    #expect(Format.describe(try run(interpreter, "_ + 1")) == "42")
  }

  @Test func lastStatementValueIsReturnedForEcho() throws {
    let interpreter = Interpreter()
    #expect(Format.describe(try run(interpreter, "[1, \"a\"]")) == "[1, \"a\"]")
    #expect(Format.describe(try run(interpreter, "y = 1")) == "nil")
  }

  @Test func runtimeErrorKeepsEarlierState() throws {
    let interpreter = Interpreter()
    try run(interpreter, "kept = 7")
    #expect(throws: RuntimeError.self) { try run(interpreter, "kept = 8\nboom = 1 / 0") }
    #expect(Format.describe(try #require(interpreter.global("kept"))) == "8")
  }

  @Test func interruptStopsAnEndlessLoop() throws {
    let interpreter = Interpreter()
    let stop = StopSwitch()
    interpreter.stops.check = stop.check
    stop.raise()
    let error = try #require(throws: RuntimeError.self) { try run(interpreter, "while true { }") }
    #expect(error.kind == .interrupted)
    stop.clear()
    #expect(Format.describe(try run(interpreter, "1 + 1")) == "2")
  }

  @Test func fileFailuresAreIOErrorsAtTheArgumentAndBadContentsAreValueErrors() throws {
    let interpreter = Interpreter()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let missing = folder.appendingPathComponent("missing.safetensors").path
    let garbage = folder.appendingPathComponent("garbage.safetensors").path
    try Data("not a safetensors file".utf8).write(to: URL(fileURLWithPath: garbage))
    try run(interpreter, "net = network(input: [2]) { linear(2) }")
    let unreadable = try #require(throws: RuntimeError.self) { try run(interpreter, "load_weights(net, \"\(missing)\")") }
    #expect(unreadable.kind == .io)
    #expect(unreadable.span?.description == "<repl>:1:19")
    let folderError = try #require(throws: RuntimeError.self) { try run(interpreter, "load_weights(net, \"\(folder.path)\")") }
    #expect(folderError.kind == .io)
    let corrupt = try #require(throws: RuntimeError.self) { try run(interpreter, "load_weights(net, \"\(garbage)\")") }
    #expect(corrupt.kind == .value)
    let unwritable = try #require(throws: RuntimeError.self) {
      try run(interpreter, "save(tensor([1, 2]), \"\(folder.path)/no/such/folder/x.csv\")")
    }
    #expect(unwritable.kind == .io)
  }

  @Test func loopsConsultTheStopCheckAtLeastEveryIntervalAndHoldingSuppressesIt() {
    let stop = StopSwitch()
    let stops = StopCheck(stop.check)
    stop.raise()
    #expect(stops.isRequested)
    var turns = 0
    while !stops.isRequestedSoon { turns += 1 }
    #expect(turns < StopCheck.loopInterval)
    // After a consultation the next loopInterval - 1 turns do not call the check.
    for _ in 1..<StopCheck.loopInterval { #expect(!stops.isRequestedSoon) }
    #expect(stops.isRequestedSoon)
    stops.holding {
      #expect(!stops.isRequested)
      for _ in 0..<StopCheck.loopInterval { #expect(!stops.isRequestedSoon) }
    }
    #expect(stops.isRequested)
  }

  @Test func printGoesToTheSink() throws {
    let buffer = OutputBuffer()
    let interpreter = Interpreter(output: buffer)
    try run(interpreter, "print(\"a\", 1)\nmetric(\"m\", 0.5)")
    #expect(buffer.text == "a 1\nm: 0.5\n")
    #expect(buffer.events.count == 2)
    guard case .metric(let name, let value, nil) = buffer.events[1] else {
      Issue.record("expected a metric event")
      return
    }
    #expect(name == "m" && value == 0.5)
  }

  @Test func runtimeErrorRendersSpanAndTrace() throws {
    let interpreter = Interpreter()
    let error = try #require(throws: RuntimeError.self) {
      try run(interpreter, "g = fn(t) { t @ t }\ng(tensor([1, 2]))", path: "m.pgs")
    }
    #expect(error.kind == .shape)
    #expect(error.rendered() == """
      m.pgs:1:15: error: cannot multiply matrices of shapes [2] and [2]; expected [m, k] @ [k, n], [k] @ [k, n] or [m, k] @ [k]
      1 | g = fn(t) { t @ t }
        |               ^
        in g, called at m.pgs:2:1

      """)
  }

  @Test func gradOfAnObjectiveMatchesTheEngine() throws {
    let interpreter = Interpreter()
    let value = try run(
      interpreter,
      """
      net = network(input: [1, 6, 6], seed: 3) {
        conv(3, 3, pad: 1)
        relu()
        maxpool(2)
        flatten()
        linear(4)
      }
      x = uniform([1, 6, 6], -1, 1, seed: 9)
      grad(logit(net, 2) - 0.1 * l2(), x, swap(0.3))
      """)
    guard case .record(let record) = value, case .tensor(let gradient)? = record["grad"],
      case .number(let objectiveValue)? = record["value"], case .network(let network)? = interpreter.global("net"),
      case .tensor(let x)? = interpreter.global("x")
    else {
      Issue.record("grad returned \(Format.describe(value))")
      return
    }
    let input = x.reshaped(to: [1, 1, 6, 6])
    let expected = inputGradient(.sum(.logit(2), .scaled(.l2, -0.1)), network: network, input: input, rule: .swap(.constant(0.3)))
    #expect(gradient.shape == [1, 6, 6])
    #expect(isApproximatelyEqual(gradient.values, expected.gradient.map(Double.init)))
    #expect(isApproximatelyEqual(objectiveValue, Double(expected.value[0]), relativeTolerance: 1e-6))
  }

  @Test func gradOfAFunctionMatchesFiniteDifferencesWhenSlopesAgree() throws {
    let interpreter = Interpreter()
    let value = try run(
      interpreter,
      "w = tensor([[0.5, -1], [2, 0.25]])\nf = fn(x) { sum(tanh(w @ x) * x + leaky(x, 0.2)) }\ngrad(f, tensor([0.3, -0.7])).grad")
    guard case .tensor(let gradient) = value else {
      Issue.record("expected a tensor")
      return
    }
    func f(_ x: [Double]) -> Double {
      let h = [tanh(0.5 * x[0] - 1 * x[1]), tanh(2 * x[0] + 0.25 * x[1])]
      return zip(h, x).map(*).reduce(0, +) + x.map { $0 > 0 ? $0 : 0.2 * $0 }.reduce(0, +)
    }
    let x = [0.3, -0.7]
    let eps = 1e-5
    let numeric = (0..<2).map { i -> Double in
      var plus = x
      var minus = x
      plus[i] += eps
      minus[i] -= eps
      return (f(plus) - f(minus)) / (2 * eps)
    }
    #expect(isApproximatelyEqual(gradient.values, numeric, relativeTolerance: 1e-3, absoluteTolerance: 1e-4))
  }

  @Test func deepButBoundedRecursionWorks() throws {
    let interpreter = Interpreter()
    let value = try run(interpreter, "count = fn(n) { if n == 0 { 0 } else { 1 + count(n - 1) } }\ncount(900)")
    #expect(Format.describe(value) == "900")
  }

  @Test func everyBuiltinHasAUniqueNameAndValidArity() {
    for builtin in Builtins.all {
      #expect(Builtins.named(builtin.name)?.signature == builtin.signature)
      #expect(builtin.arity.lowerBound >= 0)
    }
  }

  @Test func helpExamplesParseAndResolveInContext() {
    let interpreter = Interpreter()
    let prelude = "net = network(input: [1, 28, 28]) {\n conv(8, 3, pad: 1, name: \"feat\")\n relu()\n flatten()\n linear(10)\n}\nf = fn(x) { sum(x) }\nx = zeros([2])\nxs = [1, 2, 3]\ndata = synthetic(count: 10)\n"
    for builtin in Builtins.all {
      let (_, diagnostics) = interpreter.check(SourceFile(path: builtin.name, text: prelude + builtin.example))
      #expect(diagnostics.isEmpty, "example of \(builtin.name): \(diagnostics.map(\.message))")
    }
  }
}
