import ProxyGradNN

/// Attribution maps of an objective on its input, under any gradient rule.
enum AttributionBuiltins {
  static let all: [Builtin] = [
    Builtin(
      "saliency(objective, x, grad: plain(), abs: true)",
      help: "The saliency map of an objective at x (an input [C, H, W] or a batch): |∂f/∂x| under the gradient rule of grad:, shaped like x (Captum's Saliency). abs: false keeps the sign. Values are always the original network's; redirect and open_relu are at their step 0.",
      example: "s = saliency(logit(net, 3), x, grad: swap(0.3))"
    ) { args, interpreter throws(RuntimeError) in
      let (objective, network, x, rule) = try target(args, interpreter)
      let absolute = try flag(args, "abs")
      return .tensor(Tensor(shape: x.shape, values: Attribution.saliency(objective, network: network, input: batched(x, network), rule: rule, absolute: absolute)))
    },
    Builtin(
      "grad_times_input(objective, x, grad: plain())",
      help: "Gradient times input: x ⊙ ∂f/∂x under the gradient rule of grad:, shaped like x (Captum's InputXGradient).",
      example: "a = grad_times_input(logit(net, 3), x)"
    ) { args, interpreter throws(RuntimeError) in
      let (objective, network, x, rule) = try target(args, interpreter)
      return .tensor(Tensor(shape: x.shape, values: Attribution.gradientTimesInput(objective, network: network, input: batched(x, network), rule: rule)))
    },
    Builtin(
      "smoothgrad(objective, x, n: 16, sigma: 0.15, grad: plain(), seed: nil)",
      help: "SmoothGrad: the mean gradient at n copies of x with Gaussian noise of standard deviation sigma (in the input's units; images live in [-1, 1]), under the gradient rule of grad:, shaped like x (Smilkov et al. 2017; Captum's NoiseTunnel with smoothgrad). The noise comes from seed: (or the session's seed).",
      example: "m = smoothgrad(logit(net, 3), x, n: 32, sigma: 0.2)"
    ) { args, interpreter throws(RuntimeError) in
      let (objective, network, x, rule) = try target(args, interpreter)
      let n = try args.integer("n", min: 1)
      let sigma = try args.number("sigma")
      guard sigma >= 0, sigma.isFinite else {
        throw args.error(.value, "expects sigma: a finite number >= 0, got \(Format.number(sigma))", label: "sigma")
      }
      let seed = try OptimizerBuiltins.seed(args, interpreter)
      let values = Attribution.smoothGrad(
        objective, network: network, input: batched(x, network), rule: rule, samples: n, sigma: sigma, seed: seed)
      return .tensor(Tensor(shape: x.shape, values: values))
    },
    Builtin(
      "integrated_gradients(objective, x, baseline: 0, steps: 32, grad: plain())",
      help: "Integrated gradients: (x - baseline) ⊙ the mean gradient at the midpoints of `steps` equal segments of the straight path from baseline to x, under the gradient rule of grad:, shaped like x (Sundararajan et al. 2017; Captum's IntegratedGradients with riemann_middle). baseline: is a number or a tensor shaped like x or like one item. Under plain() each item's attributions add up to f(x) - f(baseline), up to the Riemann error.",
      example: "ig = integrated_gradients(logit(net, 3), x, baseline: 0, steps: 64)"
    ) { args, interpreter throws(RuntimeError) in
      let (objective, network, x, rule) = try target(args, interpreter)
      let steps = try args.integer("steps", min: 1)
      let baseline: Tensor
      switch try args.required("baseline") {
      case .number(let b): baseline = Tensor(scalar: Float(b))
      case .tensor(let t):
        guard t.shape == x.shape || t.shape == network.inputShape else {
          throw args.error(.shape, "expects baseline: shaped like x \(Format.shape(x.shape)) or like one input \(Format.shape(network.inputShape)), got \(Format.shape(t.shape))", label: "baseline")
        }
        baseline = t
      case let value:
        throw args.error(.type, "expects baseline: a number or a tensor, got \(value.typeDescription)", label: "baseline")
      }
      let values = Attribution.integratedGradients(
        objective, network: network, input: batched(x, network), baseline: baseline, steps: steps, rule: rule)
      return .tensor(Tensor(shape: x.shape, values: values))
    },
    Builtin(
      "heatmap(map, cmap: \"diverging\", over: nil, alpha: 0.8)",
      help: "An attribution map as an RGB image for show: channels summed, each image scaled by its largest |value|, then coloured with cmap: \"diverging\" (blue negative, white 0, red positive) or \"magnitude\" (white to red). over: an input image (or batch) lays the colour over its grey level with opacity alpha · |value|. show(map, cmap: ..., over: ...) does the same.",
      example: "show(heatmap(saliency(logit(net, 3), x, abs: false), over: x))"
    ) { args, _ throws(RuntimeError) in
      .tensor(try heatmap(args.tensor(0), args, at: 0))
    },
  ]

