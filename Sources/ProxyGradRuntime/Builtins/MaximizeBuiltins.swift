import ProxyGradNN

/// `maximize`: activation maximization of an objective on a network, or gradient ascent on any
/// differentiable function of a tensor, under a gradient rule.
enum MaximizeBuiltins {
  static let all: [Builtin] = [maximizeBuiltin]

  static let maximizeBuiltin = Builtin(
    "maximize(objective, steps: 256, optimizer: adam(lr: 0.05), grad: plain(), init: noise(0.1), clip: [-1, 1], transforms: [], starts: 1, seed: nil, param: pixel(), keep: [])",
    help: "Gradient ascent on the input: activation maximization of an objective on a network (logit, channel, neuron and their algebra), or ascent on any function of a tensor (then init: must be a tensor). The gradient follows grad: (plain(), swap(b), proxy(b)); every value reported is the ORIGINAL network's. Returns a record: image, value (a number for one unit and one start, else a tensor), best, best_step, best_image (each item's image at its best step), history (rows of step and value), rule, dead_start and, when the gradient at the start was exactly zero, a note suggesting a backward slope. keep: [16, 64, 256] adds kept (the images after those many steps, step-major) and kept_steps, for a film strip. On a function, transforms:, param:, starts: and seed: are refused (they need an image objective). starts: N runs N random starts per unit as one batch; logit(net, 0...9) makes one image per unit. Ctrl-C stops it and keeps the result so far.",
    example: "r = maximize(logit(net, 3), steps: 256, grad: proxy(0.5), transforms: [jitter(2)], starts: 4, seed: 1)"
  ) { args, interpreter throws(RuntimeError) in
    let steps = try args.integer("steps", min: 0)
    let rule = try OptimizerBuiltins.rule(args, interpreter)
    let optimizer = try OptimizerBuiltins.optimizer(args, interpreter)
    let clip = try clipBox(args)
    let keep = try keptSteps(args, steps: steps)
    switch args.positional[0] {
    case .objective(let objective):
      let network = try args.network(of: objective, at: 0)
      if let problem = rule.layerProblem(in: network) {
        throw args.error(.value, problem, label: "grad")
      }
      var options = MaximizeOptions(steps: steps, rule: rule, clip: clip)
      options.starts = try args.integer("starts", min: 1)
      options.seed = try OptimizerBuiltins.seed(args, interpreter)
      options.transforms = try transforms(args)
      options.parameterization = try parameterization(args, network: network, interpreter)
      options.initial = try initial(args, network: network, parameterization: options.parameterization, interpreter)
      options.keep = keep
      let result = try optimizer.with { (o: inout any Optimizer) throws(RuntimeError) in
        try run(objective.objective, network, options, &o, interpreter)
      }
      return warningOfDivergence(record(result, rule: rule, interpreter: interpreter), args, interpreter)
    case .function, .builtin:
      for label in ["transforms", "param", "starts", "seed"] where args[label] != nil {
        throw args.error(.value, "\(label): applies to objectives on a network (it shapes images and their random starts); maximizing a function starts from init: alone, so leave \(label): out or pass a batch as init:", label: label)
      }
      guard case .tensor(let start)? = args["init"] else {
        throw args.error(.value, "maximizing a function needs init: a tensor to start from, such as uniform([2], -1, 1)", label: "init")
      }
      let result = try optimizer.with { (o: inout any Optimizer) throws(RuntimeError) in
        try FunctionAscent(function: args.positional[0], steps: steps, rule: rule, clip: clip, keep: Set(keep))
          .run(from: start, optimizer: &o, args, interpreter)
      }
      return warningOfDivergence(result, args, interpreter)
    case let other:
      throw args.error(.type, "expects an objective (such as logit(net, 3)) or a function of a tensor, got \(other.typeDescription)", at: 0)
    }
  }

  /// Warns at the first step of the history whose objective is NaN or infinite.
  static func warningOfDivergence(_ result: Value, _ args: Arguments, _ interpreter: Interpreter) -> Value {
    guard case .record(let record) = result, case .list(let history)? = record["history"] else { return result }
    for case .record(let row) in history.items {
      guard case .number(let value)? = row["value"], !value.isFinite, case .number(let step)? = row["step"]
      else { continue }
      interpreter.output.emit(
        .warning("\(args.span): maximize: the objective became \(Format.number(value)) at step \(Format.number(step))\n"))
      break
    }
    return result
  }

