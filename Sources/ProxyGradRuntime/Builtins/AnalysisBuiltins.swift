import Foundation
import ProxyGradNN

/// Builtins for looking at results: truth of tensors, arg-extrema, softmax, joining, sorting,
/// list helpers, number formatting and a network's intermediate activations.
enum AnalysisBuiltins {
  static let all: [Builtin] = truth + tensorOps + lists + text + inspection

  // MARK: - Truth

  static let truth: [Builtin] = [
    Builtin(
      "any(x)",
      help: "Whether any element of a tensor is nonzero, or any item of a list is true. Use it to turn an elementwise comparison into a condition: a tensor of several elements cannot be a condition by itself.",
      example: "if any(x > 2) { print(\"some element above 2\") }"
    ) { args, _ throws(RuntimeError) in .bool(try quantify(args, every: false)) },
    Builtin(
      "all(x)",
      help: "Whether every element of a tensor is nonzero, or every item of a list is true.",
      example: "all(tensor([1, 2, 3]) > 0)"
    ) { args, _ throws(RuntimeError) in .bool(try quantify(args, every: true)) },
  ]

  static func quantify(_ args: Arguments, every: Bool) throws(RuntimeError) -> Bool {
    switch args.positional[0] {
    case .tensor(let t): return every ? t.values.allSatisfy { $0 != 0 } : t.values.contains { $0 != 0 }
    case .list(let list):
      for item in list.items {
        let b = try item.truth(at: args.spanOf(0))
        if b != every { return b }
      }
      return every
    case let value: throw args.error(.type, "expects a tensor or a list, got \(value.typeDescription)", at: 0)
    }
  }

  // MARK: - Tensor operations

  static let tensorOps: [Builtin] = [
    Builtin(
      "argmax(t, axis: nil)",
      help: "The index of the largest element: of the whole tensor as a number (counting elements in row-major order), or with axis: a tensor of indices along that axis, which is removed. The first index wins ties.",
      example: "argmax(tensor([[1, 5], [7, 2]]), axis: 1)"
    ) { args, _ throws(RuntimeError) in try argExtreme(args, largest: true) },
    Builtin(
      "argmin(t, axis: nil)",
      help: "The index of the smallest element: of the whole tensor as a number, or with axis: a tensor of indices along that axis.",
      example: "argmin(tensor([3, 1, 2]))"
    ) { args, _ throws(RuntimeError) in try argExtreme(args, largest: false) },
    Builtin(
      "log_softmax(t, axis: -1)",
      help: "Log-softmax along an axis (the last by default): x - log(sum(exp(x))), computed stably. Differentiable.",
      example: "log_softmax(tensor([1, 2, 3]))"
    ) { args, _ throws(RuntimeError) in
      let t = try args.tensor(0)
      return .tensor(logSoftmax(t, axis: try axis(args, t)))
    },
    Builtin(
      "stack(tensors, axis: 0)",
      help: "Tensors of one shape (a list; numbers count as scalar tensors) joined along a new axis. Differentiable.",
      example: "stack([tensor([1, 2]), tensor([3, 4])])"
    ) { args, _ throws(RuntimeError) in
      let xs = try tensorList(args)
      guard xs.allSatisfy({ $0.shape == xs[0].shape }) else {
        throw args.error(.shape, "expects tensors of one shape, got \(xs.map { Format.shape($0.shape) }.joined(separator: ", "))", at: 0)
      }
      let a = try axis(args, rank: xs[0].rank + 1, shape: xs[0].shape)
      return .tensor(stack(xs, axis: a))
    },
    Builtin(
      "sort(t, axis: -1, descending: false)",
      help: "A tensor's elements sorted along an axis (the last by default), ascending unless descending: true. Differentiable (the gradient goes back to each element's place). For lists, use sorted.",
      example: "sort(tensor([3, 1, 2]), descending: true)"
    ) { args, _ throws(RuntimeError) in
      guard case .tensor(let t) = args.positional[0], t.rank >= 1 else {
        throw args.error(.type, "expects a tensor of rank 1 or more, got \(Format.brief(args.positional[0])); for lists use sorted(...)", at: 0)
      }
      let a = try axis(args, t)
      return .tensor(t.takingAlong(axis: a, order: sortOrder(t, axis: a, descending: try flag(args, "descending"))))
    },
    Builtin(
      "topk(t, k, axis: -1)",
      help: "The k largest elements along an axis (the last by default), largest first, as a record {values, indices}: values is differentiable, indices holds their positions along the axis.",
      example: "top = topk(softmax(tensor([1, 3, 2])), 2); top.indices"
    ) { args, _ throws(RuntimeError) in
      guard case .tensor(let t) = args.positional[0], t.rank >= 1 else {
        throw args.error(.type, "expects a tensor of rank 1 or more, got \(Format.brief(args.positional[0]))", at: 0)
      }
      let a = try axis(args, t)
      let k = try args.integer(1, min: 1, what: "a whole number k >= 1")
      guard k <= t.shape[a] else {
        throw args.error(.value, "k is \(k), but axis \(a) of shape \(Format.shape(t.shape)) has only \(t.shape[a]) elements", at: 1)
      }
      let order = sortOrder(t, axis: a, descending: true).map { Array($0.prefix(k)) }
      let values = t.takingAlong(axis: a, order: order)
      let indices = Tensor(shape: values.shape, values: placeAlong(values.shape, axis: a, order))
      return .record(RecordBox([("values", .tensor(values)), ("indices", .tensor(indices))]))
    },
  ]

