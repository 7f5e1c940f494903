import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// A convolution with a fused Leaky ReLU must be the convolution followed by the activation:
/// the same output and the same gradients, bit for bit (both run the same arithmetic; the fused
/// op reads the side of zero from its output instead of from a second tensor).
@Suite struct FusedConvolutionTests {
  struct Pass: Equatable {
    var y: [Float], dx: [Float], dw: [Float], db: [Float]
  }

  func pass(
    batch: Int, size: Int, slopes: (Float, Float), fused: Bool, threads: Int = 1,
    padding: Int = 1, stride: Int = 1, channels: (in: Int, out: Int) = (3, 4)
  ) -> Pass {
    Parallel.withThreads(threads) {
      let x = randomTensor([batch, channels.in, size, size], seed: 40)
      x.requiresGrad = true
      let w = randomTensor([channels.out, channels.in, 3, 3], seed: 41)
      w.requiresGrad = true
      let b = randomTensor([channels.out], seed: 42)
      b.requiresGrad = true
      let y: Tensor
      if fused {
        let activation = FusedLeakyReLU(forwardSlope: slopes.0, backwardSlope: slopes.1)!
        y = conv2d(x, weight: w, bias: b, stride: stride, padding: padding, activation: activation)
      } else {
        let z = conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
        y = leakyReLU(z, forwardSlope: slopes.0, backwardSlope: slopes.1)
      }
      let weights = randomTensor(y.shape, seed: 43)
      let values = y.values
      sum(y * weights).backward()
      return Pass(y: values, dx: x.grad!, dw: w.grad!, db: b.grad!)
    }
  }

  // Planes of 64 (batched GEMMs) and 400 (per item); ReLU with a proxy slope and a leaky net.
  @Test(arguments: [8, 20], [(Float(0), Float(0)), (0, 0.3), (0.1, 0.1), (0.2, 0.7)])
  func fusedEqualsConvolutionThenActivation(size: Int, slopes: (Float, Float)) {
    let fused = pass(batch: 5, size: size, slopes: slopes, fused: true)
    let separate = pass(batch: 5, size: size, slopes: slopes, fused: false)
    #expect(fused == separate)
    // Not trivially equal: the backward slope changes the gradients.
    if slopes.0 != slopes.1 {
      let plain = pass(batch: 5, size: size, slopes: (slopes.0, slopes.0), fused: true)
      #expect(plain.y == fused.y)
      #expect(plain.dx != fused.dx)
    }
  }

  /// Small layers keep their forward columns for the weight gradient; others rebuild them.
  @Test(arguments: [8, 20], [true, false])
  func keptAndRebuiltColumnsAgree(size: Int, fused: Bool) {
    let kept = pass(batch: 5, size: size, slopes: (0, 0.3), fused: fused)
    let rebuilt = withColumnsRebuiltInBackward {
      pass(batch: 5, size: size, slopes: (0, 0.3), fused: fused)
    }
    #expect(kept == rebuilt)
  }

  @Test func stridedAndUnpadded() {
    for (stride, padding) in [(2, 0), (2, 1), (1, 0)] {
      let fused = pass(
        batch: 3, size: 17, slopes: (0, 0.4), fused: true, padding: padding, stride: stride)
      let separate = pass(
        batch: 3, size: 17, slopes: (0, 0.4), fused: false, padding: padding, stride: stride)
      #expect(fused == separate, "stride \(stride) pad \(padding)")
    }
  }

  @Test(arguments: [1, 7, 12])
  func threadCountDoesNotChangeTheFusedResult(batch: Int) {
    for size in [8, 20] {
      let one = pass(batch: batch, size: size, slopes: (0, 0.3), fused: true, threads: 1)
      let two = pass(batch: batch, size: size, slopes: (0, 0.3), fused: true, threads: 2)
      #expect(one == two, "batch \(batch) size \(size)")
    }
  }

  /// A hand-computed case: a 1×1 convolution of one 1×1×2×1 image (weight 2, bias −1), so the
  /// pre-activations are 2·x − 1 = [1, −2]; forward slope 0.1, backward slope 0.5.
  @Test func handComputed() {
    let x = Tensor(shape: [1, 1, 2, 1], values: [1, -0.5], requiresGrad: true)
    let w = Tensor(shape: [1, 1, 1, 1], values: [2], requiresGrad: true)
    let b = Tensor(shape: [1], values: [-1], requiresGrad: true)
    let activation = FusedLeakyReLU(forwardSlope: 0.1, backwardSlope: 0.5)!
    let y = conv2d(x, weight: w, bias: b, stride: 1, padding: 0, activation: activation)
    #expect(y.values == [1, -0.2])
    sum(y).backward()
    // dz = [1, 0.5]; dx = 2·dz; dw = Σ dz·x = 1 − 0.25; db = Σ dz.
    #expect(x.grad! == [2, 1])
    #expect(w.grad! == [0.75])
    #expect(b.grad! == [1.5])
  }

