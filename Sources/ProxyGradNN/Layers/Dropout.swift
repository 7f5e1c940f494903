import ProxyGradTensor

/// Inverted dropout in training mode (each element dropped with probability `p`, the kept ones
/// scaled by `1/(1 − p)`); the identity in evaluation mode.
///
/// The mask is drawn from the training mode's seed and the layer's name, so the passes of one
/// step (the original and the proxy network) drop the same elements, and runs reproduce.
public final class Dropout: Layer {
  public let name: String
  public let kind = "dropout"
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  /// The drop probability, in `[0, 1)`.
  public let probability: Float

  public init(name: String, inputShape: [Int], probability: Float) {
    precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
    self.name = name
    self.inputShape = inputShape
    self.probability = probability
  }

  public var summary: String { "dropout(\(formatNumber(Double(probability))))" }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor { x }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy, mode: ForwardMode) -> Tensor {
    guard case .training(let seed) = mode, probability > 0 else { return x }
    var rng = SplitMix64(seed: seed).derived(stableHash(name))
    let keep = dropoutMask(count: x.count, probability: probability, rng: &rng)
    return dropout(x, keep: keep, probability: probability)
  }
}

/// FNV-1a of the UTF-8 bytes: a hash that, unlike `Hasher`, is the same in every process.
func stableHash(_ s: String) -> UInt64 {
  var h: UInt64 = 0xCBF2_9CE4_8422_2325
  for byte in s.utf8 {
    h ^= UInt64(byte)
    h = h &* 0x0000_0100_0000_01B3
  }
  return h
}
