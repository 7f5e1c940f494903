import ProxyGradNN

/// Transforms and regularizers of the feature-visualization libraries beyond jitter, pad,
/// scale and rotate.
enum TransformPresetBuiltins {
  static let all: [Builtin] = [
    Builtin(
      "color_jitter(amount)",
      help: "A transform for maximize: before every step, each image's channels are scaled by 1 + amount·u and shifted by amount·v, with u and v drawn uniformly from [-1, 1] per image and channel (seeded like the other transforms).",
      example: "maximize(channel(net.feat, 5), transforms: [pad(2), jitter(2), color_jitter(0.1)])"
    ) { args, _ throws(RuntimeError) in
      let a = try args.number(0)
      guard a >= 0, a.isFinite else {
        throw args.error(.value, "expects an amount >= 0, got \(Format.number(a))", at: 0)
      }
      return .spec(.transform(.colorJitter(a)))
    },
    Builtin(
      "standard_transforms()",
      help: "Lucid's standard_transforms as a list for transforms:: pad(12), jitter(8), scale over 0.9 to 1.1 in steps of 0.02, rotate(10), jitter(4). Lucid pads with grey 0.5 in [0, 1], which is 0 here; it draws the angle from the whole degrees -10..10 with extra weight on 0, here uniformly from [-10, 10]. Made for images of 128 pixels or more: on small inputs use smaller numbers.",
      example: "maximize(channel(net.feat, 5), transforms: standard_transforms())"
    ) { _, _ throws(RuntimeError) in
      let scales = (0...10).map { 1 + Double($0 - 5) / 50 }
      let list: [Transform] = [.pad(12), .jitter(8), .scale(scales), .rotate(10), .jitter(4)]
      return .list(ListBox(list.map { .spec(.transform($0)) }))
    },
    Builtin(
      "blur()",
      help: "Lucid's blur_input_each_step as a regularizer objective: half the sum of squares of the image minus its 3×3 blur, the blur held constant; subtracting it with a weight pulls each image towards its blurred self.",
      example: "channel(net.feat, 5) - 0.5 * blur()"
    ) { _, _ throws(RuntimeError) in .objective(ObjectiveValue(objective: .blur, network: nil)) },
  ]
}
