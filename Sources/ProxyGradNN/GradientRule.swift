import ProxyGradTensor

/// The backward slope `b` of a gradient rule: one number, a schedule over the steps of a run,
/// or a map from layer names to slopes (layers not listed keep their own slope).
public indirect enum SlopeSpec: Equatable, Sendable, CustomStringConvertible {
  case constant(Double)
  /// Linear from `from` at the first step to `to` at the last step.
  case anneal(from: Double, to: Double)
  case perLayer([String: SlopeSpec])

  /// The slope for `layer` at `step` of `totalSteps`, or nil when a per-layer map does not list
  /// the layer (or the activation has no name).
  public func value(layer: String?, step: Int, totalSteps: Int) -> Double? {
    switch self {
    case .constant(let b):
      return b
    case .anneal(let from, let to):
      guard totalSteps > 1 else { return from }
      let t = Double(min(max(step, 0), totalSteps - 1)) / Double(totalSteps - 1)
      return from + (to - from) * t
    case .perLayer(let map):
      guard let layer, let spec = map[layer] else { return nil }
      return spec.value(layer: layer, step: step, totalSteps: totalSteps)
    }
  }

  /// Every layer name a per-layer map mentions.
  public var layerNames: [String] {
    if case .perLayer(let map) = self { return map.keys.sorted() }
    return []
  }

  public var description: String {
    switch self {
    case .constant(let b): return formatNumber(b)
    case .anneal(let from, let to): return "anneal(\(formatNumber(from)), \(formatNumber(to)))"
    case .perLayer(let map):
      let items = map.keys.sorted().map { "\($0): \(map[$0]!)" }
      return "{" + items.joined(separator: ", ") + "}"
    }
  }
}

/// Where the gradient of an objective or a loss comes from (docs/engine.md, "Gradient rules"). The value is always the
/// original network's.
public enum GradientRule: Equatable, Sendable, CustomStringConvertible {
  /// Ordinary backpropagation through the original network.
  case plain
  /// Backpropagation through the original network's pre-activations with each Leaky ReLU
  /// derivative replaced by `1 if z > 0 else b`.
  case swap(SlopeSpec)
  /// Forward and backward through a proxy network: same weights, every Leaky ReLU slope `b`.
  case proxy(SlopeSpec)
  /// Lucid's redirected ReLU for the first `steps` steps of a run (then plain): per activation
  /// and per batch item, where the ordinary gradient through the activation is zero for the
  /// whole item, the incoming gradient passes, except where it would push an input that is
  /// already below 0 lower (or, for a clipped activation, one above its top higher).
  case redirect(steps: Int)
  /// Xplique's warm-up: every ReLU's backward is the identity for the first `steps` steps of a
  /// run (a backward slope of 1), then plain. Leaky ReLUs keep their own gradient.
  case openReLU(steps: Int)

  public var description: String {
    switch self {
    case .plain: return "plain()"
    case .swap(let b): return "swap(\(b))"
    case .proxy(let b): return "proxy(\(b))"
    case .redirect(let n): return "redirect(steps: \(n))"
    case .openReLU(let n): return "open_relu(steps: \(n))"
    }
  }
}

/// The slopes one Leaky ReLU uses in one pass.
public struct SlopePair: Equatable, Sendable {
  public var forward: Float
  public var backward: Float
}

/// Decides each activation's slopes during one forward pass.
public struct SlopePolicy: Sendable {
  enum Mode: Sendable {
    case original, swap(SlopeSpec), proxy(SlopeSpec)
    /// The redirected ReLU on every ReLU; `ascending` says which way the gradient is followed.
    case redirect(ascending: Bool)
    /// Every ReLU's backward is the identity.
    case open
  }
  let mode: Mode
  let step: Int
  let totalSteps: Int

  /// The original network: every activation uses its own slope in both passes.
  public static let original = SlopePolicy(mode: .original, step: 0, totalSteps: 1)

