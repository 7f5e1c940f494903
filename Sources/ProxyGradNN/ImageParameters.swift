#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif
import ProxyGradTensor

/// Lucid's decorrelated colour basis (the square root of ImageNet's colour correlation),
/// normalized by its largest column norm.
let colorCorrelation: [Float] = {
  let m: [Float] = [0.26, 0.09, 0.02, 0.27, 0.00, -0.05, 0.27, -0.09, 0.03]
  var largest: Float = 0
  for j in 0..<3 { largest = max(largest, (0..<3).reduce(0) { $0 + m[$1 * 3 + j] * m[$1 * 3 + j] }.squareRoot()) }
  return m.map { $0 / largest }
}()

/// The colour basis of a data set, computed as Lucid computed its ImageNet one
/// (`color_correlation_svd_sqrt`): the covariance C of the channels over every pixel of every
/// image, C = U·S·Uᵀ, and M = U·√S with the columns by falling eigenvalue, each signed so that
/// its largest entry is positive, divided by its largest column norm. Row-major `C×C`, for
/// `mixChannels`.
/// - Parameter images: `[N, C, H, W]` or `[C, H, W]`.
public func colorCorrelation(of images: Tensor) -> [Float] {
  precondition(images.rank == 3 || images.rank == 4, "colorCorrelation shapes")
  let c = images.shape[images.rank - 3]
  let plane = images.shape[images.rank - 2] * images.shape[images.rank - 1]
  let items = images.rank == 4 ? images.shape[0] : 1
  let count = Double(items * plane)
  var mean = [Double](repeating: 0, count: c)
  for item in 0..<items {
    for ch in 0..<c {
      let base = (item * c + ch) * plane
      for p in 0..<plane { mean[ch] += Double(images.values[base + p]) }
    }
  }
  for ch in 0..<c { mean[ch] /= count }
  var covariance = [Double](repeating: 0, count: c * c)
  for item in 0..<items {
    for p in 0..<plane {
      for i in 0..<c {
        let a = Double(images.values[(item * c + i) * plane + p]) - mean[i]
        for j in i..<c { covariance[i * c + j] += a * (Double(images.values[(item * c + j) * plane + p]) - mean[j]) }
      }
    }
  }
  for i in 0..<c {
    for j in i..<c {
      covariance[i * c + j] /= max(count - 1, 1)
      covariance[j * c + i] = covariance[i * c + j]
    }
  }
  let (values, vectors) = symmetricEigen(covariance, size: c)
  var m = [Double](repeating: 0, count: c * c)
  for (column, k) in values.indices.sorted(by: { values[$0] > values[$1] }).enumerated() {
    var v = (0..<c).map { vectors[$0 * c + k] }
    if let largest = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[largest] < 0 { v = v.map { -$0 } }
    let root = max(values[k], 0).squareRoot()
    for row in 0..<c { m[row * c + column] = v[row] * root }
  }
  let norms = (0..<c).map { j in (0..<c).reduce(0.0) { $0 + m[$1 * c + j] * m[$1 * c + j] }.squareRoot() }
  let largest = norms.max() ?? 0
  return m.map { Float(largest > 0 ? $0 / largest : 0) }
}

/// Eigenvalues and eigenvectors (columns of a row-major matrix) of a small symmetric matrix, by
/// cyclic Jacobi rotations.
func symmetricEigen(_ matrix: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
  var a = matrix
  var v = [Double](repeating: 0, count: n * n)
  for i in 0..<n { v[i * n + i] = 1 }
  for _ in 0..<100 {
    var off = 0.0
    for i in 0..<n { for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] } }
    if off < 1e-30 { break }
    for p in 0..<n {
      for q in (p + 1)..<n where a[p * n + q] != 0 {
        let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
        let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
        let cs = 1 / (t * t + 1).squareRoot(), sn = t * cs
        for k in 0..<n {
          let akp = a[k * n + p], akq = a[k * n + q]
          a[k * n + p] = cs * akp - sn * akq
          a[k * n + q] = sn * akp + cs * akq
        }
        for k in 0..<n {
          let apk = a[p * n + k], aqk = a[q * n + k]
          a[p * n + k] = cs * apk - sn * aqk
          a[q * n + k] = sn * apk + cs * aqk
        }
        for k in 0..<n {
          let vkp = v[k * n + p], vkq = v[k * n + q]
          v[k * n + p] = cs * vkp - sn * vkq
          v[k * n + q] = sn * vkp + cs * vkq
        }
      }
    }
  }
  return ((0..<n).map { a[$0 * n + $0] }, v)
}

/// The optimized variables of activation maximization and how they make the image.
final class ImageParameters {
  let parameterization: Parameterization
  let shape: [Int]  // [N, C, H, W]
  let starts: Int
  let box: ClosedRange<Float>
  let seed: UInt64
  let transforms: [Transform]
  /// pixel: [image]; fourier: [real, imaginary] spectra; laplacian: one tensor per level;
  /// cppn: each layer's weight and bias (see `CPPN.variableShapes`), each with a first axis of
  /// items.
  let tensors: [Tensor]
  let decay: [Float]

