import Foundation
import ProxyGradNN
import ProxyGradTensor
import ProxyGradTestSupport
import Testing

@testable import ProxyGradONNX

/// The committed ONNX files of Fixtures/ (scripts/crosscheck-onnx --fixtures makes them): one
/// small network with convolutions, batch norm (folded and not), a residual sum, a ReLU called
/// twice, max, average and global pooling, Leaky ReLU, dropout and a linear layer, exported by
/// PyTorch's legacy and default (dynamo) exporters; PyTorch's logits and input gradients under
/// plain, swap(0.3) and proxy(0.3).
@Suite struct ONNXImportTests {
  static let variants = ["legacy", "legacy-nofold", "dynamo", "dynamo-noopt"]

  static func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!.path
  }

  struct Golden {
    let input: Tensor
    let unit: Int
    let tensors: [String: Tensor]

    init(_ file: String) throws {
      let data = try Data(contentsOf: URL(fileURLWithPath: ONNXImportTests.fixture(file)))
      let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
      var tensors: [String: Tensor] = [:]
      for (key, value) in json {
        guard let t = value as? [String: Any], let shape = t["shape"] as? [Int],
          let values = t["values"] as? [Double]
        else { continue }
        tensors[key] = Tensor(shape: shape, values: values.map { Float($0) })
      }
      input = try #require(tensors["input"])
      unit = json["unit"] as? Int ?? 0
      self.tensors = tensors
    }
  }

  /// max |a − b| / max |b|.
  static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    var scale = 1e-30
    for (x, y) in zip(a, b) {
      worst = max(worst, abs(Double(x) - Double(y)))
      scale = max(scale, abs(Double(y)))
    }
    return worst / scale
  }

  @Test(arguments: variants) func logitsAndInputGradientsMatchPyTorch(variant: String) throws {
    let net = try ONNXImport.load(path: Self.fixture("small.\(variant).onnx"))
    let golden = try Golden("small.golden.json")
    #expect(net.inputShape == [3, 16, 16])
    #expect(net.outputShape == [10])
    let logits = net.forward(golden.input).output
    let logitError = Self.relativeError(logits.values, golden.tensors["logits"]!.values)
    #expect(logitError <= 1e-4, "\(variant) logits: relative error \(logitError)")
    for (rule, key) in [
      (GradientRule.plain, "grad.plain"), (.swap(.constant(0.3)), "grad.swap-0.3"),
      (.proxy(.constant(0.3)), "grad.proxy-0.3"),
    ] {
      let (_, gradient) = inputGradient(.logit(golden.unit), network: net, input: golden.input, rule: rule)
      let error = Self.relativeError(gradient, golden.tensors[key]!.values)
      #expect(error <= 1e-3, "\(variant) \(key): relative error \(error)")
    }
  }

  @Test func theRulesGiveDifferentGradients() throws {
    // So that the comparison above can tell the rules apart.
    let golden = try Golden("small.golden.json")
    let keys = ["grad.plain", "grad.swap-0.3", "grad.proxy-0.3"]
    for i in keys.indices {
      for j in keys.indices where j > i {
        let e = Self.relativeError(golden.tensors[keys[i]]!.values, golden.tensors[keys[j]]!.values)
        #expect(e > 0.05, "\(keys[i]) vs \(keys[j]) differ by only \(e)")
      }
    }
  }

  @Test func legacyNamesFollowTheModulePath() throws {
    let net = try ONNXImport.load(path: Self.fixture("small.legacy.onnx"))
    #expect(net.nodes.map(\.name) == [
      "conv1", "relu", "pool", "layer1.conv1", "layer1.relu", "layer1.conv2", "layer1", "layer1.relu_1",
      "norm", "down", "act", "avg", "gap", "flatten", "fc",
    ])
    #expect(net.nodes.map(\.layer.kind) == [
      "conv", "relu", "maxpool", "conv", "relu", "conv", "add", "relu", "batchnorm", "conv", "leaky",
      "avgpool", "adaptive_avgpool", "flatten", "linear",
    ])
    // The sum reads the block's second convolution and the block's input (the pooling).
    #expect(net.nodes[6].inputs == ["layer1.conv2", "pool"])
    let unfolded = try ONNXImport.load(path: Self.fixture("small.legacy-nofold.onnx"))
    #expect(unfolded.nodes.map(\.name).prefix(3) == ["conv1", "bn1", "relu"])
    #expect(unfolded.layer(named: "layer1.bn1")?.kind == "batchnorm")
  }

  @Test func dynamoNamesFollowTheModulePath() throws {
    for variant in ["dynamo", "dynamo-noopt"] {
      let net = try ONNXImport.load(path: Self.fixture("small.\(variant).onnx"))
      let names = Set(net.nodes.map(\.name))
      for expected in ["conv1", "relu", "pool", "layer1.conv1", "layer1.relu", "layer1.relu_1", "layer1.conv2", "norm", "down", "act", "avg", "gap", "fc"] {
        #expect(names.contains(expected), "\(variant) lacks \(expected): \(net.nodes.map(\.name))")
      }
    }
  }

  @Test func tapsAndObjectivesReachImportedNodes() throws {
    let net = try ONNXImport.load(path: Self.fixture("small.legacy.onnx"))
    let golden = try Golden("small.golden.json")
    let pass = net.forward(golden.input, taps: ["layer1.relu", "norm"])
    #expect(pass.taps["layer1.relu"]?.shape == [2, 8, 8, 8])
    #expect(pass.taps["norm"]?.shape == [2, 8, 8, 8])
    #expect(validate(.channel(layer: "layer1.relu_1", 3), network: net) == nil)
    let (value, gradient) = inputGradient(
      .channel(layer: "norm", 2), network: net, input: golden.input, rule: .proxy(.perLayer(["layer1.relu": .constant(0.5)])))
    #expect(value.count == 2 && gradient.count == golden.input.count)
    #expect(gradient.contains { $0 != 0 })
  }

  @Test func fp16WeightsAreConvertedOnLoad() throws {
    let net = try ONNXImport.load(path: Self.fixture("small.fp16.onnx"))
    let golden = try Golden("small.fp16.golden.json")
    let logits = net.forward(golden.input).output
    let error = Self.relativeError(logits.values, golden.tensors["logits"]!.values)
    #expect(error <= 1e-4, "relative error \(error)")
  }

  @Test func aNetworkSavedAsONNXReadsBackWithTheSameNamesAndNumbers() throws {
    let net = try Network(
      inputShape: [2, 12, 12],
      layers: [
        .conv(outChannels: 4, kernel: 3, padding: 1), .batchNorm(), .leakyReLU(slope: 0),
        .residual(layers: [.conv(outChannels: 4, kernel: 3, padding: 1), .leakyReLU(slope: 0.1)]),
        .residual(project: true, layers: [.conv(outChannels: 8, kernel: 3, stride: 2, padding: 1)]),
        .maxPool(kernel: 2), .avgPool(kernel: 3, stride: 1), .globalAveragePool(), .dropout(p: 0.2),
        .linear(outFeatures: 5),
      ],
      seed: 3)
    let norm = try #require(net.layer(named: "bn1") as? BatchNorm)
    norm.runningMean.values = [0.1, -0.2, 0.3, 0]
    norm.runningVariance.values = [0.5, 1.5, 1, 2]
    let back = try Self.savedAndLoaded(net, as: "net")
    #expect(back.nodes.map(\.name) == net.nodes.map(\.name).filter { $0 != "dropout1" })
    let x = randomTensor([3, 2, 12, 12], seed: 9)
    #expect(back.forward(x).output.values == net.forward(x).output.values)
    let rule = GradientRule.swap(.constant(0.3))
    #expect(
      inputGradient(.logit(1), network: back, input: x, rule: rule).gradient
        == inputGradient(.logit(1), network: net, input: x, rule: rule).gradient)
  }
}

extension ONNXImportTests {
  /// `net` written with `ONNXExport` to `name.onnx` in a fresh folder and read back.
  static func savedAndLoaded(_ net: Network, as name: String) throws -> Network {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-onnx-\(name)-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent(name + ".onnx").path
    try ONNXExport.save(net, to: path)
    return try ONNXImport.load(path: path)
  }

  @Test func concatenationBlocksSaveAsConcat() throws {
    let net = try Network(
      inputShape: [3, 8, 8],
      layers: [
        .concat(branches: [
          .branch(layers: [.conv(outChannels: 2, kernel: 1), .leakyReLU(slope: 0)]),
          .branch(layers: [.conv(outChannels: 3, kernel: 3, padding: 1)]),
        ]),
        .globalAveragePool(), .linear(outFeatures: 4),
      ],
      seed: 2)
    let back = try Self.savedAndLoaded(net, as: "cat")
    #expect(back.layer(named: "cat1")?.kind == "concat")
    let x = randomTensor([2, 3, 8, 8], seed: 4)
    #expect(back.forward(x).output.values == net.forward(x).output.values)
  }
}
