import ProxyGradNN

/// Text of the language's values as `print`, error messages and notebooks show them, on top of
/// the number, shape and layer-spec printers of ``Format`` (ProxyGradFormat).
extension Format {
  /// A value as `print` shows it: strings without quotes at the top level.
  public static func display(_ value: Value) -> String {
    if case .string(let s) = value { return s }
    return describe(value)
  }

  /// A short form for error messages: `the string "a"`, `3.5`, `a list`.
  public static func brief(_ value: Value) -> String {
    switch value {
    case .number(let x): return number(x)
    case .string(let s): return "the string \"\(s.count > 20 ? String(s.prefix(20)) + "..." : s)\""
    case .bool(let b): return String(b)
    default: return value.typeDescription
    }
  }

  /// A value as the REPL echoes it: strings quoted.
  /// - Parameter readable: numbers (and tensor elements) for people, to
  ///   ``readableDigits`` significant digits, instead of the round-trip form.
  public static func describe(_ value: Value, depth: Int = 0, readable: Bool = false) -> String {
    guard depth < 8 else { return "..." }
    switch value {
    case .number(let x): return readable ? Format.readable(x) : number(x)
    case .tensor(let t) where readable:
      if t.rank == 0 { return "tensor(\(Format.readable(double(t.values.first ?? 0))))" }
      return "tensor(" + nested(t) { Format.readable(double($0)) } + ")"
    case .bool(let b): return String(b)
    case .string(let s): return quoted(s)
    case .none: return "nil"
    case .list(let list): return "[" + list.items.map { describe($0, depth: depth + 1, readable: readable) }.joined(separator: ", ") + "]"
    case .record(let record):
      return "{" + record.fields.map { "\($0.0): \(describe($0.1, depth: depth + 1, readable: readable))" }.joined(separator: ", ") + "}"
    case .range(let r): return "\(r.low)\(r.inclusive ? "..." : "..<")\(r.high)"
    case .tensor(let t): return tensor(t)
    case .layerSpec(let spec): return layerSpec(spec)
    case .layer(let ref):
      guard let layer = ref.layer else { return "<layer \(ref.name)>" }
      return "<layer \(layer.name): \(layer.kind), output \(shape(layer.outputShape))>"
    case .network(let network):
      return "<network input \(shape(network.inputShape)), \(network.layers.count) layers, \(network.parameterCount) parameters>"
    case .function(let closure):
      return "<fn \(closure.name ?? "")(\(closure.parameters.joined(separator: ", ")))>"
    case .builtin(let builtin): return "<builtin \(builtin.name)>"
    case .rule(let rule): return rule.description
    case .slope(let spec): return spec.description
    case .objective(let objective): return Format.objective(objective.objective)
    case .spec(let spec): return spec.description
    case .dataset(let box):
      return "<data set \(box.name): \(box.data.count) images \(shape(box.data.itemShape)), \(box.data.classes.count) classes>"
    case .unset: return "<no value>"
    }
  }

}
