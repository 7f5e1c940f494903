/// Per-item total variation of images `[N, C, H, W]`, as `[N]`.
///
/// ```
/// forward:  y[n] = Σ_{c, y, x} |x[y+1, x] − x[y, x]| + |x[y, x+1] − x[y, x]|
/// backward: each difference d = x[j] − x[i] adds sign(d)·dy[n] to dx[j] and takes it from dx[i]
/// ```
/// The gradient of |d| at d = 0 is taken as 0.
/// - Saves: input.
public func totalVariation(_ x: Tensor) -> Tensor {
  precondition(x.rank == 4, "totalVariation needs [N, C, H, W]")
  let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
  let v = x.values
  let out = RegularizerKernel.totalVariationForward(v, batch: n, channels: c, height: h, width: w)
  return Tensor(shape: [n], values: out, op: "totalVariation", parents: [x]) { g in
    x.accumulateGradient {
      RegularizerKernel.totalVariationBackward(
        v, gradOutput: g, batch: n, channels: c, height: h, width: w, gradInput: $0)
    }
  }
}

/// Per-item sum over all axes but the first: `[N, ...]` → `[N]`. A composition (`flattened`,
/// `sum(_:axis:)`), no kernel of its own.
public func sumPerItem(_ x: Tensor) -> Tensor {
  precondition(x.rank >= 1, "sumPerItem of a scalar")
  if x.rank == 1 { return x }
  return sum(x.flattened(), axis: 1)
}
