import ProxyGradTensor

/// The elementwise sum of several nodes of the same shape (ONNX `Add` and `Sum` of two
/// activations, as at the end of a residual block).
public final class GraphAdd: MultiInputLayer {
  public let name: String
  public let kind = "add"
  public let inputShapes: [[Int]]
  public var outputShape: [Int] { inputShapes[0] }
  public var summary: String { "add(\(inputShapes.count) inputs)" }

  /// - Parameters:
  ///   - inputShapes: two or more equal shapes of one item.
  public init(name: String, inputShapes: [[Int]]) {
    precondition(inputShapes.count >= 2 && inputShapes.allSatisfy { $0 == inputShapes[0] }, "add shapes")
    self.name = name
    self.inputShapes = inputShapes
  }

  public func callAsFunction(_ inputs: [Tensor], policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    inputs.dropFirst().reduce(inputs[0]) { $0 + $1 }
  }
}

/// The concatenation of several nodes along one axis of their items (ONNX `Concat` of
/// activations: the branches of an Inception module, a DenseNet's growing feature maps).
public final class GraphConcat: MultiInputLayer {
  public let name: String
  public let kind = "concat"
  public let inputShapes: [[Int]]
  /// The axis of an item (0: channels of `[C, H, W]`).
  public let axis: Int
  public let outputShape: [Int]
  public var summary: String { "concat(\(inputShapes.count) inputs, axis: \(axis))" }

  /// - Parameters:
  ///   - inputShapes: shapes of one item that agree except along `axis`.
  public init(name: String, inputShapes: [[Int]], axis: Int) {
    precondition(!inputShapes.isEmpty && axis >= 0 && axis < inputShapes[0].count, "concat axis")
    self.name = name
    self.inputShapes = inputShapes
    self.axis = axis
    var out = inputShapes[0]
    out[axis] = inputShapes.reduce(0) { $0 + $1[axis] }
    outputShape = out
  }

  public func callAsFunction(_ inputs: [Tensor], policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    inputs.count == 1 ? inputs[0] : concat(inputs, axis: axis + 1)
  }
}

extension Conv2d {
  /// A convolution with the given weight `[out, in/groups, kh, kw]` and bias `[out]` (when the
  /// options have one).
  public convenience init(
    name: String, inputShape: [Int], options: ConvOptions, weight: [Float], bias: [Float]?
  ) {
    var unused = SplitMix64(seed: 0)
    self.init(name: name, inputShape: inputShape, options: options, rng: &unused)
    precondition(weight.count == self.weight.count, "conv weight count")
    self.weight.values = weight
    if let bias, let b = self.bias { b.values = bias }
  }
}

extension Linear {
  /// A fully connected layer with the given weight `[out, in]` and bias `[out]` (zeros when nil).
  public convenience init(name: String, weight: [Float], outputSize: Int, inputSize: Int, bias: [Float]?) {
    var unused = SplitMix64(seed: 0)
    self.init(name: name, inputSize: inputSize, outputSize: outputSize, rng: &unused)
    self.weight.values = weight
    if let bias { self.bias.values = bias }
  }
}
