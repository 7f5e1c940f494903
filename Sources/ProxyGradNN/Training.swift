import ProxyGradTensor

/// One training step under a gradient rule: the loss is the original network's softmax
/// cross-entropy, the weight gradient comes from the rule, then the optimizer updates.
///
/// Every pass of the step runs in one training mode (`network.nextTrainingMode()`): batch norm
/// uses batch statistics and dropout the same masks in the original and the proxy pass. The
/// running statistics are updated once, from the original network's pass (see `BatchNorm`).
/// - Parameters:
///   - inputs: a batch `[N] + network.inputShape`.
///   - labels: N class indices.
///   - step, totalSteps: position in the run, for scheduled backward slopes.
/// - Returns: the original network's loss before the update.
@discardableResult
public func trainStep<O: Optimizer>(
  network: Network, inputs: Tensor, labels: [Int], rule: GradientRule, optimizer: inout O,
  step: Int = 0, totalSteps: Int = 1
) -> Float {
  let parameters = network.parameters
  for p in parameters { p.zeroGradient() }
  let mode = network.nextTrainingMode()
  let (value, root) = withGradientRule(
    rule, step: step, totalSteps: totalSteps, ascending: false
  ) { policy in
    softmaxCrossEntropy(network.forward(inputs, policy: policy, mode: mode).output, labels: labels)
  }
  root.backward()
  Autograd.withoutRecording { optimizer.step(parameters) }
  return value.item()
}

/// The fraction of items whose largest logit is their label, evaluated with the original
/// network in batches of `batchSize`.
public func accuracy(network: Network, inputs: Tensor, labels: [Int], batchSize: Int = 256) -> Double {
  let n = inputs.shape[0]
  guard n > 0 else { return 0 }
  var correct = 0
  Autograd.withoutRecording {
    for start in stride(from: 0, to: n, by: batchSize) {
      let range = start..<min(n, start + batchSize)
      let logits = network.forward(inputs.slice(range)).output
      let classes = logits.shape[1]
      for (row, label) in zip(0..<range.count, labels[range]) {
        var best = 0
        for j in 1..<classes where logits.values[row * classes + j] > logits.values[row * classes + best] {
          best = j
        }
        if best == label { correct += 1 }
      }
    }
  }
  return Double(correct) / Double(n)
}
