import ProxyGradTensor

/// Builds the layers of a network from their specs: checks shapes, names layers (automatic
/// names count per kind inside their enclosing block, prefixed by the block's name) and
/// initialises parameters from one seeded stream, layer by layer in order.
struct NetworkBuilder {
  var rng: SplitMix64
  /// Every layer by full name.
  private(set) var index: [String: any Layer] = [:]
  /// Every layer, depth first: a block, its layers, then its projection.
  private(set) var all: [any Layer] = []

  init(rng: SplitMix64) { self.rng = rng }

  /// Builds the layers of one block (`block` nil: the network's top level).
  mutating func build(_ specs: [LayerSpec], block: String?, inputShape: [Int])
    throws(NetworkError) -> [any Layer]
  {
    var counters: [String: Int] = [:]
    var layers: [any Layer] = []
    var shape = inputShape
    for (position, spec) in specs.enumerated() {
      counters[spec.namePrefix, default: 0] += 1
      // A prefix ending in a digit takes an underscore: relu6_1, not relu61.
      let separator = spec.namePrefix.last?.isNumber == true ? "_" : ""
      let local =
        spec.explicitName ?? "\(spec.namePrefix)\(separator)\(counters[spec.namePrefix] ?? 1)"
      let at = block.map { "layer \(position + 1) of '\($0)'" } ?? "layer \(position + 1)"
      guard !local.isEmpty else { throw NetworkError("\(at): the name is empty") }
      guard !local.contains(".") else {
        throw NetworkError(
          "\(at): the name '\(local)' contains '.', which separates a block's name from its layers' names")
      }
      let name = block.map { "\($0).\(local)" } ?? local
      guard index[name] == nil else { throw NetworkError("\(at): the name '\(name)' is used twice") }
      // The block goes before its contents in `all`.
      let slot = all.count
      let layer = try makeLayer(spec, name: name, inputShape: shape)
      index[name] = layer
      all.insert(layer, at: slot)
      layers.append(layer)
      shape = layer.outputShape
    }
    return layers
  }

  /// Builds a residual block: its layers, then the projection on the skip path if needed.
  private mutating func makeResidual(
    _ specs: [LayerSpec], project: Bool, name: String, inputShape shape: [Int]
  ) throws(NetworkError) -> Residual {
    let at = "layer '\(name)'"
    guard !specs.isEmpty else { throw NetworkError("\(at): a residual block needs at least one layer") }
    let layers = try build(specs, block: name, inputShape: shape)
    let out = layers.last?.outputShape ?? shape
    guard out != shape else {
      return Residual(name: name, inputShape: shape, layers: layers, projection: nil, project: project)
    }
    guard project else {
      throw NetworkError(
        "\(at): the block maps \(Shape.describe(shape)) to \(Shape.describe(out)), so its input cannot "
          + "be added to its output; use residual(project: true) for a 1×1 convolution on the skip path")
    }
    guard shape.count == 3, out.count == 3,
      let stride = (1...max(shape[1], shape[2])).first(where: {
        (shape[1] - 1) / $0 + 1 == out[1] && (shape[2] - 1) / $0 + 1 == out[2]
      })
    else {
      throw NetworkError(
        "\(at): no 1×1 convolution with a stride maps \(Shape.describe(shape)) to the block's output "
          + "\(Shape.describe(out)) on the skip path")
    }
    let skipName = "\(name).skip"
    guard index[skipName] == nil else {
      throw NetworkError("\(at): the name '\(skipName)' is taken by the projection on the skip path")
    }
    let projection = Conv2d(
      name: skipName, inputShape: shape, outputChannels: out[0], kernelSize: 1, stride: stride,
      padding: 0, rng: &rng)
    index[skipName] = projection
    all.append(projection)
    return Residual(name: name, inputShape: shape, layers: layers, projection: projection, project: project)
  }

  /// Builds a concatenation: each branch's layers on the same input, outputs that agree on
  /// every axis but the first.
  private mutating func makeConcat(_ specs: [LayerSpec], name: String, inputShape shape: [Int])
    throws(NetworkError) -> Concat
  {
    let at = "layer '\(name)'"
    guard !specs.isEmpty else { throw NetworkError("\(at): concat needs at least one branch { ... }") }
    var counter = 0
    var branches: [Branch] = []
    for spec in specs {
      guard case .branch(let layers, let explicit) = spec else {
        throw NetworkError("\(at): concat holds branch { ... } blocks, found \(spec.namePrefix)")
      }
      counter += 1
      let local = explicit ?? "branch\(counter)"
      guard !local.isEmpty, !local.contains(".") else {
        throw NetworkError("\(at): the branch name '\(local)' is empty or contains '.'")
      }
      let branchName = "\(name).\(local)"
      guard index[branchName] == nil else {
        throw NetworkError("\(at): the name '\(branchName)' is used twice")
      }
      let slot = all.count
      let inner = try build(layers, block: branchName, inputShape: shape)
      let branch = Branch(name: branchName, inputShape: shape, layers: inner)
      index[branchName] = branch
      all.insert(branch, at: slot)
      branches.append(branch)
    }
    let first = branches[0].outputShape
    for branch in branches where branch.outputShape.count != first.count
      || branch.outputShape.dropFirst() != first.dropFirst() || first.isEmpty
    {
      throw NetworkError(
        "\(at): the branches' outputs \(branches.map { Shape.describe($0.outputShape) }.joined(separator: ", ")) "
          + "must agree on every axis but the channels to be joined")
    }
    return Concat(name: name, inputShape: shape, branches: branches)
  }

