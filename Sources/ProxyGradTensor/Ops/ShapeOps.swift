extension Tensor {
  /// The same elements in another shape with the same number of elements.
  ///
  /// ```
  /// forward:  y = x (the values are shared, nothing is copied)
  /// backward: dx += dy
  /// ```
  /// No forward kernel; the backward is `ElementwiseKernel.add`.
  /// - Saves: nothing.
  public func reshaped(to newShape: [Int]) -> Tensor {
    precondition(Shape.count(newShape) == count, "reshape \(shape) to \(newShape)")
    let x = self
    return Tensor(shape: newShape, values: values, op: "reshape", parents: [x]) { g in
      x.accumulateGradient { ElementwiseKernel.add(g, into: $0) }
    }
  }

  /// `[N, rest...]` as `[N, product(rest)]`: a composition (`reshaped`), no kernel of its own.
  public func flattened() -> Tensor {
    precondition(rank >= 1, "flatten of a scalar")
    return reshaped(to: [shape[0], count / Swift.max(shape[0], 1)])
  }

  /// The transpose of a matrix.
  ///
  /// ```
  /// forward:  y[j, i] = x[i, j]
  /// backward: dx[i, j] += dy[j, i]
  /// ```
  /// - Saves: nothing.
  public func transposed() -> Tensor {
    precondition(rank == 2, "transposed() needs a matrix")
    let m = shape[0], n = shape[1]
    let out = ShapeKernel.transposeForward(values, rows: m, columns: n)
    let x = self
    return Tensor(shape: [n, m], values: out, op: "transpose", parents: [x]) { g in
      x.accumulateGradient { ShapeKernel.transposeBackward(g, rows: m, columns: n, gradInput: $0) }
    }
  }

  /// Items `range` along axis 0.
  ///
  /// ```
  /// forward:  y[k, …] = x[range.lowerBound + k, …]
  /// backward: dx[range.lowerBound + k, …] += dy[k, …]
  /// ```
  /// - Saves: nothing.
  public func slice(_ range: Range<Int>) -> Tensor {
    precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "slice range")
    let inner = count / Swift.max(shape[0], 1)
    let start = range.lowerBound * inner
    var newShape = shape
    newShape[0] = range.count
    let x = self
    let out = ShapeKernel.sliceForward(values, start: start, count: range.count * inner)
    return Tensor(shape: newShape, values: out, op: "slice", parents: [x]) { g in
      x.accumulateGradient { ShapeKernel.sliceBackward(g, start: start, gradInput: $0) }
    }
  }

  /// Item `i` along axis 0, with that axis removed: a composition (`slice`, `reshaped`), no
  /// kernel of its own.
  public func index(_ i: Int) -> Tensor {
    precondition(rank >= 1 && i >= 0 && i < shape[0], "index \(i) out of range")
    return slice(i..<(i + 1)).reshaped(to: Array(shape.dropFirst()))
  }

  /// Index `i` along `axis`, with that axis removed: `x.select(axis: 1, index: 3)` of
  /// `[N, C, H, W]` is channel 3, `[N, H, W]`.
  ///
  /// ```
  /// forward:  y[o, i] = x[o, index, i]
  /// backward: dx[o, index, i] += dy[o, i]
  /// ```
  /// - Saves: nothing.
  public func select(axis: Int, index: Int) -> Tensor {
    precondition(axis >= 0 && axis < rank && index >= 0 && index < shape[axis], "select")
    let (outer, extent, inner) = splitShape(shape, axis: axis)
    let out = ShapeKernel.selectForward(
      values, outer: outer, extent: extent, inner: inner, index: index)
    var newShape = shape
    newShape.remove(at: axis)
    let x = self
    return Tensor(shape: newShape, values: out, op: "select", parents: [x]) { g in
      x.accumulateGradient {
        ShapeKernel.selectBackward(
          g, outer: outer, extent: extent, inner: inner, index: index, gradInput: $0)
      }
    }
  }

  /// For each item n along axis 0, index `indices[n]` along axis 1, which is removed: the
  /// per-item unit of a batch in which every item maximizes another unit.
  ///
  /// ```
  /// forward:  y[n, i] = x[n, indices[n], i]
  /// backward: dx[n, indices[n], i] += dy[n, i]
  /// ```
  /// - Saves: the indices.
  public func gather(indices: [Int]) -> Tensor {
    precondition(rank >= 2 && indices.count == shape[0], "gather needs one index per item")
    let extent = shape[1]
    let inner = count / Swift.max(shape[0] * extent, 1)
    for k in indices { precondition(k >= 0 && k < extent, "gather index \(k) out of range") }
    let out = ShapeKernel.gatherForward(values, indices: indices, extent: extent, inner: inner)
    var newShape = shape
    newShape.remove(at: 1)
    let x = self
    return Tensor(shape: newShape, values: out, op: "gather", parents: [x]) { g in
      x.accumulateGradient {
        ShapeKernel.gatherBackward(g, indices: indices, extent: extent, inner: inner, gradInput: $0)
      }
    }
  }
}

