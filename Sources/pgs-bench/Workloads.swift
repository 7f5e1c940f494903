import ProxyGradNN

/// The reference workloads of the design (§7), as closures that run one timed repetition.
enum Workloads {
  /// W1's network: conv(16,3) relu maxpool2 conv(32,3) relu maxpool2 flatten linear(10).
  static func w1Network(seed: UInt64) throws -> Network {
    try Network(
      inputShape: [1, 28, 28],
      layers: [
        .conv(outChannels: 16, kernel: 3), .leakyReLU(slope: 0), .maxPool(kernel: 2),
        .conv(outChannels: 32, kernel: 3), .leakyReLU(slope: 0), .maxPool(kernel: 2), .flatten(),
        .linear(outFeatures: 10),
      ], seed: seed)
  }

  /// A tiny classifier (1×8×8 → 10) for the memory probe.
  static func tinyNetwork(seed: UInt64) throws -> Network {
    try Network(
      inputShape: [1, 8, 8],
      layers: [.conv(outChannels: 4, kernel: 3), .leakyReLU(slope: 0), .flatten(), .linear(outFeatures: 10)],
      seed: seed)
  }

  /// W3's network: conv64 conv64 pool conv128 conv128 pool conv256 pool flatten linear(10), all
  /// 3×3 pad 1 with ReLU, on 3×32×32.
  static func w3Network(seed: UInt64) throws -> Network {
    func conv(_ c: Int) -> [LayerSpec] { [.conv(outChannels: c, kernel: 3, padding: 1), .leakyReLU(slope: 0)] }
    let layers: [LayerSpec] =
      conv(64) + conv(64) + [.maxPool(kernel: 2)] + conv(128) + conv(128) + [.maxPool(kernel: 2)]
      + conv(256) + [.maxPool(kernel: 2), .flatten(), .linear(outFeatures: 10)]
    return try Network(inputShape: [3, 32, 32], layers: layers, seed: seed)
  }

  /// One SGD training step on a fixed random batch.
  static func trainStep(network: Network, batch: Int) -> () -> Void {
    var rng = SplitMix64(seed: 11)
    let inputs = Tensor.uniform([batch] + network.inputShape, low: -1, high: 1, rng: &rng)
    let labels = (0..<batch).map { $0 % 10 }
    var sgd = SGD(learningRate: 0.01)
    return {
      ProxyGradNN.trainStep(network: network, inputs: inputs, labels: labels, rule: .plain, optimizer: &sgd)
    }
  }

  /// 100 steps of activation maximization of logit 3 with swap(0.3), Adam lr 0.05, clip [−1, 1].
  static func maximizeSteps(network: Network) -> () -> Void {
    return {
      var adam = Adam(learningRate: 0.05)
      _ = maximize(
        .logit(3), network: network,
        options: MaximizeOptions(steps: 100, rule: .swap(.constant(0.3)), seed: 12), optimizer: &adam)
    }
  }
}
