import ProxyGradTensor

/// A layer as written in a network block, before shapes are known.
public enum LayerSpec: Equatable, Sendable, Codable {
  case conv(outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, name: String? = nil)
  case linear(outFeatures: Int, name: String? = nil)
  /// `relu()` is slope 0.
  case leakyReLU(slope: Double, name: String? = nil)
  case maxPool(kernel: Int, stride: Int? = nil, name: String? = nil)
  case avgPool(kernel: Int, stride: Int? = nil, name: String? = nil)
  case flatten(name: String? = nil)
  /// Batch normalization over channels (`[C, H, W]`), or over features of a flat input.
  case batchNorm(name: String? = nil)
  /// Global average pooling, `[C, H, W]` → `[C]`.
  case globalAveragePool(name: String? = nil)
  /// Dropout with drop probability `p` in `[0, 1)`, active in training mode only.
  case dropout(p: Double, name: String? = nil)
  /// `output = input + block(input)`; with `project: true`, a 1×1 convolution on the skip path
  /// when the block changes the shape. The block's layers are named inside it: `res1.conv1`.
  case residual(project: Bool = false, layers: [LayerSpec], name: String? = nil)
  /// Any convolution: rectangular kernels, strides, per-side padding, dilation, groups, no
  /// bias. `LayerSpec.convolution(_:name:)` says `.conv` when that is enough.
  case convolution(ConvOptions, name: String? = nil)
  /// Any max or average pooling: padding, dilation, ceil mode, `count_include_pad`.
  /// `LayerSpec.pooling(_:name:)` says `.maxPool`/`.avgPool` when that is enough.
  case pooling(PoolOptions, name: String? = nil)
  /// Adaptive average pooling of `[C, H, W]` to `[C, size.height, size.width]`.
  case adaptiveAvgPool(Size2d, name: String? = nil)
  /// Clip to `[low, high]` (ReLU6 is `[0, 6]`); gradient rules change the slope below `low`.
  case clip(low: Double, high: Double, name: String? = nil)
  /// Sigmoid, tanh or the identity.
  case elementwise(Elementwise.Function, name: String? = nil)
  /// Softmax over the first axis of an item (features or channels).
  case softmax(name: String? = nil)
  /// Each item reshaped to `shape` (one entry may be −1: whatever the count leaves).
  case reshape([Int], name: String? = nil)
  /// Local response normalization across channels (PyTorch's defaults: alpha 1e-4, beta 0.75,
  /// k 1).
  case lrn(size: Int, alpha: Double, beta: Double, k: Double, name: String? = nil)
  /// `x op constant`. With `perChannel`, `values` holds one number per channel (shape `[C, 1, 1]`
  /// against `[C, H, W]`, `[C]` against a flat input); otherwise the constant has `shape` and
  /// broadcasts NumPy-style against the item.
  case constant(ConstantOp, values: [Float], shape: [Int], perChannel: Bool, name: String? = nil)
  /// Branches on the same input whose outputs are joined along the channels; every element of
  /// `branches` is a `.branch`. Names: `cat1.branch1.conv1`.
  case concat(branches: [LayerSpec], name: String? = nil)
  /// One path of a `.concat`: layers in order.
  case branch(layers: [LayerSpec], name: String? = nil)

  /// A convolution layer: `.conv` when the options are a square kernel, one stride, uniform
  /// padding, no dilation, one group and a bias, else `.convolution`.
  public static func convolution(options o: ConvOptions, name: String? = nil) -> LayerSpec {
    guard o.isSquare else { return .convolution(o, name: name) }
    return .conv(
      outChannels: o.outChannels, kernel: o.kernel.height, stride: o.stride.height,
      padding: o.padding.top, name: name)
  }

  /// A pooling layer: `.maxPool`/`.avgPool` when the options are square and unpadded, else
  /// `.pooling`.
  public static func pooling(options o: PoolOptions, name: String? = nil) -> LayerSpec {
    guard o.isSquare else { return .pooling(o, name: name) }
    let stride = o.stride == o.kernel ? nil : o.stride.height
    return o.mode == .max
      ? .maxPool(kernel: o.kernel.height, stride: stride, name: name)
      : .avgPool(kernel: o.kernel.height, stride: stride, name: name)
  }

