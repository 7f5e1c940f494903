import Dispatch
import ProxyGradTensor
import ProxyGradTestSupport
import Synchronization
import Testing

/// A large GEMM called on its own is split into blocks the engine's threads share. The blocks
/// are fixed by the product's size, so results match a reference and do not depend on the
/// thread count; and GEMMs from several threads at once (tests run in parallel) never wait on
/// each other.
@Suite struct MatMulSplitTests {
  /// `a [600, 64] @ b [64, 600]`: the product (23M multiply-adds) splits its columns; its
  /// gradients split rows (`da = g · bᵀ`) and columns (`db = aᵀ · g`), so both transposed
  /// layouts are cut too.
  func product(threads: Int) -> (y: [Float], da: [Float], db: [Float]) {
    Parallel.withThreads(threads) {
      let a = randomTensor([600, 64], seed: 60)
      a.requiresGrad = true
      let b = randomTensor([64, 600], seed: 61)
      b.requiresGrad = true
      let y = matmul(a, b)
      sum(y * randomTensor([600, 600], seed: 62)).backward()
      return (y.values, a.grad!, b.grad!)
    }
  }

  @Test func splitProductsMatchAReference() {
    let (y, da, db) = product(threads: 2)
    let a = randomTensor([600, 64], seed: 60).values.map(Double.init)
    let b = randomTensor([64, 600], seed: 61).values.map(Double.init)
    let g = randomTensor([600, 600], seed: 62).values.map(Double.init)
    var refY = [Double](repeating: 0, count: 600 * 600)
    var refDa = [Double](repeating: 0, count: 600 * 64)
    var refDb = [Double](repeating: 0, count: 64 * 600)
    for i in 0..<600 {
      for p in 0..<64 {
        let aip = a[i * 64 + p]
        for j in 0..<600 {
          refY[i * 600 + j] += aip * b[p * 600 + j]
          refDa[i * 64 + p] += g[i * 600 + j] * b[p * 600 + j]
          refDb[p * 600 + j] += aip * g[i * 600 + j]
        }
      }
    }
    #expect(isApproximatelyEqual(y, refY, relativeTolerance: 1e-4, absoluteTolerance: 1e-4))
    #expect(isApproximatelyEqual(da, refDa, relativeTolerance: 1e-4, absoluteTolerance: 1e-3))
    #expect(isApproximatelyEqual(db, refDb, relativeTolerance: 1e-4, absoluteTolerance: 1e-3))
  }

  @Test func splitProductsDoNotDependOnTheThreadCount() {
    let one = product(threads: 1)
    let two = product(threads: 2)
    #expect(one.y == two.y && one.da == two.da && one.db == two.db)
  }

  /// Large products from two threads at once, one of them also configuring the engine.
  @Test(.timeLimit(.minutes(1)))
  func concurrentProductsAndConfigurationFinish() {
    let a = randomTensor([512, 256], seed: 63)
    let b = randomTensor([256, 256], seed: 64)
    let expected = matmul(a, b).values
    let box = Shared((a, b))
    let results = Mutex([true, true])
    DispatchQueue.concurrentPerform(iterations: 2) { worker in
      var same = true
      for _ in 0..<20 {
        if worker == 1 { Engine.configure(threads: 2) }
        same =
          same && Parallel.withThreads(2) { matmul(box.value.0, box.value.1).values } == expected
      }
      results.withLock { $0[worker] = same }
    }
    #expect(results.withLock { $0 } == [true, true])
  }
}

/// Tensors read (never written) by a concurrent loop.
final class Shared<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
