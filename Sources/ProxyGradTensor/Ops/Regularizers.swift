/// Per-item total variation of images `[N, C, H, W]`: `Σ |x[y+1,x] − x[y,x]| + |x[y,x+1] − x[y,x]|`
/// over each item, as `[N]`. The gradient of |d| at d = 0 is taken as 0.
/// - Saves: input.
public func totalVariation(_ x: Tensor) -> Tensor {
  precondition(x.rank == 4, "totalVariation needs [N, C, H, W]")
  let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
  let v = x.values
  var out = [Float](repeating: 0, count: n)
  @inline(__always) func sign(_ d: Float) -> Float { d > 0 ? 1 : (d < 0 ? -1 : 0) }
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
  return Tensor(shape: [n], values: out, op: "totalVariation", parents: [x]) { g in
    x.accumulateGradient { gx in
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
}

/// Per-item sum over all axes but the first: `[N, ...]` → `[N]`.
public func sumPerItem(_ x: Tensor) -> Tensor {
  precondition(x.rank >= 1, "sumPerItem of a scalar")
  if x.rank == 1 { return x }
  return sum(x.flattened(), axis: 1)
}
