import ProxyGradTensor

/// A fully connected layer; weight `[out, in]`, bias `[out]` (PyTorch's layout).
public final class Linear: Layer {
  public let name: String
  public let kind = "linear"
  public let inputShape: [Int]
  public let outputShape: [Int]
  public let weight: Tensor
  public let bias: Tensor

  public init(name: String, inputSize: Int, outputSize: Int, rng: inout SplitMix64) {
    self.name = name
    inputShape = [inputSize]
    outputShape = [outputSize]
    weight = heNormal([outputSize, inputSize], fanIn: inputSize, rng: &rng)
    bias = zeroBias(outputSize)
  }

  public var parameters: [Tensor] { [weight, bias] }
  public var parameterNames: [String] { ["weight", "bias"] }
  public var summary: String { "linear(\(outputShape[0]))" }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    linear(x, weight: weight, bias: bias)
  }
}
