import Foundation
import ProxyGradNN
import ProxyGradTensor
import Testing

/// Compares the engine with PyTorch on the W1 and (reduced-width) W3 networks of docs/performance.md ("Workloads"), and
/// on a residual network with batch norm in evaluation mode, for `plain`, `swap` and `proxy`: logits and loss of the original network, the input gradient of
/// logit 3 and every weight gradient of the softmax cross-entropy. The golden files come from
/// `scripts/crosscheck-torch` (docs/crosscheck.md); set CROSSCHECK_REPORT=1 to print the
/// measured errors.
@Suite struct CrossCheckTests {
  /// The largest allowed |engine − PyTorch| relative to the largest magnitude of the PyTorch
  /// tensor.
  static let tolerance = 1e-4

  struct Net: Sendable, CustomStringConvertible {
    let name: String
    let inputShape: [Int]
    let layers: [LayerSpec]
    /// The first activation's name, the layer of the per-layer rules.
    let firstActivation: String
    var description: String { name }
  }

  static func w1(name: String, slope: Double) -> Net {
    Net(
      name: name, inputShape: [1, 28, 28],
      layers: [
        .conv(outChannels: 16, kernel: 3), .leakyReLU(slope: slope), .maxPool(kernel: 2),
        .conv(outChannels: 32, kernel: 3), .leakyReLU(slope: slope), .maxPool(kernel: 2),
        .flatten(), .linear(outFeatures: 10),
      ],
      firstActivation: slope == 0 ? "relu1" : "leaky1")
  }

  /// W3's layer structure with widths 8/8/16/16/32 instead of 64/64/128/128/256.
  static let w3 = Net(
    name: "w3", inputShape: [3, 32, 32],
    layers: [
      .conv(outChannels: 8, kernel: 3, padding: 1), .leakyReLU(slope: 0),
      .conv(outChannels: 8, kernel: 3, padding: 1), .leakyReLU(slope: 0), .maxPool(kernel: 2),
      .conv(outChannels: 16, kernel: 3, padding: 1), .leakyReLU(slope: 0),
      .conv(outChannels: 16, kernel: 3, padding: 1), .leakyReLU(slope: 0), .maxPool(kernel: 2),
      .conv(outChannels: 32, kernel: 3, padding: 1), .leakyReLU(slope: 0), .maxPool(kernel: 2),
      .flatten(), .linear(outFeatures: 10),
    ],
    firstActivation: "relu1")

  /// A residual network with batch norm, used in evaluation mode (the goldens' running
  /// statistics are random, so batch norm is not the identity). Its per-layer rules name a ReLU
  /// inside a block, and its skip path has a 1×1 projection (`res2.skip`).
  static let resbn = Net(
    name: "resbn", inputShape: [1, 12, 12],
    layers: [
      .conv(outChannels: 8, kernel: 3, padding: 1), .batchNorm(), .leakyReLU(slope: 0),
      .residual(layers: [
        .conv(outChannels: 8, kernel: 3, padding: 1), .batchNorm(), .leakyReLU(slope: 0),
        .conv(outChannels: 8, kernel: 3, padding: 1), .batchNorm(),
      ]),
      .leakyReLU(slope: 0),
      .residual(project: true, layers: [
        .conv(outChannels: 16, kernel: 3, stride: 2, padding: 1), .batchNorm(), .leakyReLU(slope: 0),
        .conv(outChannels: 16, kernel: 3, padding: 1), .batchNorm(),
      ]),
      .leakyReLU(slope: 0), .globalAveragePool(), .linear(outFeatures: 10),
    ],
    firstActivation: "res1.relu1")

  static let nets = [w1(name: "w1", slope: 0), w1(name: "w1-leaky", slope: 0.01), w3, resbn]

  struct Case: Sendable, CustomStringConvertible {
    let net: Net
    let file: String  // the golden file's rule part
    let rule: GradientRule
    var description: String { "\(net.name) \(rule)" }
  }

  static func cases(_ net: Net) -> [Case] {
    let first = net.firstActivation
    let perLayer = SlopeSpec.perLayer([first: .constant(0.5)])
    return [
      Case(net: net, file: "plain", rule: .plain),
      Case(net: net, file: "swap-0.3", rule: .swap(.constant(0.3))),
      Case(net: net, file: "proxy-0.3", rule: .proxy(.constant(0.3))),
      Case(net: net, file: "swap-\(first)-0.5", rule: .swap(perLayer)),
      Case(net: net, file: "proxy-\(first)-0.5", rule: .proxy(perLayer)),
    ]
  }

