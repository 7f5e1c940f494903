import ProxyGradRuntime
import ProxyGradSyntax
import ProxyGradTestSupport
import Testing

/// The analysis operations as the language runs them: `grad(f, x)` against central finite
/// differences of the same PGS function evaluated outside `grad` (where it gives a number).
@Suite struct AnalysisGradientTests {
  static let functions: [String] = [
    "sum(x ** 3)",
    "sum(2 ** x)",
    "sum((x + 2) ** tensor([2, 0.5, 3, 1.5]))",
    "sum(softmax(x) * tensor([1, 2, 3, 4]))",
    "sum(log_softmax(reshape(x, [2, 2]), axis: 0) * tensor([[1, -2], [3, 0.5]]))",
    "sum(topk(x, 2).values * tensor([1, 3]))",
    "sum(sort(x, descending: true) * tensor([1, 2, 3, 4]))",
    "max(x) + 2 * min(x)",
    "sum(max(reshape(x, [2, 2]), axis: 1) * tensor([1, 5]))",
    "sum(stack([x, x * 2], axis: 1) * reshape(tensor(0..<8), [4, 2]))",
    "sum(concat([x, x[1..]]) * tensor(0..<7))",
    "sum(x[[2, 0, 2]] * tensor([1, 5, 2])) + sum(reshape(x, [2, 2])[.., -1])",
    "sum(activations(net, x).linear2 * tensor([1, -1, 2]))",
    "sum(net.relu1(x) * tensor([1, 2, 3, 4, 5]))",
  ]

  static func run(_ interpreter: Interpreter, _ text: String) throws -> Value {
    let (program, diagnostics) = interpreter.check(SourceFile(path: "<test>", text: text))
    let resolved = try #require(program, "\(diagnostics.map(\.message))")
    return try interpreter.run(resolved)
  }

  @Test(arguments: functions)
  func gradientMatchesFiniteDifferences(_ body: String) throws {
    let interpreter = Interpreter()
    _ = try Self.run(interpreter, "net = network(input: [4], seed: 4) { linear(5); relu(); linear(3) }\nf = fn(x) { \(body) }")
    let x: [Double] = [0.3, -0.7, 1.1, 0.45]
    let literal = { (v: [Double]) in "tensor([" + v.map { String($0) }.joined(separator: ", ") + "])" }
    guard case .tensor(let gradient) = try Self.run(interpreter, "grad(f, \(literal(x))).grad") else {
      Issue.record("grad gave no tensor")
      return
    }
    let h = 1e-3
    var numeric: [Double] = []
    for i in x.indices {
      var plus = x
      var minus = x
      plus[i] += h
      minus[i] -= h
      guard case .number(let a) = try Self.run(interpreter, "f(\(literal(plus)))"),
        case .number(let b) = try Self.run(interpreter, "f(\(literal(minus)))")
      else {
        Issue.record("f gave no number outside grad")
        return
      }
      numeric.append((a - b) / (2 * h))
    }
    #expect(
      isApproximatelyEqual(gradient.values, numeric, relativeTolerance: 2e-2, absoluteTolerance: 2e-3),
      "\(body): analytic \(gradient.values), numeric \(numeric)")
  }
}
