import ProxyGradNN

/// Network blocks, layers and the forward pass.
enum NetworkBuiltins {
  static let all: [Builtin] = basic + DeepLayerBuiltins.all + CNNLayerBuiltins.all + inspection

  static let basic: [Builtin] = [
    Builtin(
      "network(input: shape, seed: nil) { layers }",
      help: "A network from the layers of its block, one layer call per line, applied in order to inputs of the given shape (without the batch axis). Layers are auto-named conv1, relu1, pool1, flatten1, linear1, ... unless given name:. Weights are initialised from seed:, or from the session seed and a counter. Calling net(x) runs the forward pass; net.name is a layer.",
      example: "net = network(input: [1, 28, 28]) {\n  conv(16, 3, pad: 1)\n  relu()\n  maxpool(2)\n  flatten()\n  linear(10)\n}"
    ) { args, interpreter throws(RuntimeError) in
      guard let inputValue = args["input"] else {
        throw args.error(.arity, "expects input: the shape of one input, such as [1, 28, 28]")
      }
      let input = try args.integers(inputValue, what: "a shape for input:", label: "input")
      guard !input.isEmpty, input.allSatisfy({ $0 > 0 }) else {
        throw args.error(.value, "expects input: a shape of positive sizes, got \(Format.shape(input))", label: "input")
      }
      let specs = try CNNLayerBuiltins.layerBlock(
        args, what: "a network block holds layer calls such as conv(16, 3) or relu()",
        missing: "expects a block of layers: network(input: [...]) { conv(8, 3) ... }")
      guard !specs.isEmpty else { throw args.error(.value, "the network block has no layers") }
      let seed = try args.optionalInteger("seed", min: 0).map(UInt64.init) ?? nextSeed(interpreter)
      do throws(NetworkError) {
        return .network(try Network(inputShape: input, layers: specs, seed: seed))
      } catch {
        throw args.error(.value, error.description)
      }
    },
    Builtin(
      "conv(out, kernel, stride: 1, pad: 0, dilation: 1, groups: 1, bias: true, name: nil)",
      help: "A 2-D convolution layer with out output channels, for a network block. kernel, stride: and dilation: are a number or [height, width]; pad: is a number (every side), [vertical, horizontal] or [top, left, bottom, right]; groups: splits the channels into groups (depthwise: groups equal to the input channels); bias: false leaves out the bias. Auto-named conv1, conv2, ...",
      example: "conv(16, 3, pad: 1)"
    ) { args, _ throws(RuntimeError) in
      .layerSpec(try CNNLayerBuiltins.conv(args))
    },
    Builtin(
      "linear(out, name: nil)",
      help: "A fully connected layer with out outputs, for a network block; its input must be flat (use flatten() first). Auto-named linear1, ...",
      example: "linear(10)"
    ) { args, _ throws(RuntimeError) in
      .layerSpec(.linear(outFeatures: try args.integer(0, min: 1, what: "a positive size"), name: try args.string("name")))
    },
    Builtin(
      "maxpool(kernel, stride: kernel, pad: 0, dilation: 1, ceil: false, name: nil)",
      help: "Max pooling, for a network block. kernel, stride: and dilation: are a number or [height, width]; pad: is a number, [vertical, horizontal] or [top, left, bottom, right] (at most half the window; padding never wins); ceil: true rounds the output size up, as PyTorch's ceil_mode. Auto-named pool1, ...",
      example: "maxpool(2)"
    ) { args, _ throws(RuntimeError) in
      .layerSpec(try CNNLayerBuiltins.pool(args, mode: .max))
    },
    Builtin(
      "avgpool(kernel, stride: kernel, pad: 0, ceil: false, count_include_pad: true, name: nil)",
      help: "Average pooling, for a network block. kernel and stride: are a number or [height, width]; pad: is a number, [vertical, horizontal] or [top, left, bottom, right] (at most half the window); ceil: true rounds the output size up; count_include_pad: false divides by the number of input values in each window instead of the window's size inside the padded input (PyTorch's rules). Auto-named pool1, ...",
      example: "avgpool(3, stride: 1, pad: 1, count_include_pad: false)"
    ) { args, _ throws(RuntimeError) in
      .layerSpec(try CNNLayerBuiltins.pool(args, mode: .average))
    },
    Builtin(
      "flatten(name: nil) or flatten(t)",
      help: "Without arguments, in a network block: a layer that flattens each item to one axis. With a tensor: its elements as a rank-1 tensor.",
      example: "flatten(tensor([[1, 2], [3, 4]]))"
    ) { args, _ throws(RuntimeError) in
      guard !args.positional.isEmpty else { return .layerSpec(.flatten(name: try args.string("name"))) }
      let t = try args.tensor(0)
      return .tensor(t.reshaped(to: [t.count]))
    },
  ]

  static let inspection: [Builtin] = [
    Builtin(
      "layers(net)",
      help: "The layers of a network in order, each a record {name, kind, shape} where shape is the layer's output shape for one input. Layers inside residual blocks follow their block, with full names (res1, res1.conv1, ..., res1.skip).",
      example: "for l in layers(net) { print(l.name, l.shape) }"
    ) { args, _ throws(RuntimeError) in
      let network = try args.network(0)
      return .list(
        ListBox(
          network.allLayers.map { layer in
            .record(
              RecordBox([
                ("name", .string(layer.name)), ("kind", .string(layer.kind)),
                ("shape", .list(ListBox(layer.outputShape.map { .number(Double($0)) }))),
              ]))
          }))
    },
  ]

  /// The weight seed of a network made without seed:, from the session seed and a counter.
  static func nextSeed(_ interpreter: Interpreter) -> UInt64 {
    interpreter.networkCount += 1
    return interpreter.seed &+ interpreter.networkCount &* 0x9E37_79B9
  }

  /// `net(x)`: the forward pass under the active slope policy. An input of the network's
  /// input shape gets a batch axis of 1, and the output loses it again.
  static func forward(_ network: Network, _ args: inout Arguments, interpreter: Interpreter) throws(RuntimeError) -> Value {
    args.name = "network"
    guard args.positional.count == 1, args.named.isEmpty else {
      throw args.error(.arity, "a network is called with one tensor, net(x)")
    }
    let x = try args.tensor(0)
    let shape = network.inputShape
    if x.shape == shape {
      let out = network.forward(x.reshaped(to: [1] + shape), policy: interpreter.policy).output
      return .tensor(out.reshaped(to: Array(out.shape.dropFirst())))
    }
    guard x.rank == shape.count + 1, Array(x.shape.dropFirst()) == shape else {
      throw args.error(
        .shape, "expects an input of shape \(Format.shape(shape)) or [N] + \(Format.shape(shape)), got \(Format.shape(x.shape))", at: 0)
    }
    return .tensor(network.forward(x, policy: interpreter.policy).output)
  }
}
