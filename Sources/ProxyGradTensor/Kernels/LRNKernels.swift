#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Local response normalization across channels (AlexNet, InceptionV1), on a tensor seen as
/// [N, C, inner]. Channel c's window is `c − before … c + after` clipped to the channels.
enum LRNKernel {
  /// d[n, c, i] = k + α/size · Σ_{j ∈ window(c)} x[n, j, i]²,  y = x · d^(−β)
  /// Writes `d` too (the backward needs it).
  static func forward(
    _ x: UnsafePointer<Float>, batch: Int, channels: Int, inner: Int, before: Int, after: Int,
    alphaOverSize: Float, beta: Float, k: Float, y: UnsafeMutablePointer<Float>,
    denominator d: UnsafeMutablePointer<Float>
  ) {
    Parallel.forEachRange(batch * channels, costPerItem: inner * (before + after + 3)) { r in
      for nc in r {
        let (n, c) = (nc / channels, nc % channels)
        let lo = Swift.max(0, c - before), hi = Swift.min(channels - 1, c + after)
        let row = nc * inner
        for i in 0..<inner {
          var total: Float = 0
          for j in lo...hi {
            let v = x[(n * channels + j) * inner + i]
            total += v * v
          }
          let dv = k + alphaOverSize * total
          d[row + i] = dv
          y[row + i] = x[row + i] * powf(dv, -beta)
        }
      }
    }
  }

  /// gradX[n, j, i] += gradY[n, j, i] · d_j^(−β)
  ///   − 2αβ/size · x[n, j, i] · Σ_{c: j ∈ window(c)} gradY[n, c, i] · x[n, c, i] · d_c^(−β−1),
  /// the derivative of `y = x · d^(−β)` through both x and d. (j ∈ window(c) ⇔ c ∈ j − after … j + before.)
  static func backward(
    _ x: UnsafePointer<Float>, denominator d: UnsafePointer<Float>,
    gradOutput g: UnsafePointer<Float>, batch: Int, channels: Int, inner: Int, before: Int,
    after: Int, alphaOverSize: Float, beta: Float, gradInput gx: UnsafeMutablePointer<Float>
  ) {
    let factor = 2 * alphaOverSize * beta
    Parallel.forEachRange(batch * channels, costPerItem: inner * (before + after + 3)) { r in
      for nj in r {
        let (n, j) = (nj / channels, nj % channels)
        let lo = Swift.max(0, j - after), hi = Swift.min(channels - 1, j + before)
        let row = nj * inner
        for i in 0..<inner {
          var total: Float = 0
          for c in lo...hi {
            let at = (n * channels + c) * inner + i
            total += g[at] * x[at] * powf(d[at], -beta - 1)
          }
          gx[row + i] += g[row + i] * powf(d[row + i], -beta) - factor * x[row + i] * total
        }
      }
    }
  }
}
