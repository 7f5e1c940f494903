import ProxyGradTensor

/// One named step of a network. Layers are thin: they hold parameters and call an op.
public protocol Layer: AnyObject {
  /// The unique name inside its network (`conv1`, `feat`).
  var name: String { get }
  /// The layer's kind: `conv`, `linear`, `relu`, `leaky`, `maxpool`, `avgpool`, `flatten`.
  var kind: String { get }
  /// The shape of one item entering the layer (no batch axis).
  var inputShape: [Int] { get }
  /// The shape of one item leaving the layer (no batch axis).
  var outputShape: [Int] { get }
  /// Trainable tensors, in a fixed order matching `parameterNames`.
  var parameters: [Tensor] { get }
  /// PyTorch-style names of the parameters (`weight`, `bias`).
  var parameterNames: [String] { get }
  /// Applies the layer to a batch; activations ask `policy` for their slopes.
  func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor
  /// A short description of the hyper-parameters: `conv(16, 3, pad: 1)`.
  var summary: String { get }
}

extension Layer {
  public var parameters: [Tensor] { [] }
  public var parameterNames: [String] { [] }
  /// The number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// He (Kaiming) normal initialisation: N(0, 2 / fanIn).
func heNormal(_ shape: [Int], fanIn: Int, rng: inout SplitMix64) -> Tensor {
  let std = Float((2.0 / Double(max(fanIn, 1))).squareRoot())
  let t = Tensor.normal(shape, mean: 0, std: std, rng: &rng)
  t.requiresGrad = true
  return t
}

/// A bias of zeros that requires gradients.
func zeroBias(_ count: Int) -> Tensor {
  let t = Tensor.zeros([count])
  t.requiresGrad = true
  return t
}
