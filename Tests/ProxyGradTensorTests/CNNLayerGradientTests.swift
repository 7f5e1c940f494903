import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// Finite-difference checks of the ops behind the layers of real CNNs: general convolution,
/// padded and ceil-mode pooling, adaptive pooling, concatenation, clip, softmax and local
/// response normalization.
@Suite struct CNNLayerGradientTests {
  struct ConvCase: CustomStringConvertible, Sendable {
    var kernel: (Int, Int), stride: (Int, Int), padding: Padding2d, dilation: (Int, Int)
    var groups: Int, input: [Int], out: Int
    var description: String {
      "k\(kernel) s\(stride) p\([padding.top, padding.left, padding.bottom, padding.right]) d\(dilation) g\(groups) \(input)"
    }
  }

  static let convCases: [ConvCase] = [
    ConvCase(kernel: (3, 5), stride: (1, 1), padding: Padding2d(top: 1, left: 2, bottom: 1, right: 2), dilation: (1, 1), groups: 1, input: [2, 2, 6, 7], out: 3),
    ConvCase(kernel: (3, 3), stride: (2, 1), padding: Padding2d(top: 0, left: 1, bottom: 2, right: 0), dilation: (1, 1), groups: 1, input: [2, 2, 7, 6], out: 3),
    ConvCase(kernel: (3, 3), stride: (1, 1), padding: Padding2d(2), dilation: (2, 2), groups: 1, input: [1, 2, 6, 6], out: 2),
    ConvCase(kernel: (2, 3), stride: (1, 2), padding: Padding2d(1), dilation: (2, 1), groups: 2, input: [2, 4, 6, 7], out: 6),
    // Depthwise.
    ConvCase(kernel: (3, 3), stride: (2, 2), padding: Padding2d(1), dilation: (1, 1), groups: 3, input: [2, 3, 7, 7], out: 3),
    // Per-item path (planes of 256 positions or more), grouped.
    ConvCase(kernel: (3, 3), stride: (1, 1), padding: Padding2d(1), dilation: (1, 1), groups: 2, input: [1, 4, 16, 17], out: 4),
  ]

  @Test(arguments: convCases)
  func generalConvolution(_ c: ConvCase) {
    let x = randomTensor(c.input, seed: 31)
    let w = randomTensor([c.out, c.input[1] / c.groups, c.kernel.0, c.kernel.1], seed: 32)
    let b = randomTensor([c.out], seed: 33)
    func f(_ t: [Tensor]) -> Tensor {
      conv2d(
        t[0], weight: t[1], bias: t[2], stride: c.stride, padding: c.padding,
        dilation: c.dilation, groups: c.groups)
    }
    let check = checkGradients([x, w, b], step: 1e-2, f)
    #expect(check.passed, "\(c): \(check)")
    let rebuilt = withColumnsRebuiltInBackward { checkGradients([x, w, b], step: 1e-2, f) }
    #expect(rebuilt.passed, "rebuilt columns, \(c): \(rebuilt)")
  }

  @Test func groupedConvolutionIsItsGroupsSideBySide() {
    let x = randomTensor([2, 4, 5, 5], seed: 34)
    let w = randomTensor([6, 2, 3, 3], seed: 35)
    let b = randomTensor([6], seed: 36)
    let y = conv2d(x, weight: w, bias: b, stride: (1, 1), padding: Padding2d(1), groups: 2)
    // Each group on its own, through the ungrouped path.
    var parts: [Tensor] = []
    for g in 0..<2 {
      let xg = x.reshaped(to: [2, 2, 2, 25]).select(axis: 1, index: g).reshaped(to: [2, 2, 5, 5])
      let wg = w.slice((3 * g)..<(3 * g + 3))
      let bg = Tensor(shape: [3], values: Array(b.values[(3 * g)..<(3 * g + 3)]))
      parts.append(conv2d(xg, weight: wg, bias: bg, stride: 1, padding: 1))
    }
    let expected = concat(parts, axis: 1)
    #expect(isApproximatelyEqual(y.values, expected.values.map(Double.init), relativeTolerance: 1e-6))
  }

  @Test func squareConvolutionIsTheSameThroughBothEntryPoints() {
    let x = randomTensor([2, 3, 9, 9], seed: 37)
    let w = randomTensor([4, 3, 3, 3], seed: 38)
    let a = conv2d(x, weight: w, bias: nil, stride: 2, padding: 1)
    let b = conv2d(x, weight: w, bias: nil, stride: (2, 2), padding: Padding2d(1))
    #expect(a.values == b.values)
  }

  /// Distinct values spaced well apart, so that no window has a near-tie under the step.
  static func spacedInput(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SplitMix64(seed: seed)
    var values = (0..<shape.reduce(1, *)).map { Float($0) * 0.1 - 3 }
    values.shuffle(using: &rng)
    return Tensor(shape: shape, values: values)
  }

  @Test func paddedAndCeilModePooling() {
    let x = Self.spacedInput([2, 2, 7, 6], seed: 39)
    let pools: [(String, (Tensor) -> Tensor)] = [
      ("max k3 s2 p1", { maxPool2d($0, kernel: (3, 3), stride: (2, 2), padding: Padding2d(1)) }),
      ("max k3 s2 ceil", { maxPool2d($0, kernel: (3, 3), stride: (2, 2), ceilMode: true) }),
      ("max k2x3 s1x2 dil2", { maxPool2d($0, kernel: (2, 3), stride: (1, 2), dilation: (2, 1)) }),
      ("avg k3 s2 p1 incl", { avgPool2d($0, kernel: (3, 3), stride: (2, 2), padding: Padding2d(1)) }),
      ("avg k3 s2 p1 excl", {
        avgPool2d($0, kernel: (3, 3), stride: (2, 2), padding: Padding2d(1), countIncludePad: false)
      }),
      ("avg k3 s2 ceil", {
        avgPool2d($0, kernel: (3, 3), stride: (2, 2), padding: Padding2d(1), ceilMode: true)
      }),
      ("adaptive 3x4", { adaptiveAvgPool2d($0, outputSize: (3, 4)) }),
      ("adaptive 1x1", { adaptiveAvgPool2d($0, outputSize: (1, 1)) }),
    ]
    for (name, f) in pools {
      let check = checkGradients([x], step: 1e-3) { f($0[0]) }
      #expect(check.passed, "\(name): \(check)")
    }
  }

