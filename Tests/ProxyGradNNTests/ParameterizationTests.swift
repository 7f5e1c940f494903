import Foundation
@testable import ProxyGradNN
import ProxyGradTestSupport
import Testing

/// Lucid's Laplacian-pyramid and CPPN parameterizations: hand-computed images, finite-difference
/// gradients through the whole map from variables to image, seeded starts and ascent.
@Suite struct ParameterizationTests {
  static func network() throws -> Network {
    try Network(
      inputShape: [3, 8, 8],
      layers: [.conv(outChannels: 2, kernel: 3), .leakyReLU(slope: 0), .flatten(), .linear(outFeatures: 2)],
      seed: 2)
  }

  static func parameters(_ p: Parameterization, items: Int = 2, starts: Int = 2, shape: [Int], box: ClosedRange<Float> = -1...1, seed: UInt64 = 3)
    -> ImageParameters
  {
    var options = MaximizeOptions(steps: 1, rule: .plain, clip: box, parameterization: p, seed: seed)
    options.initial = .noise(0.5)
    return ImageParameters(options: options, items: items, starts: starts, shape: shape)
  }

  // MARK: - Laplacian pyramid

  @Test func laplacianOfTwoLevelsIsTheSumComputedByHand() {
    let pyramid = LaplacianPyramid(channels: 1, height: 4, width: 4, levels: 2)
    #expect(pyramid.levelShapes == [[1, 4, 4], [1, 2, 2]])
    let fine = Tensor(shape: [1, 1, 4, 4], values: (0..<16).map { Float($0) / 10 })
    let coarse = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
    // The coarse level read at rows and columns 0, 0.5, 1, 1 (TensorFlow 1's resize clamps the
    // last one at the edge).
    let upsampled: [Double] = [1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4]
    let sum = pyramid.sum([fine, coarse])
    #expect(sum.shape == [1, 1, 4, 4])
    #expect(isApproximatelyEqual(sum.values, (0..<16).map { Double($0) / 10 + upsampled[$0] }))
  }

  @Test func laplacianImageIsTheSumSquashedIntoTheBox() {
    // One channel: no colour mixing; the box [-1, 1] makes the image 2σ(sum) − 1.
    let p = Self.parameters(.laplacian(levels: 2), items: 1, starts: 1, shape: [1, 2, 2])
    #expect(p.tensors.map(\.shape) == [[1, 1, 2, 2], [1, 1, 1, 1]])
    let image = p.image(from: [Tensor(shape: [1, 1, 2, 2], values: [0, 1, -1, 2]), Tensor(shape: [1, 1, 1, 1], values: [0.5])])
    let expected = [0.5, 1.5, -0.5, 2.5].map { 2 / (1 + exp(-$0)) - 1 }
    #expect(isApproximatelyEqual(image.values, expected))
  }

  @Test func laplacianLevelsOfOddSizesRoundDown() {
    let pyramid = LaplacianPyramid(channels: 3, height: 7, width: 5, levels: 3)
    #expect(pyramid.levelShapes == [[3, 7, 5], [3, 3, 2], [3, 1, 1]])
    #expect(LaplacianPyramid.maxLevels(height: 7, width: 5) == 3)
    #expect(LaplacianPyramid.maxLevels(height: 28, width: 28) == 5)
  }

  @Test func laplacianGradientsMatchFiniteDifferences() {
    let pyramid = LaplacianPyramid(channels: 2, height: 6, width: 5, levels: 3)
    let levels = pyramid.levelShapes.enumerated().map { randomTensor([2] + $1, seed: UInt64(10 + $0)) }
    let check = checkGradients(levels, step: 1e-3) { pyramid.sum($0) }
    #expect(check.passed, "\(check)")
    // The whole map: levels → sum → ImageNet colour basis → sigmoid into the box [0, 1].
    let p = Self.parameters(.laplacian(levels: 3), shape: [3, 6, 5], box: 0...1)
    let whole = checkGradients(p.tensors, step: 1e-2) { p.image(from: $0) }
    #expect(whole.passed, "\(whole)")
  }

  // MARK: - CPPN

  @Test func cppnCoordinatesSpanPlusMinusRootThree() {
    let r = Float(3).squareRoot()
    let c = CPPN(channels: 1, height: 2, width: 3, hidden: 1, layers: 1).coordinates
    #expect(c.shape == [6, 2])
    let expected: [Float] = [-r, -r, 0, -r, r, -r, -r, r, 0, r, r, r]
    #expect(isApproximatelyEqual(c.values, expected.map(Double.init)))
  }

