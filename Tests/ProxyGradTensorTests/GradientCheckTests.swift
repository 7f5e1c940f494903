import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// Finite-difference checks of every primitive on small random shapes with fixed seeds.
@Suite struct GradientCheckTests {
  static let broadcastCases: [([Int], [Int])] = [
    ([2, 3], [2, 3]), ([2, 3], [3]), ([2, 1], [1, 3]), ([4, 1, 3], [2, 1]), ([3], []),
  ]

  @Test(arguments: broadcastCases)
  func binaryOperatorsWithBroadcasting(a: [Int], b: [Int]) {
    let x = randomTensor(a, seed: 1)
    let y = randomTensor(b, low: 0.5, high: 2, seed: 2)
    for op in [BinaryOp.add, .subtract, .multiply, .divide] {
      let check = checkGradients([x, y], step: 1e-3) { elementwise(op, $0[0], $0[1]) }
      #expect(check.passed, "\(op) \(a) \(b): \(check)")
    }
  }

  @Test func scalarOperators() {
    let x = randomTensor([3, 2], low: 0.5, high: 2, seed: 3)
    let cases: [(String, (Tensor) -> Tensor)] = [
      ("x+s", { $0 + 2 }), ("x-s", { $0 - 2 }), ("x*s", { $0 * 3 }), ("x/s", { $0 / 4 }),
      ("s+x", { 2 + $0 }), ("s-x", { 2 - $0 }), ("s*x", { 3 * $0 }), ("s/x", { 4 / $0 }),
      ("-x", { -$0 }),
    ]
    for (name, f) in cases {
      let check = checkGradients([x], step: 1e-3) { f($0[0]) }
      #expect(check.passed, "\(name): \(check)")
    }
  }

  @Test func unaryFunctions() {
    let x = randomTensor([2, 5], low: -2, high: 2, seed: 4)
    let positive = randomTensor([2, 5], low: 0.5, high: 2, seed: 5)
    let cases: [(String, Tensor, (Tensor) -> Tensor)] = [
      ("exp", x, exp), ("tanh", x, tanh), ("sigmoid", x, sigmoid), ("abs", x, abs),
      ("log", positive, log), ("sqrt", positive, sqrt), ("pow2", x, { pow($0, 2) }),
      ("pow3", x, { pow($0, 3) }), ("pow-1.5", positive, { pow($0, -1.5) }),
      ("clamp", x, { clamp($0, min: -1, max: 1) }), ("atan", x, atan),
    ]
    for (name, input, f) in cases {
      let check = checkGradients([input], step: 1e-3) { f($0[0]) }
      #expect(check.passed, "\(name): \(check)")
    }
  }

  @Test func matrixProducts() {
    let a = randomTensor([3, 4], seed: 6), b = randomTensor([4, 2], seed: 7)
    let v = randomTensor([4], seed: 8)
    #expect(checkGradients([a, b]) { matmul($0[0], $0[1]) }.passed)
    #expect(checkGradients([v, b]) { matmul($0[0], $0[1]) }.passed)
    #expect(checkGradients([a, v]) { matmul($0[0], $0[1]) }.passed)
    let w = randomTensor([5, 4], seed: 9), bias = randomTensor([5], seed: 10)
    let check = checkGradients([a, w, bias]) { linear($0[0], weight: $0[1], bias: $0[2]) }
    #expect(check.passed, "\(check)")
  }

  @Test func reductions() {
    let x = randomTensor([2, 3, 4], seed: 11)
    #expect(checkGradients([x]) { sum($0[0]) }.passed)
    #expect(checkGradients([x]) { mean($0[0]) }.passed)
    #expect(checkGradients([x]) { max($0[0]) }.passed)
    for axis in 0..<3 {
      #expect(checkGradients([x]) { sum($0[0], axis: axis) }.passed)
      #expect(checkGradients([x]) { mean($0[0], axis: axis) }.passed)
    }
  }

