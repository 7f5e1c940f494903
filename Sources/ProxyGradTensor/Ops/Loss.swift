#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Log-softmax along axis 1 of `[N, C]`, computed stably (max subtracted).
/// - Saves: the softmax probabilities.
public func logSoftmax(_ logits: Tensor) -> Tensor {
  precondition(logits.rank == 2, "logSoftmax needs [N, C]")
  let n = logits.shape[0], c = logits.shape[1]
  var out = [Float](repeating: 0, count: n * c)
  var probabilities = [Float](repeating: 0, count: n * c)
  for r in 0..<n {
    let row = r * c
    var m = -Float.infinity
    for j in 0..<c { m = Swift.max(m, logits.values[row + j]) }
    var total: Float = 0
    for j in 0..<c { total += expf(logits.values[row + j] - m) }
    let logTotal = logf(total) + m
    for j in 0..<c {
      out[row + j] = logits.values[row + j] - logTotal
      probabilities[row + j] = expf(out[row + j])
    }
  }
  return Tensor(shape: logits.shape, values: out, op: "logSoftmax", parents: [logits]) { g in
    // y_j = x_j − log Σ e^x  ⇒  dx_j = g_j − p_j Σ_k g_k
    logits.accumulateGradient { gx in
      for r in 0..<n {
        let row = r * c
        var total: Float = 0
        for j in 0..<c { total += g[row + j] }
        for j in 0..<c { gx[row + j] += g[row + j] - probabilities[row + j] * total }
      }
    }
  }
}

/// Softmax cross-entropy of `[N, C]` logits against class labels, averaged over the batch, fused
/// and numerically stable: `loss = −(1/N) Σ_n log softmax(x_n)[y_n]`.
/// - Saves: the softmax probabilities.
public func softmaxCrossEntropy(_ logits: Tensor, labels: [Int]) -> Tensor {
  precondition(logits.rank == 2 && labels.count == logits.shape[0], "softmaxCrossEntropy shapes")
  let n = logits.shape[0], c = logits.shape[1]
  precondition(labels.allSatisfy { $0 >= 0 && $0 < c }, "label out of range")
  var probabilities = [Float](repeating: 0, count: n * c)
  var loss = 0.0
  for r in 0..<n {
    let row = r * c
    var m = -Float.infinity
    for j in 0..<c { m = Swift.max(m, logits.values[row + j]) }
    var total: Float = 0
    for j in 0..<c {
      let e = expf(logits.values[row + j] - m)
      probabilities[row + j] = e
      total += e
    }
    for j in 0..<c { probabilities[row + j] /= total }
    loss -= Double(logits.values[row + labels[r]] - m - logf(total))
  }
  let mean = n == 0 ? 0 : Float(loss / Double(n))
  return Tensor(shape: [], values: [mean], op: "softmaxCrossEntropy", parents: [logits]) { g in
    // dloss/dx_nj = (p_nj − [j = y_n]) / N
    let scale = g[0] / Float(Swift.max(n, 1))
    logits.accumulateGradient { gx in
      for r in 0..<n {
        let row = r * c
        for j in 0..<c { gx[row + j] += scale * (probabilities[row + j] - (j == labels[r] ? 1 : 0)) }
      }
    }
  }
}
