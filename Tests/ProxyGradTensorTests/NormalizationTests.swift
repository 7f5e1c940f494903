import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// Batch normalization, global average pooling and dropout: hand-computed forwards, batch
/// statistics, running-statistic updates and finite-difference checks.
@Suite struct NormalizationTests {
  /// `[N=2, C=2, H=1, W=2]`: channel 0 holds {−1, 1, −1, 1} (mean 0, variance 1), channel 1
  /// holds {0, 2, 4, 6} (mean 3, variance 5).
  static var x: Tensor { Tensor(shape: [2, 2, 1, 2], values: [-1, 1, 0, 2, -1, 1, 4, 6]) }
  static var weight: Tensor { Tensor(shape: [2], values: [2, 0.5]) }
  static var bias: Tensor { Tensor(shape: [2], values: [1, -1]) }

  @Test func trainingModeNormalizesWithBatchStatistics() {
    let (y, stats) = batchNorm(Self.x, weight: Self.weight, bias: Self.bias)
    // y = w·(x − mean)/√(var + 1e-5) + b: channel 0 is 2·(±1)/√1.00001 + 1,
    // channel 1 is 0.5·(x − 3)/√5.00001 − 1.
    let expected = [
      -0.99999000, 2.99999000, -1.67081972, -1.22360657,
      -0.99999000, 2.99999000, -0.77639343, -0.32918028,
    ]
    #expect(isApproximatelyEqual(y.values, expected))
    #expect(isApproximatelyEqual(stats.mean, [0, 3]))
    #expect(isApproximatelyEqual(stats.variance, [1, 5]))
    #expect(stats.count == 4)
    #expect(isApproximatelyEqual(stats.unbiasedVariance, [4.0 / 3, 20.0 / 3]))
  }

  @Test func evaluationModeIsAnAffineMapWithRunningStatistics() {
    let y = batchNorm(
      Self.x, weight: Self.weight, bias: Self.bias, runningMean: [1, -1], runningVariance: [3, 0.25])
    // Channel 0: 2·(x − 1)/√3.00001 + 1; channel 1: 0.5·(x + 1)/√0.25001 − 1.
    let expected = [
      -1.30939723, 1.0, -0.00001999940, 1.99994000,
      -1.30939723, 1.0, 3.99990000, 5.99986000,
    ]
    #expect(isApproximatelyEqual(y.values, expected))
  }

  @Test func runningStatisticsFollowPyTorchsFormula() {
    let (_, stats) = batchNorm(Self.x, weight: Self.weight, bias: Self.bias)
    var mean: [Float] = [0, 0], variance: [Float] = [1, 1]
    stats.update(runningMean: &mean, runningVariance: &variance, momentum: 0.1)
    // running = 0.9 · running + 0.1 · batch, with the unbiased variance (4/3 and 20/3).
    #expect(isApproximatelyEqual(mean, [0, 0.3]))
    #expect(isApproximatelyEqual(variance, [0.9 + 0.4 / 3, 0.9 + 2.0 / 3]))
    stats.update(runningMean: &mean, runningVariance: &variance, momentum: 0.1)
    #expect(isApproximatelyEqual(mean, [0, 0.57]))
  }

  @Test func oneElementPerChannelHasZeroVarianceAndNoDivisionByZero() {
    let (y, stats) = batchNorm(
      Tensor(shape: [1, 2], values: [3, -4]), weight: Self.weight, bias: Self.bias)
    #expect(y.values == [1, -1])
    #expect(stats.unbiasedVariance == [0, 0])
  }

  // MARK: - Finite differences

  @Test(arguments: [[3, 2, 2, 2], [5, 3], [2, 3, 1, 4]])
  func batchNormTrainingGradientsMatchFiniteDifferences(shape: [Int]) {
    let c = shape[1]
    let x = randomTensor(shape, low: -2, high: 2, seed: 21)
    let w = randomTensor([c], low: 0.5, high: 1.5, seed: 22)
    let b = randomTensor([c], seed: 23)
    let check = checkGradients([x, w, b], step: 1e-2) {
      batchNorm($0[0], weight: $0[1], bias: $0[2]).output
    }
    #expect(check.passed, "\(shape): \(check)")
  }

