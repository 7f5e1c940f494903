import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// Small hand-computed cases, forward and backward.
@Suite struct KernelTests {
  @Test func leakyReLUUsesTheBackwardSlopeOnTheWayBack() {
    let x = Tensor(shape: [4], values: [-2, -0.5, 0, 3], requiresGrad: true)
    let y = leakyReLU(x, forwardSlope: 0.1, backwardSlope: 0.7)
    #expect(isApproximatelyEqual(y.values, [-0.2, -0.05, 0, 3]))
    sum(y).backward()
    // x ≤ 0 takes the backward slope; the forward slope never reaches the gradient.
    #expect(isApproximatelyEqual(x.grad!, [0.7, 0.7, 0.7, 1]))
  }

  @Test func unaryPullbacksUseTheInputOfTheForwardPass() {
    // log's gradient is 1/x at the x the forward pass saw, even when the tensor's values are
    // replaced (as an optimizer does to a leaf) before the backward pass.
    let x = Tensor(shape: [2], values: [2, 4], requiresGrad: true)
    let y = log(x)
    x.values = [100, 100]
    sum(y).backward()
    #expect(isApproximatelyEqual(x.grad!, [0.5, 0.25]))
  }

  @Test func gradientsFromSeveralPullbacksAddUp() {
    // The first contribution assigns into fresh memory (leaky ReLU, max pooling), later ones add
    // (log, average pooling): every order gives the sum.
    let x = Tensor(shape: [1, 1, 2, 2], values: [1, -2, 3, 0.5], requiresGrad: true)
    let total = sum(leakyReLU(x, forwardSlope: 0, backwardSlope: 0.5)) + sum(maxPool2d(x, kernel: 2, stride: 2))
      + sum(avgPool2d(x, kernel: 2, stride: 2)) + sum(x * 2)
    total.backward()
    // relu' = [1, 0.5, 1, 1]; max goes to 3; average 1/4 each; then 2.
    #expect(isApproximatelyEqual(x.grad!, [3.25, 2.75, 4.25, 3.25]))
    let empty = Tensor(shape: [0, 1, 2, 2], values: [], requiresGrad: true)
    sum(leakyReLU(empty, forwardSlope: 0, backwardSlope: 0.5)).backward()
    #expect(empty.grad == [])
  }

  @Test func arctangentAndItsDerivative() {
    // atan(0) = 0, atan(1) = π/4, atan(−√3) = −π/3; d/dx = 1/(1 + x²): 1, 1/2, 1/4.
    let x = Tensor(shape: [3], values: [0, 1, -Float(3).squareRoot()], requiresGrad: true)
    let y = atan(x)
    #expect(isApproximatelyEqual(y.values, [0, Double.pi / 4, -Double.pi / 3]))
    sum(y).backward()
    #expect(isApproximatelyEqual(x.grad ?? [], [1, 0.5, 0.25]))
  }

  @Test func convolutionOfAHandComputedCase() {
    // 1×1×3×3 input, one 2×2 filter, stride 1, no padding.
    let x = Tensor(shape: [1, 1, 3, 3], values: [1, 2, 3, 4, 5, 6, 7, 8, 9], requiresGrad: true)
    let w = Tensor(shape: [1, 1, 2, 2], values: [1, 0, -1, 2], requiresGrad: true)
    let b = Tensor(shape: [1], values: [0.5], requiresGrad: true)
    let y = conv2d(x, weight: w, bias: b, stride: 1, padding: 0)
    // y[0,0] = 1·1 + 2·0 − 4 + 2·5 + 0.5 = 7.5, and so on.
    #expect(y.shape == [1, 1, 2, 2])
    #expect(isApproximatelyEqual(y.values, [7.5, 9.5, 13.5, 15.5]))
    sum(y).backward()
    // dW[k] = Σ over outputs of the input under tap k: taps read [1,2,4,5],[2,3,5,6],...
    #expect(isApproximatelyEqual(w.grad!, [12, 16, 24, 28]))
    #expect(isApproximatelyEqual(b.grad!, [4]))
    #expect(isApproximatelyEqual(x.grad!, [1, 1, 0, 0, 2, 2, -1, 1, 2]))
  }