  init(options: MaximizeOptions, items: Int, starts: Int, shape itemShape: [Int]) {
    parameterization = options.parameterization
    shape = [items] + itemShape
    self.starts = starts
    box = options.clip ?? -1...1
    seed = options.seed
    transforms = options.transforms
    let inner = itemShape.reduce(1, *)
    let count = items * inner
    // The standard deviation of the normal draws of fourier and laplacian.
    let spread: Double
    switch options.initial {
    case .noise(let a): spread = a
    case .uniform(let low, let high): spread = (high - low) / 2
    case .tensor: spread = 0.01
    }
    switch options.parameterization {
    case .pixel:
      var values = [Float](repeating: 0, count: count)
      switch options.initial {
      case .tensor(let t):
        for i in 0..<count { values[i] = t.values[i % t.count] }
      case .noise(let a):
        ImageParameters.fill(&values, items: items, starts: starts, seed: options.seed) { rng in
          Float(-a) + Float(2 * a) * rng.nextFloat()
        }
      case .uniform(let low, let high):
        ImageParameters.fill(&values, items: items, starts: starts, seed: options.seed) { rng in
          Float(low) + Float(high - low) * rng.nextFloat()
        }
      }
      tensors = [Tensor(shape: shape, values: values)]
      decay = []
    case .fourier(let power, _):
      var re = [Float](repeating: 0, count: count), im = re
      ImageParameters.fill(&re, items: items, starts: starts, seed: options.seed) { Float(spread) * $0.nextNormal() }
      ImageParameters.fill(&im, items: items, starts: starts, seed: options.seed ^ 0x5151) { Float(spread) * $0.nextNormal() }
      tensors = [Tensor(shape: shape, values: re), Tensor(shape: shape, values: im)]
      decay = fourierDecay(height: itemShape[1], width: itemShape[2], power: power)
    case .laplacian(let levels, _):
      let pyramid = LaplacianPyramid(channels: itemShape[0], height: itemShape[1], width: itemShape[2], levels: levels)
      let shapes = pyramid.levelShapes
      tensors = ImageParameters.drawn(shapes: shapes, items: items, starts: starts, seed: options.seed) { rng in
        shapes.map { shape in (0..<shape.reduce(1, *)).map { _ in Float(spread) * rng.nextNormal() } }
      }
      decay = []
    case .cppn(let width, let layers):
      let cppn = CPPN(channels: itemShape[0], height: itemShape[1], width: itemShape[2], hidden: width, layers: layers)
      tensors = ImageParameters.drawn(shapes: cppn.variableShapes, items: items, starts: starts, seed: options.seed) {
        cppn.initialValues(rng: &$0)
      }
      decay = []
    }
  }

  /// Tensors `[items] + shapes[k]`, each item's values drawn in order from the stream of its
  /// start (start = item mod starts), as `fill` draws.
  static func drawn(
    shapes: [[Int]], items: Int, starts: Int, seed: UInt64, _ draw: (inout SplitMix64) -> [[Float]]
  ) -> [Tensor] {
    var values = shapes.map { _ in [Float]() }
    for item in 0..<items {
      var rng = SplitMix64(seed: seed).derived(UInt64(item % starts) &+ 1)
      for (k, v) in draw(&rng).enumerated() { values[k] += v }
    }
    return zip(shapes, values).map { Tensor(shape: [items] + $0, values: $1) }
  }

  /// Fills item by item from the stream of its start (start = item mod starts).
  static func fill(
    _ values: inout [Float], items: Int, starts: Int, seed: UInt64, _ draw: (inout SplitMix64) -> Float
  ) {
    let inner = values.count / max(items, 1)
    for item in 0..<items {
      var rng = SplitMix64(seed: seed).derived(UInt64(item % starts) &+ 1)
      for i in 0..<inner { values[item * inner + i] = draw(&rng) }
    }
  }

  /// The image the variables make, as a graph node when they require gradients.
  func image(from leaves: [Tensor]) -> Tensor {
    switch parameterization {
    case .pixel:
      return leaves[0]
    case .fourier(_, let colors):
      let x = mixedColors(inverseFourier2d(re: leaves[0], im: leaves[1], scale: decay), colors)
      let centre = (box.lowerBound + box.upperBound) / 2
      let half = (box.upperBound - box.lowerBound) / 2
      return tanh(x) * half + centre
    case .laplacian(_, let colors):
      let pyramid = LaplacianPyramid(channels: shape[1], height: shape[2], width: shape[3], levels: leaves.count)
      return sigmoid(mixedColors(pyramid.sum(leaves), colors)) * (box.upperBound - box.lowerBound) + box.lowerBound
    case .cppn(let width, let layers):
      let cppn = CPPN(channels: shape[1], height: shape[2], width: shape[3], hidden: width, layers: layers)
      return cppn.images(leaves) * (box.upperBound - box.lowerBound) + box.lowerBound
    }
  }

