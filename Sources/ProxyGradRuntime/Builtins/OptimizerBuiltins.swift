import ProxyGradNN

/// Optimizers, initial images, transforms and parameterizations: the settings of `maximize` and
/// `train`.
enum OptimizerBuiltins {
  static let all: [Builtin] = optimizers + settings

  static let optimizers: [Builtin] = [
    Builtin(
      "sgd(lr: 0.01, momentum: 0, weight_decay: 0)",
      help: "Stochastic gradient descent with momentum and L2 weight decay (PyTorch's formulation), for train(...) and maximize(...).",
      example: "train(net, data.train, optimizer: sgd(lr: 0.05, momentum: 0.9))"
    ) { args, _ throws(RuntimeError) in
      var spec = OptimizerSpec(kind: .sgd, learningRate: try positive(args, "lr"))
      spec.momentum = try fraction(args, "momentum")
      spec.weightDecay = try nonNegative(args, "weight_decay")
      return .spec(.optimizer(spec))
    },
    Builtin(
      "adam(lr: 0.001, beta1: 0.9, beta2: 0.999, weight_decay: 0)",
      help: "Adam with bias correction and L2 weight decay, for train(...) and maximize(...). In maximize the image is the parameter and the step ascends.",
      example: "maximize(logit(net, 3), optimizer: adam(lr: 0.05))"
    ) { args, _ throws(RuntimeError) in
      var spec = OptimizerSpec(kind: .adam, learningRate: try positive(args, "lr"))
      spec.beta1 = try fraction(args, "beta1")
      spec.beta2 = try fraction(args, "beta2")
      spec.weightDecay = try nonNegative(args, "weight_decay")
      return .spec(.optimizer(spec))
    },
    Builtin(
      "step_lr(every, factor)",
      help: "A learning-rate schedule for train: multiply the rate by factor every `every` steps.",
      example: "train(net, data.train, schedule: step_lr(500, 0.5))"
    ) { args, _ throws(RuntimeError) in
      let every = try args.integer(0, min: 1, what: "a whole number of steps >= 1")
      let factor = try args.number(1)
      guard factor > 0, factor.isFinite else { throw args.error(.value, "expects a positive factor, got \(Format.number(factor))", at: 1) }
      return .spec(.schedule(.step(every: every, factor: factor)))
    },
    Builtin(
      "cosine(floor: 0)",
      help: "A learning-rate schedule for train: cosine decay from the optimizer's rate at the first step to floor times it at the last.",
      example: "train(net, data.train, schedule: cosine(floor: 0.1))"
    ) { args, _ throws(RuntimeError) in .spec(.schedule(.cosine(floor: try fraction(args, "floor")))) },
  ]

