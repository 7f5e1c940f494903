import ProxyGradTensor

/// A layer as written in a network block, before shapes are known.
public enum LayerSpec: Equatable, Sendable {
  case conv(outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, name: String? = nil)
  case linear(outFeatures: Int, name: String? = nil)
  /// `relu()` is slope 0.
  case leakyReLU(slope: Double, name: String? = nil)
  case maxPool(kernel: Int, stride: Int? = nil, name: String? = nil)
  case avgPool(kernel: Int, stride: Int? = nil, name: String? = nil)
  case flatten(name: String? = nil)

  var explicitName: String? {
    switch self {
    case .conv(_, _, _, _, let n), .linear(_, let n), .leakyReLU(_, let n), .maxPool(_, _, let n),
      .avgPool(_, _, let n), .flatten(let n):
      return n
    }
  }

  /// The prefix of automatic names: conv1, relu1, leaky1, pool1, linear1, flatten1.
  var namePrefix: String {
    switch self {
    case .conv: return "conv"
    case .linear: return "linear"
    case .leakyReLU(let slope, _): return slope == 0 ? "relu" : "leaky"
    case .maxPool, .avgPool: return "pool"
    case .flatten: return "flatten"
    }
  }
}

/// An error in a network's definition, naming the layer at fault.
public struct NetworkError: Error, CustomStringConvertible, Equatable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// A feed-forward network of named layers, with taps on any layer's output.
public final class Network {
  /// The shape of one input item, e.g. `[1, 28, 28]`.
  public let inputShape: [Int]
  public let layers: [any Layer]
  private let index: [String: Int]

  /// Builds a network, checking every layer's shape and naming unnamed layers by kind and order.
  /// - Parameters:
  ///   - seed: the seed of the He initialisation.
  /// - Throws: `NetworkError` naming the layer whose shape or name is wrong.
  public init(inputShape: [Int], layers specs: [LayerSpec], seed: UInt64) throws(NetworkError) {
    guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
      throw NetworkError("network input shape must be positive sizes, got \(Shape.describe(inputShape))")
    }
    var rng = SplitMix64(seed: seed)
    var counters: [String: Int] = [:]
    var layers: [any Layer] = []
    var index: [String: Int] = [:]
    var shape = inputShape
    for (position, spec) in specs.enumerated() {
      counters[spec.namePrefix, default: 0] += 1
      let name = spec.explicitName ?? "\(spec.namePrefix)\(counters[spec.namePrefix]!)"
      guard !name.isEmpty, index[name] == nil else {
        throw NetworkError("layer \(position + 1): the name '\(name)' is used twice")
      }
      let layer = try Network.makeLayer(spec, name: name, inputShape: shape, rng: &rng)
      index[name] = layers.count
      layers.append(layer)
      shape = layer.outputShape
    }
    self.inputShape = inputShape
    self.layers = layers
    self.index = index
  }

  private static func makeLayer(
    _ spec: LayerSpec, name: String, inputShape shape: [Int], rng: inout SplitMix64
  ) throws(NetworkError) -> any Layer {
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
      let mode: Pool2d.Mode = if case .maxPool = spec { .max } else { .average }
      return Pool2d(name: name, mode: mode, inputShape: shape, kernelSize: k, stride: s)
    case .flatten:
      return Flatten(name: name, inputShape: shape)
    }
  }

  /// The layer called `name`, if any.
  public func layer(named name: String) -> (any Layer)? { index[name].map { layers[$0] } }

  /// The shape of one item of the network's output.
  public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }

  /// Every trainable tensor, layer by layer.
  public var parameters: [Tensor] { layers.flatMap { $0.parameters } }

  /// Parameters with PyTorch-style names (`conv1.weight`).
  public var namedParameters: [(name: String, tensor: Tensor)] {
    layers.flatMap { layer in
      zip(layer.parameterNames, layer.parameters).map { ("\(layer.name).\($0)", $1) }
    }
  }

  /// The number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Runs a batch `[N] + inputShape` through the network.
  /// - Returns: the output and the outputs of the layers named in `taps`.
  public func forward(
    _ x: Tensor, policy: SlopePolicy = .original, taps: Set<String> = []
  ) -> (output: Tensor, taps: [String: Tensor]) {
    precondition(Array(x.shape.dropFirst()) == inputShape, "network input shape")
    var h = x
    var tapped: [String: Tensor] = [:]
    for layer in layers {
      h = layer(h, policy: policy)
      if taps.contains(layer.name) { tapped[layer.name] = h }
    }
    return (h, tapped)
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
