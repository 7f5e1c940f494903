/// Inverted dropout with a given mask: kept elements are scaled by `1/(1 − p)` so the expected
/// value is unchanged, dropped ones are zero.
///
/// ```
/// forward:  y = keep ? x / (1 − p) : 0
/// backward: dx += keep ? dy / (1 − p) : 0
/// ```
/// The mask is an input, not drawn here, so that the passes of one step (the original and the
/// proxy network) drop the same units and a test can fix it.
/// - Parameters:
///   - keep: one flag per element of `x`; make it with `dropoutMask(count:probability:rng:)`.
///   - probability: the drop probability `p` in `[0, 1)`.
/// - Saves: the mask, as one factor per element.
public func dropout(_ x: Tensor, keep: [Bool], probability p: Float) -> Tensor {
  precondition(keep.count == x.count, "dropout mask has \(keep.count) flags for \(x.count) elements")
  precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
  let factors = DropoutKernel.factors(keep: keep, scale: 1 / (1 - p))
  let out = DropoutKernel.forward(x.values, factors: factors)
  return Tensor(shape: x.shape, values: out, op: "dropout", parents: [x]) { g in
    x.accumulateGradient { DropoutKernel.backward(factors: factors, gradOutput: g, gradInput: $0) }
  }
}

/// A dropout mask: each element is kept with probability `1 − p`, drawn from `rng`.
public func dropoutMask(count: Int, probability p: Float, rng: inout SplitMix64) -> [Bool] {
  var keep = [Bool](repeating: true, count: count)
  for i in 0..<count { keep[i] = rng.nextFloat() >= p }
  return keep
}