  @Test func cppnOfGivenWeightsMatchesAHandComputation() {
    // One hidden layer of one channel: z = 0.5x − 0.25y + 0.1, a = atan z,
    // image = σ(1 · a/0.67 + 2 · a²/0.6 − 0.5) at (x, y) ∈ {−√3, √3}², row-major.
    let cppn = CPPN(channels: 1, height: 2, width: 2, hidden: 1, layers: 1)
    #expect(cppn.variableShapes == [[2, 1], [1], [2, 1], [1]])
    let variables = [
      Tensor(shape: [1, 2, 1], values: [0.5, -0.25]), Tensor(shape: [1, 1], values: [0.1]),
      Tensor(shape: [1, 2, 1], values: [1, 2]), Tensor(shape: [1, 1], values: [-0.5]),
    ]
    let image = cppn.images(variables)
    #expect(image.shape == [1, 1, 2, 2])
    let expected = [0.34630190467455846, 0.9806965484164538, 0.678959762468558, 0.7369712668107478]
    #expect(isApproximatelyEqual(image.values, expected))
  }

  @Test func cppnStartsAsLucidInitializesIt() {
    let cppn = CPPN(channels: 3, height: 4, width: 4, hidden: 64, layers: 2)
    var rng = SplitMix64(seed: 5)
    let values = cppn.initialValues(rng: &rng)
    #expect(values.map(\.count) == cppn.variableShapes.map { $0.reduce(1, *) })
    // Hidden weights: std √(1/fan_in) after the cut at two deviations of the normal drawn
    // (whose std is √(1/fan_in) / 0.8796); output weights zero.
    for (k, fanIn) in [(0, 2.0), (2, 128.0)] {
      let w = values[k].map(Double.init)
      let std = (w.reduce(0) { $0 + $1 * $1 } / Double(w.count)).squareRoot()
      #expect(w.allSatisfy { abs($0) <= 2 * (1 / fanIn).squareRoot() / 0.87962566 + 1e-6 })
      if k == 2 { #expect(isApproximatelyEqual(std, (1 / fanIn).squareRoot(), relativeTolerance: 0.05)) }
    }
    #expect(values[4].allSatisfy { $0 == 0 })
    // So the first image is flat: σ(output bias) in every pixel of a channel.
    let image = cppn.images(zip(cppn.variableShapes, values).map { Tensor(shape: [1] + $0, values: $1) })
    for ch in 0..<3 {
      let plane = Array(image.values[(ch * 16)..<(ch * 16 + 16)])
      #expect(isApproximatelyEqual(plane, [Double](repeating: 1 / (1 + exp(-Double(values[5][ch]))), count: 16)))
    }
  }

  @Test func cppnGradientsMatchFiniteDifferences() {
    let cppn = CPPN(channels: 3, height: 3, width: 4, hidden: 3, layers: 2)
    let variables = cppn.variableShapes.enumerated().map { randomTensor([2] + $1, seed: UInt64(20 + $0)) }
    let check = checkGradients(variables, step: 1e-3) { cppn.images($0) }
    #expect(check.passed, "\(check)")
    // The whole map into the box [-1, 2], from Lucid's initial weights.
    let p = Self.parameters(.cppn(width: 3, layers: 2), shape: [3, 3, 4], box: -1...2)
    let whole = checkGradients(p.tensors, step: 1e-3) { p.image(from: $0) }
    #expect(whole.passed, "\(whole)")
  }

  // MARK: - Seeds and ascent

  @Test(arguments: [Parameterization.laplacian(levels: 3), .cppn(width: 8, layers: 3)])
  func theSameSeedGivesTheSameImage(_ p: Parameterization) {
    let a = Self.parameters(p, items: 4, starts: 2, shape: [3, 8, 8], seed: 9).render()
    let b = Self.parameters(p, items: 4, starts: 2, shape: [3, 8, 8], seed: 9).render()
    let c = Self.parameters(p, items: 4, starts: 2, shape: [3, 8, 8], seed: 10).render()
    #expect(a.values == b.values)
    #expect(a.values != c.values)
    // Items are units × starts: unit 1's starts repeat unit 0's, and the two starts differ.
    let inner = 3 * 8 * 8
    #expect(Array(a.values[0..<(2 * inner)]) == Array(a.values[(2 * inner)...]))
    #expect(Array(a.values[0..<inner]) != Array(a.values[inner..<(2 * inner)]))
  }

  @Test(arguments: [Parameterization.laplacian(levels: 3), .cppn(width: 8, layers: 3)])
  func ascentRaisesTheObjectiveAndStaysInTheBox(_ p: Parameterization) throws {
    var adam = Adam(learningRate: 0.02)
    let options = MaximizeOptions(steps: 30, rule: .plain, clip: 0...1, parameterization: p, seed: 1)
    let r = maximize(.logit(1), network: try Self.network(), options: options, optimizer: &adam)
    #expect(r.image.shape == [1, 3, 8, 8])
    #expect(r.image.values.allSatisfy { $0 > 0 && $0 < 1 })
    #expect(r.history.last! > r.history.first! + 0.01, "\(r.history)")
  }
}
