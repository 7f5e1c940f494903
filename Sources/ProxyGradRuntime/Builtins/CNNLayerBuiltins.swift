import Foundation
import ProxyGradNN
import ProxyGradTensor

/// The layers of real CNNs for network blocks: the arguments of `conv`, `maxpool` and `avgpool`
/// beyond square windows, and adaptive pooling, clip and ReLU6, sigmoid, tanh, identity,
/// softmax, lrn and the constant operations `add`, `sub`, `mul`, `div`.
enum CNNLayerBuiltins {
  static let all: [Builtin] = [
    Builtin(
      "adaptive_avgpool(size, name: nil)",
      help: "Adaptive average pooling, for a network block: a [C, H, W] input becomes [C, h, w] for size [h, w] (or a number for both), each output averaging the input rows floor(i*H/h) ..< ceil((i+1)*H/h) and likewise columns, as PyTorch's AdaptiveAvgPool2d. Auto-named pool1, ...",
      example: "adaptive_avgpool(7)"
    ) { args, _ throws(RuntimeError) in
      .layerSpec(.adaptiveAvgPool(try size2d(args, 0, what: "an output size"), name: try args.string("name")))
    },
    Builtin(
      "relu6(name: nil)",
      help: "ReLU6, min(max(x, 0), 6), for a network block (MobileNet). Gradient rules change its slope below 0 only, as they change a ReLU's: swap(b) uses slope b on the way back, proxy(b) slope b both ways; above 6 the slope stays 0. Auto-named relu6_1, relu6_2, ...",
      example: "conv(32, 3, stride: 2, pad: 1); batchnorm(); relu6()"
    ) { args, _ throws(RuntimeError) in
      .layerSpec(.clip(low: 0, high: 6, name: try args.string("name")))
    },
    Builtin(
      "clip(low, high, name: nil)",
      help: "Clip to [low, high], for a network block (ONNX's Clip; relu6() is clip(0, 6)). Gradient rules change its slope below low only, as they change a ReLU's below 0; above high the slope stays 0. Auto-named clip1, ...",
      example: "clip(0, 6)"
    ) { args, _ throws(RuntimeError) in
      let low = try args.number(0), high = try args.number(1)
      guard !low.isNaN, !high.isNaN, low <= high else {
        throw args.error(.value, "expects low <= high, got [\(Format.number(low)), \(Format.number(high))]")
      }
      return .layerSpec(.clip(low: low, high: high, name: try args.string("name")))
    },
    layerOrFunction(
      "sigmoid", .sigmoid, help: "The logistic function 1 / (1 + exp(-x)), for a number or elementwise for a tensor. Without arguments, in a network block: a sigmoid layer, auto-named sigmoid1, ...",
      example: "sigmoid(0)", number: { 1 / (1 + Foundation.exp(-$0)) }, tensor: { sigmoid($0) }),
    layerOrFunction(
      "tanh", .tanh, help: "The hyperbolic tangent, for a number or elementwise for a tensor. Without arguments, in a network block: a tanh layer, auto-named tanh1, ...",
      example: "tanh(tensor([-1, 0, 1]))", number: { Foundation.tanh($0) }, tensor: { tanh($0) }),
    Builtin(
      "identity(name: nil)",
      help: "A layer that passes its input through unchanged, for a network block (a named point to tap, or ONNX's Identity). Auto-named identity1, ...",
      example: "identity(name: \"stem\")"
    ) { args, _ throws(RuntimeError) in
      .layerSpec(.elementwise(.identity, name: try args.string("name")))
    },
    Builtin(
      "softmax(t, axis: -1) or softmax(name: nil)",
      help: "With a tensor: softmax along an axis (the last by default), exp(x) / sum(exp(x)), computed stably; differentiable. Without arguments, in a network block: a softmax layer over the first axis of each item (the features of a flat input, the channels of [C, H, W]), auto-named softmax1, ...",
      example: "softmax(tensor([1, 2, 3]))"
    ) { args, _ throws(RuntimeError) in
      if args.positional.isEmpty {
        if args["axis"] != nil { throw args.error(.value, "a softmax layer works over the first axis of each item; axis: goes with a tensor, as in softmax(t, axis: 0)", label: "axis") }
        return .layerSpec(.softmax(name: try args.string("name")))
      }
      if args["name"] != nil { throw args.error(.value, "name: names a softmax layer, softmax(name: \"p\") in a network block; leave it out with a tensor", label: "name") }
      let t = try args.tensor(0)
      return .tensor(softmax(t, axis: try AnalysisBuiltins.axis(args, t)))
    },
    Builtin(
      "lrn(size, alpha: 0.0001, beta: 0.75, k: 1, name: nil)",
      help: "Local response normalization across channels, for a network block, as PyTorch's LocalResponseNorm: x / (k + alpha/size * sum of x^2 over the size channels around each one)^beta. The original InceptionV1 uses lrn(5). Auto-named lrn1, ...",
      example: "lrn(5, alpha: 0.0001, beta: 0.75, k: 1)"
    ) { args, _ throws(RuntimeError) in
      let size = try args.integer(0, min: 1, what: "a positive window size")
      let alpha = try args.number("alpha")
      let beta = try args.number("beta")
      let k = try args.number("k")
      for (label, v) in [("alpha", alpha), ("beta", beta), ("k", k)] where !v.isFinite {
        throw args.error(.value, "expects a finite number for \(label):, got \(Format.number(v))", label: label)
      }
      return .layerSpec(.lrn(size: size, alpha: alpha, beta: beta, k: k, name: try args.string("name")))
    },
    Builtin(
      "concat(tensors, axis: 0) or concat(name: nil) { branches }",
      help: "With a list of tensors: they are joined along an existing axis (the first by default); their other axes must agree; differentiable. With a block, in a network block: branches on the same input whose outputs are joined along the channels (the features of flat outputs), for a network block: an Inception block, a SqueezeNet fire module. Its block holds branch { ... } blocks, each a list of layers; their outputs must agree on every axis but the channels. The concatenation is auto-named cat1, ...; its branches branch1, branch2, ... inside it, and their layers cat1.branch1.conv1, ...",
      example: "concat { branch { conv(8, 1); relu() }; branch { conv(4, 1); relu(); conv(8, 3, pad: 1); relu() } }"
    ) { args, _ throws(RuntimeError) in
      if !args.positional.isEmpty {
        guard args.block == nil else { throw args.error(.arity, "takes either a list of tensors or a block of branches, not both") }
        if args["name"] != nil { throw args.error(.value, "name: names a concat block of branches; leave it out with a list of tensors", label: "name") }
        return try AnalysisBuiltins.concatenation(args)
      }
      if args["axis"] != nil { throw args.error(.value, "a concat block joins its branches along the channels; axis: goes with a list of tensors", label: "axis") }
      let specs = try layerBlock(args, what: "a concat block holds branch { ... } blocks")
      for spec in specs {
        guard case .branch = spec else {
          throw args.error(.type, "a concat block holds branch { ... } blocks, found \(Format.layerSpec(spec))")
        }
      }
      guard !specs.isEmpty else { throw args.error(.value, "the concat block has no branches") }
      return .layerSpec(.concat(branches: specs, name: try args.string("name")))
    },
    Builtin(
      "branch(name: nil) { layers }",
      help: "One path of a concat { ... } block: its layers, applied in order to the concatenation's input (an empty block passes the input through). Auto-named branch1, branch2, ... inside its concat.",
      example: "branch { conv(8, 1); relu() }"
    ) { args, _ throws(RuntimeError) in
      let specs = try layerBlock(args, what: "a branch block holds layer calls such as conv(16, 3) or relu()")
      return .layerSpec(.branch(layers: specs, name: try args.string("name")))
    },
    constantBuiltin(.add, "adds", example: "add(0.5)"),
    constantBuiltin(.sub, "subtracts", example: "sub([0.485, 0.456, 0.406])"),
    constantBuiltin(.mul, "multiplies by", example: "mul(2)"),
    constantBuiltin(.div, "divides by", example: "div([0.229, 0.224, 0.225])"),
  ]

