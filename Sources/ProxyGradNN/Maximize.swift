import ProxyGradTensor

/// A random, seeded transformation applied to the image before every step ("transformation
/// robustness"). Images keep Lucid's semantics: `pad` grows the canvas, `jitter` crops it at a
/// random offset, `scale` and `rotate` resample it; after the last transform the image is
/// centre-cropped or padded (with grey, 0) back to the network's input size.
public enum Transform: Equatable, Sendable, CustomStringConvertible {
  /// A random crop shrinking each side by up to `n` pixels in total (an offset in 0...n).
  case jitter(Int)
  /// A border of `n` grey pixels on every side.
  case pad(Int)
  /// Resampling by a factor drawn from the list.
  case scale([Double])
  /// Rotation by an angle drawn uniformly from [−degrees, degrees].
  case rotate(Double)
  /// Per image and channel, `x · (1 + a·u) + a·v` with u, v uniform in [−1, 1].
  case colorJitter(Double)

  public var description: String {
    switch self {
    case .jitter(let n): return "jitter(\(n))"
    case .pad(let n): return "pad(\(n))"
    case .scale(let s): return "scale([\(s.map { formatNumber($0) }.joined(separator: ", "))])"
    case .rotate(let d): return "rotate(\(formatNumber(d)))"
    case .colorJitter(let a): return "color_jitter(\(formatNumber(a)))"
    }
  }
}

/// How the optimized variables make the image.
public enum Parameterization: Equatable, Sendable {
  /// The pixels themselves, clipped to the box after every step.
  case pixel
  /// A Fourier spectrum with frequency decay `1/f^decay`. The channels are mixed by `colors`
  /// (a row-major `C×C` basis, see `colorCorrelation(of:)`) when given, else for three channels
  /// by Lucid's ImageNet colour basis. The image is `centre + halfWidth · tanh(·)`, so it stays
  /// inside the box.
  case fourier(decay: Double, colors: [Float]? = nil)
  /// Lucid's Laplacian pyramid (see `LaplacianPyramid`): `levels` tensors at halving
  /// resolutions, resized bilinearly and summed; the channels are mixed as for `fourier`, and
  /// the image is `low + (high − low) · σ(·)` (Lucid's `to_valid_rgb`), inside the box.
  case laplacian(levels: Int, colors: [Float]? = nil)
  /// Lucid's CPPN (see `CPPN`): the variables are the weights of `layers` 1×1 layers of `width`
  /// channels; its sigmoid output is mapped to the box, `low + (high − low) · output`.
  case cppn(width: Int, layers: Int)
}

/// Where the optimization starts.
public enum InitialImage {
  /// Uniform noise in [−a, a] (per start, from the run's seed).
  case noise(Double)
  /// Uniform noise in [low, high].
  case uniform(Double, Double)
  /// A given image `[C, H, W]` or batch `[N, C, H, W]`.
  case tensor(Tensor)
}

/// Settings of one activation-maximization run.
public struct MaximizeOptions {
  public var steps: Int
  public var rule: GradientRule
  /// The box the image lives in (nil: unbounded, pixel parameterization only).
  public var clip: ClosedRange<Float>?
  public var transforms: [Transform]
  public var parameterization: Parameterization
  /// Random starts per unit, run as one batch.
  public var starts: Int
  public var seed: UInt64
  public var initial: InitialImage
  /// Steps whose images the result keeps (the image after that many updates; `steps` is the
  /// final image).
  public var keep: [Int] = []

  public init(
    steps: Int, rule: GradientRule, clip: ClosedRange<Float>? = -1...1, transforms: [Transform] = [],
    parameterization: Parameterization = .pixel, starts: Int = 1, seed: UInt64 = 0,
    initial: InitialImage = .noise(0.1)
  ) {
    self.steps = steps
    self.rule = rule
    self.clip = clip
    self.transforms = transforms
    self.parameterization = parameterization
    self.starts = starts
    self.seed = seed
    self.initial = initial
  }
}

/// What activation maximization found. Every value is the ORIGINAL network's, on the image
/// without transforms.
public struct MaximizeResult {
  /// The final images, `[N, C, H, W]`: units × starts, unit-major.
  public var image: Tensor
  /// Per-item objective value at `image`.
  public var value: [Float]
  /// Per-item best value seen and the step it came at (`steps` means the final image).
  public var best: [Float]
  public var bestStep: [Int]
  /// Per step (and once after the last): the mean value over items.
  public var history: [Float]
  /// Per item: whether the gradient at the start was exactly zero (a dead unit).
  public var deadStart: [Bool]
  /// The number of steps run (fewer when stopped early).
  public var stepsRun: Int
  /// The number of units and of starts per unit.
  public var units: Int
  public var starts: Int
  /// Per item, the image at its best step, `[N, C, H, W]`.
  public var bestImage: Tensor
  /// The images at the steps of `MaximizeOptions.keep` that the run reached, in step order.
  public var kept: [(step: Int, image: Tensor)] = []
}
