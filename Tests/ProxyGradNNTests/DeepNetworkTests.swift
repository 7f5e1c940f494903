import Foundation
import ProxyGradNN
import ProxyGradTestSupport
import Testing

/// Batch norm, global average pooling, dropout and residual blocks inside networks: naming,
/// shapes, modes, gradient rules, training and weight files.
@Suite struct DeepNetworkTests {
  /// conv1, bn1, relu1, res1 {conv1, bn1, relu1, conv2, bn2}, relu2,
  /// res2 {conv1, bn1, relu1, conv2, bn2; skip}, relu3, gap1, linear1.
  static func residualSpecs(width w: Int = 8) -> [LayerSpec] {
    [
      .conv(outChannels: w, kernel: 3, padding: 1), .batchNorm(), .leakyReLU(slope: 0),
      .residual(layers: [
        .conv(outChannels: w, kernel: 3, padding: 1), .batchNorm(), .leakyReLU(slope: 0),
        .conv(outChannels: w, kernel: 3, padding: 1), .batchNorm(),
      ]),
      .leakyReLU(slope: 0),
      .residual(project: true, layers: [
        .conv(outChannels: 2 * w, kernel: 3, stride: 2, padding: 1), .batchNorm(), .leakyReLU(slope: 0),
        .conv(outChannels: 2 * w, kernel: 3, padding: 1), .batchNorm(),
      ]),
      .leakyReLU(slope: 0), .globalAveragePool(), .linear(outFeatures: 4),
    ]
  }

  static func residualNetwork(seed: UInt64, width: Int = 8) throws -> Network {
    try Network(inputShape: [1, 12, 12], layers: residualSpecs(width: width), seed: seed)
  }

  static func batch(_ n: Int = 8, seed: UInt64 = 3) -> (Tensor, [Int]) {
    let data = SyntheticImages.make(count: n, classes: 4, size: 12, noise: 0.2, seed: seed)
    return (data.images, data.labels)
  }

  /// Running statistics and batch counts of every batch norm, by name.
  static func runningStatistics(_ net: Network) -> [String: [Float]] {
    var out: [String: [Float]] = [:]
    for (name, t) in net.namedBuffers { out[name] = t.values }
    for case let norm as BatchNorm in net.allLayers { out[norm.name + ".count"] = [Float(norm.batchesTracked)] }
    return out
  }

  // MARK: - Names and shapes