/// Joins tensors along axis 0; all other axes must agree.
///
/// ```
/// forward:  y = x_0, x_1, … one after another
/// backward: dx_k += dy[offset_k ..< offset_k + count_k]
/// ```
/// - Saves: each input's length.
public func concat(_ xs: [Tensor]) -> Tensor {
  precondition(!xs.isEmpty, "concat of nothing")
  let rest = Array(xs[0].shape.dropFirst())
  precondition(xs.allSatisfy { $0.rank >= 1 && Array($0.shape.dropFirst()) == rest }, "concat shapes")
  return concatenated(xs, outer: 1, extents: xs.map { $0.shape[0] }, inner: Shape.count(rest), axis: 0)
}

/// Stacks equally shaped tensors along a new axis 0: a composition (`reshaped`, `concat`), no
/// kernel of its own.
public func stack(_ xs: [Tensor]) -> Tensor {
  precondition(!xs.isEmpty, "stack of nothing")
  return concat(xs.map { $0.reshaped(to: [1] + $0.shape) })
}

/// Joins tensors along `axis` (1 for the channels of `[N, C, H, W]`: PyTorch's `torch.cat(xs,
/// dim=1)`, ONNX's `Concat`); all other axes must agree.
///
/// ```
/// forward:  y[o, offset_k + e, i] = x_k[o, e, i]     (offset_k = Σ_{j<k} extent_j)
/// backward: dx_k[o, e, i] += dy[o, offset_k + e, i]
/// ```
/// - Saves: each input's extent along the axis.
public func concat(_ xs: [Tensor], axis: Int) -> Tensor {
  precondition(!xs.isEmpty, "concat of nothing")
  let rank = xs[0].rank
  precondition(axis >= 0 && axis < rank, "concat axis \(axis) of rank-\(rank) tensors")
  if axis == 0 { return concat(xs) }
  func others(_ s: [Int]) -> [Int] { var s = s; s.remove(at: axis); return s }
  precondition(
    xs.allSatisfy { $0.rank == rank && others($0.shape) == others(xs[0].shape) },
    "concat shapes \(xs.map { Shape.describe($0.shape) }) along axis \(axis)")
  let (outer, _, inner) = splitShape(xs[0].shape, axis: axis)
  return concatenated(xs, outer: outer, extents: xs.map { $0.shape[axis] }, inner: inner, axis: axis)
}

/// The concat node of inputs `[outer, extents[k], inner]` joined along their middle axis, which
/// is `axis` of their shapes.
private func concatenated(_ xs: [Tensor], outer: Int, extents: [Int], inner: Int, axis: Int)
  -> Tensor
{
  let total = extents.reduce(0, +)
  var shape = xs[0].shape
  shape[axis] = total
  let out = ShapeKernel.concatForward(xs.map(\.values), outer: outer, extents: extents, inner: inner)
  return Tensor(shape: shape, values: out, op: "concat", parents: xs) { g in
    var offset = 0
    for (x, extent) in zip(xs, extents) {
      if x.requiresGrad {
        x.accumulateGradient {
          ShapeKernel.concatBackward(
            g, outer: outer, total: total, offset: offset, extent: extent, inner: inner,
            gradInput: $0)
        }
      }
      offset += extent
    }
  }
}