  var explicitName: String? {
    switch self {
    case .conv(_, _, _, _, let n), .linear(_, let n), .leakyReLU(_, let n), .maxPool(_, _, let n),
      .avgPool(_, _, let n), .flatten(let n), .batchNorm(let n), .globalAveragePool(let n),
      .dropout(_, let n), .residual(_, _, let n), .convolution(_, let n), .pooling(_, let n),
      .adaptiveAvgPool(_, let n), .clip(_, _, let n), .elementwise(_, let n), .softmax(let n),
      .reshape(_, let n), .lrn(_, _, _, _, let n), .constant(_, _, _, _, let n), .concat(_, let n),
      .branch(_, let n):
      return n
    }
  }

  /// The prefix of automatic names: conv1, relu1, leaky1, pool1, linear1, flatten1, bn1, gap1,
  /// dropout1, res1, relu6_1, clip1, sigmoid1, tanh1, identity1,
  /// softmax1, reshape1, lrn1, add1, sub1, mul1, div1.
  var namePrefix: String {
    switch self {
    case .conv: return "conv"
    case .linear: return "linear"
    case .leakyReLU(let slope, _): return slope == 0 ? "relu" : "leaky"
    case .maxPool, .avgPool: return "pool"
    case .flatten: return "flatten"
    case .batchNorm: return "bn"
    case .globalAveragePool: return "gap"
    case .dropout: return "dropout"
    case .residual: return "res"
    case .convolution: return "conv"
    case .pooling, .adaptiveAvgPool: return "pool"
    case .clip(let low, let high, _): return low == 0 && high == 6 ? "relu6" : "clip"
    case .elementwise(let f, _): return f.rawValue
    case .softmax: return "softmax"
    case .reshape: return "reshape"
    case .lrn: return "lrn"
    case .constant(let op, _, _, _, _): return op.rawValue
    case .concat: return "cat"
    case .branch: return "branch"
    }
  }
}

/// An error in a network's definition, naming the layer at fault.
public struct NetworkError: Error, CustomStringConvertible, Equatable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// How a forward pass treats batch norm and dropout.
public enum ForwardMode: Equatable, Sendable {
  /// Running statistics and no dropout: evaluation, accuracy, activation maximization and input
  /// gradients.
  case evaluation
  /// Batch statistics (the original network's pass updates the running ones) and dropout with
  /// masks drawn from `seed`; the passes of one step share the seed, so they drop alike.
  case training(seed: UInt64)

  public var isTraining: Bool {
    if case .training = self { return true }
    return false
  }
}

/// A network: a directed acyclic graph of named nodes (`GraphNode`), each a layer and the nodes
/// it reads, with taps on any node's output.
///
/// A network written as a block of layers (`network { }`, `residual { }`) is such a graph: each
/// layer reads the one before it, and a residual block is the sum of its last layer and its skip
/// path. Layers inside residual blocks have full names (`res1.conv1`): `layer(named:)`, taps,
/// objectives and per-layer slope maps use them. An imported network (ONNX) is a graph of the
/// nodes of its file.
public final class Network {
  /// The name that stands for the network's input in `GraphNode.inputs` (no layer has it).
  public static let inputName = ""
  /// The shape of one input item, e.g. `[1, 28, 28]`.
  public let inputShape: [Int]
  /// The top-level layers (a residual block is one of them); for a graph built from nodes, the
  /// layer of every node.
  public let layers: [any Layer]
  /// Every layer, nested ones included, depth first: a block, its layers, then its projection.
  public let allLayers: [any Layer]
  /// The nodes of the graph in topological order.
  public var nodes: [GraphNode] { plan.nodes }
  /// The name of the node whose output is the network's.
  public var outputName: String { plan.output }
  /// Where the network came from, when it was read from a file (ONNX), else nil.
  public var source: String?
  private let plan: GraphPlan
  private let index: [String: any Layer]
  private let seed: UInt64
  private var trainingSteps: UInt64 = 0
  /// The layers as written, for a network built from them (nil for a graph of nodes): what a
  /// snapshot of the session rebuilds the network from (docs/notebooks.md).
  package private(set) var specs: [LayerSpec]?

  /// The seed of the weights and of dropout masks in training.
  package var weightSeed: UInt64 { seed }
  /// The training steps taken so far (they decide the next step's dropout masks).
  package var trainingStepCount: UInt64 {
    get { trainingSteps }
    set { trainingSteps = newValue }
  }