  @Test(arguments: [[3, 2, 2, 2], [5, 3]])
  func batchNormEvaluationGradientsMatchFiniteDifferences(shape: [Int]) {
    let c = shape[1]
    let x = randomTensor(shape, low: -2, high: 2, seed: 24)
    let w = randomTensor([c], low: -1.5, high: 1.5, seed: 25)
    let b = randomTensor([c], seed: 26)
    let mean = randomTensor([c], seed: 27).values
    let variance = randomTensor([c], low: 0.2, high: 2, seed: 28).values
    let check = checkGradients([x, w, b], step: 1e-2) {
      batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: mean, runningVariance: variance)
    }
    #expect(check.passed, "\(shape): \(check)")
  }

  @Test func batchNormGivesWeightGradientsWithoutAnInputGradient() {
    let x = randomTensor([4, 2, 3, 3], seed: 29)
    let w = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
    let b = Tensor(shape: [2], values: [0, 0], requiresGrad: true)
    let (y, _) = batchNorm(x, weight: w, bias: b)
    sum(y * y).backward()
    // Σ y² = Σ (w·x̂ + b)² with Σ x̂ = 0 and Σ x̂² = M per channel: d/dw = 2wM, d/db = 2bM + 0.
    let m = 4.0 * 9
    #expect(isApproximatelyEqual(w.grad!, [2 * m, 4 * m], relativeTolerance: 1e-3))
    #expect(isApproximatelyEqual(b.grad!, [0, 0], absoluteTolerance: 1e-3))
    #expect(x.grad == nil)
  }

  @Test func batchNormIsIdenticalOnOneAndTwoThreads() {
    let x = randomTensor([16, 8, 12, 12], seed: 30)
    let w = randomTensor([8], seed: 31), b = randomTensor([8], seed: 32)
    func run() -> ([Float], [Float], [Float]) {
      let leaf = Tensor(shape: x.shape, values: x.values, requiresGrad: true)
      let (y, stats) = batchNorm(leaf, weight: w, bias: b)
      sum(y * y * y).backward()
      return (y.values, stats.variance, leaf.grad!)
    }
    let one = Parallel.withThreads(1) { run() }
    let two = Parallel.withThreads(2) { run() }
    #expect(one.0 == two.0 && one.1 == two.1 && one.2 == two.2)
  }

  @Test func globalAveragePoolAveragesEveryPlane() {
    let x = Tensor(shape: [1, 2, 2, 2], values: [1, 2, 3, 4, -1, 0, 0, 5], requiresGrad: true)
    let y = globalAveragePool(x)
    #expect(y.shape == [1, 2])
    #expect(isApproximatelyEqual(y.values, [2.5, 1]))
    sum(y * Tensor(shape: [1, 2], values: [4, -8])).backward()
    #expect(isApproximatelyEqual(x.grad!, [1, 1, 1, 1, -2, -2, -2, -2]))
    let check = checkGradients([randomTensor([2, 3, 3, 2], seed: 33)]) { globalAveragePool($0[0]) }
    #expect(check.passed, "\(check)")
  }

  @Test func dropoutScalesKeptElementsAndZeroesDroppedOnes() {
    let x = Tensor(shape: [2, 2], values: [1, -2, 3, 4], requiresGrad: true)
    let keep = [true, false, true, false]
    let y = dropout(x, keep: keep, probability: 0.75)
    #expect(isApproximatelyEqual(y.values, [4, 0, 12, 0]))
    sum(y).backward()
    #expect(isApproximatelyEqual(x.grad!, [4, 0, 4, 0]))
    let input = randomTensor([3, 4], seed: 34)
    var rng = SplitMix64(seed: 35)
    let mask = dropoutMask(count: 12, probability: 0.5, rng: &rng)
    let check = checkGradients([input]) { dropout($0[0], keep: mask, probability: 0.5) }
    #expect(check.passed, "\(check)")
  }

  @Test func dropoutMasksAreSeededAndKeepAboutOneMinusP() {
    var a = SplitMix64(seed: 9), b = SplitMix64(seed: 9), c = SplitMix64(seed: 10)
    let mask = dropoutMask(count: 10_000, probability: 0.3, rng: &a)
    #expect(mask == dropoutMask(count: 10_000, probability: 0.3, rng: &b))
    #expect(mask != dropoutMask(count: 10_000, probability: 0.3, rng: &c))
    let kept = Double(mask.filter { $0 }.count) / 10_000
    #expect(abs(kept - 0.7) < 0.02, "kept \(kept)")
    var d = SplitMix64(seed: 1)
    #expect(dropoutMask(count: 100, probability: 0, rng: &d).allSatisfy { $0 })
  }
}
