import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// Selection, sorting, softmax and joining along axes: hand-computed values and
/// finite-difference gradient checks.
@Suite struct IndexingOpsTests {
  let m = Tensor(shape: [2, 3], values: [1, 5, 3, 7, 2, 6])

  @Test func takingSelectsOrthogonally() {
    let t = m.taking([[1, 0], [2, 2, 0]])
    #expect(t.shape == [2, 3])
    #expect(t.values == [6, 6, 7, 3, 3, 1])
  }

  @Test func takingAlongAndSortOrder() {
    let order = sortOrder(m, axis: 1, descending: false)
    #expect(order == [[0, 2, 1], [1, 2, 0]])
    #expect(m.takingAlong(axis: 1, order: order).values == [1, 3, 5, 2, 6, 7])
    #expect(sortOrder(m, axis: 0, descending: true) == [[1, 0], [0, 1], [1, 0]])
    let withNaN = Tensor(shape: [3], values: [2, .nan, 1])
    #expect(sortOrder(withNaN, axis: 0, descending: false) == [[2, 0, 1]])
  }

  @Test func extremaAlongAxes() {
    #expect(argExtremum(m, axis: 1, largest: true) == [1, 0])
    #expect(argExtremum(m, axis: 0, largest: false) == [0, 1, 0])
    #expect(extremum(m, axis: 0, largest: true).values == [7, 5, 6])
    #expect(extremum(m, axis: 1, largest: false).values == [1, 2])
    // Ties go to the first index.
    #expect(argExtremum(Tensor(shape: [3], values: [4, 4, 1]), axis: 0, largest: true) == [0])
  }

  @Test func softmaxMatchesHandComputedValues() {
    // softmax([1, 2, 3]) = e^k / (e + e^2 + e^3)
    let p = softmax(Tensor(shape: [3], values: [1, 2, 3]), axis: 0)
    for (a, b) in zip(p.values, [0.09003057, 0.24472847, 0.66524096] as [Float]) {
      #expect(isApproximatelyEqual(Double(a), Double(b), absoluteTolerance: 1e-6))
    }
    let l = logSoftmax(Tensor(shape: [3], values: [1, 2, 3]), axis: 0)
    for (a, b) in zip(l.values, [-2.4076059, -1.4076059, -0.4076059] as [Float]) {
      #expect(isApproximatelyEqual(Double(a), Double(b), absoluteTolerance: 1e-6))
    }
    // Along axis 0 of a matrix, every column sums to 1; large logits stay finite.
    let big = softmax(Tensor(shape: [2, 2], values: [1000, 0, 1001, 0]), axis: 0)
    #expect(big.values.allSatisfy { $0.isFinite })
    #expect(isApproximatelyEqual(Double(big.values[0] + big.values[2]), 1, absoluteTolerance: 1e-6))
  }

  @Test func concatAndStackAlongAxes() {
    let a = Tensor(shape: [2, 1], values: [1, 2])
    let b = Tensor(shape: [2, 2], values: [3, 4, 5, 6])
    let c = concat([a, b], axis: 1)
    #expect(c.shape == [2, 3] && c.values == [1, 3, 4, 2, 5, 6])
    let s = stack([Tensor(shape: [2], values: [1, 2]), Tensor(shape: [2], values: [3, 4])], axis: 1)
    #expect(s.shape == [2, 2] && s.values == [1, 3, 2, 4])
  }

  @Test func gradientsOfSelections() {
    let x = randomTensor([3, 4], seed: 11)
    let cases: [(String, (Tensor) -> Tensor)] = [
      ("taking", { $0.taking([[2, 0, 2], [1, 3]]) }),
      ("sort", { $0.takingAlong(axis: 1, order: sortOrder($0, axis: 1, descending: true)) }),
      ("max axis 0", { extremum($0, axis: 0, largest: true) }),
      ("min axis 1", { extremum($0, axis: 1, largest: false) }),
      ("softmax axis 1", { softmax($0, axis: 1) }),
      ("softmax axis 0", { softmax($0, axis: 0) }),
      ("log_softmax axis 1", { logSoftmax($0, axis: 1) }),
      ("log_softmax axis 0", { logSoftmax($0, axis: 0) }),
    ]
    for (name, f) in cases {
      let check = checkGradients([x], step: 1e-3) { f($0[0]) }
      #expect(check.passed, "\(name): \(check)")
    }
  }

  @Test func gradientsOfJoins() {
    let a = randomTensor([2, 3], seed: 12)
    let b = randomTensor([2, 2], seed: 13)
    let c = randomTensor([2, 3], seed: 14)
    let joined = checkGradients([a, b], step: 1e-3) { concat([$0[0], $0[1]], axis: 1) }
    #expect(joined.passed, "concat: \(joined)")
    for axis in 0...2 {
      let stacked = checkGradients([a, c], step: 1e-3) { stack([$0[0], $0[1]], axis: axis) }
      #expect(stacked.passed, "stack axis \(axis): \(stacked)")
    }
  }
}
