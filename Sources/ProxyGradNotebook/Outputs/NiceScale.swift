import Foundation

/// Axis ranges with "nice" ticks (1, 2 or 5 times a power of ten), after Heckbert's
/// "Nice numbers for graph labels" (Graphics Gems, 1990), loose labelling: the axis runs from
/// the first tick to the last, which enclose the data.
struct NiceScale: Equatable {
  let lower: Double
  let upper: Double
  let step: Double

  /// Ticks from `lower` to `upper` in steps of `step`.
  var ticks: [Double] {
    let count = Int(((upper - lower) / step).rounded()) + 1
    return (0..<max(1, count)).map { lower + Double($0) * step }
  }

  /// Decimals that show every tick exactly (0 for steps ≥ 1).
  var decimals: Int {
    var places = 0
    var scaled = step
    while places < 10 && (scaled - scaled.rounded()).magnitude > 1e-9 * max(1, scaled.magnitude) {
      scaled *= 10
      places += 1
    }
    return places
  }

  /// A scale covering `minimum...maximum` with about `targetTicks` ticks. Non-finite or empty
  /// input gives 0...1; a zero-width range is widened around its value.
  init(minimum: Double, maximum: Double, targetTicks: Int = 6) {
    var low = minimum
    var high = maximum
    if !low.isFinite || !high.isFinite || low > high {
      low = 0
      high = 1
    }
    if low == high {
      let pad = low == 0 ? 1 : abs(low) * 0.5
      low -= pad
      high += pad
    }
    let range = Self.nice(high - low, round: false)
    let step = Self.nice(range / Double(max(1, targetTicks - 1)), round: true)
    self.lower = (low / step).rounded(.down) * step
    self.upper = (high / step).rounded(.up) * step
    self.step = step
  }

  private static func nice(_ value: Double, round: Bool) -> Double {
    let exponent = value.magnitude > 0 ? log10(value).rounded(.down) : 0
    let power = pow10(exponent)
    let fraction = value / power
    let niceFraction: Double
    if round {
      niceFraction = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
    } else {
      niceFraction = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
    }
    return niceFraction * power
  }

  private static func pow10(_ exponent: Double) -> Double {
    var result = 1.0
    let n = Int(exponent.magnitude)
    for _ in 0..<min(n, 300) { result *= 10 }
    return exponent < 0 ? 1 / result : result
  }
}
