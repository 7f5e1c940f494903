/// Regularizers of images: total variation.
/// Shapes: x and its gradient are [N, C, H, W] (planes of H·W); the output holds one value per
/// item, [N]. Items, channels, rows and columns run in order, so each sum has one fixed order.
enum RegularizerKernel {
  /// y[n] = Σ_{c, y, x} |x[y+1, x] − x[y, x]| + |x[y, x+1] − x[y, x]| over item n, in Double.
  static func totalVariationForward(
    _ v: [Float], batch n: Int, channels c: Int, height h: Int, width w: Int
  ) -> [Float] {
    var out = [Float](repeating: 0, count: n)
    for item in 0..<n {
      var total = 0.0
      for ch in 0..<c {
        let base = (item * c + ch) * h * w
        for y in 0..<h {
          for xx in 0..<w {
            let i = base + y * w + xx
            if y + 1 < h { total += Double(Swift.abs(v[i + w] - v[i])) }
            if xx + 1 < w { total += Double(Swift.abs(v[i + 1] - v[i])) }
          }
        }
      }
      out[item] = Float(total)
    }
    return out
  }

  /// For each difference d = x[j] − x[i] of the forward line: gradInput[j] += sign(d)·dy[n],
  /// gradInput[i] −= sign(d)·dy[n], with sign(0) = 0.
  static func totalVariationBackward(
    _ v: [Float], gradOutput g: [Float], batch n: Int, channels c: Int, height h: Int, width w: Int,
    gradInput gx: UnsafeMutablePointer<Float>
  ) {
    @inline(__always) func sign(_ d: Float) -> Float { d > 0 ? 1 : (d < 0 ? -1 : 0) }
    for item in 0..<n {
      for ch in 0..<c {
        let base = (item * c + ch) * h * w
        for y in 0..<h {
          for xx in 0..<w {
            let i = base + y * w + xx
            if y + 1 < h {
              let s = sign(v[i + w] - v[i]) * g[item]
              gx[i + w] += s
              gx[i] -= s
            }
            if xx + 1 < w {
              let s = sign(v[i + 1] - v[i]) * g[item]
              gx[i + 1] += s
              gx[i] -= s
            }
          }
        }
      }
    }
  }
}
