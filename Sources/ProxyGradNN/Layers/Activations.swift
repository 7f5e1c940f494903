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

/// Max or average pooling over square windows.
public final class Pool2d: Layer {
  public enum Mode: Sendable { case max, average }
  public let name: String
  public let mode: Mode
  public let kernelSize: Int
  public let stride: Int
  public let inputShape: [Int]
  public let outputShape: [Int]
  public var kind: String { mode == .max ? "maxpool" : "avgpool" }

  public init(name: String, mode: Mode, inputShape: [Int], kernelSize: Int, stride: Int) {
    self.name = name
    self.mode = mode
    self.inputShape = inputShape
    self.kernelSize = kernelSize
    self.stride = stride
    outputShape = [
      inputShape[0], (inputShape[1] - kernelSize) / stride + 1,
      (inputShape[2] - kernelSize) / stride + 1,
    ]
  }

  public var summary: String {
    let base = mode == .max ? "maxpool" : "avgpool"
    return stride == kernelSize ? "\(base)(\(kernelSize))" : "\(base)(\(kernelSize), stride: \(stride))"
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    mode == .max
      ? maxPool2d(x, kernel: kernelSize, stride: stride)
      : avgPool2d(x, kernel: kernelSize, stride: stride)
  }
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