  /// The layer specs of a call's trailing block; `what` says what it holds, `missing` what to
  /// say when the call has none.
  static func layerBlock(_ args: Arguments, what: String, missing: String? = nil) throws(RuntimeError) -> [LayerSpec] {
    guard let block = args.block else { throw args.error(.arity, missing ?? "expects a block: \(what)") }
    var specs: [LayerSpec] = []
    for value in block {
      guard case .layerSpec(let spec) = value else {
        throw args.error(.type, "\(what), found \(value.typeDescription)")
      }
      specs.append(spec)
    }
    return specs
  }

  /// A builtin that is a layer without arguments and an elementwise function with one.
  static func layerOrFunction(
    _ name: String, _ function: Elementwise.Function, help: String, example: String,
    number: @escaping @Sendable (Double) -> Double, tensor: @escaping @Sendable (Tensor) -> Tensor
  ) -> Builtin {
    Builtin("\(name)(x) or \(name)(name: nil)", help: help, example: example) {
      args, _ throws(RuntimeError) in
      switch args.positional.first {
      case nil: return .layerSpec(.elementwise(function, name: try args.string("name")))
      case .number(let x): return .number(number(x))
      case .tensor(let t): return .tensor(tensor(t))
      case let value?: throw args.error(.type, "expects a number or a tensor, got \(value.typeDescription)", at: 0)
      }
    }
  }