  @Test func paddedStridedConvolutionShape() {
    let x = Tensor.zeros([2, 3, 7, 7])
    let w = Tensor.zeros([4, 3, 3, 3])
    #expect(conv2d(x, weight: w, bias: nil, stride: 2, padding: 1).shape == [2, 4, 4, 4])
  }

  @Test func maxPoolRoutesTheGradientToTheMaximum() {
    let x = Tensor(shape: [1, 1, 2, 4], values: [1, 5, 2, 0, 3, 4, 8, 7], requiresGrad: true)
    let y = maxPool2d(x, kernel: 2, stride: 2)
    #expect(isApproximatelyEqual(y.values, [5, 8]))
    (y * Tensor(shape: [1, 1, 1, 2], values: [10, 20])).backward()
    #expect(isApproximatelyEqual(x.grad!, [0, 10, 0, 0, 0, 0, 20, 0]))
  }

  /// An odd-sized plane: the last row and column belong to no 2×2 window and get zero gradient;
  /// ties go to the first maximum in window order; a second use of the input adds up.
  @Test func maxPoolOnOddPlanesAndRepeatedUse() {
    let x = Tensor(
      shape: [1, 1, 3, 5],
      values: [
        1, 2, 6, 6, 9,
        4, 3, 5, 6, 9,
        9, 9, 9, 9, 9,
      ], requiresGrad: true)
    let y = maxPool2d(x, kernel: 2, stride: 2)
    #expect(y.values == [4, 6])
    (y * Tensor(shape: [1, 1, 1, 2], values: [10, 20])).backward()
    #expect(x.grad! == [0, 0, 20, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    // Two pools of the same input: the second gradient is added to the first.
    x.zeroGradient()
    let twice = maxPool2d(x, kernel: 2, stride: 2) + maxPool2d(x, kernel: 2, stride: 2) * 2
    sum(twice).backward()
    #expect(x.grad! == [0, 0, 3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0])
  }

  @Test func crossEntropyOfUniformLogitsIsLogOfClassCount() {
    let logits = Tensor(shape: [2, 4], values: [Float](repeating: 3, count: 8), requiresGrad: true)
    let loss = softmaxCrossEntropy(logits, labels: [1, 3])
    #expect(isApproximatelyEqual(Double(loss.item()), 1.3862943611198906, relativeTolerance: 1e-6))
    loss.backward()
    // (p − onehot)/N = (0.25 − [j = y]) / 2
    #expect(isApproximatelyEqual(logits.grad!, [0.125, -0.375, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375]))
  }

  @Test func crossEntropyIsStableForHugeLogits() {
    let logits = Tensor(shape: [1, 2], values: [1000, -1000])
    #expect(softmaxCrossEntropy(logits, labels: [1]).item() == 2000)
  }

  @Test func broadcastingForward() {
    let a = Tensor(shape: [2, 1], values: [1, 2])
    let b = Tensor(shape: [3], values: [10, 20, 30])
    let c = a + b
    #expect(c.shape == [2, 3])
    #expect(isApproximatelyEqual(c.values, [11, 21, 31, 12, 22, 32]))
    #expect(Shape.broadcast([2, 3], [4]) == nil)
  }

  @Test func noGraphIsRecordedWithoutRecording() {
    let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
    let y = Autograd.withoutRecording { exp(x) * 2 }
    #expect(!y.requiresGrad)
  }

  @Test func backwardReleasesTheGraph() {
    let x = Tensor(shape: [3], values: [1, 2, 3], requiresGrad: true)
    weak var interior: Tensor?
    do {
      let h = exp(x)
      interior = h
      let y = sum(h * h)
      y.backward()
    }
    #expect(interior == nil)
    #expect(x.grad != nil)
  }
}
