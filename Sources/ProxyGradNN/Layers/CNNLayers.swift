import ProxyGradTensor

/// Adaptive average pooling to a fixed output size (PyTorch's `AdaptiveAvgPool2d`).
public final class AdaptiveAvgPool2d: Layer {
  public let name: String
  public let kind = "adaptive_avgpool"
  public let inputShape: [Int]
  public let size: Size2d
  public var outputShape: [Int] { [inputShape[0], size.height, size.width] }
  public var summary: String { "adaptive_avgpool(\(size))" }

  /// - Parameters:
  ///   - inputShape: `[C, H, W]` of one item.
  public init(name: String, inputShape: [Int], size: Size2d) {
    self.name = name
    self.inputShape = inputShape
    self.size = size
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    adaptiveAvgPool2d(x, outputSize: size.pair)
  }
}

/// Clip to `[low, high]`; ReLU6 is `[0, 6]`. Below `low` the layer is a line of slope 0 that
/// gradient rules change as they change a ReLU's negative side (`swap(b)`: slope b on the way
/// back; `proxy(b)`: slope b both ways); above `high` the slope stays 0.
public final class Clip: Layer {
  public let name: String
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public let low: Float
  public let high: Float
  public var isReLU6: Bool { low == 0 && high == 6 }
  public var kind: String { isReLU6 ? "relu6" : "clip" }

  public init(name: String, inputShape: [Int], low: Float, high: Float) {
    precondition(low <= high, "clip needs low <= high")
    self.name = name
    self.inputShape = inputShape
    self.low = low
    self.high = high
  }

  public var summary: String {
    isReLU6 ? "relu6()" : "clip(\(formatNumber(Double(low))), \(formatNumber(Double(high))))"
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    let slopes = policy.slopes(layer: name, forwardSlope: 0)
    return clip(
      x, low: low, high: high, forwardSlope: slopes.forward, backwardSlope: slopes.backward)
  }
}

/// An elementwise function without parameters: sigmoid, tanh, or the identity (which also
/// stands for dropout at evaluation in imported networks).
public final class Elementwise: Layer {
  public enum Function: String, Sendable { case sigmoid, tanh, identity }
  public let name: String
  public let function: Function
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var kind: String { function.rawValue }
  public var summary: String { "\(function.rawValue)()" }

  public init(name: String, inputShape: [Int], function: Function) {
    self.name = name
    self.inputShape = inputShape
    self.function = function
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    switch function {
    case .sigmoid: return sigmoid(x)
    case .tanh: return tanh(x)
    case .identity: return x
    }
  }
}

/// Softmax over the first axis of an item: the features of `[C]`, the channels of `[C, H, W]`
/// (PyTorch's `nn.Softmax(dim=1)`).
public final class Softmax: Layer {
  public let name: String
  public let kind = "softmax"
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var summary: String { "softmax()" }

  public init(name: String, inputShape: [Int]) {
    self.name = name
    self.inputShape = inputShape
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor { softmax(x, axis: 1) }
}

/// The same elements of each item in another shape of the same count.
public final class Reshape: Layer {
  public let name: String
  public let kind = "reshape"
  public let inputShape: [Int]
  public let outputShape: [Int]
  public var summary: String { "reshape(\(Shape.describe(outputShape)))" }

  public init(name: String, inputShape: [Int], outputShape: [Int]) {
    precondition(Shape.count(inputShape) == Shape.count(outputShape), "reshape counts")
    self.name = name
    self.inputShape = inputShape
    self.outputShape = outputShape
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    x.reshaped(to: [x.shape[0]] + outputShape)
  }
}

/// Local response normalization across channels (PyTorch's `nn.LocalResponseNorm`; the
/// original InceptionV1 uses it).
public final class LocalResponseNorm: Layer {
  public let name: String
  public let kind = "lrn"
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public let size: Int
  public let alpha: Float
  public let beta: Float
  public let k: Float

  public init(name: String, inputShape: [Int], size: Int, alpha: Float, beta: Float, k: Float) {
    self.name = name
    self.inputShape = inputShape
    self.size = size
    self.alpha = alpha
    self.beta = beta
    self.k = k
  }

  public var summary: String {
    "lrn(\(size), alpha: \(formatNumber(Double(alpha))), beta: \(formatNumber(Double(beta))), k: \(formatNumber(Double(k))))"
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    localResponseNorm(x, size: size, alpha: alpha, beta: beta, k: k)
  }
}

/// Adds, subtracts, multiplies or divides by a constant that broadcasts against each item
/// (input normalization: `sub` the channel means, `div` the standard deviations). The constant
/// is part of the network's definition, not a trained parameter.
public final class ConstantOperation: Layer {
  public let name: String
  public let op: ConstantOp
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  /// The operand: shape without the batch axis, broadcasting against `inputShape`.
  public let constant: Tensor
  public var kind: String { op.rawValue }

  public init(name: String, inputShape: [Int], op: ConstantOp, constant: Tensor) {
    precondition(
      Shape.broadcast(inputShape, constant.shape) == inputShape,
      "constant \(constant.shape) does not broadcast to \(inputShape)")
    self.name = name
    self.inputShape = inputShape
    self.op = op
    self.constant = constant
  }

  public var summary: String {
    constant.count == 1
      ? "\(op.rawValue)(\(formatNumber(Double(constant.values[0]))))"
      : "\(op.rawValue)(\(Shape.describe(constant.shape)) constant)"
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    elementwise(op.binaryOp, x, constant)
  }
}