  @Test func shapeOperations() {
    let x = randomTensor([4, 3, 2], seed: 12)
    #expect(checkGradients([x]) { $0[0].reshaped(to: [6, 4]) }.passed)
    #expect(checkGradients([x]) { $0[0].flattened() }.passed)
    #expect(checkGradients([x]) { $0[0].slice(1..<3) }.passed)
    #expect(checkGradients([x]) { $0[0].index(2) }.passed)
    #expect(checkGradients([x]) { $0[0].select(axis: 1, index: 2) }.passed)
    #expect(checkGradients([x]) { $0[0].gather(indices: [0, 2, 1, 1]) }.passed)
    let m = randomTensor([3, 5], seed: 13)
    #expect(checkGradients([m]) { $0[0].transposed() }.passed)
    let y = randomTensor([2, 3, 2], seed: 14)
    #expect(checkGradients([x, y]) { concat([$0[0], $0[1]]) }.passed)
  }

  static let convCases: [(stride: Int, padding: Int, kernel: Int)] = [
    (1, 0, 3), (2, 1, 3), (1, 1, 3), (2, 0, 2), (1, 2, 5),
  ]

  @Test(arguments: convCases)
  func convolution(stride: Int, padding: Int, kernel: Int) {
    let x = randomTensor([2, 2, 7, 6], seed: 15)
    let w = randomTensor([3, 2, kernel, kernel], seed: 16)
    let b = randomTensor([3], seed: 17)
    let check = checkGradients([x, w, b], step: 1e-2) {
      conv2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding)
    }
    #expect(check.passed, "stride \(stride) pad \(padding) k \(kernel): \(check)")
  }

  /// Planes of 256 positions or more take the per-item GEMM path; check it too.
  @Test func convolutionWithLargePlanes() {
    let x = randomTensor([2, 2, 17, 17], seed: 24)
    let w = randomTensor([3, 2, 3, 3], seed: 25)
    let b = randomTensor([3], seed: 26)
    for (stride, padding) in [(1, 1), (1, 0)] {
      let check = checkGradients([x, w, b], step: 1e-2) {
        conv2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding)
      }
      #expect(check.passed, "stride \(stride) pad \(padding): \(check)")
      // Columns rebuilt in backward (what layers too large to keep them do).
      let rebuilt = withColumnsRebuiltInBackward {
        checkGradients([x, w, b], step: 1e-2) {
          conv2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding)
        }
      }
      #expect(rebuilt.passed, "rebuilt columns, stride \(stride) pad \(padding): \(rebuilt)")
    }
  }

  @Test func pooling() {
    // Distinct values spaced well apart so that no window has a near-tie under the step.
    var rng = SplitMix64(seed: 18)
    var values = (0..<(2 * 2 * 6 * 6)).map { Float($0) * 0.1 }
    values.shuffle(using: &rng)
    let x = Tensor(shape: [2, 2, 6, 6], values: values)
    #expect(checkGradients([x], step: 1e-3) { maxPool2d($0[0], kernel: 2, stride: 2) }.passed)
    #expect(checkGradients([x], step: 1e-3) { maxPool2d($0[0], kernel: 3, stride: 1) }.passed)
    #expect(checkGradients([x]) { avgPool2d($0[0], kernel: 2, stride: 2) }.passed)
    #expect(checkGradients([x]) { avgPool2d($0[0], kernel: 3, stride: 2) }.passed)
  }

  @Test func lossFunctions() {
    let logits = randomTensor([4, 5], low: -3, high: 3, seed: 19)
    let check = checkGradients([logits], step: 1e-3) {
      softmaxCrossEntropy($0[0], labels: [0, 4, 2, 2])
    }
    #expect(check.passed, "\(check)")
    #expect(checkGradients([logits], step: 1e-3) { logSoftmax($0[0]) }.passed)
  }

  @Test func leakyReLUWithEqualSlopesMatchesFiniteDifferences() {
    let x = randomTensor([3, 7], seed: 20)
    for slope: Float in [0, 0.01, 0.3, 1, -0.5, 2] {
      let check = checkGradients([x], step: 1e-3) {
        leakyReLU($0[0], forwardSlope: slope, backwardSlope: slope)
      }
      #expect(check.passed, "slope \(slope): \(check)")
    }
  }

  @Test func regularizers() {
    let x = randomTensor([2, 2, 4, 5], seed: 21)
    #expect(checkGradients([x], step: 1e-3) { totalVariation($0[0]) }.passed)
    #expect(checkGradients([x]) { sumPerItem($0[0] * $0[0]) }.passed)
  }

  @Test func composedGraphWithSharedNodes() {
    // x is used on three paths; gradients must add up.
    let x = randomTensor([3, 4], seed: 22)
    let check = checkGradients([x], step: 1e-3) { xs in
      let h = tanh(xs[0])
      return h * h + exp(h) - xs[0] / 3
    }
    #expect(check.passed, "\(check)")
  }
}