  /// The values of per-line index lists laid out in a tensor of `shape` (the axis holding them).
  static func placeAlong(_ shape: [Int], axis: Int, _ order: [[Int]]) -> [Float] {
    let (outer, k, inner) = (Shape.count(Array(shape[..<axis])), shape[axis], Shape.count(Array(shape[(axis + 1)...])))
    var out = [Float](repeating: 0, count: outer * k * inner)
    for o in 0..<outer {
      for i in 0..<inner {
        for (j, e) in order[o * inner + i].enumerated() { out[(o * k + j) * inner + i] = Float(e) }
      }
    }
    return out
  }

  static func argExtreme(_ args: Arguments, largest: Bool) throws(RuntimeError) -> Value {
    let t = try args.tensor(0)
    guard t.count > 0 else { throw args.error(.value, "the tensor is empty", at: 0) }
    guard args["axis"] != nil else {
      return .number(Double(argExtremum(t.reshaped(to: [t.count]), axis: 0, largest: largest)[0]))
    }
    let a = try axis(args, t)
    var shape = t.shape
    shape.remove(at: a)
    return .tensor(Tensor(shape: shape, values: argExtremum(t, axis: a, largest: largest).map(Float.init)))
  }

  /// The extreme of a tensor along `axis:` (a differentiable tensor with that axis removed), or
  /// of the whole tensor; nil when the arguments are not one tensor.
  static func extreme(_ args: Arguments, largest: Bool, _ interpreter: Interpreter) throws(RuntimeError) -> Value? {
    guard args.positional.count == 1, case .tensor(let t) = args.positional[0] else {
      if args["axis"] != nil { throw args.error(.type, "axis: needs one tensor argument", label: "axis") }
      return nil
    }
    guard t.count > 0 else { throw args.error(.value, "the tensor is empty", at: 0) }
    if args["axis"] != nil {
      return .tensor(extremum(t, axis: try axis(args, t), largest: largest))
    }
    let whole = largest ? max(t) : extremum(t.reshaped(to: [t.count]), axis: 0, largest: false)
    return TensorBuiltins.scalar(whole, interpreter)
  }

  // MARK: - Lists

  static let lists: [Builtin] = [
    Builtin(
      "map(items, f)",
      help: "A new list of f(item) for every item of a list, range, or tensor (its rows along the first axis).",
      example: "map([1, 2, 3], fn(x) { x * x })"
    ) { args, interpreter throws(RuntimeError) in
      let items = try sequence(args, 0)
      var out: [Value] = []
      out.reserveCapacity(items.count)
      for item in items { out.append(try interpreter.callFunction(args.positional[1], [item], at: args.span)) }
      return .list(ListBox(out))
    },
    Builtin(
      "zip(a, b, ...)",
      help: "A list of lists pairing the items of several lists (ranges, tensors' rows) position by position, as long as the shortest.",
      example: "for p in zip([\"a\", \"b\"], [1, 2]) { print(p[0], p[1]) }"
    ) { args, _ throws(RuntimeError) in
      var columns: [[Value]] = []
      for i in args.positional.indices { columns.append(try sequence(args, i)) }
      let n = columns.map(\.count).min() ?? 0
      return .list(ListBox((0..<n).map { row in .list(ListBox(columns.map { $0[row] })) }))
    },
    Builtin(
      "sorted(items, key: nil, descending: false)",
      help: "A new list of the items sorted ascending (numbers or strings), or by key(item) when key: is a function; stable, so equal items keep their order. The list itself is not changed.",
      example: "sorted([{n: \"b\", v: 2}, {n: \"a\", v: 1}], key: fn(r) { r.v })"
    ) { args, interpreter throws(RuntimeError) in
      let items = try sequence(args, 0)
      var keys = items
      if let key = args["key"] {
        keys = []
        for item in items { keys.append(try interpreter.callFunction(key, [item], at: args.span)) }
      }
      let descending = try flag(args, "descending")
      var failure: RuntimeError?
      let order = Array(items.indices).sorted { a, b in
        switch (keys[a], keys[b]) {
        case (.number(let x), .number(let y)) where x != y: return descending ? x > y : x < y
        case (.string(let x), .string(let y)) where x != y: return descending ? x > y : x < y
        case (.number, .number), (.string, .string): return a < b
        default:
          failure = failure ?? args.error(
            .type, "cannot order \(keys[a].typeDescription) and \(keys[b].typeDescription); sort numbers or strings, or give key: a function that returns one", at: 0)
          return a < b
        }
      }
      if let failure { throw failure }
      return .list(ListBox(order.map { items[$0] }))
    },
  ]