  /// Builds a network, checking every layer's shape and naming unnamed layers by kind and order.
  ///
  /// Automatic names count per kind inside their enclosing block and carry the block's name as
  /// a prefix: `conv1, bn1, relu1, res1, res1.conv1, res1.bn1, res1.relu1, …, relu2, gap1`.
  /// - Parameters:
  ///   - seed: the seed of the He initialisation (and of dropout masks in training).
  /// - Throws: `NetworkError` naming the layer whose shape or name is wrong.
  public init(inputShape: [Int], layers specs: [LayerSpec], seed: UInt64) throws(NetworkError) {
    guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
      throw NetworkError(
        "network input shape must be positive sizes, got \(Shape.describe(inputShape))")
    }
    var builder = NetworkBuilder(rng: SplitMix64(seed: seed))
    self.layers = try builder.build(specs, block: nil, inputShape: inputShape)
    self.inputShape = inputShape
    self.allLayers = builder.all
    self.index = builder.index
    self.seed = seed
    self.specs = specs
    let graph = sequentialNodes(layers, input: Network.inputName)
    self.plan = try GraphPlan(nodes: graph.nodes, output: graph.output)
  }

  /// A network from graph nodes in topological order (each reading earlier nodes or the input).
  /// - Parameters:
  ///   - output: the node whose output is the network's.
  ///   - seed: the seed of dropout masks in training.
  /// - Throws: `NetworkError` when a node reads an unknown or later node, or a name repeats.
  public init(inputShape: [Int], nodes: [GraphNode], output: String, seed: UInt64 = 0)
    throws(NetworkError)
  {
    guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
      throw NetworkError(
        "network input shape must be positive sizes, got \(Shape.describe(inputShape))")
    }
    self.plan = try GraphPlan(nodes: nodes, output: output)
    self.inputShape = inputShape
    self.layers = nodes.map(\.layer)
    self.allLayers = layers
    var index: [String: any Layer] = [:]
    for node in nodes { index[node.name] = node.layer }
    self.index = index
    self.seed = seed
  }

  /// The layer called `name` (a full name such as `res1.relu1` for nested layers), if any.
  public func layer(named name: String) -> (any Layer)? { index[name] }

  /// The shape of one item of the network's output.
  public var outputShape: [Int] {
    outputName == Network.inputName ? inputShape : index[outputName]?.outputShape ?? inputShape
  }

  /// Every trainable tensor, layer by layer.
  public var parameters: [Tensor] { layers.flatMap { $0.parameters } }

  /// Parameters with PyTorch-style names (`conv1.weight`).
  public var namedParameters: [(name: String, tensor: Tensor)] {
    layers.flatMap { layer in
      zip(layer.parameterNames, layer.parameters).map { ("\(layer.name).\($0)", $1) }
    }
  }

  /// Tensors saved with the weights but never trained (batch norm's running statistics), with
  /// PyTorch-style names (`bn1.running_mean`). Optimizers never see them.
  public var namedBuffers: [(name: String, tensor: Tensor)] {
    layers.flatMap { layer in
      zip(layer.bufferNames, layer.buffers).map { ("\(layer.name).\($0)", $1) }
    }
  }

  /// The number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Runs a batch `[N] + inputShape` through the network.
  /// - Parameters:
  ///   - mode: `.evaluation` (running statistics, no dropout) unless training; a training step
  ///     takes one mode from `nextTrainingMode()` and uses it for every pass of the step.
  /// - Returns: the output and the outputs of the layers named in `taps` (full names).
  public func forward(
    _ x: Tensor, policy: SlopePolicy = .original, taps: Set<String> = [],
    mode: ForwardMode = .evaluation
  ) -> (output: Tensor, taps: [String: Tensor]) {
    precondition(Array(x.shape.dropFirst()) == inputShape, "network input shape")
    var tapped: [String: Tensor] = [:]
    let output = plan.run(x, policy: policy, mode: mode, taps: taps, tapped: &tapped)
    return (output, tapped)
  }

  /// The training mode for the next training step: its dropout seed follows from the network's
  /// seed and the number of steps taken, so training reproduces.
  public func nextTrainingMode() -> ForwardMode {
    trainingSteps += 1
    var rng = SplitMix64(seed: seed).derived(trainingSteps)
    return .training(seed: rng.next())
  }

  /// Runs `body` with the parameters not requiring gradients, so that an input gradient
  /// computes no weight gradients. Pullbacks read `requiresGrad` when they run, so `backward()`
  /// must be called inside `body`.
  public func withFrozenParameters<T>(_ body: () throws -> T) rethrows -> T {
    let params = parameters
    let saved = params.map(\.requiresGrad)
    for p in params { p.requiresGrad = false }
    defer { for (p, s) in zip(params, saved) { p.requiresGrad = s } }
    return try body()
  }

  /// Clears every parameter's gradient.
  public func zeroGradients() { for p in parameters { p.zeroGradient() } }
}
