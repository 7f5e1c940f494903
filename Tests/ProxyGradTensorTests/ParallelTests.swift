import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// The engine's parallel loops must not change results: every output element, input gradient
/// and weight gradient is computed in an order fixed by the problem size, whatever the thread
/// count (so `--jobs` workers with fewer threads reproduce a single process exactly).
@Suite struct ParallelTests {
  func convPass(threads: Int, size: Int) -> (y: [Float], dx: [Float], dw: [Float]) {
    Parallel.withThreads(threads) {
      let x = randomTensor([6, 3, size, size], seed: 30)
      x.requiresGrad = true
      let w = randomTensor([5, 3, 3, 3], seed: 31)
      w.requiresGrad = true
      let y = conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
      let pooled = maxPool2d(leakyReLU(y, forwardSlope: 0, backwardSlope: 0.3), kernel: 2, stride: 2)
      sum(pooled * pooled).backward()
      return (y.values, x.grad!, w.grad!)
    }
  }

  @Test(arguments: [8, 20])  // batched (plane 64) and per-item (plane 400) strategies
  func twoThreadsGiveTheResultsOfOne(size: Int) {
    let one = convPass(threads: 1, size: size)
    let two = convPass(threads: 2, size: size)
    #expect(one.y == two.y)
    #expect(one.dx == two.dx)
    // Weight gradients add partial sums of fixed groups of items, whatever the thread count.
    #expect(one.dw == two.dw)
  }

  @Test func repeatedRunsAreBitIdentical() {
    let a = convPass(threads: 2, size: 20)
    let b = convPass(threads: 2, size: 20)
    #expect(a.y == b.y && a.dx == b.dx && a.dw == b.dw)
  }
}
