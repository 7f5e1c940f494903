import ProxyGradNN
import ProxyGradTestSupport
import Testing

/// Attribution methods by hand, and the completeness of integrated gradients.
@Suite struct AttributionTests {
  /// f(x) = 2 x0 − 3 x1 + 1.
  static func affine() throws -> Network {
    let net = try Network(inputShape: [2], layers: [.linear(outFeatures: 1)], seed: 0)
    net.layer(named: "linear1")!.parameters[0].values = [2, -3]
    net.layer(named: "linear1")!.parameters[1].values = [1]
    return net
  }

  @Test func gradientMethodsOnAnAffineFunction() throws {
    let net = try Self.affine()
    let x = Tensor(shape: [1, 2], values: [1, 2])
    #expect(Attribution.saliency(.logit(0), network: net, input: x, rule: .plain) == [2, 3])
    #expect(Attribution.saliency(.logit(0), network: net, input: x, rule: .plain, absolute: false) == [2, -3])
    #expect(Attribution.gradientTimesInput(.logit(0), network: net, input: x, rule: .plain) == [2, -6])
    // The gradient is constant, so noise changes nothing and the path integral is exact:
    // Σ IG = −4 = f(x) − f(0) = −3 − 1.
    #expect(Attribution.smoothGrad(.logit(0), network: net, input: x, rule: .plain, samples: 5, sigma: 0.5, seed: 1) == [2, -3])
    let ig = Attribution.integratedGradients(
      .logit(0), network: net, input: x, baseline: Tensor(scalar: 0), steps: 3, rule: .plain)
    #expect(isApproximatelyEqual(ig, [2, -6]))
  }

  @Test func smoothGradCountsTheNoisyCopiesOnTheLiveSide() throws {
    // f(x) = relu(x) at x = 0.1: each copy's gradient is 1 when x + σ·ε > 0, else 0.
    let net = try Network(inputShape: [1], layers: [.linear(outFeatures: 1), .leakyReLU(slope: 0)], seed: 0)
    net.layer(named: "linear1")!.parameters[0].values = [1]
    net.layer(named: "linear1")!.parameters[1].values = [0]
    let x = Tensor(shape: [1, 1], values: [0.1])
    var live = 0
    for s in 0..<40 {
      var rng = SplitMix64(seed: 9).derived(UInt64(s) + 1)
      if 0.1 + 0.5 * rng.nextNormal() > 0 { live += 1 }
    }
    let m = Attribution.smoothGrad(.logit(0), network: net, input: x, rule: .plain, samples: 40, sigma: 0.5, seed: 9)
    #expect(m == [Float(live) / 40])
    #expect(live > 0 && live < 40)
    // Under swap(0.3) the dead copies contribute 0.3 each.
    let s = Attribution.smoothGrad(.logit(0), network: net, input: x, rule: .swap(.constant(0.3)), samples: 40, sigma: 0.5, seed: 9)
    #expect(isApproximatelyEqual(s, [(Double(live) + 0.3 * Double(40 - live)) / 40]))
  }

  @Test func integratedGradientsAreCompleteUnderPlain() throws {
    let net = try Network(
      inputShape: [1, 6, 6],
      layers: [.conv(outChannels: 4, kernel: 3, padding: 1), .leakyReLU(slope: 0), .maxPool(kernel: 2),
        .flatten(), .linear(outFeatures: 8), .leakyReLU(slope: 0), .linear(outFeatures: 3)],
      seed: 21)
    var rng = SplitMix64(seed: 4)
    let x = Tensor.uniform([2, 1, 6, 6], low: -1, high: 1, rng: &rng)
    let baseline = Tensor.zeros([1, 6, 6])
    let ig = Attribution.integratedGradients(.logit(2), network: net, input: x, baseline: baseline, steps: 512, rule: .plain)
    let fx = evaluate(.logit(2), network: net, input: x, policy: .original).values
    let f0 = evaluate(.logit(2), network: net, input: Tensor.zeros([2, 1, 6, 6]), policy: .original).values
    for n in 0..<2 {
      let total = ig[(n * 36)..<((n + 1) * 36)].reduce(0.0) { $0 + Double($1) }
      let expected = Double(fx[n] - f0[n])
      #expect(Swift.abs(expected) > 1e-3)
      #expect(Swift.abs(total - expected) <= 2e-3 * max(1, Swift.abs(expected)), "item \(n): Σ IG \(total), f(x) − f(0) \(expected)")
    }
  }

  @Test func divergingColoursAndOverlay() {
    // Map [2, −1]: t = [1, −0.5]: red (1, 0, 0) and light blue (0.5, 0.5, 1), in [−1, 1].
    let map = Tensor(shape: [1, 1, 2], values: [2, -1])
    let rgb = AttributionColor.render(map, map: .diverging, over: nil, alpha: 1)
    #expect(rgb.shape == [3, 1, 2])
    #expect(rgb.values == [1, 0, -1, 0, -1, 1])
    // Over a black input (−1, grey 0) with alpha 1: opacity |t|, so the second pixel is half
    // its colour: 0.5 · (0.5, 0.5, 1) = (0.25, 0.25, 0.5).
    let over = AttributionColor.render(map, map: .diverging, over: Tensor(shape: [1, 1, 2], values: [-1, -1]), alpha: 1)
    #expect(isApproximatelyEqual(over.values, [1, -0.5, -1, -0.5, -1, 0]))
    // Magnitude: white to red by |t|.
    #expect(AttributionColor.render(map, map: .magnitude, over: nil, alpha: 1).values == [1, 1, -1, 0, -1, 0])
  }
}
