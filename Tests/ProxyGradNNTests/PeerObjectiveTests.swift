import ProxyGradNN
import ProxyGradTestSupport
import Testing

/// `direction`, `diversity` and `deepdream` by hand and against finite differences.
@Suite struct PeerObjectiveTests {
  /// A linear layer with the identity as weights: its output is the input.
  static func identity(_ n: Int) throws -> Network {
    let net = try Network(inputShape: [n], layers: [.linear(outFeatures: n)], seed: 0)
    let l = net.layer(named: "linear1")!
    l.parameters[0].values = (0..<(n * n)).map { $0 % (n + 1) == 0 ? 1 : 0 }
    l.parameters[1].values = [Float](repeating: 0, count: n)
    return net
  }

  static func convNet() throws -> Network {
    try Network(inputShape: [2, 5, 5], layers: [.conv(outChannels: 3, kernel: 3, padding: 1)], seed: 5)
  }

  func values(_ objective: Objective, _ net: Network, _ x: Tensor) -> [Float] {
    evaluate(objective, network: net, input: x, policy: .original).values
  }

  @Test func deepdreamIsTheMeanOfSquares() throws {
    let net = try Self.identity(2)
    let x = Tensor(shape: [1, 2], values: [1, 3])
    let (value, gradient) = inputGradient(.deepdream(layer: "linear1"), network: net, input: x, rule: .plain)
    #expect(value == [5])  // (1 + 9) / 2
    #expect(gradient == [1, 3])  // 2x / 2
  }

  @Test func directionIsADotProductWithTheChannelVector() throws {
    let net = try Self.identity(2)
    let x = Tensor(shape: [2, 2], values: [1, 3, -1, 0.5])
    let (value, gradient) = inputGradient(
      .direction(layer: "linear1", [2, -1], at: nil), network: net, input: x, rule: .plain)
    #expect(value == [-1, -2.5])
    #expect(gradient == [2, -1, 2, -1])
  }

  @Test func directionAveragesPositionsOrReadsOne() throws {
    let net = try Self.convNet()
    var rng = SplitMix64(seed: 3)
    let x = Tensor.uniform([2, 2, 5, 5], low: -1, high: 1, rng: &rng)
    let v: [Double] = [0.5, -1, 2]
    let taps = net.forward(x, taps: ["conv1"]).taps["conv1"]!
    // By hand from the tapped activations: mean over positions, and position [1, 3].
    for n in 0..<2 {
      var total = 0.0, at = 0.0
      for p in 0..<25 {
        var dot = 0.0
        for c in 0..<3 { dot += v[c] * Double(taps.values[(n * 3 + c) * 25 + p]) }
        total += dot
        if p == 1 * 5 + 3 { at = dot }
      }
      #expect(isApproximatelyEqual(Double(values(.direction(layer: "conv1", v, at: nil), net, x)[n]), total / 25, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))
      #expect(isApproximatelyEqual(Double(values(.direction(layer: "conv1", v, at: [1, 3]), net, x)[n]), at, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))
    }
    for objective in [Objective.direction(layer: "conv1", v, at: nil), .direction(layer: "conv1", v, at: [1, 3])] {
      let check = checkGradients([x]) { xs in evaluate(objective, network: net, input: xs[0], policy: .original) }
      #expect(check.passed, "\(check)")
    }
  }

  @Test func diversityOfIdenticalAndOrthogonalItems() throws {
    let net = try Self.identity(2)
    // Flat layers: G = h hᵀ. Identical items have cosine 1: each item gets 1 / N.
    let same = Tensor(shape: [2, 2], values: [1, 2, 1, 2])
    #expect(isApproximatelyEqual(values(.diversity(layer: "linear1", group: nil), net, same), [0.5, 0.5]))
    // [1, 0] and [0, 1] have Gram matrices with no common entry: 0.
    let orthogonal = Tensor(shape: [2, 2], values: [1, 0, 0, 1])
    #expect(values(.diversity(layer: "linear1", group: nil), net, orthogonal) == [0, 0])
    // Four identical items: the whole batch gives 3/4 each, groups of two 1/2 each.
    let four = Tensor(shape: [4, 2], values: [1, 2, 1, 2, 1, 2, 1, 2])
    #expect(isApproximatelyEqual(values(.diversity(layer: "linear1", group: nil), net, four), [0.75, 0.75, 0.75, 0.75]))
    #expect(isApproximatelyEqual(values(.diversity(layer: "linear1", group: 2), net, four), [0.5, 0.5, 0.5, 0.5]))
  }

  @Test func diversityAndDeepdreamGradientsMatchFiniteDifferences() throws {
    let net = try Self.convNet()
    var rng = SplitMix64(seed: 9)
    let x = Tensor.uniform([3, 2, 5, 5], low: -1, high: 1, rng: &rng)
    for objective in [Objective.diversity(layer: "conv1", group: nil), .deepdream(layer: "conv1")] {
      let check = checkGradients([x], step: 1e-2) { xs in
        evaluate(objective, network: net, input: xs[0], policy: .original)
      }
      #expect(check.passed, "\(objective): \(check)")
    }
  }

  @Test func validationNamesWhatIsWrong() throws {
    let net = try Self.convNet()
    #expect(validate(.direction(layer: "conv1", [1, 2], at: nil), network: net)?.contains("vector of 3 numbers") == true)
    #expect(validate(.direction(layer: "conv1", [1, 2, 3], at: [5, 0]), network: net)?.contains("outside") == true)
    #expect(validate(.deepdream(layer: "nope"), network: net)?.contains("no layer named 'nope'") == true)
  }
}
