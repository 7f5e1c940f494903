/// Per-channel batch normalization over flat NCHW buffers.
///
/// Shapes: `x`, `y`, `gradOutput` and `gradInput` hold `N·C·L` elements, channel c of item n
/// being the contiguous row `x[(n·C + c)·L ..< (n·C + c + 1)·L]` (`L = H·W`, or 1 for `[N, C]`);
/// per-channel vectors (`mean`, `rstd`, `scale`, `shift`, `gradWeight`, `gradBias`) hold C.
/// Work is split over channels, so each channel's sums run in one fixed order.
enum BatchNormKernel {
  /// The mean and the biased variance (divided by `M = N·L`) of every channel, two-pass,
  /// accumulated in Double.
  static func statistics(
    _ x: UnsafePointer<Float>, batch n: Int, channels c: Int, plane l: Int
  ) -> (mean: [Float], variance: [Float]) {
    var mean = [Float](repeating: 0, count: c)
    var variance = [Float](repeating: 0, count: c)
    let m = Double(n * l)
    mean.withUnsafeMutableBufferPointer { pm in
      variance.withUnsafeMutableBufferPointer { pv in
        let pm = pm.baseAddress!, pv = pv.baseAddress!
        Parallel.forEachRange(c, costPerItem: 2 * n * l) { channels in
          for ch in channels {
            var total = 0.0
            for item in 0..<n { total += Double(ReductionKernel.sum(x + (item * c + ch) * l, l)) }
            let mu = total / m
            var squares = 0.0
            let muF = Float(mu)
            for item in 0..<n {
              let row = x + (item * c + ch) * l
              var acc: Float = 0
              for i in 0..<l {
                let d = row[i] - muF
                acc += d * d
              }
              squares += Double(acc)
            }
            pm[ch] = muF
            pv[ch] = Float(squares / m)
          }
        }
      }
    }
    return (mean, variance)
  }

  /// rstd[c] = 1 / √(variance[c] + eps).
  static func reciprocalStandardDeviation(_ variance: [Float], epsilon: Float) -> [Float] {
    variance.map { 1 / (($0 + epsilon).squareRoot()) }
  }

  /// scale[c] = γ[c]·rstd[c], shift[c] = β[c] − mean[c]·scale[c]: `γ·(x − mean)·rstd + β` as the
  /// affine map `forward` applies.
  static func affine(weight gamma: [Float], bias beta: [Float], mean: [Float], rstd: [Float])
    -> (scale: [Float], shift: [Float])
  {
    let c = gamma.count
    var scale = [Float](repeating: 0, count: c)
    var shift = [Float](repeating: 0, count: c)
    for ch in 0..<c {
      scale[ch] = gamma[ch] * rstd[ch]
      shift[ch] = beta[ch] - mean[ch] * scale[ch]
    }
    return (scale, shift)
  }

  /// y = scale[c] · x + shift[c], the per-channel affine map both modes reduce to.
  static func forward(
    _ x: UnsafePointer<Float>, scale: [Float], shift: [Float], batch n: Int, channels c: Int,
    plane l: Int, output y: UnsafeMutablePointer<Float>
  ) {
    Parallel.forEachRange(n * c, costPerItem: l) { rows in
      for row in rows {
        let ch = row % c
        let a = scale[ch], b = shift[ch]
        let src = x + row * l, dst = y + row * l
        for i in 0..<l { dst[i] = a * src[i] + b }
      }
    }
  }

  /// The backward of `y = γ·x̂ + β` with `x̂ = (x − mean)·rstd`:
  /// ```
  /// gradBias[c]   += Σ dy
  /// gradWeight[c] += Σ dy·x̂
  /// evaluation (mean, rstd constant):  dx += γ·rstd·dy
  /// training (mean, rstd of the batch): dx += γ·rstd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M)
  /// ```
  /// Any of `gradInput`, `gradWeight`, `gradBias` may be nil when that input needs no gradient.
  static func backward(
    _ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, mean: [Float], rstd: [Float],
    weight gamma: [Float], batch n: Int, channels c: Int, plane l: Int, training: Bool,
    gradInput: UnsafeMutablePointer<Float>?, gradWeight: UnsafeMutablePointer<Float>?,
    gradBias: UnsafeMutablePointer<Float>?
  ) {
    let m = Float(n * l)
    Parallel.forEachRange(c, costPerItem: 3 * n * l) { channels in
      for ch in channels {
        let mu = mean[ch], r = rstd[ch]
        var sumDy = 0.0, sumDyXhat = 0.0
        for item in 0..<n {
          let offset = (item * c + ch) * l
          let xr = x + offset, gr = dy + offset
          var a: Float = 0, b: Float = 0
          for i in 0..<l {
            a += gr[i]
            b += gr[i] * (xr[i] - mu)
          }
          sumDy += Double(a)
          sumDyXhat += Double(b) * Double(r)
        }
        gradBias?[ch] += Float(sumDy)
        gradWeight?[ch] += Float(sumDyXhat)
        guard let gradInput else { continue }
        let k = gamma[ch] * r
        let meanDy = training ? Float(sumDy) / m : 0
        let meanDyXhat = training ? Float(sumDyXhat) / m : 0
        for item in 0..<n {
          let offset = (item * c + ch) * l
          let xr = x + offset, gr = dy + offset, gx = gradInput + offset
          for i in 0..<l {
            let xhat = (xr[i] - mu) * r
            gx[i] += k * (gr[i] - meanDy - xhat * meanDyXhat)
          }
        }
      }
    }
  }
}
