import ProxyGradTensor

/// The outcome of comparing backpropagated gradients with central finite differences.
public struct GradientCheck: CustomStringConvertible {
  /// The largest `|analytic − numeric| / (absolute + relative · max magnitude)` seen; ≤ 1 passes.
  public var worstRatio: Double
  /// Where the worst element was: input index and element index.
  public var worst: (input: Int, element: Int, analytic: Double, numeric: Double)
  public var passed: Bool { worstRatio <= 1 }
  public var description: String {
    "worst ratio \(worstRatio) at input \(worst.input)[\(worst.element)]: "
      + "analytic \(worst.analytic), numeric \(worst.numeric)"
  }
}

/// Checks the gradient of `f` at `inputs` against central differences.
///
/// The scalar checked is `Σ f(inputs) · r` with a fixed random `r`, so every output element
/// contributes with its own weight. Differences are taken in Double from Float evaluations.
/// - Parameters:
///   - inputs: the point; each becomes a leaf that requires gradients.
///   - step: the finite-difference step `h`.
public func checkGradients(
  _ inputs: [Tensor], step h: Float = 1e-2, relativeTolerance: Double = 1e-2,
  absoluteTolerance: Double = 1e-3, seed: UInt64 = 7, _ f: ([Tensor]) -> Tensor
) -> GradientCheck {
  let leaves = inputs.map { Tensor(shape: $0.shape, values: $0.values, requiresGrad: true) }
  let output = f(leaves)
  var rng = SplitMix64(seed: seed)
  let weights = Tensor.uniform(output.shape, low: -1, high: 1, rng: &rng)
  sum(output * weights).backward()

  func objective(_ xs: [Tensor]) -> Double {
    Autograd.withoutRecording {
      let y = f(xs)
      return zip(y.values, weights.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
  }
  var result = GradientCheck(worstRatio: 0, worst: (0, 0, 0, 0))
  for (k, leaf) in leaves.enumerated() {
    let analytic = leaf.grad ?? [Float](repeating: 0, count: leaf.count)
    for i in 0..<leaf.count {
      var plus = inputs.map { $0.detached() }
      var minus = inputs.map { $0.detached() }
      plus[k].values[i] += h
      minus[k].values[i] -= h
      let numeric = (objective(plus) - objective(minus)) / (2 * Double(h))
      let a = Double(analytic[i])
      let ratio =
        Swift.abs(a - numeric)
        / (absoluteTolerance + relativeTolerance * Swift.max(Swift.abs(a), Swift.abs(numeric)))
      if ratio > result.worstRatio {
        result = GradientCheck(worstRatio: ratio, worst: (k, i, a, numeric))
      }
      plus = []
      minus = []
    }
  }
  return result
}

/// A random tensor with values in `[low, high)` from a fixed seed.
public func randomTensor(_ shape: [Int], low: Float = -1, high: Float = 1, seed: UInt64) -> Tensor {
  var rng = SplitMix64(seed: seed)
  return Tensor.uniform(shape, low: low, high: high, rng: &rng)
}
