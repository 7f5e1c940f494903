import ProxyGradNN

/// Gradient rules, objectives and `grad`.
enum GradientBuiltins {
  static let all: [Builtin] = rules + objectives + [gradBuiltin]

  // MARK: - Rules

  static let rules: [Builtin] = [
    Builtin(
      "plain()",
      help: "The ordinary gradient: backpropagation through the original network, each activation using its own slope both ways.",
      example: "g = grad(f, x, plain())"
    ) { _, _ throws(RuntimeError) in .rule(.plain) },
    Builtin(
      "swap(b)",
      help: "The swap rule: values from the original network; gradient by backpropagation through the original pre-activations with every Leaky ReLU derivative replaced by 1 if z > 0 else b. b is a number, a record of per-layer slopes ({relu1: 0.5}; unlisted layers stay plain) or anneal(from, to).",
      example: "swap(0.3)"
    ) { args, _ throws(RuntimeError) in .rule(.swap(try slopeSpec(args.positional[0], args))) },
    Builtin(
      "proxy(b)",
      help: "The proxy rule: values from the original network; gradient from a second forward and backward pass through a proxy network with the same weights and every Leaky ReLU slope set to b. b is a number, a per-layer record or anneal(from, to).",
      example: "proxy({relu1: 0.5, relu2: 0.2})"
    ) { args, _ throws(RuntimeError) in .rule(.proxy(try slopeSpec(args.positional[0], args))) },
    Builtin(
      "anneal(from, to)",
      help: "A backward slope that moves linearly from `from` at the first step of a run to `to` at the last, for swap(...) and proxy(...). A single gradient (grad) uses the first step's slope.",
      example: "swap(anneal(0.6, 0.0))"
    ) { args, _ throws(RuntimeError) in .slope(.anneal(from: try args.number(0), to: try args.number(1))) },
  ]

  static func slopeSpec(_ value: Value, _ args: Arguments) throws(RuntimeError) -> SlopeSpec {
    switch value {
    case .number(let b):
      guard b.isFinite else { throw args.error(.value, "expects a finite slope, got \(Format.number(b))", at: 0) }
      return .constant(b)
    case .slope(let spec): return spec
    case .record(let record):
      var map: [String: SlopeSpec] = [:]
      for (layer, slope) in record.fields {
        switch slope {
        case .number(let b): map[layer] = .constant(b)
        case .slope(let spec): map[layer] = spec
        default:
          throw args.error(.type, "expects a slope for layer '\(layer)' (a number or anneal(...)), got \(slope.typeDescription)", at: 0)
        }
      }
      return .perLayer(map)
    default:
      throw args.error(.type, "expects a slope: a number, a record of per-layer slopes or anneal(from, to), got \(value.typeDescription)", at: 0)
    }
  }

  // MARK: - Objectives

  static let objectives: [Builtin] = [
    Builtin(
      "logit(net, unit)",
      help: "The objective of output unit `unit` of a network (its output must be [classes]). With a range or list of units, one objective per unit: a batch with one image per unit.",
      example: "logit(net, 3)"
    ) { args, _ throws(RuntimeError) in
      let network = try args.network(0)
      let objective: Objective
      switch try args.indexOrIndices(1, one: "a unit index", many: "units") {
      case .one(let unit): objective = .logit(unit)
      case .many(let units): objective = .logits(units)
      }
      return try checked(objective, network, args)
    },
    Builtin(
      "channel(layer, c)",
      help: "The objective of channel c of a layer (net.name): the mean of that channel over positions, or the unit itself for a flat layer. With a range or list, one objective per channel.",
      example: "channel(net.feat, 5)"
    ) { args, _ throws(RuntimeError) in
      let ref = try args.layer(0)
      let objective: Objective
      switch try args.indexOrIndices(1, one: "a channel index", many: "channels") {
      case .one(let c): objective = .channel(layer: ref.name, c)
      case .many(let cs): objective = .channels(layer: ref.name, cs)
      }
      return try checked(objective, ref.network, args)
    },
    Builtin(
      "neuron(layer, c, at: [y, x])",
      help: "The objective of one unit: channel c of a layer at spatial position [y, x].",
      example: "neuron(net.feat, 5, at: [7, 7])"
    ) { args, _ throws(RuntimeError) in
      let ref = try args.layer(0)
      guard let at = args["at"] else { throw args.error(.arity, "expects at: [y, x]") }
      let position = try args.integers(at, what: "a position [y, x]", label: "at")
      guard position.count == 2 else {
        throw args.error(.value, "expects at: [y, x] with two numbers, got \(position.count)", label: "at")
      }
      let objective = Objective.neuron(
        layer: ref.name, try args.integer(1, what: "a channel index"), y: position[0], x: position[1])
      return try checked(objective, ref.network, args)
    },
    Builtin(
      "layer_mean(layer)",
      help: "The objective of a whole layer: the mean of its output over channels and positions. DeepDream in Lucid and Captum is the mean of squares instead: deepdream(layer).",
      example: "maximize(layer_mean(net.feat), steps: 64)"
    ) { args, _ throws(RuntimeError) in
      let ref = try args.layer(0)
      return try checked(.layerMean(layer: ref.name), ref.network, args)
    },
    Builtin(
      "tv()",
      help: "Total variation of the input: a regularizer objective, usually subtracted with a small weight.",
      example: "channel(net.feat, 5) - 0.01 * tv()"
    ) { _, _ throws(RuntimeError) in .objective(ObjectiveValue(objective: .tv, network: nil)) },
    Builtin(
      "l1()",
      help: "The sum of absolute values of the input: a regularizer objective.",
      example: "logit(net, 3) - 0.001 * l1()"
    ) { _, _ throws(RuntimeError) in .objective(ObjectiveValue(objective: .l1, network: nil)) },
    Builtin(
      "l2()",
      help: "The sum of squares of the input: a regularizer objective.",
      example: "logit(net, 3) - 0.001 * l2()"
    ) { _, _ throws(RuntimeError) in .objective(ObjectiveValue(objective: .l2, network: nil)) },
  ]

