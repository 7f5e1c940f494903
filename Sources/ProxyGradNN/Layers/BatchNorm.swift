import ProxyGradTensor

/// Batch normalization over the channels of `[C, H, W]` items (or the features of `[C]` ones),
/// with PyTorch's parameters, buffers and defaults (`momentum` 0.1, `eps` 1e-5):
/// ```
/// y = weight[c] · (x − mean[c]) / √(var[c] + eps) + bias[c]
/// ```
/// In training mode `mean` and `var` are the batch's, and the running statistics take a step
/// towards them (unbiased variance, as PyTorch). In evaluation mode — evaluation, accuracy,
/// activation maximization, input gradients — they are the running statistics.
///
/// Under a gradient rule the running statistics are updated exactly once per training step,
/// from the ORIGINAL network's batch statistics: by the single pass of `plain` and `swap` (whose
/// forward pass is the original network's) and by the unrecorded value pass of `proxy`. The
/// proxy pass normalizes with its own batch statistics but never updates the running ones.
public final class BatchNorm: Layer {
  public let name: String
  public let kind = "batchnorm"
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  /// The scale γ `[C]`, initially ones.
  public let weight: Tensor
  /// The shift β `[C]`, initially zeros.
  public let bias: Tensor
  /// The running mean `[C]`, initially zeros (a buffer: saved, never trained).
  public let runningMean: Tensor
  /// The running (unbiased) variance `[C]`, initially ones (a buffer).
  public let runningVariance: Tensor
  /// How many training batches updated the running statistics (PyTorch's
  /// `num_batches_tracked`).
  public var batchesTracked: Int = 0
  public let momentum: Float
  public let epsilon: Float

  /// - Parameters:
  ///   - inputShape: `[C, H, W]` or `[C]` of one item.
  public init(name: String, inputShape: [Int], momentum: Float = 0.1, epsilon: Float = 1e-5) {
    precondition(!inputShape.isEmpty, "batch norm needs a channel axis")
    self.name = name
    self.inputShape = inputShape
    self.momentum = momentum
    self.epsilon = epsilon
    let c = inputShape[0]
    weight = Tensor.full([c], value: 1)
    weight.requiresGrad = true
    bias = zeroBias(c)
    runningMean = Tensor.zeros([c])
    runningVariance = Tensor.full([c], value: 1)
  }

  public var parameters: [Tensor] { [weight, bias] }
  public var parameterNames: [String] { ["weight", "bias"] }
  public var buffers: [Tensor] { [runningMean, runningVariance] }
  public var bufferNames: [String] { ["running_mean", "running_var"] }
  public var summary: String { "batchnorm()" }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    self(x, policy: policy, mode: .evaluation)
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    guard mode.isTraining else {
      return batchNorm(
        x, weight: weight, bias: bias, runningMean: runningMean.values,
        runningVariance: runningVariance.values, epsilon: epsilon)
    }
    let (output, statistics) = batchNorm(x, weight: weight, bias: bias, epsilon: epsilon)
    if !policy.isProxyPass { update(with: statistics) }
    return output
  }

  /// Folds one batch's statistics into the running ones and counts the batch.
  public func update(with statistics: BatchStatistics) {
    statistics.update(
      runningMean: &runningMean.values, runningVariance: &runningVariance.values, momentum: momentum)
    batchesTracked += 1
  }
}

extension SlopePolicy {
  /// Whether this pass runs the proxy network (slopes changed in the forward pass too), whose
  /// batch statistics must not reach the running ones.
  var isProxyPass: Bool {
    if case .proxy = mode { return true }
    return false
  }
}