  static let settings: [Builtin] = [
    Builtin(
      "noise(amplitude)",
      help: "An initial image for maximize: uniform noise in [-amplitude, amplitude], drawn per start from the run's seed.",
      example: "maximize(logit(net, 3), init: noise(0.1))"
    ) { args, _ throws(RuntimeError) in
      let a = try args.number(0)
      guard a >= 0, a.isFinite else { throw args.error(.value, "expects an amplitude >= 0, got \(Format.number(a))", at: 0) }
      return .spec(.initial(.noise(a)))
    },
    Builtin(
      "jitter(pixels)",
      help: "A transform for maximize: a random crop that shifts the image by up to `pixels` in each direction before every step (transformation robustness).",
      example: "maximize(channel(net.feat, 5), transforms: [pad(4), jitter(4)])"
    ) { args, _ throws(RuntimeError) in .spec(.transform(.jitter(try args.integer(0, min: 0, what: "a whole number of pixels >= 0")))) },
    Builtin(
      "pad(pixels)",
      help: "A transform for maximize: a border of grey (0) pixels on every side, so later transforms move the image without cutting it.",
      example: "maximize(logit(net, 3), transforms: [pad(2), jitter(2)])"
    ) { args, _ throws(RuntimeError) in .spec(.transform(.pad(try args.integer(0, min: 0, what: "a whole number of pixels >= 0")))) },
    Builtin(
      "scale(factors)",
      help: "A transform for maximize: resample the image by a factor drawn from the list at every step (bilinear).",
      example: "maximize(logit(net, 3), transforms: [scale([0.9, 1.0, 1.1])])"
    ) { args, _ throws(RuntimeError) in
      guard case .list(let list) = args.positional[0], !list.items.isEmpty else {
        throw args.error(.type, "expects a non-empty list of factors, got \(Format.brief(args.positional[0]))", at: 0)
      }
      var factors: [Double] = []
      for item in list.items {
        guard case .number(let f) = item, f > 0, f.isFinite else {
          throw args.error(.value, "expects positive factors, got \(Format.brief(item))", at: 0)
        }
        factors.append(f)
      }
      return .spec(.transform(.scale(factors)))
    },
    Builtin(
      "rotate(degrees)",
      help: "A transform for maximize: rotate the image by an angle drawn uniformly from [-degrees, degrees] at every step (bilinear).",
      example: "maximize(logit(net, 3), transforms: [rotate(10)])"
    ) { args, _ throws(RuntimeError) in
      let d = try args.number(0)
      guard d >= 0, d <= 180 else { throw args.error(.value, "expects degrees in 0...180, got \(Format.number(d))", at: 0) }
      return .spec(.transform(.rotate(d)))
    },
    Builtin(
      "pixel()",
      help: "The pixel parameterization for maximize (the default): the optimized variables are the pixels, clipped to the box after every step.",
      example: "maximize(logit(net, 3), param: pixel())"
    ) { _, _ throws(RuntimeError) in .spec(.parameterization(.pixel)) },
    Builtin(
      "fourier(decay: 1, colors: nil)",
      help: "The Fourier parameterization for maximize: the variables are a spectrum scaled by 1/frequency^decay; the image is mapped into the box with tanh. The channels are mixed by a decorrelated colour basis: colors: a data set or a batch of images (their basis, as color_correlation computes it) or a C×C tensor; by default, for 3 channels, Lucid's ImageNet basis.",
      example: "maximize(logit(net, 3), param: fourier(colors: data.train))"
    ) { args, _ throws(RuntimeError) in
      .spec(.parameterization(.fourier(decay: try nonNegative(args, "decay"), colors: try colors(args))))
    },
    Builtin(
      "laplacian(levels: 4, colors: nil)",
      help: "Lucid's Laplacian-pyramid parameterization for maximize: the variables are `levels` tensors, level k at 1/2^k of the image's height and width (rounded down), each resized bilinearly to full size as Lucid's lowres_tensor resizes, then summed. The channels are mixed by a decorrelated colour basis as in fourier (colors:), and the image is mapped into the box with a sigmoid (Lucid's to_valid_rgb). init: noise(a) sets the standard deviation of the levels' normal draws (Lucid's default is 0.01).",
      example: "maximize(channel(net.feat, 3), param: laplacian(levels: 4), init: noise(0.01))"
    ) { args, _ throws(RuntimeError) in
      .spec(.parameterization(.laplacian(levels: try wholeNumber(args, "levels", in: 1...16), colors: try colors(args))))
    },
    Builtin(
      "cppn(width: 24, layers: 8)",
      help: "Lucid's CPPN parameterization for maximize: the image is a small network evaluated at every pixel's coordinates (x and y evenly spaced in [-sqrt(3), sqrt(3)]): `layers` 1×1 layers of `width` channels, each followed by Lucid's composite activation [atan(z)/0.67, atan(z)^2/0.6], then a sigmoid layer with one output per image channel, mapped into the box. The variables are its weights, drawn from the seed per start as Lucid initializes them (weights normal with standard deviation sqrt(1/fan_in), truncated at two deviations; biases normal with deviation 0.1; output weights 0, so the first image is flat); init: does not apply. Optimize it with Adam at a tenth of the rate for images, as Lucent's demo does: optimizer: adam(lr: 0.005), and a few hundred steps or more.",
      example: "maximize(channel(net.feat, 3), param: cppn(), optimizer: adam(lr: 0.005), steps: 512)"
    ) { args, _ throws(RuntimeError) in
      .spec(.parameterization(.cppn(width: try wholeNumber(args, "width", in: 1...1024), layers: try wholeNumber(args, "layers", in: 1...64))))
    },
    Builtin(
      "color_correlation(images)",
      help: "The decorrelated colour basis of a data set or a batch of images [N, C, H, W], as Lucid computed its ImageNet basis: the square root U·sqrt(S) of the channels' covariance over every pixel (columns by falling variance, each with its largest entry positive), divided by its largest column norm. A C×C tensor for fourier(colors:).",
      example: "m = color_correlation(data.train)"
    ) { args, _ throws(RuntimeError) in .tensor(try colorBasis(args, args.positional[0], at: 0)) },
  ]

