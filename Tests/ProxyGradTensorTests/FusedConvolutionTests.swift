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
    padding: Int = 1, stride: Int = 1
  ) -> Pass {
    Parallel.withThreads(threads) {
      let x = randomTensor([batch, 3, size, size], seed: 40)
      x.requiresGrad = true
      let w = randomTensor([4, 3, 3, 3], seed: 41)
      w.requiresGrad = true
      let b = randomTensor([4], seed: 42)
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

  @Test func negativeForwardSlopesAreNotFused() {
    #expect(FusedLeakyReLU(forwardSlope: -0.1, backwardSlope: 0.3) == nil)
    #expect(FusedLeakyReLU(forwardSlope: .nan, backwardSlope: 0.3) == nil)
    #expect(FusedLeakyReLU(forwardSlope: 0, backwardSlope: -1) != nil)
  }
}