  /// The channels mixed by `colors` when it fits, else for three channels by Lucid's ImageNet
  /// basis.
  func mixedColors(_ x: Tensor, _ colors: [Float]?) -> Tensor {
    if let colors, colors.count == shape[1] * shape[1] { return mixChannels(x, matrix: colors) }
    return shape[1] == 3 ? mixChannels(x, matrix: colorCorrelation) : x
  }

  /// The current image, detached.
  func render() -> Tensor { Autograd.withoutRecording { image(from: tensors).detached() } }

  /// The objective's original value and its gradient with respect to each variable under the
  /// rule, through this step's transforms.
  /// - Returns: values, gradients and whether transforms were applied.
  func valueAndGradient(
    _ objective: Objective, network: Network, options: MaximizeOptions, step: Int
  ) -> ([Float], [[Float]], Bool) {
    let leaves = tensors.map { Tensor(shape: $0.shape, values: $0.values, requiresGrad: true) }
    let value = network.withFrozenParameters {
      let (value, root) = withGradientRule(options.rule, step: step, totalSteps: options.steps) { policy in
        let img = image(from: leaves)
        let input = transforms.isEmpty ? img : transformed(img, step: step, network: network)
        return evaluate(objective, network: network, input: input, image: img, policy: policy)
      }
      root.backward()
      return value
    }
    let gradients = leaves.map { $0.grad ?? [Float](repeating: 0, count: $0.count) }
    return (value.values, gradients, !transforms.isEmpty)
  }

  /// The original network's values on the untransformed image.
  func originalValue(_ objective: Objective, network: Network) -> [Float] {
    Autograd.withoutRecording {
      let img = image(from: tensors)
      return evaluate(objective, network: network, input: img, image: img, policy: .original).values
    }
  }

  /// One optimizer update in the ascent direction, then the box for pixels.
  func ascend<O: Optimizer>(_ gradients: [[Float]], optimizer: inout O, clip: ClosedRange<Float>?) {
    for (t, g) in zip(tensors, gradients) {
      t.requiresGrad = true
      t.grad = g.map { -$0 }
    }
    optimizer.step(tensors)
    for t in tensors {
      t.grad = nil
      t.requiresGrad = false
    }
    if case .pixel = parameterization, let clip {
      let t = tensors[0]
      t.values.withUnsafeMutableBufferPointer { v in
        for i in 0..<v.count { v[i] = min(max(v[i], clip.lowerBound), clip.upperBound) }
      }
    }
  }

  /// Applies the transforms with this step's draws, then fits the result to the input size.
  func transformed(_ x: Tensor, step: Int, network: Network) -> Tensor {
    let items = x.shape[0]
    var rngs = (0..<items).map { item in
      SplitMix64(seed: seed).derived(UInt64(item % starts) &+ 1).derived(UInt64(step) &+ 0x7F00)
    }
    var h = x
    for transform in transforms {
      switch transform {
      case .pad(let n):
        h = pad2d(h, by: n)
      case .jitter(let n):
        let size = (h.shape[2] - n, h.shape[3] - n)
        guard size.0 > 0, size.1 > 0 else { continue }
        let offsets = (0..<items).map { (rngs[$0].nextInt(below: n + 1), rngs[$0].nextInt(below: n + 1)) }
        h = crop2d(h, height: size.0, width: size.1, offsets: offsets)
      case .scale(let factors):
        guard !factors.isEmpty else { continue }
        let maps = (0..<items).map { AffineMap.zoomRotate(factor: factors[rngs[$0].nextInt(below: factors.count)], radians: 0) }
        h = affineSample(h, height: h.shape[2], width: h.shape[3], maps: maps)
      case .rotate(let degrees):
        let maps = (0..<items).map { i in
          AffineMap.zoomRotate(factor: 1, radians: (2 * rngs[i].nextDouble() - 1) * degrees * Double.pi / 180)
        }
        h = affineSample(h, height: h.shape[2], width: h.shape[3], maps: maps)
      case .colorJitter(let a):
        let channels = h.shape[1]
        var scale: [Float] = [], shift: [Float] = []
        for i in 0..<items {
          for _ in 0..<channels {
            scale.append(1 + Float(a) * (2 * rngs[i].nextFloat() - 1))
            shift.append(Float(a) * (2 * rngs[i].nextFloat() - 1))
          }
        }
        h = h * Tensor(shape: [items, channels, 1, 1], values: scale)
          + Tensor(shape: [items, channels, 1, 1], values: shift)
      }
    }
    let (th, tw) = (network.inputShape[1], network.inputShape[2])
    if h.shape[2] != th || h.shape[3] != tw {
      let offsets = [(Int, Int)](repeating: ((h.shape[2] - th) / 2, (h.shape[3] - tw) / 2), count: items)
      h = crop2d(h, height: th, width: tw, offsets: offsets)
    }
    return h
  }
}
