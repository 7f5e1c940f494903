import Foundation
import ProxyGradNN
import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// The layers of real CNNs inside networks: shapes and names, gradient rules on clip layers,
/// and a whole network against the same PyTorch module under every rule.
@Suite struct CNNLayerTests {
  static let mean: [Float] = [0.485, 0.456, 0.406]
  static let std: [Float] = [0.229, 0.224, 0.225]

  /// The network of `make_layer_goldens.py`'s `Net`, layer for layer.
  static let specs: [LayerSpec] = [
    .constant(.sub, values: mean, shape: [3], perChannel: true),
    .constant(.div, values: std, shape: [3], perChannel: true),
    .convolution(
      ConvOptions(
        outChannels: 8, kernel: Size2d(3, 5), stride: Size2d(2, 1),
        padding: Padding2d(vertical: 1, horizontal: 2), bias: false)),
    .clip(low: 0, high: 6),
    .convolution(ConvOptions(outChannels: 8, kernel: Size2d(3), padding: Padding2d(1), groups: 8)),
    .clip(low: 0, high: 6),
    .conv(outChannels: 12, kernel: 1),
    .pooling(PoolOptions(mode: .max, kernel: Size2d(3), stride: Size2d(2), ceilMode: true)),
    .lrn(size: 5, alpha: 0.5, beta: 0.75, k: 1),
    .convolution(
      ConvOptions(
        outChannels: 12, kernel: Size2d(3), padding: Padding2d(2), dilation: Size2d(2), groups: 3)),
    .leakyReLU(slope: 0),
    .pooling(
      PoolOptions(
        mode: .average, kernel: Size2d(3), stride: Size2d(1), padding: Padding2d(1),
        countIncludePad: false)),
    .adaptiveAvgPool(Size2d(2)),
    .elementwise(.sigmoid),
    .flatten(),
    .dropout(p: 0.5),
    .linear(outFeatures: 5),
    .elementwise(.tanh),
    .softmax(),
  ]

  static func goldenPath(_ file: String) throws -> String {
    guard let url = Bundle.module.url(forResource: "Golden", withExtension: nil) else {
      throw CrossCheckError("no Golden folder in the test bundle")
    }
    return "\(url.path)/layers/\(file).safetensors"
  }

