import ProxyGradTensor

/// Gradient-based attribution of an objective to the input pixels, under any gradient rule.
/// Every method returns one number per input element, shaped like the input batch
/// `[N] + inputShape`. The rule's step is 0 (so `redirect` and `open_relu` are active).
///
/// - saliency: `|∂f/∂x|` (Simonyan et al. 2014; Captum `Saliency`, `abs=True`).
/// - gradient × input: `x ⊙ ∂f/∂x` (Captum `InputXGradient`).
/// - SmoothGrad: the mean of `∂f/∂x` at `n` copies of x with Gaussian noise of standard
///   deviation σ (Smilkov et al. 2017; Captum `NoiseTunnel(..., nt_type="smoothgrad")`).
/// - integrated gradients: `(x − x′) ⊙ (1/S) Σ_k ∂f/∂x (x′ + α_k (x − x′))` with midpoints
///   `α_k = (k + ½)/S` (Sundararajan et al. 2017; Captum `IntegratedGradients`,
///   `method="riemann_middle"`). With the plain rule the attributions of an item add up to
///   `f(x) − f(x′)` up to the Riemann error (completeness).
public enum Attribution {
  public static func gradient(
    _ objective: Objective, network: Network, input x: Tensor, rule: GradientRule
  ) -> [Float] {
    inputGradient(objective, network: network, input: x, rule: rule).gradient
  }

  public static func saliency(
    _ objective: Objective, network: Network, input x: Tensor, rule: GradientRule, absolute: Bool = true
  ) -> [Float] {
    let g = gradient(objective, network: network, input: x, rule: rule)
    return absolute ? g.map { Swift.abs($0) } : g
  }

  public static func gradientTimesInput(
    _ objective: Objective, network: Network, input x: Tensor, rule: GradientRule
  ) -> [Float] {
    zip(gradient(objective, network: network, input: x, rule: rule), x.values).map { $0 * $1 }
  }

  /// - Parameters:
  ///   - samples: noisy copies, each drawn from its own stream of `seed`.
  public static func smoothGrad(
    _ objective: Objective, network: Network, input x: Tensor, rule: GradientRule,
    samples: Int, sigma: Double, seed: UInt64
  ) -> [Float] {
    var total = [Double](repeating: 0, count: x.count)
    for s in 0..<samples {
      var rng = SplitMix64(seed: seed).derived(UInt64(s) &+ 1)
      let noisy = x.values.map { $0 + Float(sigma) * rng.nextNormal() }
      let g = gradient(objective, network: network, input: Tensor(shape: x.shape, values: noisy), rule: rule)
      for i in 0..<total.count { total[i] += Double(g[i]) }
    }
    return total.map { Float($0 / Double(max(samples, 1))) }
  }

  /// - Parameters:
  ///   - baseline: `x′`, shaped like `x` or like one item of it.
  public static func integratedGradients(
    _ objective: Objective, network: Network, input x: Tensor, baseline: Tensor, steps: Int,
    rule: GradientRule
  ) -> [Float] {
    let b = (0..<x.count).map { baseline.values[$0 % baseline.count] }
    let difference = zip(x.values, b).map { $0 - $1 }
    var total = [Double](repeating: 0, count: x.count)
    for k in 0..<steps {
      let alpha = (Float(k) + 0.5) / Float(steps)
      let point = zip(b, difference).map { $0 + alpha * $1 }
      let g = gradient(objective, network: network, input: Tensor(shape: x.shape, values: point), rule: rule)
      for i in 0..<total.count { total[i] += Double(g[i]) }
    }
    return (0..<x.count).map { Float(Double(difference[$0]) * total[$0] / Double(max(steps, 1))) }
  }
}

/// Colour maps that turn an attribution map into an RGB image in [−1, 1] (the range images
/// are drawn in), optionally over the input.
public enum AttributionColor {
  public enum Map: String, Sendable, CaseIterable {
    /// Signed: blue (negative), white (0), red (positive), symmetric about 0.
    case diverging
    /// |a|: white (0) to red (largest).
    case magnitude
  }

  /// Colours `[N, C, H, W]` (or `[C, H, W]`, `[H, W]`) attribution: the channels are summed,
  /// each item is scaled by its largest |value|, then coloured. With `over` (the input images,
  /// 1 or 3 channels in [−1, 1]), the colour is laid over the input's grey level with opacity
  /// `alpha · |t|`, so unattributed pixels show the input.
  /// - Returns: `[N, 3, H, W]`, or `[3, H, W]` for a single image.
  public static func render(_ a: Tensor, map: Map, over: Tensor?, alpha: Float) -> Tensor {
    let (n, c, h, w) = dims(a.shape)
    let plane = h * w
    var out = [Float](repeating: 0, count: n * 3 * plane)
    for item in 0..<n {
      var summed = [Float](repeating: 0, count: plane)
      for ch in 0..<c {
        for i in 0..<plane { summed[i] += a.values[(item * c + ch) * plane + i] }
      }
      let scale = summed.reduce(0) { max($0, Swift.abs($1)) }
      for i in 0..<plane {
        let t = scale > 0 ? summed[i] / scale : 0
        var rgb: (Float, Float, Float)
        switch map {
        case .diverging: rgb = t >= 0 ? (1, 1 - t, 1 - t) : (1 + t, 1 + t, 1)
        case .magnitude: rgb = (1, 1 - Swift.abs(t), 1 - Swift.abs(t))
        }
        if let over {
          let (_, oc, _, _) = dims(over.shape)
          let item0 = over.shape.count == 4 ? item : 0
          var grey: Float = 0
          for ch in 0..<oc { grey += over.values[(item0 * oc + ch) * plane + i] }
          grey = (min(max(grey / Float(oc), -1), 1) + 1) / 2
          let opacity = alpha * Swift.abs(t)
          rgb = (
            (1 - opacity) * grey + opacity * rgb.0, (1 - opacity) * grey + opacity * rgb.1,
            (1 - opacity) * grey + opacity * rgb.2
          )
        }
        out[(item * 3 + 0) * plane + i] = 2 * rgb.0 - 1
        out[(item * 3 + 1) * plane + i] = 2 * rgb.1 - 1
        out[(item * 3 + 2) * plane + i] = 2 * rgb.2 - 1
      }
    }
    return Tensor(shape: a.shape.count == 4 ? [n, 3, h, w] : [3, h, w], values: out)
  }

  /// (N, C, H, W) of `[H, W]`, `[C, H, W]` or `[N, C, H, W]`.
  public static func dims(_ shape: [Int]) -> (Int, Int, Int, Int) {
    switch shape.count {
    case 2: return (1, 1, shape[0], shape[1])
    case 3: return (1, shape[0], shape[1], shape[2])
    default: return (shape[0], shape[1], shape[2], shape[3])
    }
  }
}