  /// The slopes for an activation named `layer` (nil for unnamed ones, such as `relu` in a
  /// function) whose own slope is `forwardSlope`.
  @inline(__always)
  public func slopes(layer: String?, forwardSlope: Float) -> SlopePair {
    switch mode {
    case .original:
      return SlopePair(forward: forwardSlope, backward: forwardSlope)
    case .swap(let spec):
      let b = spec.value(layer: layer, step: step, totalSteps: totalSteps).map(Float.init)
      return SlopePair(forward: forwardSlope, backward: b ?? forwardSlope)
    case .proxy(let spec):
      let b = spec.value(layer: layer, step: step, totalSteps: totalSteps).map(Float.init)
      return SlopePair(forward: b ?? forwardSlope, backward: b ?? forwardSlope)
    case .redirect:
      return SlopePair(forward: forwardSlope, backward: forwardSlope)
    case .open:
      return SlopePair(forward: forwardSlope, backward: forwardSlope == 0 ? 1 : forwardSlope)
    }
  }

  /// Whether ReLUs run the redirected ReLU in this pass (they cannot be fused into the
  /// convolution before them then).
  public var redirects: Bool {
    if case .redirect = mode { return true }
    return false
  }

  /// The activation named `layer` with its own slope `forwardSlope` applied to `x` under this
  /// pass's rule. `redirect` and `open_relu` change ReLUs only (slope 0), as Lucid and Xplique
  /// override only ReLU (and ReLU6) ops: a Leaky ReLU's gradient is never zero.
  public func activate(_ x: Tensor, layer: String?, forwardSlope: Float) -> Tensor {
    if case .redirect(let ascending) = mode, forwardSlope == 0 {
      return redirectedReLU(x, ascending: ascending)
    }
    let pair = slopes(layer: layer, forwardSlope: forwardSlope)
    return leakyReLU(x, forwardSlope: pair.forward, backwardSlope: pair.backward)
  }
}

/// Runs one forward pass under a gradient rule and returns the original network's values and
/// the tensor whose `backward()` gives the rule's gradient.
///
/// - plain: one recorded pass with the original slopes; value and root are the same tensor.
/// - swap: one recorded pass, forward slope `a_f`, backward slope `b`.
/// - proxy: an unrecorded value pass through the original network, then a recorded pass through
///   the proxy network (slope `b` both ways).
/// - redirect: one recorded pass whose activations run the redirected ReLU while
///   `step < steps`, the plain pass after.
/// - open_relu: one recorded pass with ReLUs' backward slope 1 while `step < steps`, plain after.
/// - Parameters:
///   - ascending: whether the caller follows the gradient up (maximize, attribution, `grad`) or
///     down (a training loss); the redirected ReLU needs it to tell "pushes lower" apart.
///   - body: performs the forward pass with the slopes the policy gives and returns per-item
///     values of any shape (their sum is what `backward()` differentiates).
public func withGradientRule(
  _ rule: GradientRule, step: Int = 0, totalSteps: Int = 1, ascending: Bool = true,
  _ body: (SlopePolicy) throws -> Tensor
) rethrows -> (value: Tensor, root: Tensor) {
  switch rule {
  case .plain:
    let value = try body(.original)
    return (value, value)
  case .swap(let spec):
    let value = try body(SlopePolicy(mode: .swap(spec), step: step, totalSteps: totalSteps))
    return (value, value)
  case .proxy(let spec):
    let value = try Autograd.withoutRecording { try body(.original) }
    let root = try body(SlopePolicy(mode: .proxy(spec), step: step, totalSteps: totalSteps))
    return (value, root)
  case .redirect(let n):
    let mode: SlopePolicy.Mode = step < n ? .redirect(ascending: ascending) : .original
    let value = try body(SlopePolicy(mode: mode, step: step, totalSteps: totalSteps))
    return (value, value)
  case .openReLU(let n):
    let mode: SlopePolicy.Mode = step < n ? .open : .original
    let value = try body(SlopePolicy(mode: mode, step: step, totalSteps: totalSteps))
    return (value, value)
  }
}

/// Shortest round-trip text of a number, without a trailing `.0` for integers.
package func formatNumber(_ x: Double) -> String {
  if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
  return String(x)
}