  @Test func emptyBatch() {
    for size in [8, 20] {
      let x = Tensor(shape: [0, 3, size, size], values: [], requiresGrad: true)
      let w = randomTensor([4, 3, 3, 3], seed: 44)
      w.requiresGrad = true
      let y = conv2d(
        x, weight: w, bias: nil, stride: 1, padding: 1,
        activation: FusedLeakyReLU(forwardSlope: 0, backwardSlope: 0.3))
      #expect(y.shape == [0, 4, size, size])
      sum(y).backward()
      #expect(x.grad! == [])
      #expect(w.grad! == [Float](repeating: 0, count: w.count))
    }
  }

  /// No output channels: the input gradient is zero. No input channels: the output is the bias.
  @Test func zeroChannels() {
    for size in [8, 20] {
      let x = randomTensor([2, 3, size, size], seed: 45)
      x.requiresGrad = true
      let none = Tensor(shape: [0, 3, 3, 3], values: [], requiresGrad: true)
      let y = conv2d(x, weight: none, bias: nil, stride: 1, padding: 1)
      #expect(y.shape == [2, 0, size, size])
      sum(y).backward()
      #expect(x.grad! == [Float](repeating: 0, count: x.count))

      let empty = Tensor(shape: [2, 0, size, size], values: [])
      let w = Tensor(shape: [4, 0, 3, 3], values: [], requiresGrad: true)
      let b = Tensor(shape: [4], values: [1, 2, 3, 4], requiresGrad: true)
      let z = conv2d(empty, weight: w, bias: b, stride: 1, padding: 1)
      let expected = (0..<2).flatMap { _ in
        [Float(1), 2, 3, 4].flatMap { [Float](repeating: $0, count: size * size) }
      }
      #expect(z.values == expected)
    }
  }

  /// An input feeding two convolutions gets the sum of both gradients.
  @Test(arguments: [8, 20])
  func inputOfTwoConvolutions(size: Int) {
    func gradient(_ which: [Int]) -> [Float] {
      let x = randomTensor([5, 3, size, size], seed: 46)
      x.requiresGrad = true
      let activation = FusedLeakyReLU(forwardSlope: 0, backwardSlope: 0.3)!
      var total: Tensor?
      for seed in which {
        let w = randomTensor([4, 3, 3, 3], seed: UInt64(seed))
        let y = sum(conv2d(x, weight: w, bias: nil, stride: 1, padding: 1, activation: activation))
        total = total.map { $0 + y } ?? y
      }
      total!.backward()
      return x.grad!
    }
    let both = gradient([47, 48])
    let separate = zip(gradient([47]), gradient([48])).map { Double($0) + Double($1) }
    #expect(isApproximatelyEqual(both, separate, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))
  }

  /// 2×2 max pooling in vector registers against a loop over windows: rows of 1 to 20 windows
  /// (the zero-padded path below 8, overlapping last vectors above), odd sizes, ties.
  @Test func maxPoolingMatchesALoopOverWindows() {
    for width in [2, 3, 15, 16, 17, 18, 26, 31, 40] {
      let height = 7
      var rng = SplitMix64(seed: UInt64(width))
      // Values on a coarse grid, so that windows have ties.
      let values = (0..<(2 * 3 * height * width)).map { _ in Float(Int(rng.nextFloat() * 5)) }
      let x = Tensor(shape: [2, 3, height, width], values: values, requiresGrad: true)
      let y = maxPool2d(x, kernel: 2, stride: 2)
      let g = randomTensor(y.shape, seed: 49)
      sum(y * g).backward()
      let oh = height / 2
      let ow = width / 2
      var expectedY: [Float] = []
      var expectedGrad = [Float](repeating: 0, count: x.count)
      for plane in 0..<6 {
        for oy in 0..<oh {
          for ox in 0..<ow {
            var best = -Float.infinity
            var at = 0
            for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
              let i = plane * height * width + (2 * oy + dy) * width + 2 * ox + dx
              if values[i] > best {
                best = values[i]
                at = i
              }
            }
            expectedY.append(best)
            expectedGrad[at] += g.values[(plane * oh + oy) * ow + ox]
          }
        }
      }
      #expect(y.values == expectedY, "width \(width)")
      #expect(x.grad! == expectedGrad, "width \(width)")
    }
  }

  @Test func negativeForwardSlopesAreNotFused() {
    #expect(FusedLeakyReLU(forwardSlope: -0.1, backwardSlope: 0.3) == nil)
    #expect(FusedLeakyReLU(forwardSlope: .nan, backwardSlope: 0.3) == nil)
    #expect(FusedLeakyReLU(forwardSlope: 0, backwardSlope: -1) != nil)
  }
}
