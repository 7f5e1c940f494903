import ProxyGradTensor

/// A 2-D convolution with square kernels; weight `[out, in, k, k]`, bias `[out]` (PyTorch's
/// layout).
public final class Conv2d: Layer {
  public let name: String
  public let kind = "conv"
  public let inputShape: [Int]
  public let outputShape: [Int]
  public let stride: Int
  public let padding: Int
  public let weight: Tensor
  public let bias: Tensor

  /// - Parameters:
  ///   - inputShape: `[C, H, W]` of one item.
  ///   - outputChannels: the number of filters.
  ///   - kernelSize: the side of the square kernel.
  public init(
    name: String, inputShape: [Int], outputChannels: Int, kernelSize: Int, stride: Int,
    padding: Int, rng: inout SplitMix64
  ) {
    self.name = name
    self.inputShape = inputShape
    self.stride = stride
    self.padding = padding
    let c = inputShape[0]
    let oh = (inputShape[1] + 2 * padding - kernelSize) / stride + 1
    let ow = (inputShape[2] + 2 * padding - kernelSize) / stride + 1
    outputShape = [outputChannels, oh, ow]
    weight = heNormal(
      [outputChannels, c, kernelSize, kernelSize], fanIn: c * kernelSize * kernelSize, rng: &rng)
    bias = zeroBias(outputChannels)
  }

  public var kernelSize: Int { weight.shape[2] }
  public var parameters: [Tensor] { [weight, bias] }
  public var parameterNames: [String] { ["weight", "bias"] }
  public var summary: String {
    var s = "conv(\(outputShape[0]), \(kernelSize)"
    if stride != 1 { s += ", stride: \(stride)" }
    if padding != 0 { s += ", pad: \(padding)" }
    return s + ")"
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
  }

  /// The convolution with a Leaky ReLU fused after it.
  func callAsFunction(_ x: Tensor, activation: FusedLeakyReLU) -> Tensor {
    conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, activation: activation)
  }
}
