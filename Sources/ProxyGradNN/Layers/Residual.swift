import ProxyGradTensor

/// A residual block: `output = block(input) + skip(input)`, where `skip` is the identity, or —
/// for a block built with `project: true` that changes the shape — a 1×1 convolution named
/// `<block>.skip` (with bias, and with the stride that maps the input's size to the block's).
///
/// The block's layers carry full names (`res1.conv1`), so taps, objectives and per-layer slope
/// maps reach them like any other layer. Its parameters and buffers are its layers', named
/// relative to the block (`conv1.weight`; the network prefixes `res1.`).
public final class Residual: MultiInputLayer, CompositeLayer {
  public let name: String
  public let kind = "residual"
  public let inputShape: [Int]
  public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }
  /// The layers of the block, in order.
  public let layers: [any Layer]
  /// The 1×1 convolution on the skip path, when the block changes the shape.
  public let projection: Conv2d?
  /// Whether the block was declared with `project: true`.
  public let project: Bool

  public init(name: String, inputShape: [Int], layers: [any Layer], projection: Conv2d?, project: Bool) {
    self.name = name
    self.inputShape = inputShape
    self.layers = layers
    self.projection = projection
    self.project = project
  }

  /// The block's layers, then the projection.
  public var members: [any Layer] { layers + (projection.map { [$0] } ?? []) }

  public var summary: String {
    let count = layers.count == 1 ? "1 layer" : "\(layers.count) layers"
    return project ? "residual(project: true) { \(count) }" : "residual { \(count) }"
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    self(x, policy: policy, mode: .evaluation)
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    var y = x
    for layer in layers { y = layer(y, policy: policy, mode: mode) }
    return join(input: x, blockOutput: y, policy: policy, mode: mode).output
  }

  /// In a network's graph the block is the node that adds its last layer's output and the skip
  /// path's: inputs `[block output, skip]`.
  public var inputShapes: [[Int]] { [outputShape, outputShape] }

  public func callAsFunction(_ inputs: [Tensor], policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    inputs[0] + inputs[1]
  }

  /// Adds the skip path to the block's output.
  /// - Returns: the sum and the skip path's value (the projection's output, for taps).
  func join(input x: Tensor, blockOutput y: Tensor, policy: SlopePolicy, mode: ForwardMode)
    -> (output: Tensor, skip: Tensor)
  {
    let skip = projection.map { $0(x, policy: policy, mode: mode) } ?? x
    return (y + skip, skip)
  }
}
