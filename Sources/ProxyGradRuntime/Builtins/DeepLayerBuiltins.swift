import ProxyGradNN

/// Layers of deep networks for network blocks: batch norm, global average pooling, dropout and
/// residual blocks (whose own trailing block holds their layers).
enum DeepLayerBuiltins {
  static let all: [Builtin] = [
    Builtin(
      "batchnorm(name: nil)",
      help: "Batch normalization over the channels of a [C, H, W] input (or the features of a flat one), for a network block: learnt scale (weight) and shift (bias), and running statistics (momentum 0.1, eps 1e-5, as in PyTorch). Training uses the batch's statistics and updates the running ones; evaluation, accuracy, grad and maximize use the running ones. Auto-named bn1, bn2, ...",
      example: "conv(16, 3, pad: 1); batchnorm(); relu()"
    ) { args, _ throws(RuntimeError) in
      .layerSpec(.batchNorm(name: try args.string("name")))
    },
    Builtin(
      "gap(name: nil)",
      help: "Global average pooling, for a network block: the mean of each channel of a [C, H, W] input, giving [C]. Auto-named gap1, ...",
      example: "gap(); linear(10)"
    ) { args, _ throws(RuntimeError) in
      .layerSpec(.globalAveragePool(name: try args.string("name")))
    },
    Builtin(
      "dropout(p, name: nil)",
      help: "Dropout, for a network block: in training each value is zeroed with probability p (0 <= p < 1) and the others are scaled by 1 / (1 - p), with masks drawn from the network's seed and the step count; evaluation, grad and maximize pass values through unchanged. Auto-named dropout1, ...",
      example: "flatten(); dropout(0.5); linear(10)"
    ) { args, _ throws(RuntimeError) in
      let p = try args.number(0)
      guard p.isFinite, p >= 0, p < 1 else {
        throw args.error(.value, "expects a probability p with 0 <= p < 1, got \(Format.number(p))", at: 0)
      }
      return .layerSpec(.dropout(p: p, name: try args.string("name")))
    },
    Builtin(
      "residual(project: false, name: nil) { layers }",
      help: "A residual block, for a network block: output = input + block(input), where the block's layers come from its own trailing block (one per line, loops allowed). With project: true, a 1×1 convolution with bias on the skip path (named <block>.skip, stride chosen to match) maps the input to the block's output shape when they differ. The block is auto-named res1, res2, ...; its layers are named inside it and prefixed with its name: res1.conv1, res1.bn1, res1.relu1. Add a relu() after the block for the usual post-activation ResNet.",
      example: "residual { conv(16, 3, pad: 1); batchnorm(); relu(); conv(16, 3, pad: 1); batchnorm() }"
    ) { args, _ throws(RuntimeError) in
      let specs = try CNNLayerBuiltins.layerBlock(
        args, what: "a residual block holds layer calls such as conv(16, 3, pad: 1) or relu()",
        missing: "expects a block of layers: residual { conv(16, 3, pad: 1) ... }")
      guard !specs.isEmpty else { throw args.error(.value, "the residual block has no layers") }
      return .layerSpec(.residual(project: try args.bool("project"), layers: specs, name: try args.string("name")))
    },
  ]
}