  /// Makes one layer that is not a block.
  private mutating func makeLayer(_ spec: LayerSpec, name: String, inputShape shape: [Int])
    throws(NetworkError) -> any Layer
  {
    let at = "layer '\(name)'"
    switch spec {
    case .conv(let out, let k, let stride, let pad, _):
      guard shape.count == 3 else {
        throw NetworkError("\(at): conv expects an input [C, H, W], got \(Shape.describe(shape))")
      }
      guard out > 0, k > 0, stride > 0, pad >= 0 else {
        throw NetworkError("\(at): conv expects positive channels, kernel and stride and pad >= 0")
      }
      guard shape[1] + 2 * pad >= k, shape[2] + 2 * pad >= k else {
        throw NetworkError(
          "\(at): kernel \(k) is larger than the padded input \(Shape.describe(shape))")
      }
      return Conv2d(
        name: name, inputShape: shape, outputChannels: out, kernelSize: k, stride: stride,
        padding: pad, rng: &rng)
    case .linear(let out, _):
      guard out > 0 else { throw NetworkError("\(at): linear expects a positive size, got \(out)") }
      guard shape.count == 1 else {
        throw NetworkError(
          "\(at): linear expects a flat input, got \(Shape.describe(shape)); add flatten() before it")
      }
      return Linear(name: name, inputSize: shape[0], outputSize: out, rng: &rng)
    case .leakyReLU(let slope, _):
      guard slope.isFinite else { throw NetworkError("\(at): the slope must be a finite number") }
      return LeakyReLU(name: name, inputShape: shape, forwardSlope: Float(slope))
    case .maxPool(let k, let stride, _), .avgPool(let k, let stride, _):
      let s = stride ?? k
      guard shape.count == 3 else {
        throw NetworkError("\(at): pooling expects an input [C, H, W], got \(Shape.describe(shape))")
      }
      guard k > 0, s > 0, shape[1] >= k, shape[2] >= k else {
        throw NetworkError(
          "\(at): pooling window \(k) does not fit the input \(Shape.describe(shape))")
      }
      guard k <= 256 else { throw NetworkError("\(at): pooling windows are at most 256 wide, got \(k)") }
      let mode: Pool2d.Mode = if case .maxPool = spec { .max } else { .average }
      return Pool2d(name: name, mode: mode, inputShape: shape, kernelSize: k, stride: s)
    case .flatten:
      return Flatten(name: name, inputShape: shape)
    case .batchNorm:
      guard shape.count == 3 || shape.count == 1 else {
        throw NetworkError(
          "\(at): batchnorm expects an input [C, H, W] (or flat [C]), got \(Shape.describe(shape))")
      }
      return BatchNorm(name: name, inputShape: shape)
    case .globalAveragePool:
      guard shape.count == 3 else {
        throw NetworkError("\(at): gap expects an input [C, H, W], got \(Shape.describe(shape))")
      }
      return GlobalAveragePool(name: name, inputShape: shape)
    case .dropout(let p, _):
      guard p.isFinite, p >= 0, p < 1 else {
        throw NetworkError("\(at): dropout expects a probability p with 0 <= p < 1, got \(formatNumber(p))")
      }
      return Dropout(name: name, inputShape: shape, probability: Float(p))
    case .residual(let project, let specs, _):
      return try makeResidual(specs, project: project, name: name, inputShape: shape)
    case .convolution(let options, _):
      return try makeConvolution(options, at: at, name: name, inputShape: shape)
    case .pooling(let options, _):
      return try makePooling(options, at: at, name: name, inputShape: shape)
    case .concat(let branches, _):
      return try makeConcat(branches, name: name, inputShape: shape)
    case .branch:
      throw NetworkError("\(at): branch { ... } belongs inside concat { ... }")
    case .adaptiveAvgPool, .clip, .elementwise, .softmax, .reshape, .lrn, .constant:
      return try makeFunctionLayer(spec, at: at, name: name, inputShape: shape)
    }
  }
}