/// The checker itself must be able to fail.
@Suite struct GradientCheckerTests {
  @Test func aWrongPullbackIsCaught() {
    let x = randomTensor([5], seed: 23)
    let check = checkGradients([x]) { xs in
      let input = xs[0]
      // Forward doubles; the pullback claims a factor of 3.
      return Tensor(shape: input.shape, values: input.values.map { $0 * 2 }, op: "wrong", parents: [input]) { g in
        input.accumulateGradient { gx in for i in 0..<g.count { gx[i] += 3 * g[i] } }
      }
    }
    #expect(!check.passed)
  }
}

/// Finite-difference checks of the ops behind activation-maximization transforms and
/// parameterizations.
@Suite struct TransformGradientTests {
  let x = randomTensor([2, 3, 6, 5], seed: 40)

  @Test func padAndCrop() {
    #expect(checkGradients([x]) { pad2d($0[0], by: 2) }.passed)
    #expect(checkGradients([x]) { crop2d($0[0], height: 4, width: 4, offsets: [(1, 0), (-1, 2)]) }.passed)
  }

  @Test func affineResampling() {
    // Off-grid maps, so no sample sits on a kink of the bilinear weights.
    let maps = [AffineMap.zoomRotate(factor: 1.3, radians: 0.2), .zoomRotate(factor: 0.8, radians: -0.45)]
    let check = checkGradients([x], step: 1e-3) { affineSample($0[0], height: 5, width: 7, maps: maps) }
    #expect(check.passed, "\(check)")
  }

  @Test func identityMapReproducesTheImage() {
    let y = affineSample(x, height: 6, width: 5, maps: [.zoomRotate(factor: 1, radians: 0), .zoomRotate(factor: 1, radians: 0)])
    #expect(isApproximatelyEqual(y.values, x.values.map(Double.init), absoluteTolerance: 1e-6))
  }

  @Test func bilinearResizing() {
    // Upsampling by 2 and by a ratio that is not whole, and downsampling, so taps clamp at the
    // edge, fall between pixels and skip pixels.
    for (oh, ow) in [(12, 10), (9, 7), (4, 3)] {
      let check = checkGradients([x], step: 1e-3) { resizeBilinear($0[0], height: oh, width: ow) }
      #expect(check.passed, "\(oh)×\(ow): \(check)")
    }
  }

  @Test func bilinearResizingSamplesAsTensorFlow() {
    // 2×2 → 4×4: rows and columns read 0, 0.5, 1, 1.5 → 1 (the last one clamps to the edge).
    let y = resizeBilinear(Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4]), height: 4, width: 4)
    let expected: [Double] = [1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4]
    #expect(isApproximatelyEqual(y.values, expected, absoluteTolerance: 1e-6))
    let same = resizeBilinear(x, height: 6, width: 5)
    #expect(isApproximatelyEqual(same.values, x.values.map(Double.init), absoluteTolerance: 0))
  }

  @Test func channelMixing() {
    let m: [Float] = [0.5, -1, 2, 0.1, 0.3, -0.7, 1, 1, 0]
    #expect(checkGradients([x]) { mixChannels($0[0], matrix: m) }.passed)
  }

  @Test func inverseFourier() {
    let re = randomTensor([1, 2, 4, 6], seed: 41), im = randomTensor([1, 2, 4, 6], seed: 42)
    let scale = fourierDecay(height: 4, width: 6)
    let check = checkGradients([re, im], step: 1e-2) { inverseFourier2d(re: $0[0], im: $0[1], scale: scale) }
    #expect(check.passed, "\(check)")
  }

  @Test func inverseFourierOfAConstantSpectrumTermIsFlat() {
    // Only the (0, 0) coefficient: a flat image of re₀₀ · scale₀₀ / √(HW).
    var values = [Float](repeating: 0, count: 12)
    values[0] = 2
    let re = Tensor(shape: [1, 1, 3, 4], values: values), im = Tensor.zeros([1, 1, 3, 4])
    let y = inverseFourier2d(re: re, im: im, scale: [Float](repeating: 1, count: 12))
    #expect(isApproximatelyEqual(y.values, [Double](repeating: 2 / 12.0.squareRoot(), count: 12), relativeTolerance: 1e-5))
  }
}