  static let allCases = nets.flatMap(cases)

  // MARK: - Golden files

  static var goldenFolder: String {
    get throws {
      guard let url = Bundle.module.url(forResource: "Golden", withExtension: nil) else {
        throw CrossCheckError("no Golden folder in the test bundle; run scripts/crosscheck-torch")
      }
      return url.path
    }
  }

  typealias Tensors = [String: (shape: [Int], values: [Float])]

  static func golden(_ net: Net, _ file: String) throws -> Tensors {
    try SafeTensors.read("\(try goldenFolder)/\(net.name)-\(file).safetensors")
  }

  static func network(_ net: Net) throws -> Network {
    let network = try Network(inputShape: net.inputShape, layers: net.layers, seed: 0)
    try SafeTensors.load(network, from: "\(try goldenFolder)/\(net.name)-weights.safetensors")
    return network
  }

  static func tensor(_ t: Tensors, _ name: String) throws -> (shape: [Int], values: [Float]) {
    guard let found = t[name] else { throw CrossCheckError("the golden file has no tensor '\(name)'") }
    return found
  }

  // MARK: - Comparison

  struct Difference: CustomStringConvertible {
    var error: Double  // max |a − b| / max |b|
    var index: Int
    var actual: Float
    var expected: Float
    var scale: Double
    var description: String {
      "worst relative error \(String(format: "%.2e", error)) at element \(index): "
        + "pgs \(actual), PyTorch \(expected) (tensor scale \(String(format: "%.3e", scale)))"
    }
  }

  /// |a − b| over the tensor, relative to the largest |b| (with a tiny floor for all-zero
  /// tensors), and where it is worst.
  static func difference(_ actual: [Float], _ expected: [Float]) -> Difference {
    guard actual.count == expected.count else {
      return Difference(error: .infinity, index: 0, actual: .nan, expected: .nan, scale: 0)
    }
    let scale = max(expected.lazy.map { Double(abs($0)) }.max() ?? 0, 1e-30)
    var worst = Difference(error: 0, index: 0, actual: actual.first ?? 0, expected: expected.first ?? 0, scale: scale)
    for i in actual.indices {
      let e = Double(abs(actual[i] - expected[i])) / scale
      if e > worst.error || !e.isFinite {
        worst = Difference(error: e, index: i, actual: actual[i], expected: expected[i], scale: scale)
        if !e.isFinite { break }
      }
    }
    return worst
  }

  /// Checks one tensor; returns its error for the report.
  @discardableResult
  static func check(
    _ what: String, _ c: Case, actual: [Float], actualShape: [Int], expected: (shape: [Int], values: [Float]),
    sourceLocation: SourceLocation = #_sourceLocation
  ) -> Double {
    guard actualShape == expected.shape, actual.count == expected.values.count else {
      Issue.record(
        "\(c) \(what): pgs shape \(actualShape), PyTorch shape \(expected.shape)", sourceLocation: sourceLocation)
      return .infinity
    }
    let d = difference(actual, expected.values)
    #expect(d.error <= tolerance, "\(c) \(what): \(d)", sourceLocation: sourceLocation)
    if ProcessInfo.processInfo.environment["CROSSCHECK_REPORT"] != nil {
      print("crosscheck \(c.net.name) \(c.rule) \(what): \(String(format: "%.2e", d.error))")
    }
    return d.error
  }

  // MARK: - Tests

