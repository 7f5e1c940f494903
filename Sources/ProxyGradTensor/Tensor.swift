/// A Float32 tensor in contiguous row-major (NCHW) storage that records the operations applied to
/// it, so that `backward()` can compute gradients by reverse-mode differentiation.
///
/// A tensor that asks for gradients (`requiresGrad`) is a leaf; the result of an op on such a
/// tensor is an interior node holding its parents and a pullback. `backward()` walks the graph once
/// and then releases it, so memory stays flat over many steps.
public final class Tensor {
  /// The extent of each axis; `[]` is a scalar.
  public let shape: [Int]
  /// The elements, `shape.product` of them, last axis fastest.
  public var values: [Float]
  /// The gradient of the last `backward()` root with respect to this tensor, for leaves that
  /// require gradients. Accumulates over several `backward()` calls until `zeroGradient()`.
  public var grad: [Float]?
  /// Whether gradients flow to this tensor.
  public var requiresGrad: Bool
  /// The name of the op that made this tensor (for debugging and graph printing).
  public let op: String

  /// The inputs of the op that made this tensor; empty for leaves and after `backward()`.
  var parents: [Tensor]
  /// Whether the tensor is a node of a recorded graph that `backward()` has not released yet
  /// (a snapshot of a session cannot keep the graph, docs/notebooks.md).
  package var isGraphNode: Bool { !parents.isEmpty || pullback != nil }
  /// Receives the gradient of this node and accumulates its parents' gradients.
  var pullback: ((_ gradOutput: [Float]) -> Void)?

  /// Creates a leaf tensor.
  /// - Parameters:
  ///   - shape: the extent of each axis.
  ///   - values: exactly `shape.product` elements.
  ///   - requiresGrad: whether `backward()` fills `grad`.
  public init(shape: [Int], values: [Float], requiresGrad: Bool = false) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
    precondition(values.count == Shape.count(shape), "\(values.count) values for shape \(shape)")
    self.shape = shape
    self.values = values
    self.requiresGrad = requiresGrad
    self.op = "leaf"
    self.parents = []
  }

  /// The one way a pullback writes this tensor's gradient. `body` gets the gradient's memory
  /// and `assign`: true for the first contribution, in fresh memory that `body` must fill
  /// entirely (no zero fill first), false afterwards, when `body` adds (+=) to what is there.
  /// An empty tensor's memory is ``noElements``, which `body` never touches.
  @inline(__always)
  package func writeGradient(_ body: (_ gradient: UnsafeMutablePointer<Float>, _ assign: Bool) -> Void) {
    if grad == nil {
      let count = values.count
      grad = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        body(buffer.baseAddress ?? noElements, true)
        initialized = count
      }
    } else {
      grad!.withUnsafeMutableBufferPointer { body($0.baseAddress ?? noElements, false) }
    }
  }

  /// Creates an interior node: an op's output. Records the graph only when a parent requires
  /// gradients and recording is on; otherwise the result is a plain constant.
  package init(
    shape: [Int], values: [Float], op: String, parents: [Tensor],
    pullback: @escaping ([Float]) -> Void
  ) {
    self.shape = shape
    self.values = values
    self.op = op
    if Autograd.isRecording && parents.contains(where: { $0.requiresGrad }) {
      self.requiresGrad = true
      self.parents = parents
      self.pullback = pullback
    } else {
      self.requiresGrad = false
      self.parents = []
    }
  }

  /// A scalar (shape `[]`) tensor.
  public convenience init(scalar: Float, requiresGrad: Bool = false) {
    self.init(shape: [], values: [scalar], requiresGrad: requiresGrad)
  }

  /// The number of elements.
  public var count: Int { values.count }
  /// The number of axes.
  public var rank: Int { shape.count }
  /// Whether this tensor is a leaf of the graph (made by the user, not by an op).
  public var isLeaf: Bool { pullback == nil }

  /// The only element of a one-element tensor.
  public func item() -> Float {
    precondition(values.count == 1, "item() of a tensor with \(values.count) elements")
    return values[0]
  }

  /// The same values as a new leaf that does not require gradients.
  public func detached() -> Tensor { Tensor(shape: shape, values: values) }

  /// Clears the accumulated gradient.
  public func zeroGradient() { grad = nil }

  /// ``writeGradient(_:)`` when `needed`; otherwise `body` runs once with no gradient (nil) to
  /// write, for pullbacks that compute other gradients in the same pass.
  @inline(__always)
  package func writeGradient(
    if needed: Bool, _ body: (_ gradient: UnsafeMutablePointer<Float>?, _ assign: Bool) -> Void
  ) {
    if needed {
      writeGradient { gradient, assign in body(gradient, assign) }
    } else {
      body(nil, false)
    }
  }

  /// ``writeGradient(_:)`` for kernels that only add: the first contribution lands on zeros.
  @inline(__always)
  package func accumulateGradient(_ body: (UnsafeMutablePointer<Float>) -> Void) {
    writeGradient { gradient, assign in
      if assign { gradient.initialize(repeating: 0, count: values.count) }
      body(gradient)
    }
  }

  // MARK: - Constructors

  /// A tensor of zeros.
  public static func zeros(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, values: [Float](repeating: 0, count: Shape.count(shape)))
  }

  /// A tensor with every element equal to `value`.
  public static func full(_ shape: [Int], value: Float) -> Tensor {
    Tensor(shape: shape, values: [Float](repeating: value, count: Shape.count(shape)))
  }

  /// Elements drawn uniformly from `[low, high)`.
  public static func uniform(
    _ shape: [Int], low: Float, high: Float, rng: inout SplitMix64
  ) -> Tensor {
    let n = Shape.count(shape)
    var values = [Float](repeating: 0, count: n)
    for i in 0..<n { values[i] = low + (high - low) * rng.nextFloat() }
    return Tensor(shape: shape, values: values)
  }

  /// Elements drawn from a normal distribution.
  public static func normal(
    _ shape: [Int], mean: Float, std: Float, rng: inout SplitMix64
  ) -> Tensor {
    let n = Shape.count(shape)
    var values = [Float](repeating: 0, count: n)
    for i in 0..<n { values[i] = mean + std * rng.nextNormal() }
    return Tensor(shape: shape, values: values)
  }
}

/// Where an empty array's elements would be: an aligned address that owns no memory, never
/// read or written, since every size that would reach it is 0.
nonisolated(unsafe) let noElements = UnsafeMutablePointer<Float>(bitPattern: MemoryLayout<Float>.alignment)!
