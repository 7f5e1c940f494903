// Shape letters: an axis splits a shape into (outer, extent, inner) element counts, so element
// (o, e, i) of a row-major tensor sits at `(o * extent + e) * inner + i`.

extension Tensor {
  /// Elements picked by their flat positions: `out[k] = x[positions[k]]`, in `shape`. Every
  /// selection below (slicing, gathering, sorting, max along an axis) is this one primitive with
  /// positions computed ahead.
  ///
  /// ```
  /// forward:  y[k] = x[p_k]
  /// backward: dx[p_k] += dy[k]     (positions may repeat; added in order of k)
  /// ```
  /// - Saves: the positions.
  public func picking(positions: [Int], shape newShape: [Int], op name: String = "pick") -> Tensor {
    precondition(positions.count == Shape.count(newShape), "picking: \(positions.count) positions for shape \(newShape)")
    let x = self
    let n = x.count
    for p in positions { precondition(p >= 0 && p < n, "picking: position \(p) out of range") }
    let out = ShapeKernel.pickForward(x.values, positions: positions)
    return Tensor(shape: newShape, values: out, op: name, parents: [x]) { g in
      x.accumulateGradient { ShapeKernel.pickBackward(g, positions: positions, gradInput: $0) }
    }
  }

  /// Orthogonal selection: for every axis the indices to take from it, in order (repeats
  /// allowed); the result has shape `indices.map(\.count)`. `x.taking([[0, 1], [3]])` of a
  /// `[4, 5]` matrix is `[[x03], [x13]]`. A composition (`picking` with positions computed
  /// here), no kernel of its own.
  /// - Saves: the flat positions.
  public func taking(_ indices: [[Int]]) -> Tensor {
    precondition(indices.count == rank, "taking: one index list per axis")
    var strides = [Int](repeating: 1, count: rank)
    for axis in stride(from: rank - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
    var positions = [0]
    for axis in 0..<rank {
      precondition(indices[axis].allSatisfy { $0 >= 0 && $0 < shape[axis] }, "taking: index out of range on axis \(axis)")
      let offsets = indices[axis].map { $0 * strides[axis] }
      var next: [Int] = []
      next.reserveCapacity(positions.count * offsets.count)
      for base in positions { for offset in offsets { next.append(base + offset) } }
      positions = next
    }
    return picking(positions: positions, shape: indices.map(\.count), op: "take")
  }

  /// For each line along `axis`, the elements at `order[line]` (one list of indices per line,
  /// all of one length `k`): the axis becomes `k` long. Sorting and top-k take their values
  /// this way, so the gradient goes to the elements chosen. A composition (`picking`), no
  /// kernel of its own.
  /// - Saves: the flat positions.
  public func takingAlong(axis: Int, order: [[Int]]) -> Tensor {
    precondition(axis >= 0 && axis < rank, "takingAlong: axis")
    let (outer, extent, inner) = splitShape(shape, axis: axis)
    precondition(order.count == outer * inner, "takingAlong: one order per line")
    let k = order.first?.count ?? 0
    var positions = [Int](repeating: 0, count: outer * k * inner)
    for o in 0..<outer {
      for i in 0..<inner {
        let line = order[o * inner + i]
        precondition(line.count == k && line.allSatisfy { $0 >= 0 && $0 < extent }, "takingAlong: order")
        for (j, e) in line.enumerated() { positions[(o * k + j) * inner + i] = (o * extent + e) * inner + i }
      }
    }
    var newShape = shape
    newShape[axis] = k
    return picking(positions: positions, shape: newShape, op: "takeAlong")
  }

  /// The lines along `axis` as arrays of values, line `o * inner + i` for outer `o` and inner `i`.
  public func lines(axis: Int) -> [[Float]] {
    let (outer, extent, inner) = splitShape(shape, axis: axis)
    var out: [[Float]] = []
    out.reserveCapacity(outer * inner)
    for o in 0..<outer {
      for i in 0..<inner { out.append((0..<extent).map { values[(o * extent + $0) * inner + i] }) }
    }
    return out
  }
}

/// The index of the largest (or smallest) element of every line along `axis`; the first one on
/// ties, and NaN counts as largest (as in PyTorch).
public func argExtremum(_ x: Tensor, axis: Int, largest: Bool) -> [Int] {
  x.lines(axis: axis).map { line in
    var best = 0
    for j in 1..<Swift.max(line.count, 1) {
      let a = line[j], b = line[best]
      if b.isNaN { break }
      if a.isNaN || (largest ? a > b : a < b) { best = j }
    }
    return best
  }
}

/// The largest (or smallest) element along `axis`, which is removed; the gradient goes to the
/// first extreme element of each line. A composition (`takingAlong`, `reshaped`), no kernel of
/// its own.
/// - Saves: the positions of the extremes.
public func extremum(_ x: Tensor, axis: Int, largest: Bool) -> Tensor {
  let best = argExtremum(x, axis: axis, largest: largest)
  var shape = x.shape
  shape.remove(at: axis)
  return x.takingAlong(axis: axis, order: best.map { [$0] }).reshaped(to: shape)
}

/// Stacks equally shaped tensors along a new axis at position `axis`: a composition
/// (`reshaped`, `concat`), no kernel of its own.
public func stack(_ xs: [Tensor], axis: Int) -> Tensor {
  precondition(!xs.isEmpty && xs.allSatisfy { $0.shape == xs[0].shape }, "stack shapes")
  precondition(axis >= 0 && axis <= xs[0].rank, "stack: axis")
  return concat(xs.map { x in
    var shape = x.shape
    shape.insert(1, at: axis)
    return x.reshaped(to: shape)
  }, axis: axis)
}

/// For every line along `axis`, the order that sorts it (stable; NaN last ascending, first
/// descending).
public func sortOrder(_ x: Tensor, axis: Int, descending: Bool) -> [[Int]] {
  x.lines(axis: axis).map { line in
    Array(line.indices).sorted { a, b in
      let u = line[a], v = line[b]
      if u.isNaN || v.isNaN {
        if u.isNaN && v.isNaN { return a < b }
        return descending ? u.isNaN : v.isNaN
      }
      if u != v { return descending ? u > v : u < v }
      return a < b
    }
  }
}
