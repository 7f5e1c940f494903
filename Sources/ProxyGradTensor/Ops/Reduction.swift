/// The sum of all elements, as a scalar tensor. Accumulates in Double for accuracy.
///
/// ```
/// forward:  y = Σ_i x_i
/// backward: dx_i += dy
/// ```
/// - Saves: nothing (the gradient is the upstream value everywhere).
public func sum(_ x: Tensor) -> Tensor {
  let total = ReductionKernel.sumForward(x.values)
  let n = x.count
  return Tensor(shape: [], values: [total], op: "sum", parents: [x]) { g in
    let g0 = g[0]
    x.accumulateGradient { ReductionKernel.sumBackward(g0, count: n, gradInput: $0) }
  }
}

/// The mean of all elements, as a scalar tensor: a composition (`sum`, `/`), no kernel of its
/// own.
public func mean(_ x: Tensor) -> Tensor {
  x.count == 0 ? sum(x) : sum(x) / Float(x.count)
}

/// The largest element, as a scalar tensor; the gradient goes to the first largest element.
///
/// ```
/// forward:  y = x_m,  m = the first index of the maximum
/// backward: dx_m += dy
/// ```
/// - Saves: the index of the maximum.
public func max(_ x: Tensor) -> Tensor {
  precondition(x.count > 0, "max of an empty tensor")
  let best = ReductionKernel.maxForward(x.values)
  return Tensor(shape: [], values: [x.values[best]], op: "max", parents: [x]) { g in
    x.accumulateGradient { ReductionKernel.maxBackward(g[0], index: best, gradInput: $0) }
  }
}

/// Splits a shape at `axis` into (outer, extent, inner) element counts.
@inline(__always)
func splitShape(_ shape: [Int], axis: Int) -> (outer: Int, extent: Int, inner: Int) {
  (Shape.count(Array(shape[..<axis])), shape[axis], Shape.count(Array(shape[(axis + 1)...])))
}

/// The sum along one axis, which is removed from the shape.
///
/// ```
/// forward:  y[o, i] = Σ_e x[o, e, i]
/// backward: dx[o, e, i] += dy[o, i]
/// ```
/// - Saves: nothing.
public func sum(_ x: Tensor, axis: Int) -> Tensor {
  precondition(axis >= 0 && axis < x.rank, "sum: axis \(axis) out of range for rank \(x.rank)")
  let (outer, extent, inner) = splitShape(x.shape, axis: axis)
  let out = ReductionKernel.sumAxisForward(x.values, outer: outer, extent: extent, inner: inner)
  var shape = x.shape
  shape.remove(at: axis)
  return Tensor(shape: shape, values: out, op: "sumAxis", parents: [x]) { g in
    x.accumulateGradient {
      ReductionKernel.sumAxisBackward(g, outer: outer, extent: extent, inner: inner, gradInput: $0)
    }
  }
}

/// The mean along one axis, which is removed from the shape: a composition (`sum(_:axis:)`,
/// `/`), no kernel of its own.
public func mean(_ x: Tensor, axis: Int) -> Tensor {
  let extent = x.shape[axis]
  return extent == 0 ? sum(x, axis: axis) : sum(x, axis: axis) / Float(extent)
}
