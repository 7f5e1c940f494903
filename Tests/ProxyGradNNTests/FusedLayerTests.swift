import ProxyGradNN
import ProxyGradTestSupport
import Testing

/// A network runs `conv` + Leaky ReLU as one fused op unless the convolution's output is tapped.
/// Tapping it must change nothing but that: outputs, input gradients and weight gradients are the
/// same bit for bit under every gradient rule, nested blocks included.
@Suite struct FusedLayerTests {
  static func makeNetwork() throws -> Network {
    try Network(
      inputShape: [2, 18, 18],
      layers: [
        .conv(outChannels: 4, kernel: 3, padding: 1), .leakyReLU(slope: 0), .maxPool(kernel: 2),
        .conv(outChannels: 6, kernel: 3), .leakyReLU(slope: 0.1),
        .residual(layers: [.conv(outChannels: 6, kernel: 3, padding: 1), .leakyReLU(slope: 0)]),
        .flatten(), .linear(outFeatures: 3),
      ], seed: 5)
  }

  struct Result: Equatable {
    var output: [Float], relu: [Float], inputGradient: [Float], weightGradients: [[Float]]
  }

  func run(_ rule: GradientRule, unfused: Bool) throws -> Result {
    let net = try Self.makeNetwork()
    let x = randomTensor([3, 2, 18, 18], seed: 50)
    x.requiresGrad = true
    // Tapping every convolution keeps each one's output apart from its activation.
    let convolutions = Set(net.allLayers.filter { $0.kind == "conv" }.map(\.name))
    let taps: Set<String> = unfused ? convolutions.union(["relu1"]) : ["relu1"]
    var relu: [Float] = []
    let (value, root) = withGradientRule(rule) { policy in
      let pass = net.forward(x, policy: policy, taps: taps)
      relu = pass.taps["relu1"]!.values
      return pass.output
    }
    let weights = randomTensor(root.shape, seed: 51)
    sum(root * weights).backward()
    return Result(
      output: value.values, relu: relu, inputGradient: x.grad!,
      weightGradients: net.parameters.map { $0.grad ?? [] })
  }

  @Test(arguments: [
    GradientRule.plain, .swap(.constant(0.3)), .proxy(.constant(0.3)), .proxy(.constant(-0.2)),
    .swap(.perLayer(["res1.relu1": .constant(0.5)])),
  ])
  func tappingConvolutionsChangesNothing(rule: GradientRule) throws {
    let fused = try run(rule, unfused: false)
    let unfused = try run(rule, unfused: true)
    #expect(fused == unfused)
    #expect(fused.weightGradients.allSatisfy { !$0.isEmpty })
  }

  @Test func tappedConvolutionOutputIsThePreActivation() throws {
    let net = try Self.makeNetwork()
    let x = randomTensor([2, 2, 18, 18], seed: 52)
    let pass = net.forward(x, taps: ["conv1", "relu1"])
    let pre = pass.taps["conv1"]!.values
    let post = pass.taps["relu1"]!.values
    #expect(pre.contains { $0 < 0 })
    #expect(zip(pre, post).allSatisfy { $1 == max($0, 0) })
    // Fused when the convolution is not tapped, apart when it is.
    #expect(net.forward(x, taps: ["relu1"]).taps["relu1"]!.op == "conv2d+leakyReLU")
    #expect(pass.taps["relu1"]!.op == "leakyReLU")
  }
}
