/// The sum of all elements, as a scalar tensor. Accumulates in Double for accuracy.
/// - Saves: nothing (the gradient is the upstream value everywhere).
public func sum(_ x: Tensor) -> Tensor {
  var total = 0.0
  for v in x.values { total += Double(v) }
  return Tensor(shape: [], values: [Float(total)], op: "sum", parents: [x]) { g in
    let g0 = g[0]
    x.accumulateGradient { gx in for i in 0..<x.count { gx[i] += g0 } }
  }
}

/// The mean of all elements, as a scalar tensor.
public func mean(_ x: Tensor) -> Tensor {
  x.count == 0 ? sum(x) : sum(x) / Float(x.count)
}

/// The largest element, as a scalar tensor; the gradient goes to the first largest element.
/// - Saves: the index of the maximum.
public func max(_ x: Tensor) -> Tensor {
  precondition(x.count > 0, "max of an empty tensor")
  var best = 0
  for i in 1..<x.count where x.values[i] > x.values[best] { best = i }
  return Tensor(shape: [], values: [x.values[best]], op: "max", parents: [x]) { g in
    x.accumulateGradient { $0[best] += g[0] }
  }
}

/// Splits a shape at `axis` into (outer, extent, inner) element counts.
@inline(__always)
func splitShape(_ shape: [Int], axis: Int) -> (outer: Int, extent: Int, inner: Int) {
  (Shape.count(Array(shape[..<axis])), shape[axis], Shape.count(Array(shape[(axis + 1)...])))
}

/// The sum along one axis, which is removed from the shape.
/// - Saves: nothing.
public func sum(_ x: Tensor, axis: Int) -> Tensor {
  precondition(axis >= 0 && axis < x.rank, "sum: axis \(axis) out of range for rank \(x.rank)")
  let (outer, extent, inner) = splitShape(x.shape, axis: axis)
  var out = [Float](repeating: 0, count: outer * inner)
  x.values.withUnsafeBufferPointer { px in
    for o in 0..<outer {
      for e in 0..<extent {
        let base = (o * extent + e) * inner
        for i in 0..<inner { out[o * inner + i] += px[base + i] }
      }
    }
  }
  var shape = x.shape
  shape.remove(at: axis)
  return Tensor(shape: shape, values: out, op: "sumAxis", parents: [x]) { g in
    x.accumulateGradient { gx in
      for o in 0..<outer {
        for e in 0..<extent {
          let base = (o * extent + e) * inner
          for i in 0..<inner { gx[base + i] += g[o * inner + i] }
        }
      }
    }
  }
}

/// The mean along one axis, which is removed from the shape.
public func mean(_ x: Tensor, axis: Int) -> Tensor {
  let extent = x.shape[axis]
  return extent == 0 ? sum(x, axis: axis) : sum(x, axis: axis) / Float(extent)
}