  @Test func namesKindsAndShapes() throws {
    let net = try Network(inputShape: [3, 16, 16], layers: Self.specs, seed: 0)
    #expect(
      net.allLayers.map(\.name) == [
        "sub1", "div1", "conv1", "relu6_1", "conv2", "relu6_2", "conv3", "pool1", "lrn1", "conv4",
        "relu1", "pool2", "pool3", "sigmoid1", "flatten1", "dropout1", "linear1", "tanh1",
        "softmax1",
      ])
    #expect(
      net.allLayers.map(\.kind) == [
        "sub", "div", "conv", "relu6", "conv", "relu6", "conv", "maxpool", "lrn", "conv", "relu",
        "avgpool", "adaptive_avgpool", "sigmoid", "flatten", "dropout", "linear", "tanh", "softmax",
      ])
    #expect(net.layer(named: "conv1")?.outputShape == [8, 8, 16])
    #expect(net.layer(named: "pool1")?.outputShape == [12, 4, 8])
    #expect(net.layer(named: "pool3")?.outputShape == [12, 2, 2])
    #expect(net.namedParameters.map(\.name).contains("conv1.weight"))
    #expect(!net.namedParameters.map(\.name).contains("conv1.bias"))
    #expect(net.layer(named: "conv2")?.summary == "conv(8, 3, pad: 1, groups: 8)")
    #expect(net.layer(named: "conv1")?.summary == "conv(8, [3, 5], stride: [2, 1], pad: [1, 2], bias: false)")
    #expect(net.layer(named: "pool1")?.summary == "maxpool(3, stride: 2, ceil: true)")
  }

  @Test func simpleOptionsSayTheSameAsTheSquareSpecs() {
    #expect(
      LayerSpec.convolution(options: ConvOptions(outChannels: 4, kernel: Size2d(3), stride: Size2d(2), padding: Padding2d(1)))
        == .conv(outChannels: 4, kernel: 3, stride: 2, padding: 1))
    #expect(
      LayerSpec.pooling(options: PoolOptions(mode: .max, kernel: Size2d(2)))
        == .maxPool(kernel: 2, stride: nil))
    #expect(
      LayerSpec.pooling(options: PoolOptions(mode: .average, kernel: Size2d(3), stride: Size2d(1)))
        == .avgPool(kernel: 3, stride: 1))
  }

  @Test func badDefinitionsNameTheLayer() {
    func error(_ specs: [LayerSpec], input: [Int] = [4, 8, 8]) -> String {
      do {
        _ = try Network(inputShape: input, layers: specs, seed: 0)
        return "built"
      } catch {
        return error.description
      }
    }
    #expect(
      error([.convolution(ConvOptions(outChannels: 6, kernel: Size2d(3), groups: 4))])
        == "layer 'conv1': groups: 4 must divide both the input channels (4) and the output channels (6)")
    #expect(
      error([.pooling(PoolOptions(mode: .max, kernel: Size2d(2), padding: Padding2d(2)))])
        == "layer 'pool1': pad 2 is more than half the pooling window 2")
    #expect(error([.reshape([3, -1])]) == "layer 'reshape1': cannot reshape [4, 8, 8] (256 elements) to [3, -1]")
    #expect(
      error([.constant(.sub, values: [1, 2], shape: [2], perChannel: true)])
        == "layer 'sub1': sub has 2 per-channel values for an input of 4 channels [4, 8, 8]")
    #expect(error([.clip(low: 2, high: 1)]) == "layer 'clip1': clip expects low <= high, got [2, 1]")
    #expect(error([.adaptiveAvgPool(Size2d(2))], input: [5]).hasPrefix("layer 'pool1': adaptive_avgpool expects"))
  }

  /// Clip layers follow the rules below their lower bound only.
  @Test func clipLayersFollowTheGradientRuleBelowTheLowerBound() throws {
    let net = try Network(inputShape: [4], layers: [.clip(low: 1, high: 3)], seed: 0)
    let x = Tensor(shape: [1, 4], values: [0, 2, 4, -1])
    func gradient(_ rule: GradientRule) -> (value: [Float], gradient: [Float]) {
      let leaf = Tensor(shape: x.shape, values: x.values, requiresGrad: true)
      let (value, root) = withGradientRule(rule) { net.forward(leaf, policy: $0).output }
      root.backward()
      return (value.values, leaf.grad ?? [])
    }
    #expect(gradient(.plain) == ([1, 2, 3, 1], [0, 1, 0, 0]))
    #expect(gradient(.swap(.constant(0.5))) == ([1, 2, 3, 1], [0.5, 1, 0, 0.5]))
    #expect(gradient(.proxy(.constant(0.5))) == ([1, 2, 3, 1], [0.5, 1, 0, 0.5]))
    #expect(gradient(.swap(.perLayer(["clip1": .constant(0.25)]))).gradient == [0.25, 1, 0, 0.25])
    // The proxy network's own values below the bound: 1 + 0.5·(x − 1).
    let proxyValues = withGradientRule(.proxy(.constant(0.5))) { net.forward(x, policy: $0).output }
    #expect(proxyValues.root.values == [0.5, 2, 3, 0])
  }

  @Test(arguments: ["plain", "swap", "proxy"])
  func networkMatchesPyTorch(_ ruleName: String) throws {
    let net = try Network(inputShape: [3, 16, 16], layers: Self.specs, seed: 0)
    try Self.compare(net, golden: "net", rule: ruleName)
  }

  /// An Inception-style block: four branches (one empty) joined along the channels.
  static let inceptionSpecs: [LayerSpec] = [
    .conv(outChannels: 8, kernel: 3, padding: 1), .leakyReLU(slope: 0),
    .concat(branches: [
      .branch(layers: [.conv(outChannels: 4, kernel: 1), .leakyReLU(slope: 0)]),
      .branch(layers: [
        .conv(outChannels: 2, kernel: 1), .leakyReLU(slope: 0),
        .conv(outChannels: 6, kernel: 3, padding: 1), .leakyReLU(slope: 0),
      ]),
      .branch(layers: [
        .pooling(PoolOptions(mode: .max, kernel: Size2d(3), stride: Size2d(1), padding: Padding2d(1))),
        .conv(outChannels: 2, kernel: 1),
      ]),
      .branch(layers: []),
    ]),
    .globalAveragePool(), .linear(outFeatures: 3),
  ]

  @Test(arguments: ["plain", "swap", "proxy"])
  func inceptionBlockMatchesPyTorch(_ ruleName: String) throws {
    let net = try Network(inputShape: [4, 6, 6], layers: Self.inceptionSpecs, seed: 0)
    #expect(net.layer(named: "cat1")?.outputShape == [20, 6, 6])
    #expect(
      net.namedParameters.map(\.name).contains("cat1.branch2.conv2.weight"),
      "parameters: \(net.namedParameters.map(\.name))")
    try Self.compare(net, golden: "inception", rule: ruleName)
  }

  @Test func tapsReachLayersInsideBranches() throws {
    let net = try Network(inputShape: [4, 6, 6], layers: Self.inceptionSpecs, seed: 3)
    let x = randomTensor([2, 4, 6, 6], seed: 4)
    let pass = net.forward(x, taps: ["cat1.branch2.relu2", "cat1.branch4", "relu1", "cat1"])
    let inner = try #require(pass.taps["cat1.branch2.relu2"])
    let joined = try #require(pass.taps["cat1"])
    #expect(inner.shape == [2, 6, 6, 6])
    // Channels 4..<10 of the concatenation are branch 2's output; 12..<20 the input (branch 4).
    #expect(joined.select(axis: 1, index: 4).values == inner.select(axis: 1, index: 0).values)
    #expect(joined.select(axis: 1, index: 19).values == pass.taps["relu1"]!.select(axis: 1, index: 7).values)
    #expect(pass.taps["cat1.branch4"]?.values == pass.taps["relu1"]?.values)
  }

  /// Loads `<golden>-weights`, runs `x` under the rule, and compares the output, the input
  /// gradient and every weight gradient of `Σ y·r` with PyTorch's.
  static func compare(_ net: Network, golden: String, rule ruleName: String) throws {
    try SafeTensors.load(net, from: try Self.goldenPath("\(golden)-weights"))
    let g = try SafeTensors.read(try Self.goldenPath("\(golden)-\(ruleName)"))
    let input = try #require(g["x"]), r = try #require(g["r"])
    let rule: GradientRule =
      switch ruleName {
      case "swap": .swap(.constant(0.3))
      case "proxy": .proxy(.constant(0.3))
      default: .plain
      }
    let x = Tensor(shape: input.shape, values: input.values, requiresGrad: true)
    let (value, root) = withGradientRule(rule) { net.forward(x, policy: $0).output }
    sum(root * Tensor(shape: r.shape, values: r.values)).backward()
    let y = try #require(g["y"])
    // PyTorch's y is the rule's own network: the original one except under proxy.
    let e = LayerGoldenTests.relativeError((ruleName == "proxy" ? root : value).values, y.values)
    #expect(e <= 1e-5, "\(golden) \(ruleName) output: relative error \(e)")
    let gx = LayerGoldenTests.relativeError(x.grad ?? [], try #require(g["grad_x"]).values)
    #expect(gx <= 1e-4, "\(golden) \(ruleName) input gradient: relative error \(gx)")
    for (name, parameter) in net.namedParameters {
      let expected = try #require(g["grad.\(name)"], "golden has grad.\(name)")
      let e = LayerGoldenTests.relativeError(parameter.grad ?? [], expected.values)
      #expect(e <= 1e-4, "\(golden) \(ruleName) gradient of \(name): relative error \(e)")
    }
    let names = Set(net.namedParameters.map { "grad.\($0.name)" })
    #expect(names == Set(g.keys.filter { $0.hasPrefix("grad.") }), "\(golden): gradients in the golden file")
    if ProcessInfo.processInfo.environment["LAYERS_REPORT"] != nil {
      print("layers \(golden) \(ruleName): output \(e), input gradient \(gx)")
    }
  }

  /// The rules must give different gradients on this network, or the test above proves little.
  @Test(arguments: ["net", "inception"])
  func rulesGiveDifferentInputGradients(_ golden: String) throws {
    let grads = try ["plain", "swap", "proxy"].map {
      try #require(try SafeTensors.read(try Self.goldenPath("\(golden)-\($0)"))["grad_x"]).values
    }
    #expect(LayerGoldenTests.relativeError(grads[0], grads[1]) > 1e-2)
    #expect(LayerGoldenTests.relativeError(grads[1], grads[2]) > 1e-2)
  }
}
