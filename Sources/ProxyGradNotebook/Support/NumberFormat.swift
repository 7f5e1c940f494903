import Foundation

/// Locale-free number formatting shared by every renderer, so output text never depends on the
/// machine it was made on.
package enum NumberFormat {
  /// A number for people: integral values below 1e15 in magnitude without a fraction (`3`),
  /// everything else in Swift's shortest round-trip form (`0.1`, `1e-05`), and `nan`, `inf`,
  /// `-inf` for the non-finite values.
  package static func display(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    if value == value.rounded(.towardZero) && abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
  }

  /// A number shown to people (tables, metric cards, sweep summaries): with `digits` decimal
  /// places when given, otherwise ``readable(_:)``. Files for machines (CSV, JSON) use the
  /// round-trip forms instead.
  package static func shown(_ value: Double, digits: Int?) -> String {
    // Whole numbers stay whole (a step or unit column reads `3`, not `3.00`).
    guard let digits, value != value.rounded() || abs(value) >= 1e15 else { return readable(value) }
    return fixed(value, decimals: digits)
  }

  /// A number for people: whole numbers below 1e15 as integers, others to six significant
  /// digits with trailing zeros dropped (`0.536811`, `28.1602`, `1.5e-7`).
  package static func readable(_ value: Double) -> String {
    if value.isNaN || value.isInfinite || (value == value.rounded(.towardZero) && abs(value) < 1e15) {
      return display(value)
    }
    let text = String(format: "%.6g", value)
    guard let e = text.firstIndex(of: "e") else { return text }
    var mantissa = String(text[..<e])
    if mantissa.contains(".") {
      while mantissa.hasSuffix("0") { mantissa.removeLast() }
      if mantissa.hasSuffix(".") { mantissa.removeLast() }
    }
    let exponent = text[text.index(after: e)...]
    let digits = exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" }
    return mantissa + "e" + (exponent.hasPrefix("-") ? "-" : "") + (digits.isEmpty ? "0" : String(digits))
  }

  /// `value` with exactly `decimals` digits after the point, rounded half away from zero
  /// (`fixed(2.5, decimals: 0)` is `3`). Falls back to `display` for values too large to
  /// hold as a scaled 64-bit integer.
  package static func fixed(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return display(value) }
    let places = max(0, min(decimals, 15))
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
    guard scaled < 9e15 else { return display(value) }
    var digits = String(Int64(scaled))
    if places > 0 {
      if digits.count <= places {
        digits = String(repeating: "0", count: places - digits.count + 1) + digits
      }
      digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
    }
    return (value < 0 && scaled != 0 ? "-" : "") + digits
  }
}

/// Escaping for text placed in HTML or SVG (element content and quoted attribute values).
enum HTMLText {
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }
}