  static func checked(_ objective: Objective, _ network: Network, _ args: Arguments) throws(RuntimeError) -> Value {
    if let problem = validate(objective, network: network) { throw args.error(.value, problem) }
    return .objective(ObjectiveValue(objective: objective, network: network))
  }

  // MARK: - grad

  static let gradBuiltin = Builtin(
    "grad(f, x) or grad(f, x, rule)",
    help: "One gradient of f at x under a gradient rule, as a record {value, grad}: value is f(x) from the ORIGINAL computation (a number, or a tensor for several items) and grad is a tensor shaped like x. f is a function of a tensor (relu and leaky inside follow the rule) or an objective on a network (x of the network's input shape, or a batch).",
    example: "g = grad(fn(x) { relu(x[0] + x[1] - 1.5) }, tensor([1, 1]), swap(0.3))"
  ) { args, interpreter throws(RuntimeError) in
    var rule = GradientRule.plain
    if args.positional.count == 3 {
      guard case .rule(let r) = args.positional[2] else {
        throw args.error(.type, "expects a gradient rule (plain(), swap(b), proxy(b), redirect() or open_relu()) as argument 3, got \(args.positional[2].typeDescription)", at: 2)
      }
      rule = r
    }
    let x = try TensorBuiltins.tensor(from: args.positional[1], args, at: 1)
    switch args.positional[0] {
    case .objective(let objective):
      return try objectiveGradient(objective, x, rule, args)
    case .function, .builtin, .network:
      return try functionGradient(args.positional[0], x, rule, args, interpreter)
    case let value:
      throw args.error(.type, "expects a function or an objective as argument 1, got \(value.typeDescription)", at: 0)
    }
  }

  static func result(value: Tensor, grad: Tensor) -> Value {
    let shown: Value = value.count == 1 ? .number(Format.double(value.values[0])) : .tensor(value.detached())
    return .record(RecordBox([("value", shown), ("grad", .tensor(grad))]))
  }

  static func functionGradient(
    _ f: Value, _ x: Tensor, _ rule: GradientRule, _ args: Arguments, _ interpreter: Interpreter
  ) throws(RuntimeError) -> Value {
    let leaf = Tensor(shape: x.shape, values: x.values, requiresGrad: true)
    let pass = try interpreter.callingUnderRule(rule, args) { () throws(RuntimeError) in
      let out = try interpreter.callFunction(f, [.tensor(leaf)], at: args.span)
      switch out {
      case .tensor(let t): return t
      case .number:
        throw args.error(.type, "the function returned a number that does not depend on x; return a tensor expression of x (item() and numbers cut the gradient)", at: 0)
      default:
        throw args.error(.type, "the function must return a tensor, got \(out.typeDescription)", at: 0)
      }
    }
    pass.root.backward()
    let gradient = Tensor(shape: x.shape, values: leaf.grad ?? [Float](repeating: 0, count: x.count))
    return result(value: pass.value, grad: gradient)
  }

  static func objectiveGradient(
    _ objective: ObjectiveValue, _ x: Tensor, _ rule: GradientRule, _ args: Arguments
  ) throws(RuntimeError) -> Value {
    let network = try args.network(of: objective, at: 0)
    let shape = network.inputShape
    let batched: Bool
    if x.shape == shape {
      batched = false
    } else if x.rank == shape.count + 1, Array(x.shape.dropFirst()) == shape {
      batched = true
    } else {
      throw args.error(.shape, "expects x of shape \(Format.shape(shape)) or [N] + \(Format.shape(shape)), got \(Format.shape(x.shape))", at: 1)
    }
    let input = batched ? x : x.reshaped(to: [1] + shape)
    if let n = objective.objective.batchSize, n != input.shape[0] {
      throw args.error(.shape, "the objective has one item per unit (\(n)), so x needs a batch of \(n), got \(input.shape[0])", at: 1)
    }
    let (value, gradient) = inputGradient(objective.objective, network: network, input: input, rule: rule)
    return result(
      value: Tensor(shape: [value.count], values: value),
      grad: Tensor(shape: x.shape, values: gradient))
  }
}
