/// The per-channel statistics of one training-mode batch norm: what a layer needs to update its
/// running statistics.
public struct BatchStatistics: Equatable, Sendable {
  /// The mean of every channel over the batch and the spatial positions.
  public var mean: [Float]
  /// The biased variance (divided by `count`): the one the batch was normalized with.
  public var variance: [Float]
  /// The number of elements per channel, `M = N·H·W`.
  public var count: Int

  public init(mean: [Float], variance: [Float], count: Int) {
    self.mean = mean
    self.variance = variance
    self.count = count
  }

  /// The unbiased variance `variance · M / (M − 1)`, which PyTorch folds into `running_var`
  /// (the biased one when `M = 1`, where the unbiased one is undefined).
  public var unbiasedVariance: [Float] {
    guard count > 1 else { return variance }
    let factor = Float(Double(count) / Double(count - 1))
    return variance.map { $0 * factor }
  }

  /// Folds these statistics into running ones with PyTorch's exponential average:
  /// ```
  /// running_mean = (1 − momentum) · running_mean + momentum · mean
  /// running_var  = (1 − momentum) · running_var  + momentum · unbiased variance
  /// ```
  public func update(runningMean: inout [Float], runningVariance: inout [Float], momentum: Float) {
    precondition(
      runningMean.count == mean.count && runningVariance.count == mean.count,
      "running statistics for \(runningMean.count) channels, batch statistics for \(mean.count)")
    let unbiased = unbiasedVariance
    for c in 0..<mean.count {
      runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c]
      runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * unbiased[c]
    }
  }
}

/// `(batch, channels, plane)` of a `[N, C, ...]` tensor normalized per channel.
private func normalizationGeometry(_ x: Tensor, weight: Tensor, bias: Tensor) -> (Int, Int, Int) {
  precondition(x.rank >= 2, "batchNorm needs [N, C] or [N, C, H, W], got \(Shape.describe(x.shape))")
  let c = x.shape[1]
  precondition(
    weight.shape == [c] && bias.shape == [c],
    "batchNorm weight and bias must be [\(c)], got \(Shape.describe(weight.shape)) and \(Shape.describe(bias.shape))")
  return (x.shape[0], c, Shape.count(Array(x.shape.dropFirst(2))))
}

/// Batch normalization in training mode: every channel is normalized with the statistics of
/// this batch, then scaled and shifted.
///
/// `x [N, C, H, W]` (or `[N, C]`), `weight [C]`, `bias [C]`:
/// ```
/// mean[c] = Σ x / M,  var[c] = Σ (x − mean)² / M          (M = N·H·W, biased)
/// y = weight[c] · (x − mean[c]) / √(var[c] + eps) + bias[c]
/// ```
/// The gradient flows through the batch statistics too.
/// - Returns: the output and the batch statistics (to update running ones).
/// - Saves: input, weight, and the mean and 1/√(var + eps) of every channel (llm.c's "mean and
///   rstd").
public func batchNorm(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float = 1e-5)
  -> (output: Tensor, statistics: BatchStatistics)
{
  let (n, c, l) = normalizationGeometry(x, weight: weight, bias: bias)
  precondition(n * l > 0, "batchNorm in training mode needs at least one element per channel")
  let xv = x.values
  let (mean, variance) = xv.withUnsafeBufferPointer {
    BatchNormKernel.statistics($0.baseAddress!, batch: n, channels: c, plane: l)
  }
  let rstd = BatchNormKernel.reciprocalStandardDeviation(variance, epsilon: epsilon)
  let output = normalizedTensor(
    x, weight: weight, bias: bias, mean: mean, rstd: rstd, geometry: (n, c, l), training: true,
    op: "batchNormTraining")
  return (output, BatchStatistics(mean: mean, variance: variance, count: n * l))
}

/// Batch normalization in evaluation mode: a per-channel affine map with the running statistics,
/// which are constants (no gradient reaches them).
///
/// ```
/// y = weight[c] · (x − runningMean[c]) / √(runningVariance[c] + eps) + bias[c]
/// ```
/// - Saves: input, weight, and the running mean and 1/√(running variance + eps).
public func batchNorm(
  _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: [Float], runningVariance: [Float],
  epsilon: Float = 1e-5
) -> Tensor {
  let (n, c, l) = normalizationGeometry(x, weight: weight, bias: bias)
  precondition(
    runningMean.count == c && runningVariance.count == c, "batchNorm running statistics for \(c) channels")
  let rstd = BatchNormKernel.reciprocalStandardDeviation(runningVariance, epsilon: epsilon)
  return normalizedTensor(
    x, weight: weight, bias: bias, mean: runningMean, rstd: rstd, geometry: (n, c, l), training: false,
    op: "batchNormEvaluation")
}

/// `y = weight·(x − mean)·rstd + bias` as a graph node; in training mode the pullback also
/// differentiates through `mean` and `rstd`.
private func normalizedTensor(
  _ x: Tensor, weight: Tensor, bias: Tensor, mean: [Float], rstd: [Float],
  geometry: (Int, Int, Int), training: Bool, op: String
) -> Tensor {
  let (n, c, l) = geometry
  let gamma = weight.values
  let (scale, shift) = BatchNormKernel.affine(weight: gamma, bias: bias.values, mean: mean, rstd: rstd)
  let xv = x.values
  let out = [Float].uninitialized(x.count) { py in
    xv.withUnsafeBufferPointer { px in
      BatchNormKernel.forward(
        px.baseAddress!, scale: scale, shift: shift, batch: n, channels: c, plane: l, output: py)
    }
  }
  return Tensor(shape: x.shape, values: out, op: op, parents: [x, weight, bias]) { g in
    var gradWeight = [Float](repeating: 0, count: c)
    var gradBias = [Float](repeating: 0, count: c)
    let wantsInput = x.requiresGrad
    func run(_ gradInput: UnsafeMutablePointer<Float>?) {
      xv.withUnsafeBufferPointer { px in
        g.withUnsafeBufferPointer { pg in
          gradWeight.withUnsafeMutableBufferPointer { gw in
            gradBias.withUnsafeMutableBufferPointer { gb in
              BatchNormKernel.backward(
                px.baseAddress!, gradOutput: pg.baseAddress!, mean: mean, rstd: rstd, weight: gamma,
                batch: n, channels: c, plane: l, training: training, gradInput: gradInput,
                gradWeight: gw.baseAddress, gradBias: gb.baseAddress)
            }
          }
        }
      }
    }
    if wantsInput {
      x.accumulateGradient { run($0) }
    } else {
      run(nil)
    }
    if weight.requiresGrad {
      weight.accumulateGradient { ElementwiseKernel.add(gradWeight, into: $0) }
    }
    if bias.requiresGrad {
      bias.accumulateGradient { ElementwiseKernel.add(gradBias, into: $0) }
    }
  }
}
