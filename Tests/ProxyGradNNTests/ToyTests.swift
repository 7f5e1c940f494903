import ProxyGradNN
import ProxyGradTestSupport
import Testing

/// Toy A and toy B of the research notes (§6.1), driven by a plain ascent loop in Swift.
@Suite struct ToyTests {
  /// Toy A: f(x) = relu(x1 + x2 − 1.5) on [−1, 1]², 100 random starts, clipped gradient ascent
  /// with step 0.05 for 200 steps. Returns the mean final value of the original function.
  func toyA(_ rule: GradientRule) -> Double {
    var rng = SplitMix64(seed: 42)
    let x = Tensor.uniform([100, 2], low: -1, high: 1, rng: &rng)
    let ones = Tensor(shape: [2], values: [1, 1])
    func f(_ x: Tensor, _ policy: SlopePolicy) -> Tensor {
      let s = policy.slopes(layer: nil, forwardSlope: 0)
      return leakyReLU(matmul(x, ones) - 1.5, forwardSlope: s.forward, backwardSlope: s.backward)
    }
    var value: [Float] = []
    for _ in 0..<200 {
      let leaf = Tensor(shape: x.shape, values: x.values, requiresGrad: true)
      let (v, root) = withGradientRule(rule) { f(leaf, $0) }
      root.backward()
      value = v.values
      let g = leaf.grad!
      for i in 0..<x.count { x.values[i] = min(max(x.values[i] + 0.05 * g[i], -1), 1) }
    }
    value = Autograd.withoutRecording { f(x, .original).values }
    return value.reduce(0.0) { $0 + Double($1) } / Double(value.count)
  }

  @Test func toyAPlainAscentRarelyMoves() {
    let plain = toyA(.plain)
    #expect(plain < 0.05, "plain AM only improves starts that are already active: \(plain)")
  }

  @Test func toyAMeanRisesWithTheBackwardSlope() {
    let slopes = [0.0, 0.01, 0.1, 0.3]
    let swap = slopes.map { toyA(.swap(.constant($0))) }
    let proxy = slopes.map { toyA(.proxy(.constant($0))) }
    for k in 1..<slopes.count {
      #expect(swap[k] > swap[k - 1], "\(swap)")
      #expect(proxy[k] > proxy[k - 1], "\(proxy)")
    }
    #expect(isApproximatelyEqual(swap[3], 0.5, absoluteTolerance: 1e-4), "swap(0.3) reaches the maximum 0.5")
    #expect(isApproximatelyEqual(proxy[3], 0.5, absoluteTolerance: 1e-4))
  }

  /// Toy B: f(x) = φ(x) + 2 φ(−x) on [−1, 1] with φ of slope a_f, started at +0.1,
  /// sign-gradient steps of 0.01 for 400 steps. Returns the final x and f.
  func toyB(forwardSlope af: Float, _ rule: GradientRule) -> (x: Float, f: Float) {
    var x: Float = 0.1
    func f(_ x: Tensor, _ policy: SlopePolicy) -> Tensor {
      let s = policy.slopes(layer: nil, forwardSlope: af)
      return leakyReLU(x, forwardSlope: s.forward, backwardSlope: s.backward)
        + 2 * leakyReLU(-x, forwardSlope: s.forward, backwardSlope: s.backward)
    }
    for _ in 0..<400 {
      let leaf = Tensor(shape: [1], values: [x], requiresGrad: true)
      let (_, root) = withGradientRule(rule) { f(leaf, $0) }
      root.backward()
      let g = leaf.grad![0]
      x = min(max(x + 0.01 * (g > 0 ? 1 : (g < 0 ? -1 : 0)), -1), 1)
    }
    return (x, Autograd.withoutRecording { f(Tensor(shape: [1], values: [x]), .original).item() })
  }

  @Test(arguments: [Float(0), 0.01])
  func toyBThresholdIsOneHalf(forwardSlope af: Float) {
    let local = 1 - 2 * af, global = 2 - af
    let plain = toyB(forwardSlope: af, .plain)
    #expect(isApproximatelyEqual(Double(plain.x), 1, absoluteTolerance: 1e-5))
    #expect(isApproximatelyEqual(Double(plain.f), Double(local), absoluteTolerance: 1e-5))
    for b in [0.3, 0.45] {
      for rule in [GradientRule.swap(.constant(b)), .proxy(.constant(b))] {
        let r = toyB(forwardSlope: af, rule)
        #expect(isApproximatelyEqual(Double(r.x), 1, absoluteTolerance: 1e-5), "\(rule) stays at the local maximum")
        #expect(isApproximatelyEqual(Double(r.f), Double(local), absoluteTolerance: 1e-5))
      }
    }
    for b in [0.55, 0.7, 1.0] {
      for rule in [GradientRule.swap(.constant(b)), .proxy(.constant(b))] {
        let r = toyB(forwardSlope: af, rule)
        #expect(isApproximatelyEqual(Double(r.x), -1, absoluteTolerance: 1e-5), "\(rule) escapes to x = −1")
        #expect(isApproximatelyEqual(Double(r.f), Double(global), absoluteTolerance: 1e-5))
      }
    }
  }
}
