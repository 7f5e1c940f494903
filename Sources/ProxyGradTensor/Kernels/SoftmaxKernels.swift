#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Softmax along one axis of a tensor seen as [outer, extent, inner] (the axis in the middle).
enum SoftmaxKernel {
  /// y[o, :, i] = exp(x[o, :, i] − max) / Σ exp(x[o, :, i] − max)
  static func forward(
    _ x: UnsafePointer<Float>, outer: Int, extent: Int, inner: Int, y: UnsafeMutablePointer<Float>
  ) {
    Parallel.forEachRange(outer, costPerItem: extent * inner * 4) { r in
      for o in r {
        for i in 0..<inner {
          let base = o * extent * inner + i
          var top = -Float.infinity
          for k in 0..<extent { top = Swift.max(top, x[base + k * inner]) }
          var total: Float = 0
          for k in 0..<extent {
            let e = expf(x[base + k * inner] - top)
            y[base + k * inner] = e
            total += e
          }
          let inverse = 1 / total
          for k in 0..<extent { y[base + k * inner] *= inverse }
        }
      }
    }
  }

  /// gradX += y · (gradY − Σ_k gradY·y), the derivative of the forward line along the axis.
  static func backward(
    _ y: UnsafePointer<Float>, gradOutput g: UnsafePointer<Float>, outer: Int, extent: Int,
    inner: Int, gradInput gx: UnsafeMutablePointer<Float>
  ) {
    Parallel.forEachRange(outer, costPerItem: extent * inner * 3) { r in
      for o in r {
        for i in 0..<inner {
          let base = o * extent * inner + i
          var dot: Float = 0
          for k in 0..<extent { dot += g[base + k * inner] * y[base + k * inner] }
          for k in 0..<extent {
            let at = base + k * inner
            gx[at] += y[at] * (g[at] - dot)
          }
        }
      }
    }
  }
}
