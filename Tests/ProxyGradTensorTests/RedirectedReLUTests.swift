import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// The redirected ReLU's backward pass against hand computations (Lucid's
/// `redirected_relu_grad` and `redirected_relu6_grad`, item by item).
@Suite struct RedirectedReLUTests {
  /// Backward of `sum(w * redirectedReLU(x))`: the incoming gradient is `w`.
  func gradient(
    _ x: [Float], shape: [Int], incoming w: [Float], slope: Float = 0, upper: Float = .infinity,
    ascending: Bool = true
  ) -> (y: [Float], dx: [Float]) {
    let leaf = Tensor(shape: shape, values: x, requiresGrad: true)
    let y = redirectedReLU(leaf, slope: slope, upper: upper, ascending: ascending)
    sum(y * Tensor(shape: shape, values: w)).backward()
    return (y.values, leaf.grad!)
  }

  @Test func anItemWithAnOrdinaryGradientKeepsIt() {
    // Item 0 has a live element (3), so its gradient is ReLU's: [0, 0, 1].
    // Item 1 is dead throughout: the incoming [1, −1, 1] passes, except −1 at x = −2, which
    // would push an already negative input lower.
    let (y, dx) = gradient(
      [-1, -2, 3, -1, -2, -3], shape: [2, 3], incoming: [1, -1, 1, 1, -1, 1])
    #expect(y == [0, 0, 3, 0, 0, 0])
    #expect(dx == [0, 0, 1, 1, 0, 1])
  }

  @Test func descendingFlipsWhichGradientPushesLower() {
    // Followed downwards, +1 moves x lower and −1 moves it higher.
    let (_, dx) = gradient([-1, -2, -3], shape: [1, 3], incoming: [1, -1, 1], ascending: false)
    #expect(dx == [0, -1, 0])
  }

  @Test func reluSixNeverPushesAnInputAboveSixHigher() {
    // Ordinary ReLU6 gradient is zero at 7, 8 and −1: the item is redirected. +1 at 7 would push
    // higher (blocked), −1 at 8 lowers it (passes), +1 at −1 raises it (passes).
    let (y, dx) = gradient([7, 8, -1], shape: [1, 3], incoming: [1, -1, 1], upper: 6)
    #expect(y == [6, 6, 0])
    #expect(dx == [0, -1, 1])
    // One element inside (0, 6) makes the ordinary gradient the answer.
    let (_, live) = gradient([7, 2, -1], shape: [1, 3], incoming: [1, -1, 1], upper: 6)
    #expect(live == [0, -1, 0])
  }

  @Test func leakySlopeGradientIsRarelyZero() {
    // Slope 0.1: the ordinary gradient [0.1, 1] is non-zero, so nothing is redirected.
    let (y, dx) = gradient([-1, 2], shape: [1, 2], incoming: [1, 1], slope: 0.1)
    #expect(isApproximatelyEqual(y, [-0.1, 2]))
    #expect(isApproximatelyEqual(dx, [0.1, 1]))
  }

  @Test func aVectorIsOneItemAndGradientsAccumulate() {
    let leaf = Tensor(shape: [2], values: [-1, -1], requiresGrad: true)
    let y = redirectedReLU(leaf) * Tensor(shape: [2], values: [1, -1])
    sum(y + leaf).backward()
    // Redirected [1, 0] (−1 would push lower) plus the identity path [1, 1].
    #expect(leaf.grad! == [2, 1])
  }
}
