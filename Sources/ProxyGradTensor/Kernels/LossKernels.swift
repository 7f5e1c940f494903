#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Log-softmax and softmax cross-entropy, stable (each line's maximum is subtracted first).
/// Shapes: log-softmax sees its tensor as [outer, extent, inner] and normalizes along the middle
/// axis (`[N, C]` is outer N, extent C, inner 1); cross-entropy takes logits [N, C] and N labels.
/// Lines run one after another in a fixed order.
enum LossKernel {
  /// y_j = x_j − m − log Σ_k e^(x_k − m) on every line (m its maximum); also p_j = e^(y_j), the
  /// softmax the backward needs.
  static func logSoftmaxForward(_ x: [Float], outer: Int, extent: Int, inner: Int)
    -> (output: [Float], probabilities: [Float])
  {
    var y = [Float](repeating: 0, count: x.count)
    var p = [Float](repeating: 0, count: x.count)
    forEachLine(outer, extent, inner) { at in
      var m = -Float.infinity
      for j in 0..<extent { m = Swift.max(m, x[at(j)]) }
      var total: Float = 0
      for j in 0..<extent { total += expf(x[at(j)] - m) }
      let logTotal = logf(total) + m
      for j in 0..<extent {
        y[at(j)] = x[at(j)] - logTotal
        p[at(j)] = expf(y[at(j)])
      }
    }
    return (y, p)
  }

  /// gradInput_j += g_j − p_j Σ_k g_k on every line, the derivative of y_j = x_j − log Σ_k e^(x_k).
  static func logSoftmaxBackward(
    probabilities p: [Float], gradOutput g: [Float], outer: Int, extent: Int, inner: Int,
    gradInput gx: UnsafeMutablePointer<Float>
  ) {
    forEachLine(outer, extent, inner) { at in
      var total: Float = 0
      for j in 0..<extent { total += g[at(j)] }
      for j in 0..<extent { gx[at(j)] += g[at(j)] - p[at(j)] * total }
    }
  }

  /// p[n, :] = softmax(x[n, :]); loss = −(1/N) Σ_n log p[n, y_n], the sum over rows in Double.
  static func crossEntropyForward(_ x: [Float], labels: [Int], rows n: Int, classes c: Int)
    -> (loss: Float, probabilities: [Float])
  {
    var probabilities = [Float](repeating: 0, count: n * c)
    var loss = 0.0
    for r in 0..<n {
      let row = r * c
      var m = -Float.infinity
      for j in 0..<c { m = Swift.max(m, x[row + j]) }
      var total: Float = 0
      for j in 0..<c {
        let e = expf(x[row + j] - m)
        probabilities[row + j] = e
        total += e
      }
      for j in 0..<c { probabilities[row + j] /= total }
      loss -= Double(x[row + labels[r]] - m - logf(total))
    }
    return (n == 0 ? 0 : Float(loss / Double(n)), probabilities)
  }

  /// gradInput[n, j] += scale · (p[n, j] − [j = y_n]), the derivative of the forward loss times
  /// `scale` = dloss / N.
  static func crossEntropyBackward(
    probabilities p: [Float], labels: [Int], rows n: Int, classes c: Int, scale: Float,
    gradInput gx: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<n {
      let row = r * c
      for j in 0..<c { gx[row + j] += scale * (p[row + j] - (j == labels[r] ? 1 : 0)) }
    }
  }

  /// Calls `body` once per line along the middle axis with a function from position on the line
  /// to flat index, lines in row-major order of (outer, inner).
  @inline(__always)
  private static func forEachLine(
    _ outer: Int, _ extent: Int, _ inner: Int, _ body: ((Int) -> Int) -> Void
  ) {
    for o in 0..<outer {
      for i in 0..<inner { body { j in (o * extent + j) * inner + i } }
    }
  }
}