  static func constantBuiltin(_ op: ConstantOp, _ verb: String, example: String) -> Builtin {
    let name = op.rawValue
    return Builtin(
      "\(name)(constant, name: nil)",
      help: "A layer that \(verb) a constant, for a network block (input normalization, ONNX's \(name.capitalized) with a constant). The constant is a number, a list of one number per channel (shape [C, 1, 1] against [C, H, W]), or a tensor that broadcasts against each item as in NumPy (its shape without the batch axis). Auto-named \(name)1, ...",
      example: example
    ) { args, _ throws(RuntimeError) in
      let label = try args.string("name")
      switch args.positional[0] {
      case .number(let x):
        guard x.isFinite else { throw args.error(.value, "expects a finite constant, got \(Format.number(x))", at: 0) }
        return .layerSpec(.constant(op, values: [Float(x)], shape: [], perChannel: false, name: label))
      case .list(let box):
        var values: [Float] = []
        for item in box.items {
          guard case .number(let x) = item, x.isFinite else {
            throw args.error(.type, "expects a list of finite numbers (one per channel), got \(Format.brief(args.positional[0]))", at: 0)
          }
          values.append(Float(x))
        }
        guard !values.isEmpty else { throw args.error(.value, "expects at least one number per channel, got []", at: 0) }
        return .layerSpec(.constant(op, values: values, shape: [values.count], perChannel: true, name: label))
      case .tensor(let t):
        guard t.values.allSatisfy(\.isFinite) else { throw args.error(.value, "expects a constant of finite numbers", at: 0) }
        return .layerSpec(.constant(op, values: t.values, shape: t.shape, perChannel: false, name: label))
      case let value:
        throw args.error(.type, "expects a number, a list of numbers or a tensor, got \(value.typeDescription)", at: 0)
      }
    }
  }

  // MARK: - conv, maxpool, avgpool

  /// `conv(out, kernel, stride:, pad:, dilation:, groups:, bias:, name:)`.
  static func conv(_ args: Arguments) throws(RuntimeError) -> LayerSpec {
    let options = ConvOptions(
      outChannels: try args.integer(0, min: 1, what: "a positive channel count"),
      kernel: try size2d(args, 1, what: "a positive kernel size"),
      stride: try size2d(args, "stride"),
      padding: try padding(args),
      dilation: try size2d(args, "dilation"),
      groups: try args.integer("groups", min: 1),
      bias: try args.bool("bias"))
    return LayerSpec.convolution(options: options, name: try args.string("name"))
  }

  /// `maxpool(kernel, stride:, pad:, dilation:, ceil:, name:)` and
  /// `avgpool(kernel, stride:, pad:, ceil:, count_include_pad:, name:)`.
  static func pool(_ args: Arguments, mode: Pool2d.Mode) throws(RuntimeError) -> LayerSpec {
    let kernel = try size2d(args, 0, what: "a positive kernel size")
    let options = PoolOptions(
      mode: mode, kernel: kernel,
      stride: args["stride"] == nil ? nil : try size2d(args, "stride"),
      padding: try padding(args),
      dilation: mode == .max ? try size2d(args, "dilation") : Size2d(1),
      ceilMode: try args.bool("ceil"),
      countIncludePad: mode == .average ? try args.bool("count_include_pad") : true)
    return LayerSpec.pooling(options: options, name: try args.string("name"))
  }

  // MARK: - Arguments

  /// A positive size for both axes: a number, or `[height, width]`.
  static func size2d(_ args: Arguments, _ index: Int, what: String) throws(RuntimeError) -> Size2d {
    if case .list = args[index] {
      let values = try args.integers(args[index]!, what: "\(what) [height, width]", at: index)
      guard values.count == 2, values.allSatisfy({ $0 >= 1 }) else {
        throw args.error(.value, "expects \(what): a number or [height, width] of positive whole numbers, got \(Format.brief(args[index]!))", at: index)
      }
      return Size2d(values[0], values[1])
    }
    return Size2d(try args.integer(index, min: 1, what: what))
  }

  /// `label:` as a size for both axes, or its declared default.
  static func size2d(_ args: Arguments, _ label: String) throws(RuntimeError) -> Size2d {
    let value = try args.required(label)
    if case .list = value {
      let values = try args.integers(value, what: "\(label): [height, width]", label: label)
      guard values.count == 2, values.allSatisfy({ $0 >= 1 }) else {
        throw args.error(.value, "expects \(label): a positive whole number or [height, width], got \(Format.brief(value))", label: label)
      }
      return Size2d(values[0], values[1])
    }
    return Size2d(try args.integer(label, min: 1))
  }

  /// `pad:` as a number (every side), `[vertical, horizontal]` or `[top, left, bottom, right]`.
  static func padding(_ args: Arguments) throws(RuntimeError) -> Padding2d {
    let value = try args.required("pad")
    guard case .list = value else { return Padding2d(try args.integer("pad", min: 0)) }
    let v = try args.integers(value, what: "pad: [vertical, horizontal] or [top, left, bottom, right]", label: "pad")
    guard v.allSatisfy({ $0 >= 0 }), v.count == 2 || v.count == 4 else {
      throw args.error(.value, "expects pad: a whole number >= 0, [vertical, horizontal] or [top, left, bottom, right], got \(Format.brief(value))", label: "pad")
    }
    return v.count == 2
      ? Padding2d(vertical: v[0], horizontal: v[1])
      : Padding2d(top: v[0], left: v[1], bottom: v[2], right: v[3])
  }
}
