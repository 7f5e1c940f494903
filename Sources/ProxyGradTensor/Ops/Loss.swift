/// Log-softmax along axis 1 of `[N, C]`, computed stably (max subtracted).
///
/// ```
/// forward:  y_j = x_j − m − log Σ_k e^(x_k − m)      (m = max_k x_k)
/// backward: dx_j = dy_j − p_j Σ_k dy_k               (p = e^y, the softmax)
/// ```
/// `logSoftmax(x, axis: 1)` computes the same numbers.
/// - Saves: the softmax probabilities.
public func logSoftmax(_ logits: Tensor) -> Tensor {
  precondition(logits.rank == 2, "logSoftmax needs [N, C]")
  let n = logits.shape[0], c = logits.shape[1]
  let (y, probabilities) = LossKernel.logSoftmaxForward(logits.values, outer: n, extent: c, inner: 1)
  return Tensor(shape: logits.shape, values: y, op: "logSoftmax", parents: [logits]) { g in
    logits.accumulateGradient { gx in
      LossKernel.logSoftmaxBackward(
        probabilities: probabilities, gradOutput: g, outer: n, extent: c, inner: 1, gradInput: gx)
    }
  }
}

/// Log-softmax along `axis`, computed stably.
///
/// ```
/// forward:  y_j = x_j − m − log Σ_k e^(x_k − m)      (m = max_k x_k along the axis)
/// backward: dx_j = dy_j − p_j Σ_k dy_k               (p = e^y, the softmax)
/// ```
/// - Saves: the softmax probabilities.
public func logSoftmax(_ x: Tensor, axis: Int) -> Tensor {
  let (outer, extent, inner) = splitShape(x.shape, axis: axis)
  let (y, probabilities) = LossKernel.logSoftmaxForward(
    x.values, outer: outer, extent: extent, inner: inner)
  return Tensor(shape: x.shape, values: y, op: "logSoftmaxAxis", parents: [x]) { g in
    x.accumulateGradient { gx in
      LossKernel.logSoftmaxBackward(
        probabilities: probabilities, gradOutput: g, outer: outer, extent: extent, inner: inner,
        gradInput: gx)
    }
  }
}

/// Softmax cross-entropy of `[N, C]` logits against class labels, averaged over the batch, fused
/// and numerically stable.
///
/// ```
/// forward:  loss = −(1/N) Σ_n log softmax(x_n)[y_n]
/// backward: dx[n, j] = dloss · (p[n, j] − [j = y_n]) / N
/// ```
/// - Saves: the softmax probabilities and the labels.
public func softmaxCrossEntropy(_ logits: Tensor, labels: [Int]) -> Tensor {
  precondition(logits.rank == 2 && labels.count == logits.shape[0], "softmaxCrossEntropy shapes")
  let n = logits.shape[0], c = logits.shape[1]
  precondition(labels.allSatisfy { $0 >= 0 && $0 < c }, "label out of range")
  let (loss, probabilities) = LossKernel.crossEntropyForward(
    logits.values, labels: labels, rows: n, classes: c)
  return Tensor(shape: [], values: [loss], op: "softmaxCrossEntropy", parents: [logits]) { g in
    let scale = g[0] / Float(Swift.max(n, 1))
    logits.accumulateGradient { gx in
      LossKernel.crossEntropyBackward(
        probabilities: probabilities, labels: labels, rows: n, classes: c, scale: scale,
        gradInput: gx)
    }
  }
}
