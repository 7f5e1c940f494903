/// Vectorized reductions over flat buffers, with a fixed summation order (so results do not
/// depend on threads or timing).
enum ReductionKernel {
  /// Σ x[i] for i in 0..<n, in eight interleaved partial sums combined pairwise.
  @inline(__always)
  static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n {
      acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
      i += 8
    }
    var tail: Float = 0
    while i < n {
      tail += x[i]
      i += 1
    }
    let half = acc.lowHalf + acc.highHalf
    let quarter = half.lowHalf + half.highHalf
    return (quarter[0] + quarter[1]) + tail
  }
}
