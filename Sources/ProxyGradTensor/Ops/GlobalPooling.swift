/// Global average pooling: the mean of every channel's plane.
///
/// `x [N, C, H, W]` → `[N, C]`:
/// ```
/// forward:  y[n, c] = Σ_{h,w} x[n, c, h, w] / (H·W)
/// backward: dx[n, c, h, w] += dy[n, c] / (H·W)
/// ```
/// - Saves: nothing (the gradient spreads evenly over the plane).
public func globalAveragePool(_ x: Tensor) -> Tensor {
  precondition(x.rank == 4, "globalAveragePool needs [N, C, H, W], got \(Shape.describe(x.shape))")
  let rows = x.shape[0] * x.shape[1], plane = x.shape[2] * x.shape[3]
  precondition(plane > 0, "globalAveragePool of an empty plane")
  let out = GlobalPoolKernel.forward(x.values, rows: rows, plane: plane)
  return Tensor(shape: [x.shape[0], x.shape[1]], values: out, op: "globalAveragePool", parents: [x]) {
    g in
    x.accumulateGradient {
      GlobalPoolKernel.backward(gradOutput: g, rows: rows, plane: plane, gradInput: $0)
    }
  }
}