  /// The objective, its network, x and the rule of an attribution call, checked.
  static func target(_ args: Arguments, _ interpreter: Interpreter) throws(RuntimeError) -> (Objective, Network, Tensor, GradientRule) {
    let objective = try args.objective(0, such: "logit(net, 3)")
    let network = try args.network(of: objective, at: 0)
    let rule = try OptimizerBuiltins.rule(args, interpreter)
    if let problem = rule.layerProblem(in: network) {
      throw args.error(.value, problem, label: "grad")
    }
    let x = try TensorBuiltins.tensor(from: args.positional[1], args, at: 1)
    let shape = network.inputShape
    let items: Int
    if x.shape == shape {
      items = 1
    } else if x.rank == shape.count + 1, Array(x.shape.dropFirst()) == shape {
      items = x.shape[0]
    } else {
      throw args.error(.shape, "expects x of shape \(Format.shape(shape)) or [N] + \(Format.shape(shape)), got \(Format.shape(x.shape))", at: 1)
    }
    if let n = objective.objective.batchSize, n != items {
      throw args.error(.shape, "the objective has one item per unit (\(n)), so x needs a batch of \(n), got \(items)", at: 1)
    }
    return (objective.objective, network, x, rule)
  }

  static func batched(_ x: Tensor, _ network: Network) -> Tensor {
    x.shape == network.inputShape ? x.reshaped(to: [1] + network.inputShape) : x
  }

  /// `label:` as true or false, or its declared default.
  static func flag(_ args: Arguments, _ label: String) throws(RuntimeError) -> Bool {
    switch try args.required(label) {
    case .bool(let b): return b
    case let value: throw args.error(.type, "expects \(label): true or false, got \(value.typeDescription)", label: label)
    }
  }

  /// `heatmap(...)` and `show(..., cmap:, over:)`: the coloured map of the tensor at `index`.
  static func heatmap(_ map: Tensor, _ args: Arguments, at index: Int) throws(RuntimeError) -> Tensor {
    guard (2...4).contains(map.rank) else {
      throw args.error(.shape, "expects a map [H, W], [C, H, W] or a batch [N, C, H, W], got shape \(Format.shape(map.shape))", at: index)
    }
    var colours = AttributionColor.Map.diverging
    if let value = args["cmap"] {
      guard case .string(let name) = value, let m = AttributionColor.Map(rawValue: name) else {
        let names = AttributionColor.Map.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
        throw args.error(.value, "expects cmap: \(names), got \(Format.brief(value))", label: "cmap")
      }
      colours = m
    }
    let alpha = try args.number("alpha")
    guard alpha >= 0, alpha <= 1 else {
      throw args.error(.value, "expects alpha: a number in [0, 1], got \(Format.number(alpha))", label: "alpha")
    }
    var over: Tensor?
    if let value = args["over"] {
      guard case .tensor(let image) = value else {
        throw args.error(.type, "expects over: an image tensor, got \(value.typeDescription)", label: "over")
      }
      let (n, _, h, w) = AttributionColor.dims(map.shape)
      let (on, oc, oh, ow) = AttributionColor.dims(image.shape)
      guard (2...4).contains(image.rank), oh == h, ow == w, on == n || image.rank < 4, oc == 1 || oc == 3 else {
        throw args.error(.shape, "expects over: an image with the map's height and width (1 or 3 channels, one per map or one for all), got \(Format.shape(image.shape)) for a map \(Format.shape(map.shape))", label: "over")
      }
      over = image
    }
    return AttributionColor.render(map, map: colours, over: over, alpha: Float(alpha))
  }
}
