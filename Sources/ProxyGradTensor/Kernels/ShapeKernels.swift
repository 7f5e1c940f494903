/// Copies that move elements between shapes: transposing, slicing, selecting, gathering,
/// concatenating and picking by position. Each backward adds the gradient back to where the
/// forward took the element from.
/// Shapes: an axis splits a shape into (outer, extent, inner) element counts, so element
/// (o, e, i) of a row-major tensor sits at `(o · extent + e) · inner + i`; a matrix is [m, n].
enum ShapeKernel {
  /// y[j, i] = x[i, j] of an [m, n] matrix.
  static func transposeForward(_ x: [Float], rows m: Int, columns n: Int) -> [Float] {
    var out = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n { out[j * m + i] = x[i * n + j] } }
    return out
  }

  /// gradInput[i, j] += gradOutput[j, i].
  static func transposeBackward(
    _ g: [Float], rows m: Int, columns n: Int, gradInput gx: UnsafeMutablePointer<Float>
  ) {
    for i in 0..<m { for j in 0..<n { gx[i * n + j] += g[j * m + i] } }
  }

  /// y = x[start ..< start + count].
  static func sliceForward(_ x: [Float], start: Int, count: Int) -> [Float] {
    Array(x[start..<(start + count)])
  }

  /// gradInput[start + i] += gradOutput[i].
  static func sliceBackward(_ g: [Float], start: Int, gradInput gx: UnsafeMutablePointer<Float>) {
    for i in 0..<g.count { gx[start + i] += g[i] }
  }

  /// y[o, i] = x[o, index, i].
  static func selectForward(_ x: [Float], outer: Int, extent: Int, inner: Int, index: Int)
    -> [Float]
  {
    var out = [Float](repeating: 0, count: outer * inner)
    for o in 0..<outer {
      let base = (o * extent + index) * inner
      for i in 0..<inner { out[o * inner + i] = x[base + i] }
    }
    return out
  }

  /// gradInput[o, index, i] += gradOutput[o, i].
  static func selectBackward(
    _ g: [Float], outer: Int, extent: Int, inner: Int, index: Int,
    gradInput gx: UnsafeMutablePointer<Float>
  ) {
    for o in 0..<outer {
      let base = (o * extent + index) * inner
      for i in 0..<inner { gx[base + i] += g[o * inner + i] }
    }
  }

  /// y[n, i] = x[n, indices[n], i] (outer is the number of indices).
  static func gatherForward(_ x: [Float], indices: [Int], extent: Int, inner: Int) -> [Float] {
    var out = [Float](repeating: 0, count: indices.count * inner)
    for (n, k) in indices.enumerated() {
      let base = (n * extent + k) * inner
      for i in 0..<inner { out[n * inner + i] = x[base + i] }
    }
    return out
  }

  /// gradInput[n, indices[n], i] += gradOutput[n, i].
  static func gatherBackward(
    _ g: [Float], indices: [Int], extent: Int, inner: Int, gradInput gx: UnsafeMutablePointer<Float>
  ) {
    for (n, k) in indices.enumerated() {
      let base = (n * extent + k) * inner
      for i in 0..<inner { gx[base + i] += g[n * inner + i] }
    }
  }

  /// y[o, offset_k + e, i] = x_k[o, e, i], offset_k = Σ_{j<k} extents[j], for inputs all
  /// [outer, extents[k], inner].
  static func concatForward(_ xs: [[Float]], outer: Int, extents: [Int], inner: Int) -> [Float] {
    let total = extents.reduce(0, +)
    return [Float].uninitialized(outer * total * inner) { y in
      var offset = 0
      for (x, extent) in zip(xs, extents) {
        let run = extent * inner
        if run > 0 {
          x.withUnsafeBufferPointer { px in
            for o in 0..<outer {
              (y + (o * total + offset) * inner).update(from: px.baseAddress! + o * run, count: run)
            }
          }
        }
        offset += extent
      }
    }
  }

  /// gradInput_k[o, e, i] += gradOutput[o, offset + e, i] for the input of `extent` at `offset`
  /// along an axis `total` long.
  static func concatBackward(
    _ g: [Float], outer: Int, total: Int, offset: Int, extent: Int, inner: Int,
    gradInput gx: UnsafeMutablePointer<Float>
  ) {
    let run = extent * inner
    for o in 0..<outer {
      let src = (o * total + offset) * inner
      for e in 0..<run { gx[o * run + e] += g[src + e] }
    }
  }

  /// y[k] = x[positions[k]].
  static func pickForward(_ x: [Float], positions: [Int]) -> [Float] {
    var out = [Float](repeating: 0, count: positions.count)
    x.withUnsafeBufferPointer { px in
      for (k, p) in positions.enumerated() { out[k] = px[p] }
    }
    return out
  }

  /// gradInput[positions[k]] += gradOutput[k], in order of k (positions may repeat).
  static func pickBackward(
    _ g: [Float], positions: [Int], gradInput gx: UnsafeMutablePointer<Float>
  ) {
    for (k, p) in positions.enumerated() { gx[p] += g[k] }
  }
}