  static func run<O: Optimizer>(
    _ objective: Objective, _ network: Network, _ options: MaximizeOptions, _ optimizer: inout O,
    _ interpreter: Interpreter
  ) throws(RuntimeError) -> MaximizeResult {
    interpreter.progress?.begin("maximize", total: options.steps)
    var done = 0
    let result = maximize(objective, network: network, options: options, optimizer: &optimizer) {
      if done > 0 { interpreter.progress?.update(completed: done, detail: "") }
      done += 1
      return interpreter.stops.isRequested
    }
    interpreter.progress?.end(completed: result.stepsRun, detail: "mean value \(Format.readable(Double(result.value.reduce(0, +)) / Double(max(result.value.count, 1))))")
    return result
  }

  // MARK: - Options

  /// The steps of `keep:`, sorted, each within 0...steps.
  static func keptSteps(_ args: Arguments, steps: Int) throws(RuntimeError) -> [Int] {
    let list = try args.integers(try args.required("keep"), what: "steps to keep", label: "keep")
    for s in list where s < 0 || s > steps {
      throw args.error(.value, "keep: step \(s) is outside 0...\(steps) (the run has \(steps) steps)", label: "keep")
    }
    return Array(Set(list)).sorted()
  }

  static func clipBox(_ args: Arguments) throws(RuntimeError) -> ClosedRange<Float>? {
    let value = try args.required("clip")
    if case .none = value { return nil }
    guard case .list(let list) = value, list.items.count == 2,
      case .number(let low) = list.items[0], case .number(let high) = list.items[1]
    else {
      throw args.error(.type, "clip expects [low, high] or nil, got \(Format.brief(value))", label: "clip")
    }
    guard low < high, low.isFinite, high.isFinite else {
      throw args.error(.value, "clip expects [low, high] with low < high, got [\(Format.number(low)), \(Format.number(high))]", label: "clip")
    }
    return Float(low)...Float(high)
  }

  static func transforms(_ args: Arguments) throws(RuntimeError) -> [Transform] {
    let value = try args.required("transforms")
    guard case .list(let list) = value else {
      throw args.error(.type, "expects transforms: a list such as [pad(2), jitter(2)], got \(value.typeDescription)", label: "transforms")
    }
    var result: [Transform] = []
    for item in list.items {
      guard case .spec(.transform(let t)) = item else {
        throw args.error(.type, "expects transforms made by jitter, pad, scale, rotate or color_jitter, got \(item.typeDescription)", label: "transforms")
      }
      result.append(t)
    }
    return result
  }

  /// The parameterization of `param:`, checked against the network's images.
  static func parameterization(_ args: Arguments, network: Network, _ interpreter: Interpreter) throws(RuntimeError) -> Parameterization {
    let value = try args.value("param", interpreter)
    guard case .spec(.parameterization(let p))? = value else {
      throw args.error(.type, "expects param: pixel(), fourier(), laplacian() or cppn(), got \(value?.typeDescription ?? "nothing")", label: "param")
    }
    if case .pixel = p { return p }
    let item = network.inputShape
    let name = Spec.parameterization(p).description
    guard item.count == 3 else {
      throw args.error(.shape, "param: \(name) makes images [C, H, W], but the network's input is \(Format.shape(item)); use pixel()", label: "param")
    }
    let colors: [Float]?
    switch p {
    case .fourier(_, let c), .laplacian(_, let c): colors = c
    case .pixel, .cppn: colors = nil
    }
    if let colors, colors.count != item[0] * item[0] {
      let size = Int(Double(colors.count).squareRoot())
      throw args.error(.shape, "param: the colour basis is \(size)×\(size), but the network's images have \(item[0]) channel\(item[0] == 1 ? "" : "s")", label: "param")
    }
    if case .laplacian(let levels, _) = p {
      let most = LaplacianPyramid.maxLevels(height: item[1], width: item[2])
      guard levels <= most else {
        throw args.error(.value, "param: laplacian(levels: \(levels)) halves the image \(levels - 1) times, but the network's \(item[1])×\(item[2]) images allow at most \(most) level\(most == 1 ? "" : "s")", label: "param")
      }
    }
    return p
  }