  @Test func namesCountPerKindInsideBlocksAndGoOnAtTheTopLevel() throws {
    let net = try Self.residualNetwork(seed: 1)
    #expect(net.layers.map(\.name) == [
      "conv1", "bn1", "relu1", "res1", "relu2", "res2", "relu3", "gap1", "linear1",
    ])
    #expect(net.allLayers.map(\.name) == [
      "conv1", "bn1", "relu1", "res1", "res1.conv1", "res1.bn1", "res1.relu1", "res1.conv2",
      "res1.bn2", "relu2", "res2", "res2.conv1", "res2.bn1", "res2.relu1", "res2.conv2", "res2.bn2",
      "res2.skip", "relu3", "gap1", "linear1",
    ])
    #expect(net.layer(named: "res1.relu1") is LeakyReLU)
    #expect(net.layer(named: "res2.bn2") is BatchNorm)
    #expect(net.layer(named: "relu1.res1") == nil)
    #expect(net.layer(named: "res1")?.outputShape == [8, 12, 12])
    #expect(net.layer(named: "res2")?.outputShape == [16, 6, 6])
    #expect(net.outputShape == [4])
  }

  @Test func explicitNamesInsideBlocksArePrefixed() throws {
    let net = try Network(
      inputShape: [2, 4, 4],
      layers: [.residual(layers: [.leakyReLU(slope: 0.1, name: "act")], name: "block")], seed: 0)
    #expect(net.allLayers.map(\.name) == ["block", "block.act"])
  }

  @Test func projectionIsAStridedOneByOneConvolution() throws {
    let net = try Self.residualNetwork(seed: 1)
    let block = try #require(net.layer(named: "res2") as? Residual)
    let projection = try #require(block.projection)
    #expect(projection.name == "res2.skip")
    #expect(projection.kernelSize == 1 && projection.stride == 2 && projection.padding == 0)
    #expect(projection.weight.shape == [16, 8, 1, 1])
    #expect((net.layer(named: "res1") as? Residual)?.projection == nil)
    let (x, _) = Self.batch(2)
    #expect(net.forward(x).output.shape == [2, 4])
  }

  @Test func projectOnEqualShapesKeepsTheIdentity() throws {
    let net = try Network(
      inputShape: [2, 4, 4],
      layers: [.residual(project: true, layers: [.conv(outChannels: 2, kernel: 3, padding: 1)])],
      seed: 0)
    #expect((net.layers[0] as? Residual)?.projection == nil)
  }

  func expectNetworkError(_ specs: [LayerSpec], input: [Int] = [2, 8, 8], _ message: String) {
    do {
      _ = try Network(inputShape: input, layers: specs, seed: 0)
      Issue.record("expected a NetworkError containing '\(message)'")
    } catch {
      #expect(error.description.contains(message), "\(error)")
    }
  }

  @Test func shapeChangesWithoutProjectionAndBadBlocksAreClearErrors() {
    expectNetworkError(
      [.residual(layers: [.conv(outChannels: 4, kernel: 3, padding: 1)])],
      "layer 'res1': the block maps [2, 8, 8] to [4, 8, 8], so its input cannot be added to its output; use residual(project: true)")
    expectNetworkError(
      [.residual(layers: [.conv(outChannels: 2, kernel: 3, stride: 2, padding: 1)])],
      "the block maps [2, 8, 8] to [2, 4, 4]")
    expectNetworkError(
      [.residual(project: true, layers: [.flatten()])], "no 1×1 convolution with a stride maps [2, 8, 8]")
    expectNetworkError(
      [.residual(project: true, layers: [.conv(outChannels: 2, kernel: 3, padding: 2)])],
      "no 1×1 convolution with a stride maps [2, 8, 8] to the block's output [2, 10, 10]")
    expectNetworkError([.residual(layers: [])], "layer 'res1': a residual block needs at least one layer")
    expectNetworkError(
      [.residual(layers: [.leakyReLU(slope: 0, name: "a.b")])],
      "layer 1 of 'res1': the name 'a.b' contains '.'")
    expectNetworkError(
      [.leakyReLU(slope: 0, name: "x"), .leakyReLU(slope: 0, name: "x")], "layer 2: the name 'x' is used twice")
    expectNetworkError(
      [.residual(project: true, layers: [.conv(outChannels: 4, kernel: 1, name: "skip")])],
      "the name 'res1.skip' is taken by the projection")
    expectNetworkError([.flatten(), .globalAveragePool()], "gap expects an input [C, H, W], got [128]")
    expectNetworkError([.batchNorm()], input: [2, 8], "batchnorm expects an input [C, H, W] (or flat [C]), got [2, 8]")
    expectNetworkError([.dropout(p: 1)], "layer 'dropout1': dropout expects a probability p with 0 <= p < 1, got 1")
    expectNetworkError([.dropout(p: -0.5)], "got -0.5")
  }

  @Test func residualOutputIsInputPlusBlock() throws {
    let net = try Network(
      inputShape: [2, 5, 5],
      layers: [.residual(layers: [.conv(outChannels: 2, kernel: 3, padding: 1), .leakyReLU(slope: 0.2)])],
      seed: 4)
    let x = randomTensor([3, 2, 5, 5], seed: 5)
    let conv = try #require(net.layer(named: "res1.conv1"))
    let act = try #require(net.layer(named: "res1.leaky1"))
    let expected = x + act(conv(x, policy: .original), policy: .original)
    let pass = net.forward(x, taps: ["res1.conv1", "res1"])
    #expect(pass.output.values == expected.values)
    #expect(pass.taps["res1.conv1"]?.values == conv(x, policy: .original).values)
    #expect(pass.taps["res1"]?.values == expected.values)
  }

  // MARK: - Modes and running statistics

  @Test func batchNormLayerUsesBatchStatisticsInTrainingAndRunningOnesOtherwise() throws {
    let net = try Network(inputShape: [2, 1, 2], layers: [.batchNorm()], seed: 0)
    let norm = try #require(net.layer(named: "bn1") as? BatchNorm)
    norm.weight.values = [2, 0.5]
    norm.bias.values = [1, -1]
    #expect(norm.momentum == 0.1 && norm.epsilon == 1e-5)
    let x = Tensor(shape: [2, 2, 1, 2], values: [-1, 1, 0, 2, -1, 1, 4, 6])
    let trained = net.forward(x, mode: .training(seed: 0)).output
    #expect(isApproximatelyEqual(trained.values, [-0.99999, 2.99999, -1.67081972, -1.22360657, -0.99999, 2.99999, -0.77639343, -0.32918028]))
    // PyTorch: running = 0.9 · running + 0.1 · batch (unbiased variance 4/3 and 20/3).
    #expect(isApproximatelyEqual(norm.runningMean.values, [0, 0.3]))
    #expect(isApproximatelyEqual(norm.runningVariance.values, [0.9 + 0.4 / 3, 0.9 + 2.0 / 3]))
    #expect(norm.batchesTracked == 1)
    // Evaluation: y = w·(x − running_mean)/√(running_var + eps) + b; no update.
    let evaluated = net.forward(x).output
    let rv = [0.9 + 0.4 / 3, 0.9 + 2.0 / 3]
    let expected = [-1.0, 1, 0, 2, -1, 1, 4, 6].enumerated().map { i, v -> Double in
      let c = (i / 2) % 2
      let (w, b, m) = c == 0 ? (2.0, 1.0, 0.0) : (0.5, -1.0, 0.3)
      return w * (v - m) / (rv[c] + 1e-5).squareRoot() + b
    }
    #expect(isApproximatelyEqual(evaluated.values, expected))
    #expect(norm.batchesTracked == 1)
  }

  @Test(arguments: [GradientRule.plain, .swap(.constant(0.3)), .proxy(.constant(0.3))])
  func aTrainingStepUpdatesRunningStatisticsOnceFromTheOriginalNetwork(rule: GradientRule) throws {
    let (x, labels) = Self.batch()
    // The reference: one training-mode pass of the original network.
    let reference = try Self.residualNetwork(seed: 2)
    _ = reference.forward(x, mode: .training(seed: 0))
    let net = try Self.residualNetwork(seed: 2)
    var sgd = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.1)
    trainStep(network: net, inputs: x, labels: labels, rule: rule, optimizer: &sgd)
    let got = Self.runningStatistics(net), want = Self.runningStatistics(reference)
    #expect(got.keys.sorted() == want.keys.sorted())
    for (name, values) in want {
      #expect(got[name] == values, "\(rule): \(name)")
    }
    #expect(got["res1.bn1.count"] == [1])
  }

  @Test func theProxyPassNeverChangesRunningStatistics() throws {
    let net = try Self.residualNetwork(seed: 3)
    let (x, _) = Self.batch()
    let mode = net.nextTrainingMode()
    var changed: [Bool] = []
    _ = withGradientRule(.proxy(.constant(0.5))) { policy in
      let before = Self.runningStatistics(net)
      let out = net.forward(x, policy: policy, mode: mode).output
      changed.append(Self.runningStatistics(net) != before)
      return out
    }
    #expect(changed == [true, false], "the value pass updates, the proxy pass does not")
  }

  @Test func evaluationActivationMaximizationAndInputGradientsLeaveRunningStatisticsAlone() throws {
    let net = try Self.residualNetwork(seed: 4)
    let (x, labels) = Self.batch()
    var sgd = SGD(learningRate: 0.05)
    trainStep(network: net, inputs: x, labels: labels, rule: .plain, optimizer: &sgd)
    let before = Self.runningStatistics(net)
    _ = accuracy(network: net, inputs: x, labels: labels)
    _ = evaluate(net, on: LabelledImages(images: x, labels: labels, classes: ["a", "b", "c", "d"]))
    for rule in [GradientRule.plain, .swap(.constant(0.5)), .proxy(.constant(0.5))] {
      _ = inputGradient(.logit(1), network: net, input: x, rule: rule)
      var adam = Adam(learningRate: 0.05)
      _ = maximize(
        .channel(layer: "res2.relu1", 3), network: net, options: MaximizeOptions(steps: 3, rule: rule),
        optimizer: &adam)
    }
    #expect(Self.runningStatistics(net) == before)
  }

  @Test func optimizersNeverSeeBuffers() throws {
    let net = try Self.residualNetwork(seed: 5)
    let buffers = Set(net.namedBuffers.map { ObjectIdentifier($0.tensor) })
    #expect(buffers.count == 2 * 5)
    #expect(net.parameters.allSatisfy { !buffers.contains(ObjectIdentifier($0)) })
    #expect(net.namedBuffers.allSatisfy { !$0.tensor.requiresGrad })
    #expect(net.namedParameters.map(\.name).contains("res2.skip.weight"))
    #expect(net.namedBuffers.map(\.name).prefix(4) == [
      "bn1.running_mean", "bn1.running_var", "res1.bn1.running_mean", "res1.bn1.running_var",
    ])
  }

  @Test func dropoutIsTheIdentityInEvaluationAndSharedByThePassesOfAStep() throws {
    let net = try Network(
      inputShape: [1, 12, 12],
      layers: [.conv(outChannels: 4, kernel: 3), .batchNorm(), .leakyReLU(slope: 0), .flatten(),
        .dropout(p: 0.5), .linear(outFeatures: 4)],
      seed: 6)
    let (x, _) = Self.batch(4)
    let dropoutLayer = try #require(net.layer(named: "dropout1"))
    let h = randomTensor([4, 400], seed: 7)
    #expect(dropoutLayer(h, policy: .original).values == h.values)
    let mode = net.nextTrainingMode()
    let a = dropoutLayer(h, policy: .original, mode: mode).values
    #expect(a == dropoutLayer(h, policy: .original, mode: mode).values)
    #expect(a != dropoutLayer(h, policy: .original, mode: net.nextTrainingMode()).values)
    #expect(a.contains(0) && a.contains { $0 != 0 })
    // proxy(0) on a ReLU network is the original network: with the same masks and batch
    // statistics its values equal the value pass's exactly.
    let (value, root) = withGradientRule(.proxy(.constant(0))) { policy in
      net.forward(x, policy: policy, mode: mode).output
    }
    #expect(value.values == root.values)
  }

  // MARK: - Gradient rules inside blocks

  static func ruleNetwork() throws -> Network {
    try Network(
      inputShape: [1, 6, 6],
      layers: [.conv(outChannels: 4, kernel: 3, padding: 1), .leakyReLU(slope: 0),
        .residual(layers: [.conv(outChannels: 4, kernel: 3, padding: 1), .batchNorm(), .leakyReLU(slope: 0),
          .conv(outChannels: 4, kernel: 3, padding: 1)]),
        .leakyReLU(slope: 0), .globalAveragePool(), .linear(outFeatures: 3)],
      seed: 11)
  }

  @Test(arguments: ["swap", "proxy"])
  func perLayerMapsReachLeakyReLUsInsideBlocksByFullName(kind: String) throws {
    let net = try Self.ruleNetwork()
    let x = randomTensor([4, 1, 6, 6], seed: 12)
    func gradient(_ map: [String: SlopeSpec]) -> ([Float], [Float]) {
      let rule: GradientRule = kind == "swap" ? .swap(.perLayer(map)) : .proxy(.perLayer(map))
      let r = inputGradient(.logit(0), network: net, input: x, rule: rule)
      return (r.value, r.gradient)
    }
    let plain = inputGradient(.logit(0), network: net, input: x, rule: .plain)
    let nested = gradient(["res1.relu1": .constant(0.5)])
    let unknown = gradient(["relu9": .constant(0.5)])
    let unprefixed = gradient(["relu3": .constant(0.5)])
    #expect(nested.1 != plain.gradient, "a map on res1.relu1 changes the gradient")
    #expect(unknown.1 == plain.gradient, "a map on an unknown name changes nothing")
    #expect(unprefixed.1 == plain.gradient)
    #expect(nested.0 == plain.value, "values are the original network's")
  }

  @Test func aConstantSlopeReachesEveryNestedReLU() throws {
    let net = try Self.ruleNetwork()
    let x = randomTensor([4, 1, 6, 6], seed: 13)
    // With b equal to the forward slope of every ReLU (0), swap and proxy are plain.
    let plain = inputGradient(.logit(2), network: net, input: x, rule: .plain).gradient
    #expect(inputGradient(.logit(2), network: net, input: x, rule: .swap(.constant(0))).gradient == plain)
    let all = ["relu1", "res1.relu1", "relu2"].reduce(into: [String: SlopeSpec]()) { $0[$1] = .constant(0.4) }
    let mapped = inputGradient(.logit(2), network: net, input: x, rule: .swap(.perLayer(all))).gradient
    let constant = inputGradient(.logit(2), network: net, input: x, rule: .swap(.constant(0.4))).gradient
    #expect(mapped == constant, "a constant slope is a map over every ReLU, nested ones included")
  }

  @Test func objectivesTapNestedLayers() throws {
    let net = try Self.ruleNetwork()
    #expect(validate(.channel(layer: "res1.bn1", 2), network: net) == nil)
    #expect(validate(.channel(layer: "bn1", 2), network: net) != nil)
    let x = randomTensor([2, 1, 6, 6], seed: 14)
    let tap = net.forward(x, taps: ["res1.bn1"]).taps["res1.bn1"]!
    let value = inputGradient(.channel(layer: "res1.bn1", 2), network: net, input: x, rule: .plain).value
    let expected = (0..<2).map { n in
      (0..<36).reduce(0.0) { $0 + Double(tap.values[(n * 4 + 2) * 36 + $1]) } / 36
    }
    #expect(isApproximatelyEqual(value, expected))
  }

  // MARK: - Training

  @Test func aResidualNetworkWithBatchNormLearnsSyntheticPatterns() throws {
    let data = SyntheticImages.make(count: 512, classes: 4, size: 12, noise: 0.2, seed: 1)
    let test = SyntheticImages.make(count: 256, classes: 4, size: 12, noise: 0.2, seed: 99)
    // Small batches and channels keep this test's memory low: other tests measure the
    // process's resident memory meanwhile.
    let net = try Self.residualNetwork(seed: 7, width: 6)
    var adam = Adam(learningRate: 0.01)
    let history = train(
      net, on: data, options: TrainingOptions(epochs: 3, batchSize: 16, seed: 1), optimizer: &adam)
    let result = evaluate(net, on: test)
    #expect(result.accuracy > 0.95, "held-out accuracy \(result.accuracy), last loss \(history.last?.loss ?? .nan)")
    #expect((net.layer(named: "res2.bn1") as? BatchNorm)?.batchesTracked == history.count)
  }

  // MARK: - Weight files

  let folder: String = {
    let path = NSTemporaryDirectory() + "pgs-deep-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }()

  @Test func safetensorsRoundTripCarriesBuffersCountsAndNestedNames() throws {
    let a = try Self.residualNetwork(seed: 1), b = try Self.residualNetwork(seed: 2)
    let (x, labels) = Self.batch()
    var sgd = SGD(learningRate: 0.05)
    for _ in 0..<3 { trainStep(network: a, inputs: x, labels: labels, rule: .plain, optimizer: &sgd) }
    let path = "\(folder)/res.safetensors"
    try SafeTensors.save(a, to: path)
    try SafeTensors.load(b, from: path)
    #expect(a.parameters.map(\.values) == b.parameters.map(\.values))
    #expect(Self.runningStatistics(a) == Self.runningStatistics(b))
    #expect(Self.runningStatistics(b)["res2.bn2.count"] == [3])
    #expect(a.forward(x).output.values == b.forward(x).output.values)
    let names = try SafeTensors.read(path).keys
    for name in [
      "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
      "res1.conv1.weight", "res1.bn2.running_var", "res2.skip.weight", "res2.skip.bias",
      "res2.bn1.num_batches_tracked", "linear1.bias",
    ] {
      #expect(names.contains(name), "\(name)")
    }
    let header = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)).prefix(4096), as: UTF8.self)
    #expect(header.contains(#""bn1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets""#))
  }

  @Test func countersAreOptionalAndRunningStatisticsRequiredOnLoad() throws {
    let net = try Self.residualNetwork(seed: 1)
    let state = SafeTensors.state(of: net)
    let withoutCounts = state.filter { !$0.name.hasSuffix("num_batches_tracked") }
    let path = "\(folder)/no-counts.safetensors"
    try Data(SafeTensors.encode(withoutCounts)).write(to: URL(fileURLWithPath: path))
    try SafeTensors.load(net, from: path)
    let withoutVariance = state.filter { $0.name != "res1.bn2.running_var" }
    let missing = "\(folder)/missing.safetensors"
    try Data(SafeTensors.encode(withoutVariance)).write(to: URL(fileURLWithPath: missing))
    do {
      try SafeTensors.load(net, from: missing)
      Issue.record("loading without a running variance must fail")
    } catch {
      #expect(error.description.contains("no tensor named 'res1.bn2.running_var'"), "\(error)")
    }
    // A count written as F32 (some exporters) is accepted as well.
    let floatCounts = state.map { entry -> (name: String, shape: [Int], payload: SafeTensors.Payload) in
      entry.name.hasSuffix("num_batches_tracked") ? (entry.name, [], .float32([7])) : entry
    }
    let floats = "\(folder)/float-counts.safetensors"
    try Data(SafeTensors.encode(floatCounts)).write(to: URL(fileURLWithPath: floats))
    try SafeTensors.load(net, from: floats)
    #expect((net.layer(named: "res1.bn1") as? BatchNorm)?.batchesTracked == 7)
  }
}
