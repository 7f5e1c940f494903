/// Reductions over flat buffers, with a fixed summation order (so results do not depend on
/// threads or timing): the vectorized `sum` other kernels build on, and the kernels of the
/// reduction ops.
/// Shapes: `sumForward` and `maxForward` read all n elements; an axis splits a shape into
/// (outer, extent, inner) element counts, so element (o, e, i) sits at `(o · extent + e) · inner + i`.
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

  /// Σ x[i], accumulated in Double in order of i.
  static func sumForward(_ x: [Float]) -> Float {
    var total = 0.0
    for v in x { total += Double(v) }
    return Float(total)
  }

  /// gradInput[i] += gradOutput for all n elements: every element adds to the sum once.
  static func sumBackward(_ g: Float, count n: Int, gradInput gx: UnsafeMutablePointer<Float>) {
    for i in 0..<n { gx[i] += g }
  }

  /// y[o, i] = Σ_e x[o, e, i], added in order of e.
  static func sumAxisForward(_ x: [Float], outer: Int, extent: Int, inner: Int) -> [Float] {
    var out = [Float](repeating: 0, count: outer * inner)
    x.withUnsafeBufferPointer { px in
      for o in 0..<outer {
        for e in 0..<extent {
          let base = (o * extent + e) * inner
          for i in 0..<inner { out[o * inner + i] += px[base + i] }
        }
      }
    }
    return out
  }

  /// gradInput[o, e, i] += gradOutput[o, i].
  static func sumAxisBackward(
    _ g: [Float], outer: Int, extent: Int, inner: Int, gradInput gx: UnsafeMutablePointer<Float>
  ) {
    for o in 0..<outer {
      for e in 0..<extent {
        let base = (o * extent + e) * inner
        for i in 0..<inner { gx[base + i] += g[o * inner + i] }
      }
    }
  }

  /// The index of the first largest of n > 0 elements (y = x[index]).
  static func maxForward(_ x: [Float]) -> Int {
    var best = 0
    for i in 1..<x.count where x[i] > x[best] { best = i }
    return best
  }

  /// gradInput[index] += gradOutput: only the maximum moves the maximum.
  static func maxBackward(_ g: Float, index: Int, gradInput gx: UnsafeMutablePointer<Float>) {
    gx[index] += g
  }
}
