import Foundation
import ProxyGradNN

/// How numbers, shapes, tensors, layer specs and objectives read as text, for every front end
/// (docs/architecture.md §2): the one number formatter and shape printer of the tool. The
/// language's values (`Format.describe`) extend it in ProxyGradRuntime.
public enum Format {
  /// Shortest round-trip text; integers without `.0`.
  public static func number(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return String(x)
  }

  /// A tensor element: shortest text that reads back as the same Float32.
  public static func float(_ x: Float) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    if x == x.rounded(), abs(x) < 1e7 { return String(Int64(x)) }
    return String(x)
  }

  /// The Double a Float32 element stands for: its shortest decimal text read back, so that
  /// `item(tensor([0.1]))` is 0.1 and not 0.10000000149011612.
  public static func double(_ x: Float) -> Double {
    guard x.isFinite else { return Double(x) }
    return Double(String(x)) ?? Double(x)
  }

  /// Significant digits of numbers shown to people (REPL echo, tables, metric cards, progress).
  public static let readableDigits = 6

  /// A number for people: whole numbers below 1e15 as integers, others rounded to
  /// `significant` significant digits with trailing zeros dropped (`0.536811`, `28.1602`,
  /// `1.5e-07`). Files for machines keep `number(_:)`, the shortest round-trip form.
  public static func readable(_ x: Double, significant: Int = readableDigits) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    let text = String(format: "%.\(max(1, min(significant, 17)))g", x)
    // %g writes exponents with at least two digits and a sign: 1.5e-07, 2e+20.
    guard let e = text.firstIndex(of: "e") else { return text }
    var mantissa = String(text[..<e])
    var exponent = String(text[text.index(after: e)...])
    if mantissa.contains(".") {
      while mantissa.hasSuffix("0") { mantissa.removeLast() }
      if mantissa.hasSuffix(".") { mantissa.removeLast() }
    }
    let negative = exponent.hasPrefix("-")
    exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
    return mantissa + "e" + (negative ? "-" : "") + (exponent.isEmpty ? "0" : exponent)
  }

  /// A number as tables, metric cards and progress lines show it: with `digits` decimal places
  /// when given (whole numbers stay whole: a step or unit column reads `3`, not `3.00`),
  /// otherwise ``readable(_:significant:)``.
  public static func shown(_ x: Double, digits: Int?) -> String {
    guard let digits, x != x.rounded() || abs(x) >= 1e15 else { return readable(x) }
    return fixed(x, decimals: digits)
  }

  /// `x` with exactly `decimals` digits after the point, rounded half away from zero
  /// (`fixed(2.5, decimals: 0)` is `3`). Falls back to ``number(_:)`` for values too large to
  /// hold as a scaled 64-bit integer.
  public static func fixed(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return number(x) }
    let places = max(0, min(decimals, 15))
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(x) * scale).rounded(.toNearestOrAwayFromZero)
    guard scaled < 9e15 else { return number(x) }
    var digits = String(Int64(scaled))
    if places > 0 {
      if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
      digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
    }
    return (x < 0 && scaled != 0 ? "-" : "") + digits
  }

  /// A tensor's elements as nested brackets, each written by `element`.
  public static func nested(_ t: Tensor, _ element: (Float) -> String) -> String {
    var index = 0
    func level(_ axis: Int) -> String {
      if axis == t.rank - 1 {
        let row = t.values[index..<index + t.shape[axis]].map(element)
        index += t.shape[axis]
        return "[" + row.joined(separator: ", ") + "]"
      }
      return "[" + (0..<t.shape[axis]).map { _ in level(axis + 1) }.joined(separator: ", ") + "]"
    }
    return level(0)
  }

  public static func shape(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }

  public static func quoted(_ s: String) -> String {
    var out = "\""
    for c in s {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default: out.append(c)
      }
    }
    return out + "\""
  }

  /// Small tensors in full, as nested lists; large ones as a summary.
  public static func tensor(_ t: Tensor) -> String {
    if t.count > 64 {
      let values = t.values
      let mean = values.reduce(0, +) / Float(max(values.count, 1))
      let low = values.min() ?? 0
      let high = values.max() ?? 0
      return "tensor(shape \(shape(t.shape)), mean \(float(mean)), min \(float(low)), max \(float(high)))"
    }
    if t.rank == 0 { return "tensor(\(float(t.values.first ?? 0)))" }
    var index = 0
    func nested(_ axis: Int) -> String {
      if axis == t.rank - 1 {
        let row = t.values[index..<index + t.shape[axis]].map { float($0) }
        index += t.shape[axis]
        return "[" + row.joined(separator: ", ") + "]"
      }
      return "[" + (0..<t.shape[axis]).map { _ in nested(axis + 1) }.joined(separator: ", ") + "]"
    }
    return "tensor(\(nested(0)))"
  }

  public static func layerSpec(_ spec: LayerSpec) -> String {
    func named(_ name: String?) -> String { name.map { ", name: \(quoted($0))" } ?? "" }
    switch spec {
    case .conv(let out, let kernel, let stride, let padding, let name):
      return "conv(\(out), \(kernel)\(stride != 1 ? ", stride: \(stride)" : "")\(padding != 0 ? ", pad: \(padding)" : "")\(named(name)))"
    case .linear(let out, let name): return "linear(\(out)\(named(name)))"
    case .leakyReLU(let slope, let name):
      return slope == 0 ? "relu(\(named(name).dropFirst(2)))" : "leaky(\(number(slope))\(named(name)))"
    case .maxPool(let kernel, let stride, let name):
      return "maxpool(\(kernel)\(stride.map { ", stride: \($0)" } ?? "")\(named(name)))"
    case .avgPool(let kernel, let stride, let name):
      return "avgpool(\(kernel)\(stride.map { ", stride: \($0)" } ?? "")\(named(name)))"
    case .flatten(let name): return "flatten(\(named(name).dropFirst(2)))"
    case .batchNorm(let name): return "batchnorm(\(named(name).dropFirst(2)))"
    case .globalAveragePool(let name): return "gap(\(named(name).dropFirst(2)))"
    case .dropout(let p, let name): return "dropout(\(number(p))\(named(name)))"
    case .residual(let project, let layers, let name):
      let options = (project ? ["project: true"] : []) + (name.map { ["name: \(quoted($0))"] } ?? [])
      let head = options.isEmpty ? "residual" : "residual(\(options.joined(separator: ", ")))"
      return head + " { " + layers.map(layerSpec).joined(separator: "; ") + " }"
    default:
      return cnnLayerSpec(spec)
    }
  }

  public static func objective(_ objective: Objective) -> String {
    switch objective {
    case .logit(let k): return "logit(\(k))"
    case .logits(let ks): return "logit([\(ks.map(String.init).joined(separator: ", "))])"
    case .channel(let layer, let c): return "channel(\(layer), \(c))"
    case .channels(let layer, let cs): return "channel(\(layer), [\(cs.map(String.init).joined(separator: ", "))])"
    case .neuron(let layer, let c, let y, let x): return "neuron(\(layer), \(c), at: [\(y), \(x)])"
    case .layerMean(let layer): return "mean(\(layer))"
    case .direction(let layer, let v, let at):
      let position = at.map { ", at: [\($0[0]), \($0[1])]" } ?? ""
      return "direction(\(layer), [\(v.map { number($0) }.joined(separator: ", "))]\(position))"
    case .diversity(let layer, _): return "diversity(\(layer))"
    case .deepdream(let layer): return "deepdream(\(layer))"
    case .tv: return "tv()"
    case .l1: return "l1()"
    case .l2: return "l2()"
    case .blur: return "blur()"
    case .sum(let a, .scaled(let b, let w)) where w < 0:
      return "\(Format.objective(a)) - \(Format.objective(w == -1 ? b : .scaled(b, -w)))"
    case .sum(let a, let b): return "\(Format.objective(a)) + \(Format.objective(b))"
    case .scaled(let a, let w):
      if case .sum = a { return "\(number(w)) * (\(Format.objective(a)))" }
      return "\(number(w)) * \(Format.objective(a))"
    }
  }
}
