/// Whether `a` and `b` agree within `absolute + relative · max(|a|, |b|)` (swift-numerics'
/// `isApproximatelyEqual` semantics, with both tolerances at once).
public func isApproximatelyEqual(
  _ a: Double, _ b: Double, relativeTolerance: Double = 1e-5, absoluteTolerance: Double = 1e-6
) -> Bool {
  guard a.isFinite && b.isFinite else { return a == b }
  return Swift.abs(a - b) <= absoluteTolerance + relativeTolerance * Swift.max(Swift.abs(a), Swift.abs(b))
}

/// Elementwise `isApproximatelyEqual` of two equally long arrays.
public func isApproximatelyEqual(
  _ a: [Float], _ b: [Double], relativeTolerance: Double = 1e-5, absoluteTolerance: Double = 1e-6
) -> Bool {
  a.count == b.count
    && zip(a, b).allSatisfy {
      isApproximatelyEqual(
        Double($0), $1, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
    }
}