  @Test func poolingOutputSizesFollowPyTorch() {
    let x = Tensor.zeros([1, 1, 112, 112])
    // GoogLeNet's k3 s2 ceil pooling: 112 → 56; squeezenet's 111 → 55.
    #expect(maxPool2d(x, kernel: (3, 3), stride: (2, 2), ceilMode: true).shape == [1, 1, 56, 56])
    #expect(maxPool2d(x, kernel: (3, 3), stride: (2, 2)).shape == [1, 1, 55, 55])
    let odd = Tensor.zeros([1, 1, 111, 111])
    #expect(maxPool2d(odd, kernel: (3, 3), stride: (2, 2), ceilMode: true).shape == [1, 1, 55, 55])
    // The last window must start inside the image or the leading padding.
    let small = Tensor.zeros([1, 1, 5, 5])
    #expect(avgPool2d(small, kernel: (2, 2), stride: (2, 2), padding: Padding2d(1), ceilMode: true).shape == [1, 1, 3, 3])
  }

  @Test func squarePoolingTakesTheFastPathWithTheSameNumbers() {
    let x = Self.spacedInput([2, 3, 8, 8], seed: 40)
    #expect(
      maxPool2d(x, kernel: (2, 2), stride: (2, 2), ceilMode: true).values
        == maxPool2d(x, kernel: 2, stride: 2).values)
    #expect(
      avgPool2d(x, kernel: (2, 2), stride: (2, 2)).values == avgPool2d(x, kernel: 2, stride: 2).values)
  }

  @Test func concatenationAlongChannels() {
    let a = randomTensor([2, 3, 2, 2], seed: 41)
    let b = randomTensor([2, 1, 2, 2], seed: 42)
    let c = randomTensor([2, 2, 2, 2], seed: 43)
    let y = concat([a, b, c], axis: 1)
    #expect(y.shape == [2, 6, 2, 2])
    #expect(Array(y.values[12..<16]) == b.values[0..<4].map { $0 })
    #expect(checkGradients([a, b, c]) { concat($0, axis: 1) }.passed)
    let d = randomTensor([2, 3, 2, 1], seed: 47)
    #expect(checkGradients([a, d]) { concat($0, axis: 3) }.passed)
  }

  @Test func clipMatchesFiniteDifferencesWithEqualSlopes() {
    let x = randomTensor([3, 7], low: -3, high: 9, seed: 44)
    for slope: Float in [0, 0.3] {
      let check = checkGradients([x], step: 1e-3) {
        clip($0[0], low: 0, high: 6, forwardSlope: slope, backwardSlope: slope)
      }
      #expect(check.passed, "slope \(slope): \(check)")
    }
    let bounded = checkGradients([x], step: 1e-3) { clip($0[0], low: -1, high: 2) }
    #expect(bounded.passed, "\(bounded)")
  }

  @Test func clipBackwardSlopeChangesOnlyBelowTheLowerBound() {
    let x = Tensor(shape: [5], values: [-2, 0.5, 3, 6.5, 10], requiresGrad: true)
    let y = clip(x, low: 0, high: 6, forwardSlope: 0, backwardSlope: 0.25)
    #expect(y.values == [0, 0.5, 3, 6, 6])
    y.backward()
    #expect(x.grad == [0.25, 1, 1, 0, 0])
    let proxy = clip(x.detached(), low: 1, high: 6, forwardSlope: 0.5, backwardSlope: 0.5)
    #expect(proxy.values == [-0.5, 0.75, 3, 6, 6])
  }

  @Test func softmaxAlongEveryAxis() {
    let x = randomTensor([2, 3, 4], low: -2, high: 2, seed: 45)
    for axis in 0..<3 {
      let check = checkGradients([x], step: 1e-3) { softmax($0[0], axis: axis) }
      #expect(check.passed, "axis \(axis): \(check)")
    }
    let y = softmax(Tensor(shape: [1, 3], values: [0, 0, 0]), axis: 1)
    #expect(isApproximatelyEqual(y.values, [1.0 / 3, 1.0 / 3, 1.0 / 3]))
  }

  @Test func localResponseNormalization() {
    let x = randomTensor([2, 6, 3, 2], low: -3, high: 3, seed: 46)
    for (size, before) in [(5, nil), (4, nil), (4, 1), (1, nil)] as [(Int, Int?)] {
      let check = checkGradients([x], step: 1e-3) {
        localResponseNorm($0[0], size: size, alpha: 0.5, beta: 0.75, k: 2, channelsBefore: before)
      }
      #expect(check.passed, "size \(size) before \(String(describing: before)): \(check)")
    }
    // One channel, size 1: y = x / (k + α·x²)^β.
    let one = localResponseNorm(Tensor(shape: [1, 1, 1], values: [2]), size: 1, alpha: 0.5, beta: 1, k: 1)
    #expect(isApproximatelyEqual(one.values, [2.0 / 3]))
  }
}
