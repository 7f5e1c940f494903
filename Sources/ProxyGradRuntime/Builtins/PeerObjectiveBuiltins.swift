import ProxyGradNN

/// The objectives of Lucid, Lucent and Captum that go beyond one unit: directions in channel
/// space, batch diversity and DeepDream.
enum PeerObjectiveBuiltins {
  static let all: [Builtin] = [
    Builtin(
      "direction(layer, vector, at: nil)",
      help: "The objective of a direction in a layer's channel space: the dot product of each position's channel vector with `vector` (a tensor or list of one number per channel), averaged over positions; with at: [y, x], at that position only (Lucid's direction and direction_neuron, without cosine weighting).",
      example: "maximize(direction(net.feat, [1, -1, 0, 0]), steps: 64)"
    ) { args, _ throws(RuntimeError) in
      let ref = try args.layer(0)
      let vector = try TensorBuiltins.tensor(from: args.positional[1], args, at: 1)
      guard vector.rank == 1 else {
        throw args.error(.shape, "expects a vector of one number per channel, got shape \(Format.shape(vector.shape))", at: 1)
      }
      var at: [Int]?
      if let value = args["at"], !value.isNone {
        let position = try args.integers(value, what: "a position [y, x]", label: "at")
        guard position.count == 2 else {
          throw args.error(.value, "expects at: [y, x] with two numbers, got \(position.count)", label: "at")
        }
        at = position
      }
      let objective = Objective.direction(layer: ref.name, vector.values.map(Double.init), at: at)
      return try GradientBuiltins.checked(objective, ref.network, args)
    },
    Builtin(
      "diversity(layer)",
      help: "Lucid's diversity term: per image, the cosine similarity of the Gram matrix of its activations at the layer with those of the other images of the batch (with starts: N, the other starts of the same unit), summed and divided by the batch size. Subtract it with a weight to make the images of a batch differ.",
      example: "maximize(channel(net.feat, 3) - 10 * diversity(net.feat), starts: 4)"
    ) { args, _ throws(RuntimeError) in
      let ref = try args.layer(0)
      return try GradientBuiltins.checked(.diversity(layer: ref.name, group: nil), ref.network, args)
    },
    Builtin(
      "deepdream(layer)",
      help: "DeepDream's objective on a layer, as in Lucid and Captum: the mean of the squares of its output over channels and positions.",
      example: "maximize(deepdream(net.feat), steps: 64)"
    ) { args, _ throws(RuntimeError) in
      let ref = try args.layer(0)
      return try GradientBuiltins.checked(.deepdream(layer: ref.name), ref.network, args)
    },
  ]
}

extension Value {
  fileprivate var isNone: Bool {
    if case .none = self { return true }
    return false
  }
}
