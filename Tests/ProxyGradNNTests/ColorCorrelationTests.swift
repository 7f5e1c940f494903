import ProxyGradTensor
import ProxyGradTestSupport
import Testing

@testable import ProxyGradNN

/// The colour basis of a data set, as Lucid computed its ImageNet basis.
@Suite struct ColorCorrelationTests {
  /// Four pixels whose channels are zero-mean, uncorrelated, with standard deviations 2, 1 and
  /// 0.5 (times the same factor): the basis is diag(2, 1, 0.5) / 2.
  @Test func uncorrelatedChannelsGiveADiagonalBasis() {
    let a: [Float] = [1, -1, 1, -1], b: [Float] = [1, 1, -1, -1], c: [Float] = [1, -1, -1, 1]
    // Channel order 1, 0, 2 with scales 1, 2, 0.5: the largest variance comes first whatever
    // the channel, so the first column belongs to channel 1.
    let images = Tensor(shape: [1, 3, 2, 2], values: b + a.map { 2 * $0 } + c.map { 0.5 * $0 })
    let m = colorCorrelation(of: images)
    let expected: [Double] = [0, 0.5, 0, 1, 0, 0, 0, 0, 0.25]
    #expect(isApproximatelyEqual(m, expected, absoluteTolerance: 1e-6), "\(m)")
  }

  /// For correlated channels M·Mᵀ is the covariance divided by the largest column norm squared,
  /// the columns are orthogonal, by falling norm, each with its largest entry positive.
  @Test func theBasisIsASquareRootOfTheCovariance() {
    var rng = SplitMix64(seed: 3)
    let pixels = 500
    var values = [Float](repeating: 0, count: 3 * pixels)
    for p in 0..<pixels {
      let (u, v, w) = (rng.nextNormal(), rng.nextNormal(), rng.nextNormal())
      values[p] = u + 0.3
      values[pixels + p] = 0.8 * u + 0.4 * v
      values[2 * pixels + p] = 0.5 * u - 0.2 * v + 0.3 * w
    }
    let m = colorCorrelation(of: Tensor(shape: [3, 1, pixels], values: values)).map(Double.init)
    var covariance = [Double](repeating: 0, count: 9)
    let mean = (0..<3).map { ch in (0..<pixels).reduce(0.0) { $0 + Double(values[ch * pixels + $1]) } / Double(pixels) }
    for i in 0..<3 {
      for j in 0..<3 {
        covariance[i * 3 + j] = (0..<pixels).reduce(0.0) {
          $0 + (Double(values[i * pixels + $1]) - mean[i]) * (Double(values[j * pixels + $1]) - mean[j])
        } / Double(pixels - 1)
      }
    }
    let norms = (0..<3).map { j in (0..<3).reduce(0.0) { $0 + m[$1 * 3 + j] * m[$1 * 3 + j] }.squareRoot() }
    #expect(abs(norms[0] - 1) < 1e-6 && norms[0] >= norms[1] && norms[1] >= norms[2])
    // The scale: the largest eigenvalue of the covariance.
    let trace: Double = covariance[0] + covariance[4] + covariance[8]
    let squaredNorms: Double = norms[0] * norms[0] + norms[1] * norms[1] + norms[2] * norms[2]
    let scale = trace / squaredNorms
    for i in 0..<3 {
      for j in 0..<3 {
        let product = (0..<3).reduce(0.0) { $0 + m[i * 3 + $1] * m[j * 3 + $1] }
        #expect(abs(product * scale - covariance[i * 3 + j]) < 1e-5 * scale, "M·Mᵀ[\(i),\(j)]")
        if i < j {
          let dot = (0..<3).reduce(0.0) { $0 + m[$1 * 3 + i] * m[$1 * 3 + j] }
          #expect(abs(dot) < 1e-6, "columns \(i) and \(j) are orthogonal")
        }
      }
      let column = (0..<3).map { m[$0 * 3 + i] }
      #expect(column.max(by: { abs($0) < abs($1) })! > 0)
    }
  }
}
