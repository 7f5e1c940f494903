#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A small, fast, seeded generator (Steele, Lea and Flood's SplitMix64). All randomness in the
/// project flows through explicit instances of it, so runs reproduce exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// A generator whose sequence is fixed by `seed`.
  public init(seed: UInt64) { state = seed }

  /// The generator's whole state: `SplitMix64(seed: g.currentState)` continues exactly where `g` is
  /// (snapshots of a session save it).
  package var currentState: UInt64 { state }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform Float in `[0, 1)` from the top 24 bits.
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// A uniform Double in `[0, 1)` from the top 53 bits.
  public mutating func nextDouble() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// A standard normal sample (Box–Muller on two uniforms; one sample per call).
  public mutating func nextNormal() -> Float {
    let u1 = max(nextDouble(), 1e-300)
    let u2 = nextDouble()
    return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
  }

  /// A uniform integer in `0..<bound`.
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0)
    return Int(next() % UInt64(bound))
  }

  /// A new generator derived from this one and `stream`, for independent sub-streams
  /// (per start, per worker) that do not depend on how many draws came before.
  public func derived(_ stream: UInt64) -> SplitMix64 {
    var g = SplitMix64(seed: state ^ (stream &* 0xD1B5_4A32_D192_ED03))
    _ = g.next()
    return g
  }
}
