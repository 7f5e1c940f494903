/// Softmax along `axis` (stable: the maximum is subtracted first).
///
/// ```
/// y[…, k, …] = exp(x[…, k, …]) / Σ_j exp(x[…, j, …])
/// ```
/// - Parameters:
///   - axis: the axis normalized, `0 ..< rank` (1 for the classes of `[N, C]`).
/// - Saves: output.
public func softmax(_ x: Tensor, axis: Int) -> Tensor {
  precondition(axis >= 0 && axis < x.rank, "softmax axis \(axis) of a rank-\(x.rank) tensor")
  let (outer, extent, inner) = splitShape(x.shape, axis: axis)
  let y = [Float].uninitialized(x.count) { py in
    x.values.withUnsafeBufferPointer { px in
      SoftmaxKernel.forward(px.baseAddress!, outer: outer, extent: extent, inner: inner, y: py)
    }
  }
  return Tensor(shape: x.shape, values: y, op: "softmax", parents: [x]) { g in
    x.accumulateGradient { gx in
      y.withUnsafeBufferPointer { py in
        g.withUnsafeBufferPointer { pg in
          SoftmaxKernel.backward(
            py.baseAddress!, gradOutput: pg.baseAddress!, outer: outer, extent: extent,
            inner: inner, gradInput: gx)
        }
      }
    }
  }
}