  /// The items of a list, range or tensor (rows) argument.
  static func sequence(_ args: Arguments, _ index: Int) throws(RuntimeError) -> [Value] {
    switch args.positional[index] {
    case .list(let list): return list.items
    case .range(let r): return r.values.map { .number(Double($0)) }
    case .tensor(let t) where t.rank >= 1: return (0..<t.shape[0]).map { .tensor(t.index($0)) }
    case let value: throw args.error(.type, "expects a list, a range or a tensor, got \(value.typeDescription)", at: index)
    }
  }

  // MARK: - Text

  static let text: [Builtin] = [
    Builtin(
      "format(x, digits: nil, significant: nil)",
      help: "Text of a number with `digits` decimal places (format(3.14159, digits: 2) is \"3.14\"), or with `significant` significant digits; without either, as the REPL shows numbers to people (6 significant digits). Tensors, lists and records are formatted element by element.",
      example: "print(\"accuracy \" + format(0.912345, digits: 3))"
    ) { args, _ throws(RuntimeError) in
      if args["digits"] != nil, args["significant"] != nil {
        throw args.error(.value, "give digits: or significant:, not both", label: "significant")
      }
      let style: NumberStyle
      if args["digits"] != nil {
        let d = try args.integer("digits", in: 0...15)
        style = .decimals(d)
      } else if args["significant"] != nil {
        let d = try args.integer("significant", in: 1...17)
        style = .significant(d)
      } else {
        style = .significant(Format.readableDigits)
      }
      return .string(formatted(args.positional[0], style))
    },
  ]

  enum NumberStyle {
    case decimals(Int)
    case significant(Int)
  }

  static func formatted(_ value: Value, _ style: NumberStyle, depth: Int = 0) -> String {
    func number(_ x: Double) -> String {
      switch style {
      case .decimals(let d): return Format.fixed(x, decimals: d)
      case .significant(let d): return Format.readable(x, significant: d)
      }
    }
    guard depth < 8 else { return "..." }
    switch value {
    case .number(let x): return number(x)
    case .string(let s): return s
    case .tensor(let t):
      if t.rank == 0 { return number(Format.double(t.values[0])) }
      return Format.nested(t) { number(Format.double($0)) }
    case .list(let list): return "[" + list.items.map { formatted($0, style, depth: depth + 1) }.joined(separator: ", ") + "]"
    case .record(let record):
      return "{" + record.fields.map { "\($0.0): \(formatted($0.1, style, depth: depth + 1))" }.joined(separator: ", ") + "}"
    default: return Format.display(value)
    }
  }

  // MARK: - Activations

  static let inspection: [Builtin] = [
    Builtin(
      "activations(net, x, layers: nil)",
      help: "The outputs of a network's layers for an input (of the network's input shape) or a batch, as a record from full layer name to tensor; layers: picks some (names as strings, or layers such as net.feat), otherwise every layer. net.name(x) gives one layer's output. Differentiable, and under grad the active rule applies.",
      example: "a = activations(net, x, layers: [\"conv1\", \"relu1\"]); a.relu1.shape"
    ) { args, interpreter throws(RuntimeError) in
      let network = try args.network(0)
      var names: [String] = network.allLayers.map(\.name)
      if let chosen = args["layers"] {
        guard case .list(let list) = chosen else {
          throw args.error(.type, "expects layers: a list of layer names or layers, got \(chosen.typeDescription)", label: "layers")
        }
        names = []
        for item in list.items {
          switch item {
          case .string(let name): names.append(name)
          case .layer(let ref) where ref.network === network: names.append(ref.name)
          default:
            throw args.error(.type, "expects layers: names of this network's layers or its layers, found \(Format.brief(item))", label: "layers")
          }
        }
      }
      for name in names where network.layer(named: name) == nil {
        throw args.error(.name, "network has no layer '\(name)'; layers: \(Access.layerNames(network))", label: "layers")
      }
      let taps = try tapped(network, try args.tensor(1), names: names, args, at: 1, interpreter)
      return .record(RecordBox(names.map { ($0, .tensor(taps[$0]!)) }))
    },
  ]

