extension Tensor {
  /// The same elements in another shape with the same number of elements.
  /// - Saves: nothing.
  public func reshaped(to newShape: [Int]) -> Tensor {
    precondition(Shape.count(newShape) == count, "reshape \(shape) to \(newShape)")
    let x = self
    return Tensor(shape: newShape, values: values, op: "reshape", parents: [x]) { g in
      x.accumulateGradient { gx in for i in 0..<g.count { gx[i] += g[i] } }
    }
  }

  /// `[N, rest...]` as `[N, product(rest)]`.
  public func flattened() -> Tensor {
    precondition(rank >= 1, "flatten of a scalar")
    return reshaped(to: [shape[0], count / Swift.max(shape[0], 1)])
  }

  /// The transpose of a matrix.
  /// - Saves: nothing.
  public func transposed() -> Tensor {
    precondition(rank == 2, "transposed() needs a matrix")
    let m = shape[0], n = shape[1]
    var out = [Float](repeating: 0, count: count)
    for i in 0..<m { for j in 0..<n { out[j * m + i] = values[i * n + j] } }
    let x = self
    return Tensor(shape: [n, m], values: out, op: "transpose", parents: [x]) { g in
      x.accumulateGradient { gx in
        for i in 0..<m { for j in 0..<n { gx[i * n + j] += g[j * m + i] } }
      }
    }
  }

  /// Items `range` along axis 0.
  /// - Saves: nothing.
  public func slice(_ range: Range<Int>) -> Tensor {
    precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "slice range")
    let inner = count / Swift.max(shape[0], 1)
    let start = range.lowerBound * inner
    var newShape = shape
    newShape[0] = range.count
    let x = self
    let out = Array(values[start..<(start + range.count * inner)])
    return Tensor(shape: newShape, values: out, op: "slice", parents: [x]) { g in
      x.accumulateGradient { gx in for i in 0..<g.count { gx[start + i] += g[i] } }
    }
  }

  /// Item `i` along axis 0, with that axis removed.
  public func index(_ i: Int) -> Tensor {
    precondition(rank >= 1 && i >= 0 && i < shape[0], "index \(i) out of range")
    return slice(i..<(i + 1)).reshaped(to: Array(shape.dropFirst()))
  }

  /// Index `i` along `axis`, with that axis removed: `x.select(axis: 1, index: 3)` of
  /// `[N, C, H, W]` is channel 3, `[N, H, W]`.
  /// - Saves: nothing.
  public func select(axis: Int, index: Int) -> Tensor {
    precondition(axis >= 0 && axis < rank && index >= 0 && index < shape[axis], "select")
    let (outer, extent, inner) = splitShape(shape, axis: axis)
    var out = [Float](repeating: 0, count: outer * inner)
    for o in 0..<outer {
      let base = (o * extent + index) * inner
      for i in 0..<inner { out[o * inner + i] = values[base + i] }
    }
    var newShape = shape
    newShape.remove(at: axis)
    let x = self
    return Tensor(shape: newShape, values: out, op: "select", parents: [x]) { g in
      x.accumulateGradient { gx in
        for o in 0..<outer {
          let base = (o * extent + index) * inner
          for i in 0..<inner { gx[base + i] += g[o * inner + i] }
        }
      }
    }
  }

  /// For each item n along axis 0, index `indices[n]` along axis 1, which is removed: the
  /// per-item unit of a batch in which every item maximizes another unit.
  /// - Saves: the indices.
  public func gather(indices: [Int]) -> Tensor {
    precondition(rank >= 2 && indices.count == shape[0], "gather needs one index per item")
    let extent = shape[1]
    let inner = count / Swift.max(shape[0] * extent, 1)
    var out = [Float](repeating: 0, count: shape[0] * inner)
    for (n, k) in indices.enumerated() {
      precondition(k >= 0 && k < extent, "gather index \(k) out of range")
      let base = (n * extent + k) * inner
      for i in 0..<inner { out[n * inner + i] = values[base + i] }
    }
    var newShape = shape
    newShape.remove(at: 1)
    let x = self
    return Tensor(shape: newShape, values: out, op: "gather", parents: [x]) { g in
      x.accumulateGradient { gx in
        for (n, k) in indices.enumerated() {
          let base = (n * extent + k) * inner
          for i in 0..<inner { gx[base + i] += g[n * inner + i] }
        }
      }
    }
  }
}

/// Joins tensors along axis 0; all other axes must agree.
/// - Saves: each input's length.
public func concat(_ xs: [Tensor]) -> Tensor {
  precondition(!xs.isEmpty, "concat of nothing")
  let rest = Array(xs[0].shape.dropFirst())
  precondition(xs.allSatisfy { $0.rank >= 1 && Array($0.shape.dropFirst()) == rest }, "concat shapes")
  var values: [Float] = []
  values.reserveCapacity(xs.reduce(0) { $0 + $1.count })
  for x in xs { values.append(contentsOf: x.values) }
  let shape = [xs.reduce(0) { $0 + $1.shape[0] }] + rest
  return Tensor(shape: shape, values: values, op: "concat", parents: xs) { g in
    var offset = 0
    for x in xs {
      let n = x.count
      if x.requiresGrad {
        x.accumulateGradient { gx in for i in 0..<n { gx[i] += g[offset + i] } }
      }
      offset += n
    }
  }
}

/// Stacks equally shaped tensors along a new axis 0.
public func stack(_ xs: [Tensor]) -> Tensor {
  precondition(!xs.isEmpty, "stack of nothing")
  return concat(xs.map { $0.reshaped(to: [1] + $0.shape) })
}

/// Joins tensors along `axis` (1 for the channels of `[N, C, H, W]`: PyTorch's `torch.cat(xs,
/// dim=1)`, ONNX's `Concat`); all other axes must agree.
///
/// ```
/// y[o, offset_i + k, r] = x_i[o, k, r]     (offset_i = Σ_{j<i} extent_j)
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
  let extents = xs.map { $0.shape[axis] }
  let total = extents.reduce(0, +)
  var shape = xs[0].shape
  shape[axis] = total
  let out = [Float].uninitialized(outer * total * inner) { y in
    var offset = 0
    for (x, extent) in zip(xs, extents) {
      let run = extent * inner
      x.values.withUnsafeBufferPointer { px in
        for o in 0..<outer {
          (y + (o * total + offset) * inner).update(from: px.baseAddress! + o * run, count: run)
        }
      }
      offset += extent
    }
  }
  return Tensor(shape: shape, values: out, op: "concat", parents: xs) { g in
    var offset = 0
    for (x, extent) in zip(xs, extents) {
      let run = extent * inner
      if x.requiresGrad {
        x.accumulateGradient { gx in
          // dx_i[o, k, r] += dy[o, offset_i + k, r]
          for o in 0..<outer {
            let src = (o * total + offset) * inner
            for e in 0..<run { gx[o * run + e] += g[src + e] }
          }
        }
      }
      offset += extent
    }
  }
}