  /// The basis of `colors:` (nil or left out: none), flat row-major.
  static func colors(_ args: Arguments) throws(RuntimeError) -> [Float]? {
    guard let colors = args["colors"] else { return nil }
    switch colors {
    case .none: return nil
    case .tensor(let t) where t.rank == 2:
      guard t.shape[0] == t.shape[1], t.values.allSatisfy(\.isFinite) else {
        throw args.error(.shape, "colors: a basis is a square matrix of finite numbers, got \(Format.shape(t.shape))", label: "colors")
      }
      return t.values
    default:
      return try colorBasis(args, colors, label: "colors").values
    }
  }

  /// The colour basis of a data set or a batch of images, as a `C×C` tensor.
  static func colorBasis(_ args: Arguments, _ value: Value, at index: Int? = nil, label: String? = nil) throws(RuntimeError) -> Tensor {
    let images: Tensor
    switch value {
    case .dataset(let box): images = box.data.images
    case .tensor(let t) where t.rank == 3 || t.rank == 4: images = t
    default:
      let message = "expects a data set (such as data.train) or images [N, C, H, W], got \(Format.brief(value))"
      if let label { throw args.error(.type, "\(label): " + message, label: label) }
      throw args.error(.type, message, at: index ?? 0)
    }
    let c = images.shape[images.rank - 3]
    guard c >= 1, c <= 16, images.count > c else {
      throw args.error(.shape, "the images \(Format.shape(images.shape)) need 1 to 16 channels and more than one pixel", at: index ?? 0)
    }
    guard images.values.allSatisfy(\.isFinite) else {
      throw args.error(.value, "the images hold NaN or infinite values", at: index ?? 0)
    }
    return Tensor(shape: [c, c], values: colorCorrelation(of: images))
  }

  // MARK: - Argument checks

  /// `label:` (or its declared default) checked to be > 0.
  static func positive(_ args: Arguments, _ label: String) throws(RuntimeError) -> Double {
    let x = try args.number(label)
    guard x > 0, x.isFinite else { throw args.error(.value, "expects \(label): > 0, got \(Format.number(x))", label: label) }
    return x
  }

  static func nonNegative(_ args: Arguments, _ label: String) throws(RuntimeError) -> Double {
    let x = try args.number(label)
    guard x >= 0, x.isFinite else { throw args.error(.value, "expects \(label): >= 0, got \(Format.number(x))", label: label) }
    return x
  }

  static func wholeNumber(_ args: Arguments, _ label: String, in range: ClosedRange<Int>) throws(RuntimeError) -> Int {
    let x = try args.number(label)
    guard x.isFinite, x == x.rounded(), x >= Double(range.lowerBound), x <= Double(range.upperBound) else {
      throw args.error(.value, "expects \(label): a whole number in \(range.lowerBound)...\(range.upperBound), got \(Format.number(x))", label: label)
    }
    return Int(x)
  }

  static func fraction(_ args: Arguments, _ label: String) throws(RuntimeError) -> Double {
    let x = try args.number(label)
    guard x >= 0, x < 1 else { throw args.error(.value, "expects \(label): in [0, 1), got \(Format.number(x))", label: label) }
    return x
  }

  /// The optimizer of `optimizer:`, or its declared default (`adam(lr: 0.001)`).
  static func optimizer(_ args: Arguments, _ interpreter: Interpreter) throws(RuntimeError) -> OptimizerSpec {
    let value = try args.value("optimizer", interpreter)
    guard case .spec(.optimizer(let spec))? = value else {
      throw args.error(.type, "expects optimizer: sgd(...) or adam(...), got \(value?.typeDescription ?? "nothing")", label: "optimizer")
    }
    return spec
  }

  /// The gradient rule of `grad:`, or its declared default (`plain()`).
  static func rule(_ args: Arguments, _ interpreter: Interpreter) throws(RuntimeError) -> GradientRule {
    let value = try args.value("grad", interpreter)
    guard case .rule(let rule)? = value else {
      throw args.error(.type, "expects grad: plain(), swap(b), proxy(b), redirect() or open_relu(), got \(value?.typeDescription ?? "nothing")", label: "grad")
    }
    return rule
  }

  /// The seed of `seed:`, or the session's.
  static func seed(_ args: Arguments, _ interpreter: Interpreter) throws(RuntimeError) -> UInt64 {
    try args.optionalInteger("seed", min: 0).map(UInt64.init) ?? interpreter.seed
  }
}
