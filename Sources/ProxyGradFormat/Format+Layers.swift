import ProxyGradNN

extension Format {
  /// The PGS call of a layer of the CNN set (general convolution and pooling, adaptive pooling,
  /// clip, sigmoid, tanh, identity, softmax, reshape, lrn, constant operations).
  public static func cnnLayerSpec(_ spec: LayerSpec) -> String {
    func named(_ name: String?) -> String { name.map { ", name: \(quoted($0))" } ?? "" }
    func only(_ name: String?) -> String { String(named(name).dropFirst(2)) }
    switch spec {
    case .convolution(let options, let name): return options.pgsDescription + named(name) + ")"
    case .pooling(let options, let name): return options.pgsDescription + named(name) + ")"
    case .adaptiveAvgPool(let size, let name): return "adaptive_avgpool(\(size)\(named(name)))"
    case .clip(let low, let high, let name):
      if low == 0 && high == 6 { return "relu6(\(only(name)))" }
      return "clip(\(number(low)), \(number(high))\(named(name)))"
    case .elementwise(let function, let name): return "\(function.rawValue)(\(only(name)))"
    case .softmax(let name): return "softmax(\(only(name)))"
    case .reshape(let target, let name): return "reshape(\(shape(target))\(named(name)))"
    case .lrn(let size, let alpha, let beta, let k, let name):
      return "lrn(\(size), alpha: \(number(alpha)), beta: \(number(beta)), k: \(number(k))\(named(name)))"
    case .constant(let op, let values, let constantShape, let perChannel, let name):
      let operand: String
      if perChannel {
        operand = "[" + values.map { number(Double($0)) }.joined(separator: ", ") + "]"
      } else if constantShape.isEmpty {
        operand = number(Double(values.first ?? 0))
      } else {
        operand = "tensor(shape \(shape(constantShape)))"
      }
      return "\(op.rawValue)(\(operand)\(named(name)))"
    case .concat(let branches, let name):
      let head = name.map { "concat(name: \(quoted($0)))" } ?? "concat"
      return head + " { " + branches.map(layerSpec).joined(separator: "; ") + " }"
    case .branch(let layers, let name):
      let head = name.map { "branch(name: \(quoted($0)))" } ?? "branch"
      guard !layers.isEmpty else { return head + " { }" }
      return head + " { " + layers.map(layerSpec).joined(separator: "; ") + " }"
    default:
      return "layer"
    }
  }
}