  /// The start of `init:` (or its declared default), checked against the parameterization.
  static func initial(
    _ args: Arguments, network: Network, parameterization: Parameterization, _ interpreter: Interpreter
  ) throws(RuntimeError) -> InitialImage {
    let value = try args.value("init", interpreter) ?? .none
    if args["init"] != nil {
      switch parameterization {
      case .cppn:
        throw args.error(.value, "init: does not apply to cppn(): its weights start as Lucid initializes them, from the seed; leave init: out", label: "init")
      case .laplacian:
        if case .tensor = value {
          throw args.error(.value, "init: a tensor starts pixel() only; laplacian() draws its levels from noise(a), a the standard deviation", label: "init")
        }
      case .pixel, .fourier: break
      }
    }
    switch value {
    case .spec(.initial(let i)): return i
    case .tensor(let t):
      let item = network.inputShape
      guard Array(t.shape.suffix(item.count)) == item, t.rank == item.count || t.rank == item.count + 1 else {
        throw args.error(.shape, "expects init: a tensor of the network's input shape \(Format.shape(item)) or a batch of them, got \(Format.shape(t.shape))", label: "init")
      }
      return .tensor(t.detached())
    default:
      throw args.error(.type, "expects init: noise(a) or a tensor, got \(value.typeDescription)", label: "init")
    }
  }

  // MARK: - Result

  static func record(_ r: MaximizeResult, rule: GradientRule, interpreter: Interpreter) -> Value {
    let single = r.value.count == 1
    func perItem(_ xs: [Float]) -> Value {
      single ? .number(Format.double(xs[0])) : .tensor(Tensor(shape: [xs.count], values: xs))
    }
    let image = single ? r.image.reshaped(to: Array(r.image.shape.dropFirst())).detached() : r.image
    let history: [Value] = r.history.enumerated().map { step, value in
      .record(RecordBox([("step", .number(Double(step))), ("value", .number(Format.double(value)))]))
    }
    var fields: [(String, Value)] = [
      ("image", .tensor(image)), ("value", perItem(r.value)), ("best", perItem(r.best)),
      ("best_step", single ? .number(Double(r.bestStep[0])) : .list(ListBox(r.bestStep.map { .number(Double($0)) }))),
      ("history", .list(ListBox(history))), ("rule", .string(rule.description)),
      ("steps", .number(Double(r.stepsRun))),
      ("dead_start", single ? .bool(r.deadStart[0]) : .list(ListBox(r.deadStart.map { .bool($0) }))),
      ("best_image", .tensor(single ? r.bestImage.reshaped(to: Array(r.bestImage.shape.dropFirst())) : r.bestImage)),
    ]
    if let first = r.kept.first {
      let frames = concat(r.kept.map(\.image))
      fields.append(("kept", .tensor(Tensor(shape: [r.kept.count * first.image.shape[0]] + Array(first.image.shape.dropFirst()), values: frames.values))))
      fields.append(("kept_steps", .list(ListBox(r.kept.map { .number(Double($0.step)) }))))
    }
    let dead = r.deadStart.filter { $0 }.count
    if dead > 0 {
      let note = deadStartNote(dead: dead, of: r.deadStart.count, rule: rule)
      fields.append(("note", .string(note)))
      interpreter.output.emit(.text("maximize: note: \(note)\n"))
    }
    return .record(RecordBox(fields))
  }

  static func deadStartNote(dead: Int, of total: Int, rule: GradientRule) -> String {
    let which = total == 1 ? "the start" : "\(dead) of \(total) starts"
    let advice: String
    switch rule {
    case .plain:
      advice = "plain ascent cannot move a dead unit; try grad: swap(0.3) or proxy(0.3), whose backward slope passes gradient through inactive ReLUs"
    case .redirect, .openReLU:
      advice = "even the warm-up rule gave no gradient; check that the unit is connected to the input, or try swap(0.3)"
    case .swap, .proxy:
      advice = "even the backward slope gave no gradient; try a larger slope, or check that the unit is connected to the input"
    }
    return "the gradient at \(which) was exactly zero (a dead unit); \(advice)"
  }
}

/// Gradient ascent on a PGS function of a tensor: relu and leaky inside follow the rule.
struct FunctionAscent {
  let function: Value
  let steps: Int
  let rule: GradientRule
  let clip: ClosedRange<Float>?
  let keep: Set<Int>