  /// Runs the network on `x` (one input or a batch) and returns the outputs of `names`, without
  /// the batch axis for a single input.
  static func tapped(
    _ network: Network, _ x: Tensor, names: [String], _ args: Arguments, at index: Int, _ interpreter: Interpreter
  ) throws(RuntimeError) -> [String: Tensor] {
    let shape = network.inputShape
    let single = x.shape == shape
    guard single || (x.rank == shape.count + 1 && Array(x.shape.dropFirst()) == shape) else {
      throw args.error(
        .shape, "expects an input of shape \(Format.shape(shape)) or [N] + \(Format.shape(shape)), got \(Format.shape(x.shape))", at: index)
    }
    let batch = single ? x.reshaped(to: [1] + shape) : x
    let taps = network.forward(batch, policy: interpreter.policy, taps: Set(names)).taps
    guard single else { return taps }
    return taps.mapValues { $0.reshaped(to: Array($0.shape.dropFirst())) }
  }

  /// `net.feat(x)`: one layer's output for an input or a batch.
  static func layerOutput(_ ref: LayerRef, _ args: inout Arguments, interpreter: Interpreter) throws(RuntimeError) -> Value {
    args.name = ref.name
    guard args.positional.count == 1, args.named.isEmpty, ref.layer != nil else {
      throw args.error(.arity, "a layer of a network is called with one tensor, net.\(ref.name)(x), and gives that layer's output")
    }
    let taps = try tapped(ref.network, try args.tensor(0), names: [ref.name], args, at: 0, interpreter)
    return .tensor(taps[ref.name]!)
  }

  // MARK: - Argument helpers

  /// `concat(tensors, axis: 0)`: the tensors of a list joined along an existing axis.
  static func concatenation(_ args: Arguments) throws(RuntimeError) -> Value {
    let xs = try tensorList(args)
    guard xs.allSatisfy({ $0.rank >= 1 && $0.rank == xs[0].rank }) else {
      throw args.error(.shape, "expects tensors of one rank (at least 1), got \(xs.map { Format.shape($0.shape) }.joined(separator: ", "))", at: 0)
    }
    let a = try axis(args, xs[0])
    for x in xs {
      var u = x.shape, v = xs[0].shape
      u[a] = 0
      v[a] = 0
      guard u == v else {
        throw args.error(
          .shape, "cannot join shapes \(Format.shape(xs[0].shape)) and \(Format.shape(x.shape)) along axis \(a); the other axes must agree", at: 0)
      }
    }
    return .tensor(concat(xs, axis: a))
  }

  /// `axis:` for a tensor (negative counts from the end), or its declared default.
  static func axis(_ args: Arguments, _ t: Tensor) throws(RuntimeError) -> Int {
    guard t.rank >= 1 else { throw args.error(.shape, "expects a tensor with at least one axis, got shape []", at: 0) }
    return try axis(args, rank: t.rank, shape: t.shape)
  }

  static func axis(_ args: Arguments, rank: Int, shape: [Int]) throws(RuntimeError) -> Int {
    let given = try args.integer("axis")
    let a = given < 0 ? given + rank : given
    guard a >= 0, a < rank else {
      throw args.error(.shape, "axis \(given) is out of range for a tensor of shape \(Format.shape(shape)) (valid: \(-rank)...\(rank - 1))", label: "axis")
    }
    return a
  }

  /// `label:` as true or false, or its declared default.
  static func flag(_ args: Arguments, _ label: String) throws(RuntimeError) -> Bool {
    let value = try args.required(label)
    guard case .bool(let b) = value else {
      throw args.error(.type, "expects true or false for \(label):, got \(Format.brief(value))", label: label)
    }
    return b
  }

  /// A non-empty list of tensors (numbers become scalar tensors).
  static func tensorList(_ args: Arguments) throws(RuntimeError) -> [Tensor] {
    guard case .list(let list) = args.positional[0], !list.items.isEmpty else {
      throw args.error(.type, "expects a non-empty list of tensors, got \(Format.brief(args.positional[0]))", at: 0)
    }
    var out: [Tensor] = []
    for item in list.items {
      switch item {
      case .tensor(let t): out.append(t)
      case .number(let x): out.append(Tensor(scalar: Float(x)))
      default: throw args.error(.type, "expects a list of tensors, found \(item.typeDescription)", at: 0)
      }
    }
    return out
  }
}
