import ProxyGradTensor

/// One path of a `Concat`: layers applied in order to the concatenation's input.
public final class Branch: CompositeLayer {
  public let name: String
  public let kind = "branch"
  public let inputShape: [Int]
  public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }
  /// The layers of the branch, in order (full names: `inc1.branch2.conv1`).
  public let layers: [any Layer]

  public init(name: String, inputShape: [Int], layers: [any Layer]) {
    self.name = name
    self.inputShape = inputShape
    self.layers = layers
  }

  public var members: [any Layer] { layers }
  public var summary: String { "branch { \(layers.count == 1 ? "1 layer" : "\(layers.count) layers") }" }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    self(x, policy: policy, mode: .evaluation)
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    var y = x
    for layer in layers { y = layer(y, policy: policy, mode: mode) }
    return y
  }
}

/// Branches applied to the same input, their outputs joined along the channels (the features
/// of flat items): an Inception block, a SqueezeNet fire module's expand layers, a DenseNet
/// layer with an `identity()` branch. PyTorch's `torch.cat([b(x) for b in branches], dim=1)`.
public final class Concat: CompositeLayer {
  public let name: String
  public let kind = "concat"
  public let inputShape: [Int]
  public let outputShape: [Int]
  public let branches: [Branch]

  /// - Parameters:
  ///   - branches: outputs that agree on every axis but the first.
  public init(name: String, inputShape: [Int], branches: [Branch]) {
    precondition(!branches.isEmpty, "concat needs a branch")
    self.name = name
    self.inputShape = inputShape
    self.branches = branches
    var shape = branches[0].outputShape
    shape[0] = branches.reduce(0) { $0 + $1.outputShape[0] }
    outputShape = shape
  }

  public var members: [any Layer] { branches }
  public var summary: String { "concat { \(branches.count) branches }" }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    self(x, policy: policy, mode: .evaluation)
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    concat(branches.map { $0(x, policy: policy, mode: mode) }, axis: 1)
  }
}
