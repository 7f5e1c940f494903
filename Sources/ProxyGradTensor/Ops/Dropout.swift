/// Inverted dropout with a given mask: kept elements are scaled by `1/(1 − p)` so the expected
/// value is unchanged, dropped ones are zero.
///
/// ```
/// y = keep ? x / (1 − p) : 0
/// ```
/// The mask is an input, not drawn here, so that the passes of one step (the original and the
/// proxy network) drop the same units and a test can fix it.
/// - Parameters:
///   - keep: one flag per element of `x`; make it with `dropoutMask(count:probability:rng:)`.
///   - probability: the drop probability `p` in `[0, 1)`.
/// - Saves: the mask.
public func dropout(_ x: Tensor, keep: [Bool], probability p: Float) -> Tensor {
  precondition(keep.count == x.count, "dropout mask has \(keep.count) flags for \(x.count) elements")
  precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
  let scale = 1 / (1 - p)
  var factors = [Float](repeating: 0, count: x.count)
  for i in 0..<keep.count where keep[i] { factors[i] = scale }
  let out = [Float].uninitialized(x.count) { y in
    x.values.withUnsafeBufferPointer { px in
      factors.withUnsafeBufferPointer { pf in
        for i in 0..<px.count { y[i] = px[i] * pf[i] }
      }
    }
  }
  return Tensor(shape: x.shape, values: out, op: "dropout", parents: [x]) { g in
    // dx += dy · (keep ? 1/(1 − p) : 0)
    x.accumulateGradient { gx in
      g.withUnsafeBufferPointer { pg in
        factors.withUnsafeBufferPointer { pf in
          for i in 0..<pg.count { gx[i] += pg[i] * pf[i] }
        }
      }
    }
  }
}

/// A dropout mask: each element is kept with probability `1 − p`, drawn from `rng`.
public func dropoutMask(count: Int, probability p: Float, rng: inout SplitMix64) -> [Bool] {
  var keep = [Bool](repeating: true, count: count)
  for i in 0..<count { keep[i] = rng.nextFloat() >= p }
  return keep
}
