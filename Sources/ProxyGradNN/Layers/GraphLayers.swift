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

/// Each item's elements in another shape with the same number of elements (ONNX `Reshape` with a
/// constant shape that keeps the batch axis).
public final class GraphReshape: Layer {
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

/// Global average pooling that keeps the spatial axes: `[C, H, W]` → `[C, 1, 1]` (ONNX
/// `GlobalAveragePool`, and `ReduceMean` over the two spatial axes with `keepdims`).
public final class GraphSpatialMean: Layer {
  public let name: String
  public let kind = "gap"
  public let inputShape: [Int]
  public var outputShape: [Int] { [inputShape[0], 1, 1] }
  public var summary: String { "gap(keepdims)" }

  public init(name: String, inputShape: [Int]) {
    precondition(inputShape.count == 3, "global average pooling needs [C, H, W]")
    self.name = name
    self.inputShape = inputShape
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    globalAveragePool(x).reshaped(to: [x.shape[0], inputShape[0], 1, 1])
  }
}

extension Conv2d {
  /// A convolution with the given weight `[out, in, k, k]` and bias `[out]` (zeros when nil).
  public convenience init(
    name: String, inputShape: [Int], weight: [Float], weightShape: [Int], bias: [Float]?,
    stride: Int, padding: Int
  ) {
    precondition(weightShape.count == 4 && weightShape[2] == weightShape[3], "square kernel")
    var unused = SplitMix64(seed: 0)
    self.init(
      name: name, inputShape: inputShape, outputChannels: weightShape[0], kernelSize: weightShape[2],
      stride: stride, padding: padding, rng: &unused)
    self.weight.values = weight
    if let bias { self.bias.values = bias }
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