  @Test(arguments: allCases)
  func matchesPyTorch(_ c: Case) throws {
    let golden = try Self.golden(c.net, c.file)
    let net = try Self.network(c.net)
    let input = try Self.tensor(golden, "input")
    let labels = try Self.tensor(golden, "labels").values.map { Int($0) }
    let x = Tensor(shape: input.shape, values: input.values)
    let expectedLogits = try Self.tensor(golden, "logits")
    let expectedLoss = try Self.tensor(golden, "loss")
    var worst = 0.0

    // Values of the original network.
    let logits = Autograd.withoutRecording { net.forward(x).output }
    worst = max(worst, Self.check("logits", c, actual: logits.values, actualShape: logits.shape, expected: expectedLogits))
    let loss = Autograd.withoutRecording { softmaxCrossEntropy(logits, labels: labels) }
    worst = max(worst, Self.check("loss", c, actual: [loss.item()], actualShape: [], expected: expectedLoss))

    // (a) Input gradient of logit 3, summed over the batch; the value is the original's.
    let classes = expectedLogits.shape[1]
    let (value, gradient) = inputGradient(.logit(3), network: net, input: x, rule: c.rule)
    let logit3 = (0..<x.shape[0]).map { expectedLogits.values[$0 * classes + 3] }
    Self.check("value of logit 3", c, actual: value, actualShape: [value.count], expected: ([logit3.count], logit3))
    worst = max(
      worst, Self.check("input_grad", c, actual: gradient, actualShape: x.shape, expected: try Self.tensor(golden, "input_grad")))
    // An input gradient computes no weight gradients.
    let stray = net.namedParameters.filter { $0.tensor.grad?.contains { $0 != 0 } ?? false }.map(\.name)
    #expect(stray.isEmpty, "\(c): the input gradient filled .grad of \(stray)")

    // (b) Weight gradients of the mean softmax cross-entropy; the value is the original's loss.
    net.zeroGradients()
    let (lossValue, root) = withGradientRule(c.rule) { policy in
      softmaxCrossEntropy(net.forward(x, policy: policy).output, labels: labels)
    }
    root.backward()
    Self.check("loss from withGradientRule", c, actual: [lossValue.item()], actualShape: [], expected: expectedLoss)
    for (name, parameter) in net.namedParameters {
      let grad = parameter.grad ?? [Float](repeating: 0, count: parameter.count)
      worst = max(
        worst, Self.check("grad.\(name)", c, actual: grad, actualShape: parameter.shape, expected: try Self.tensor(golden, "grad.\(name)")))
    }
    let expectedNames = Set(net.namedParameters.map { "grad.\($0.name)" })
    let goldenNames = Set(golden.keys.filter { $0.hasPrefix("grad.") })
    #expect(goldenNames == expectedNames, "\(c): gradients in the golden file")
    if ProcessInfo.processInfo.environment["CROSSCHECK_REPORT"] != nil {
      print("crosscheck \(c.net.name) \(c.rule) WORST: \(String(format: "%.2e", worst))")
    }
  }

  /// The cross-check means something only if the rules give different gradients on these
  /// networks: every pair of rules must differ by far more than the tolerance, in the input
  /// gradient and in the weight gradients, while the values (logits, loss) are the same.
  @Test(arguments: nets)
  func rulesGiveDifferentGradients(_ net: Net) throws {
    let cases = Self.cases(net)
    let goldens = try cases.map { try Self.golden(net, $0.file) }
    /// The weight-gradient tensor that differs most between two rules (a per-layer rule on the
    /// first activation changes only the first layer's gradients).
    func weightDifference(_ a: Tensors, _ b: Tensors) -> (name: String, difference: Difference) {
      a.keys.filter { $0.hasPrefix("grad.") }.sorted()
        .map { ($0, Self.difference(a[$0]!.values, b[$0]?.values ?? [])) }
        .max { $0.1.error < $1.1.error }!
    }
    for i in cases.indices {
      #expect(goldens[i]["logits"]?.values == goldens[0]["logits"]?.values, "\(cases[i].rule): logits")
      #expect(goldens[i]["loss"]?.values == goldens[0]["loss"]?.values, "\(cases[i].rule): loss")
      for j in cases.indices where j > i {
        let pair = "\(net.name) \(cases[i].rule) vs \(cases[j].rule)"
        let input = Self.difference(try Self.tensor(goldens[i], "input_grad").values, try Self.tensor(goldens[j], "input_grad").values)
        #expect(input.error > 100 * Self.tolerance, "\(pair): input gradients too close, \(input)")
        let w = weightDifference(goldens[i], goldens[j])
        #expect(w.difference.error > 100 * Self.tolerance, "\(pair): weight gradients too close, \(w.name): \(w.difference)")
        if ProcessInfo.processInfo.environment["CROSSCHECK_REPORT"] != nil {
          print("crosscheck-distinct \(pair): input_grad \(String(format: "%.2e", input.error)), \(w.name) \(String(format: "%.2e", w.difference.error))")
        }
      }
    }
  }
}

struct CrossCheckError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