  func run(from start: Tensor, optimizer: inout any Optimizer, _ args: Arguments, _ interpreter: Interpreter)
    throws(RuntimeError) -> Value
  {
    let x = start.detached()
    var history: [Value] = []
    var best = -Float.infinity, bestStep = 0, deadStart = false, stepsRun = 0
    var bestImage = x.detached()
    var kept: [(Int, Tensor)] = []
    interpreter.progress?.begin("maximize", total: steps)
    for step in 0...steps {
      var last = step == steps || interpreter.stops.isRequested
      var value: [Float], gradient: [Float]
      do throws(RuntimeError) {
        (value, gradient) = try evaluate(x, step: step, gradient: !last, holdingInterrupt: last, args, interpreter)
      } catch where error.kind == .interrupted && !last {
        // Ctrl-C arrived inside the function: this step becomes the last, as between steps.
        last = true
        (value, gradient) = try evaluate(x, step: step, gradient: false, holdingInterrupt: true, args, interpreter)
      }
      let mean = value.reduce(0, +) / Float(max(value.count, 1))
      history.append(.record(RecordBox([("step", .number(Double(step))), ("value", .number(Format.double(mean)))])))
      if mean > best { best = mean; bestStep = step; bestImage = x.detached() }
      if keep.contains(step) { kept.append((step, x.detached())) }
      if last { break }
      if step == 0 { deadStart = gradient.allSatisfy { $0 == 0 } }
      x.requiresGrad = true
      x.grad = gradient.map { -$0 }
      optimizer.step([x])
      x.grad = nil
      x.requiresGrad = false
      if let clip { for i in 0..<x.count { x.values[i] = min(max(x.values[i], clip.lowerBound), clip.upperBound) } }
      stepsRun = step + 1
      interpreter.progress?.update(completed: stepsRun, detail: "")
    }
    interpreter.progress?.end(completed: stepsRun, detail: "")
    let final = try evaluate(
      x, step: stepsRun, gradient: false, holdingInterrupt: interpreter.stops.isRequested, args, interpreter
    ).0
    let finalValue: Value =
      final.count == 1 ? .number(Format.double(final[0])) : .tensor(Tensor(shape: [final.count], values: final))
    var fields: [(String, Value)] = [
      ("image", .tensor(x)), ("value", finalValue), ("best", .number(Format.double(best))),
      ("best_step", .number(Double(bestStep))), ("history", .list(ListBox(history))),
      ("rule", .string(rule.description)), ("steps", .number(Double(stepsRun))), ("dead_start", .bool(deadStart)),
      ("best_image", .tensor(bestImage)),
    ]
    if !kept.isEmpty {
      fields.append(("kept", .tensor(stack(kept.map(\.1)))))
      fields.append(("kept_steps", .list(ListBox(kept.map { .number(Double($0.0)) }))))
    }
    if deadStart {
      let note = MaximizeBuiltins.deadStartNote(dead: 1, of: 1, rule: rule)
      fields.append(("note", .string(note)))
      interpreter.output.emit(.text("maximize: note: \(note)\n"))
    }
    return .record(RecordBox(fields))
  }

  /// ``valueAndGradient(_:step:gradient:_:_:)``; when `holdingInterrupt`, with stops held for
  /// the call (``StopCheck/holding(_:)``), so a stopped ascent can still evaluate the function
  /// for its result (function calls stop at a requested stop), and loops around the
  /// `maximize` still stop.
  func evaluate(
    _ x: Tensor, step: Int, gradient: Bool, holdingInterrupt: Bool, _ args: Arguments, _ interpreter: Interpreter
  ) throws(RuntimeError) -> ([Float], [Float]) {
    guard holdingInterrupt else { return try valueAndGradient(x, step: step, gradient: gradient, args, interpreter) }
    return try interpreter.stops.holding { () throws(RuntimeError) in
      try valueAndGradient(x, step: step, gradient: gradient, args, interpreter)
    }
  }

  /// The original value at x and, when asked, the gradient under the rule.
  func valueAndGradient(_ x: Tensor, step: Int, gradient: Bool, _ args: Arguments, _ interpreter: Interpreter)
    throws(RuntimeError) -> ([Float], [Float])
  {
    let leaf = Tensor(shape: x.shape, values: x.values, requiresGrad: gradient)
    let pass = try interpreter.callingUnderRule(gradient ? rule : .plain, step: step, totalSteps: max(steps, 1), args) {
      () throws(RuntimeError) in
      let out = try interpreter.callFunction(function, [.tensor(leaf)], at: args.span)
      guard case .tensor(let t) = out else {
        throw args.error(.type, "the function must return a tensor of x, got \(out.typeDescription)", at: 0)
      }
      return t
    }
    guard gradient else { return (pass.value.values, []) }
    pass.root.backward()
    return (pass.value.values, leaf.grad ?? [Float](repeating: 0, count: x.count))
  }
}
