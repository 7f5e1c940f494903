/// Global average pooling: the mean of every channel's plane.
///
/// `x [N, C, H, W]` → `[N, C]`:
/// ```
/// y[n, c] = Σ_{h,w} x[n, c, h, w] / (H·W)
/// ```
/// - Saves: nothing (the gradient spreads evenly over the plane).
public func globalAveragePool(_ x: Tensor) -> Tensor {
  precondition(x.rank == 4, "globalAveragePool needs [N, C, H, W], got \(Shape.describe(x.shape))")
  let rows = x.shape[0] * x.shape[1], plane = x.shape[2] * x.shape[3]
  precondition(plane > 0, "globalAveragePool of an empty plane")
  let inverse = 1 / Float(plane)
  let out = [Float].uninitialized(rows) { y in
    x.values.withUnsafeBufferPointer { px in
      let src = px.baseAddress!
      Parallel.forEachRange(rows, costPerItem: plane) { r in
        for row in r { y[row] = ReductionKernel.sum(src + row * plane, plane) * inverse }
      }
    }
  }
  return Tensor(shape: [x.shape[0], x.shape[1]], values: out, op: "globalAveragePool", parents: [x]) {
    g in
    // dx[n, c, h, w] += dy[n, c] / (H·W)
    x.accumulateGradient { gx in
      g.withUnsafeBufferPointer { pg in
        let dy = pg.baseAddress!
        Parallel.forEachRange(rows, costPerItem: plane) { r in
          for row in r {
            let d = dy[row] * inverse
            let dst = gx + row * plane
            for i in 0..<plane { dst[i] += d }
          }
        }
      }
    }
  }
}
