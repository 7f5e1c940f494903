import ProxyGradTensor

/// The layers of real CNNs: checks of their hyper-parameters against the input shape, with
/// errors that name the layer.
extension NetworkBuilder {
  mutating func makeConvolution(
    _ o: ConvOptions, at: String, name: String, inputShape shape: [Int]
  ) throws(NetworkError) -> any Layer {
    try requireImage(shape, "conv", at)
    let p = o.padding
    guard o.outChannels > 0, o.kernel.height > 0, o.kernel.width > 0, o.stride.height > 0,
      o.stride.width > 0, o.dilation.height > 0, o.dilation.width > 0
    else {
      throw NetworkError(
        "\(at): conv expects positive channels, kernel, stride and dilation, got \(o.pgsDescription))")
    }
    guard min(p.top, p.left, p.bottom, p.right) >= 0 else {
      throw NetworkError("\(at): conv expects pad >= 0, got \(p.pgsDescription)")
    }
    guard o.groups > 0, shape[0] % o.groups == 0, o.outChannels % o.groups == 0 else {
      throw NetworkError(
        "\(at): groups: \(o.groups) must divide both the input channels (\(shape[0])) and the output channels (\(o.outChannels))")
    }
    let spanH = o.dilation.height * (o.kernel.height - 1) + 1
    let spanW = o.dilation.width * (o.kernel.width - 1) + 1
    guard shape[1] + p.top + p.bottom >= spanH, shape[2] + p.left + p.right >= spanW else {
      throw NetworkError(
        "\(at): the kernel (\(spanH)×\(spanW) with dilation) is larger than the padded input \(Shape.describe(shape))")
    }
    return Conv2d(name: name, inputShape: shape, options: o, rng: &rng)
  }

  func makePooling(_ o: PoolOptions, at: String, name: String, inputShape shape: [Int])
    throws(NetworkError) -> any Layer
  {
    try requireImage(shape, "pooling", at)
    let p = o.padding
    guard o.kernel.height > 0, o.kernel.width > 0, o.stride.height > 0, o.stride.width > 0,
      o.dilation.height > 0, o.dilation.width > 0, min(p.top, p.left, p.bottom, p.right) >= 0
    else {
      throw NetworkError(
        "\(at): pooling expects a positive kernel, stride and dilation and pad >= 0, got \(o.pgsDescription))")
    }
    // PyTorch's rule: padding at most half the window, so that every window sees the image.
    guard max(p.top, p.bottom) * 2 <= o.kernel.height, max(p.left, p.right) * 2 <= o.kernel.width
    else {
      throw NetworkError(
        "\(at): pad \(p.pgsDescription) is more than half the pooling window \(o.kernel)")
    }
    guard o.mode == .max || o.dilation == Size2d(1) else {
      throw NetworkError("\(at): average pooling has no dilation")
    }
    let layer = Pool2d(name: name, inputShape: shape, options: o)
    guard layer.outputShape[1] > 0, layer.outputShape[2] > 0 else {
      throw NetworkError(
        "\(at): pooling window \(o.kernel) does not fit the padded input \(Shape.describe(shape))")
    }
    return layer
  }

  /// The layers without parameters of the CNN set.
  func makeFunctionLayer(_ spec: LayerSpec, at: String, name: String, inputShape shape: [Int])
    throws(NetworkError) -> any Layer
  {
    switch spec {
    case .adaptiveAvgPool(let size, _):
      try requireImage(shape, "adaptive_avgpool", at)
      guard size.height > 0, size.width > 0 else {
        throw NetworkError("\(at): adaptive_avgpool expects a positive output size, got \(size)")
      }
      return AdaptiveAvgPool2d(name: name, inputShape: shape, size: size)
    case .clip(let low, let high, _):
      guard !low.isNaN, !high.isNaN, low <= high else {
        throw NetworkError(
          "\(at): clip expects low <= high, got [\(formatNumber(low)), \(formatNumber(high))]")
      }
      return Clip(name: name, inputShape: shape, low: Float(low), high: Float(high))
    case .elementwise(let function, _):
      return Elementwise(name: name, inputShape: shape, function: function)
    case .softmax:
      return Softmax(name: name, inputShape: shape)
    case .reshape(let target, _):
      return Reshape(name: name, inputShape: shape, outputShape: try reshaped(shape, to: target, at))
    case .lrn(let size, let alpha, let beta, let k, _):
      guard size > 0, alpha.isFinite, beta.isFinite, k.isFinite else {
        throw NetworkError("\(at): lrn expects a positive size and finite alpha, beta and k")
      }
      guard shape.count >= 1 else { throw NetworkError("\(at): lrn expects channels") }
      return LocalResponseNorm(
        name: name, inputShape: shape, size: size, alpha: Float(alpha), beta: Float(beta),
        k: Float(k))
    case .constant(let op, let values, let constantShape, let perChannel, _):
      let shapeOfConstant =
        perChannel ? [values.count] + [Int](repeating: 1, count: max(0, shape.count - 1)) : constantShape
      guard Shape.count(shapeOfConstant) == values.count else {
        throw NetworkError("\(at): \(op.rawValue) has \(values.count) values for shape \(Shape.describe(shapeOfConstant))")
      }
      if perChannel && values.count != shape[0] {
        throw NetworkError(
          "\(at): \(op.rawValue) has \(values.count) per-channel values for an input of \(shape[0]) channels \(Shape.describe(shape))")
      }
      guard Shape.broadcast(shape, shapeOfConstant) == shape else {
        throw NetworkError(
          "\(at): \(op.rawValue)'s constant of shape \(Shape.describe(shapeOfConstant)) does not broadcast to the input \(Shape.describe(shape))")
      }
      if op == .div && values.contains(0) {
        throw NetworkError("\(at): div by a constant that holds 0")
      }
      return ConstantOperation(
        name: name, inputShape: shape, op: op,
        constant: Tensor(shape: shapeOfConstant, values: values))
    default:
      preconditionFailure("makeFunctionLayer of \(spec)")
    }
  }

  private func requireImage(_ shape: [Int], _ what: String, _ at: String) throws(NetworkError) {
    guard shape.count == 3 else {
      throw NetworkError("\(at): \(what) expects an input [C, H, W], got \(Shape.describe(shape))")
    }
  }

  /// `target` with its −1 (at most one) resolved, checked against the count of `shape`.
  private func reshaped(_ shape: [Int], to target: [Int], _ at: String) throws(NetworkError) -> [Int] {
    let count = Shape.count(shape)
    let unknown = target.indices.filter { target[$0] == -1 }
    guard !target.isEmpty, unknown.count <= 1, target.allSatisfy({ $0 > 0 || $0 == -1 }) else {
      throw NetworkError(
        "\(at): reshape expects positive sizes and at most one -1, got \(Shape.describe(target))")
    }
    var resolved = target
    if let i = unknown.first {
      let known = target.filter { $0 != -1 }.reduce(1, *)
      guard count % known == 0 else {
        throw NetworkError(
          "\(at): cannot reshape \(Shape.describe(shape)) (\(count) elements) to \(Shape.describe(target))")
      }
      resolved[i] = count / known
    }
    guard Shape.count(resolved) == count else {
      throw NetworkError(
        "\(at): cannot reshape \(Shape.describe(shape)) (\(count) elements) to \(Shape.describe(target))")
    }
    return resolved
  }
}
