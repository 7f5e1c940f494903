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

/// The optimized variables of activation maximization and how they make the image.
final class ImageParameters {
  let parameterization: Parameterization
  let shape: [Int]  // [N, C, H, W]
  let starts: Int
  let box: ClosedRange<Float>
  let seed: UInt64
  let transforms: [Transform]
  /// pixel: [image]; fourier: [real, imaginary] spectra.
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
    case .fourier(let power):
      let spread: Double
      switch options.initial {
      case .noise(let a): spread = a
      case .uniform(let low, let high): spread = (high - low) / 2
      case .tensor: spread = 0.01
      }
      var re = [Float](repeating: 0, count: count), im = re
      ImageParameters.fill(&re, items: items, starts: starts, seed: options.seed) { Float(spread) * $0.nextNormal() }
      ImageParameters.fill(&im, items: items, starts: starts, seed: options.seed ^ 0x5151) { Float(spread) * $0.nextNormal() }
      tensors = [Tensor(shape: shape, values: re), Tensor(shape: shape, values: im)]
      decay = fourierDecay(height: itemShape[1], width: itemShape[2], power: power)
    }
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
    case .fourier:
      var x = inverseFourier2d(re: leaves[0], im: leaves[1], scale: decay)
      if shape[1] == 3 { x = mixChannels(x, matrix: colorCorrelation) }
      let centre = (box.lowerBound + box.upperBound) / 2
      let half = (box.upperBound - box.lowerBound) / 2
      return tanh(x) * half + centre
    }
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
