import ProxyGradNN
import ProxyGradTestSupport
import Testing

/// Exact gradients of `plain`, `swap` and `proxy` on a network with two hidden ReLU layers,
/// chosen so that the proxy network's second pre-activation changes sign while the original's
/// does not: the two readings of the paper then give different gradients.
///
/// ```
/// x = [1, −1]
/// z1 = W1 x = [[1, 2], [−1, 1]] x = [−1, −2]            (both inactive)
/// h1 = φ(z1)                      original: [0, 0]       proxy(b): [−b, −2b]
/// z2 = W2 h1 + [0.5, −0.5], W2 = [[1, −1], [−3, 0]]
///                                 original: [0.5, −0.5]  proxy(0.5): [1, 1]
/// y  = [1, 1] · φ(z2)             original: 0.5
/// ```
@Suite struct GradientRuleTests {
  static func makeNetwork() throws -> Network {
    let net = try Network(
      inputShape: [2],
      layers: [.linear(outFeatures: 2), .leakyReLU(slope: 0), .linear(outFeatures: 2),
        .leakyReLU(slope: 0), .linear(outFeatures: 1)],
      seed: 0)
    func set(_ layer: String, weight: [Float], bias: [Float]) {
      let l = net.layer(named: layer)!
      l.parameters[0].values = weight
      l.parameters[1].values = bias
    }
    set("linear1", weight: [1, 2, -1, 1], bias: [0, 0])
    set("linear2", weight: [1, -1, -3, 0], bias: [0.5, -0.5])
    set("linear3", weight: [1, 1], bias: [0])
    return net
  }

  static var x: Tensor { Tensor(shape: [1, 2], values: [1, -1]) }

  func inputGradient(_ rule: GradientRule, step: Int = 0, of total: Int = 1) throws -> (Float, [Float]) {
    let net = try Self.makeNetwork()
    let (value, gradient) = ProxyGradNN.inputGradient(
      .logit(0), network: net, input: Self.x, rule: rule, step: step, totalSteps: total)
    return (value[0], gradient)
  }

  @Test func plainGradientIsZeroBehindDeadUnits() throws {
    let (value, g) = try inputGradient(.plain)
    #expect(value == 0.5)
    #expect(g == [0, 0])
  }

  @Test func swapUsesTheOriginalPreActivations() throws {
    let b = 0.5
    // dz2 = [1, b]; dh1 = W2ᵀ dz2 = [1 − 3b, −1]; dz1 = b·dh1; dx = W1ᵀ dz1.
    let dz1 = [b * (1 - 3 * b), b * -1]
    let expected = [dz1[0] - dz1[1], 2 * dz1[0] + dz1[1]]
    let (value, g) = try inputGradient(.swap(.constant(b)))
    #expect(value == 0.5)
    #expect(isApproximatelyEqual(g, expected))
    #expect(isApproximatelyEqual(g, [0.25, -1.0]))
  }

  @Test func proxyRunsTheProxyNetwork() throws {
    let b = 0.5
    // The proxy's z2 = [1, 1] is all active: dz2 = [1, 1]; dh1 = [1 − 3, −1]; dz1 = b·dh1.
    let dz1 = [b * -2, b * -1]
    let expected = [dz1[0] - dz1[1], 2 * dz1[0] + dz1[1]]
    let (value, g) = try inputGradient(.proxy(.constant(b)))
    #expect(value == 0.5, "the value comes from the original network, not the proxy (2.0)")
    #expect(isApproximatelyEqual(g, expected))
    #expect(isApproximatelyEqual(g, [-0.5, -2.5]))
  }

  @Test func swapAndProxyDifferHere() throws {
    let (_, swap) = try inputGradient(.swap(.constant(0.5)))
    let (_, proxy) = try inputGradient(.proxy(.constant(0.5)))
    #expect(swap != proxy)
  }

  @Test func perLayerMapsLeaveUnlistedLayersPlain() throws {
    // relu2 keeps slope 0: dz2 = [1, 0]; dh1 = [1, −1]; dz1 = 0.5·dh1 = [0.5, −0.5].
    let (_, g) = try inputGradient(.swap(.perLayer(["relu1": .constant(0.5)])))
    #expect(isApproximatelyEqual(g, [1.0, 0.5]))
    let (_, both) = try inputGradient(
      .swap(.perLayer(["relu1": .constant(0.5), "relu2": .constant(0.5)])))
    #expect(isApproximatelyEqual(both, [0.25, -1.0]))
  }

  @Test func schedulesInterpolateOverSteps() throws {
    let spec = SlopeSpec.anneal(from: 0.6, to: 0)
    #expect(spec.value(layer: nil, step: 0, totalSteps: 3) == 0.6)
    #expect(isApproximatelyEqual(spec.value(layer: nil, step: 1, totalSteps: 3)!, 0.3))
    #expect(spec.value(layer: nil, step: 2, totalSteps: 3) == 0)
    let (_, scheduled) = try inputGradient(.swap(spec), step: 1, of: 3)
    let (_, fixed) = try inputGradient(.swap(.constant(0.3)))
    #expect(isApproximatelyEqual(scheduled, fixed.map(Double.init)))
    let (_, last) = try inputGradient(.swap(spec), step: 2, of: 3)
    #expect(last == [0, 0])
  }

  @Test func weightGradientsFollowTheRule() throws {
    // dy/dW3 = φ(z2) of the network the gradient comes from.
    for (rule, expected) in [(GradientRule.swap(.constant(0.5)), [0.5, 0.0]), (.proxy(.constant(0.5)), [1.0, 1.0])] {
      let net = try Self.makeNetwork()
      let (value, root) = withGradientRule(rule) { policy in
        net.forward(Self.x, policy: policy).output
      }
      root.backward()
      #expect(value.item() == 0.5)
      #expect(isApproximatelyEqual(net.layer(named: "linear3")!.parameters[0].grad!, expected))
    }
  }

  @Test func equalSlopesMatchFiniteDifferencesOfTheLeakyNetwork() throws {
    // proxy(a) for a network of slope-a units is ordinary backprop: check it numerically.
    let net = try Network(
      inputShape: [1, 6, 6],
      layers: [.conv(outChannels: 3, kernel: 3, padding: 1), .leakyReLU(slope: 0.2),
        .maxPool(kernel: 2), .flatten(), .linear(outFeatures: 4)],
      seed: 3)
    let x = randomTensor([2, 1, 6, 6], seed: 4)
    let check = checkGradients([x], step: 1e-3) { xs in
      net.withFrozenParameters { net.forward(xs[0]).output }
    }
    #expect(check.passed, "\(check)")
  }

  @Test func descriptionsReadLikeTheLanguage() {
    #expect(GradientRule.plain.description == "plain()")
    #expect(GradientRule.swap(.constant(0.3)).description == "swap(0.3)")
    #expect(GradientRule.proxy(.perLayer(["relu1": .constant(0.5)])).description == "proxy({relu1: 0.5})")
    #expect(GradientRule.swap(.anneal(from: 0.6, to: 0)).description == "swap(anneal(0.6, 0))")
  }
}
