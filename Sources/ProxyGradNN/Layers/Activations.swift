import ProxyGradTensor

/// A Leaky ReLU with the network's own (forward) slope; ReLU is slope 0. The slopes actually
/// used in a pass come from the `SlopePolicy`, which is how gradient rules reach every layer.
public final class LeakyReLU: Layer {
  public let name: String
  public let forwardSlope: Float
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var kind: String { forwardSlope == 0 ? "relu" : "leaky" }

  public init(name: String, inputShape: [Int], forwardSlope: Float) {
    self.name = name
    self.inputShape = inputShape
    self.forwardSlope = forwardSlope
  }

  public var summary: String {
    forwardSlope == 0 ? "relu()" : "leaky(\(formatNumber(Double(forwardSlope))))"
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    policy.activate(x, layer: name, forwardSlope: forwardSlope)
  }

  /// This activation's slopes in a pass, to fuse into the convolution before it; `nil` when the
  /// pass's forward slope is negative or the pass redirects.
  func fused(policy: SlopePolicy) -> FusedLeakyReLU? {
    if policy.redirects, forwardSlope == 0 { return nil }
    let slopes = policy.slopes(layer: name, forwardSlope: forwardSlope)
    return FusedLeakyReLU(forwardSlope: slopes.forward, backwardSlope: slopes.backward)
  }
}

/// Max or average pooling: square unpadded windows, or any window, stride, padding, dilation
/// (max), ceil mode and divisor rule (average), as `PoolOptions` says.
public final class Pool2d: Layer {
  public enum Mode: Sendable, Codable { case max, average }
  public let name: String
  public let options: PoolOptions
  public let inputShape: [Int]
  public let outputShape: [Int]
  public var mode: Mode { options.mode }
  public var kind: String { mode == .max ? "maxpool" : "avgpool" }
  /// The window's height (its side, for square windows).
  public var kernelSize: Int { options.kernel.height }
  /// The vertical stride (the stride, for square windows).
  public var stride: Int { options.stride.height }

  public convenience init(name: String, mode: Mode, inputShape: [Int], kernelSize: Int, stride: Int) {
    self.init(
      name: name, inputShape: inputShape,
      options: PoolOptions(mode: mode, kernel: Size2d(kernelSize), stride: Size2d(stride)))
  }

  /// Any pooling; the caller has checked that the options fit the input (`NetworkBuilder` does).
  /// - Parameters:
  ///   - inputShape: `[C, H, W]` of one item.
  public init(name: String, inputShape: [Int], options o: PoolOptions) {
    self.name = name
    self.options = o
    self.inputShape = inputShape
    outputShape = [
      inputShape[0],
      poolOutputSize(
        inputShape[1], o.kernel.height, o.stride.height, o.padding.top, o.padding.bottom,
        o.dilation.height, o.ceilMode),
      poolOutputSize(
        inputShape[2], o.kernel.width, o.stride.width, o.padding.left, o.padding.right,
        o.dilation.width, o.ceilMode),
    ]
  }

  public var summary: String { options.pgsDescription + ")" }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    let o = options
    if o.isSquare {
      return mode == .max
        ? maxPool2d(x, kernel: o.kernel.height, stride: o.stride.height)
        : avgPool2d(x, kernel: o.kernel.height, stride: o.stride.height)
    }
    return mode == .max
      ? maxPool2d(
        x, kernel: o.kernel.pair, stride: o.stride.pair, padding: o.padding,
        dilation: o.dilation.pair, ceilMode: o.ceilMode)
      : avgPool2d(
        x, kernel: o.kernel.pair, stride: o.stride.pair, padding: o.padding, ceilMode: o.ceilMode,
        countIncludePad: o.countIncludePad)
  }
}

/// PyTorch's pooling output size: `⌊(I + P0 + P1 − D·(K − 1) − 1) / S⌋ + 1`, rounded up in ceil
/// mode unless the last window would start past the image and its leading padding; 0 when the
/// window does not fit.
func poolOutputSize(_ size: Int, _ k: Int, _ s: Int, _ p0: Int, _ p1: Int, _ d: Int, _ ceil: Bool)
  -> Int
{
  let span = size + p0 + p1 - d * (k - 1) - 1
  guard span >= 0 else { return 0 }
  var out = (span + (ceil ? s - 1 : 0)) / s + 1
  if ceil && (out - 1) * s >= size + p0 { out -= 1 }
  return out
}

/// `[N, ...]` → `[N, product]`.
public final class Flatten: Layer {
  public let name: String
  public let kind = "flatten"
  public let inputShape: [Int]
  public var outputShape: [Int] { [inputShape.reduce(1, *)] }
  public var summary: String { "flatten()" }

  public init(name: String, inputShape: [Int]) {
    self.name = name
    self.inputShape = inputShape
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor { x.flattened() }
}
