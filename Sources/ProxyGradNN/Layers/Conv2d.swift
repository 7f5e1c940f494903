import ProxyGradTensor

/// A 2-D convolution: any kernel, stride, padding, dilation and groups (PyTorch's `nn.Conv2d`,
/// ONNX's `Conv`); weight `[out, in/groups, kh, kw]`, bias `[out]` (PyTorch's layout).
public final class Conv2d: Layer {
  public let name: String
  public let kind = "conv"
  public let inputShape: [Int]
  public let outputShape: [Int]
  public let options: ConvOptions
  public let weight: Tensor
  /// `nil` for a convolution without bias (`bias: false`).
  public let bias: Tensor?

  /// A square kernel, one stride, the same padding on every side, with bias.
  /// - Parameters:
  ///   - inputShape: `[C, H, W]` of one item.
  ///   - outputChannels: the number of filters.
  ///   - kernelSize: the side of the square kernel.
  public convenience init(
    name: String, inputShape: [Int], outputChannels: Int, kernelSize: Int, stride: Int,
    padding: Int, rng: inout SplitMix64
  ) {
    self.init(
      name: name, inputShape: inputShape,
      options: ConvOptions(
        outChannels: outputChannels, kernel: Size2d(kernelSize), stride: Size2d(stride),
        padding: Padding2d(padding)),
      rng: &rng)
  }

  /// Any convolution; the caller has checked that the options fit the input (`NetworkBuilder`
  /// does). Weights are He-normal with fan-in `in/groups · kh · kw`, biases zero.
  /// - Parameters:
  ///   - inputShape: `[C, H, W]` of one item.
  public init(name: String, inputShape: [Int], options o: ConvOptions, rng: inout SplitMix64) {
    self.name = name
    self.inputShape = inputShape
    self.options = o
    let c = inputShape[0]
    let oh =
      (inputShape[1] + o.padding.top + o.padding.bottom - o.dilation.height * (o.kernel.height - 1) - 1)
      / o.stride.height + 1
    let ow =
      (inputShape[2] + o.padding.left + o.padding.right - o.dilation.width * (o.kernel.width - 1) - 1)
      / o.stride.width + 1
    outputShape = [o.outChannels, oh, ow]
    let fanIn = c / o.groups * o.kernel.height * o.kernel.width
    weight = heNormal(
      [o.outChannels, c / o.groups, o.kernel.height, o.kernel.width], fanIn: fanIn, rng: &rng)
    bias = o.bias ? zeroBias(o.outChannels) : nil
  }

  /// The kernel's height (its side, for square kernels).
  public var kernelSize: Int { weight.shape[2] }
  /// The vertical stride (the stride, for one stride both ways).
  public var stride: Int { options.stride.height }
  /// The top padding (the padding, for the same padding on every side).
  public var padding: Int { options.padding.top }
  public var parameters: [Tensor] { bias.map { [weight, $0] } ?? [weight] }
  public var parameterNames: [String] { bias == nil ? ["weight"] : ["weight", "bias"] }
  public var summary: String { options.pgsDescription + ")" }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor {
    convolve(x, activation: nil)
  }

  /// The convolution with a Leaky ReLU fused after it.
  func callAsFunction(_ x: Tensor, activation: FusedLeakyReLU) -> Tensor {
    convolve(x, activation: activation)
  }

  private func convolve(_ x: Tensor, activation: FusedLeakyReLU?) -> Tensor {
    conv2d(
      x, weight: weight, bias: bias, stride: options.stride.pair, padding: options.padding,
      dilation: options.dilation.pair, groups: options.groups, activation: activation)
  }
}
