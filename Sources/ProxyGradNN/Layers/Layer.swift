import ProxyGradTensor

/// One named step of a network. Layers are thin: they hold parameters and call an op.
public protocol Layer: AnyObject {
  /// The unique full name inside its network (`conv1`, `feat`; `res1.conv1` inside a block).
  var name: String { get }
  /// The layer's kind: `conv`, `linear`, `relu`, `leaky`, `maxpool`, `avgpool`, `flatten`,
  /// `batchnorm`, `gap`, `dropout`, `residual`, `adaptive_avgpool`, `relu6`, `clip`, `sigmoid`,
  /// `tanh`, `identity`, `softmax`, `reshape`, `lrn`, `add`, `sub`, `mul`, `div`, `concat`,
  /// `branch`.
  var kind: String { get }
  /// The shape of one item entering the layer (no batch axis).
  var inputShape: [Int] { get }
  /// The shape of one item leaving the layer (no batch axis).
  var outputShape: [Int] { get }
  /// Trainable tensors, in a fixed order matching `parameterNames`.
  var parameters: [Tensor] { get }
  /// PyTorch-style names of the parameters (`weight`, `bias`).
  var parameterNames: [String] { get }
  /// Tensors saved with the weights but never trained (batch norm's running statistics), in a
  /// fixed order matching `bufferNames`.
  var buffers: [Tensor] { get }
  /// PyTorch-style names of the buffers (`running_mean`).
  var bufferNames: [String] { get }
  /// Applies the layer to a batch in evaluation mode; activations ask `policy` for their slopes.
  func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor
  /// Applies the layer to a batch in `mode`. Only layers that behave differently in training
  /// (batch norm, dropout, blocks holding them) implement it; the others run as in evaluation.
  func callAsFunction(_ x: Tensor, policy: SlopePolicy, mode: ForwardMode) -> Tensor
  /// A short description of the hyper-parameters: `conv(16, 3, pad: 1)`.
  var summary: String { get }
}

extension Layer {
  public var parameters: [Tensor] { [] }
  public var parameterNames: [String] { [] }
  public var buffers: [Tensor] { [] }
  public var bufferNames: [String] { [] }
  public func callAsFunction(_ x: Tensor, policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    self(x, policy: policy)
  }
  /// The number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// A layer made of layers (a branch, a concat, a residual block) whose full names start with
/// its own and a dot. Its parameters and buffers are its members', named relative to it
/// (`conv1.weight`; the network prefixes the composite's name).
public protocol CompositeLayer: Layer {
  /// The layers whose parameters and buffers are the composite's, in order.
  var members: [any Layer] { get }
}

extension CompositeLayer {
  /// A member's name without the composite's prefix: `res1.conv1` → `conv1`.
  func relativeName(_ layer: any Layer) -> String {
    String(layer.name.dropFirst(name.count + 1))
  }

  public var parameters: [Tensor] { members.flatMap(\.parameters) }
  public var parameterNames: [String] {
    members.flatMap { m in m.parameterNames.map { "\(relativeName(m)).\($0)" } }
  }
  public var buffers: [Tensor] { members.flatMap(\.buffers) }
  public var bufferNames: [String] {
    members.flatMap { m in m.bufferNames.map { "\(relativeName(m)).\($0)" } }
  }
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
