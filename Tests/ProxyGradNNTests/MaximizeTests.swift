import ProxyGradNN
import ProxyGradTestSupport
import Testing

@Suite struct MaximizeTests {
  static func network() throws -> Network {
    try Network(
      inputShape: [1, 10, 10],
      layers: [.conv(outChannels: 4, kernel: 3, padding: 1, name: "feat"), .leakyReLU(slope: 0),
        .maxPool(kernel: 2), .flatten(), .linear(outFeatures: 5)],
      seed: 4)
  }

  func run(
    _ objective: Objective, _ options: MaximizeOptions, network: Network? = nil
  ) throws -> MaximizeResult {
    var adam = Adam(learningRate: 0.05)
    return maximize(objective, network: try network ?? Self.network(), options: options, optimizer: &adam)
  }

  @Test func valueIsTheOriginalNetworksAtTheResult() throws {
    let net = try Self.network()
    let r = try run(.logit(2), MaximizeOptions(steps: 30, rule: .proxy(.constant(0.5)), seed: 3), network: net)
    let direct = Autograd.withoutRecording { net.forward(r.image).output.values[2] }
    #expect(r.value == [direct])
    #expect(r.history.count == 31)
    #expect(r.best[0] >= r.value[0])
    #expect(r.image.values.allSatisfy { $0 >= -1 && $0 <= 1 })
    #expect(r.history.last! > r.history.first!, "ascent raises the logit: \(r.history.first!) → \(r.history.last!)")
  }

  @Test func batchedUnitsEqualTheSameUnitsOneByOne() throws {
    let options = MaximizeOptions(
      steps: 15, rule: .swap(.constant(0.3)), transforms: [.jitter(2), .rotate(10)], starts: 2, seed: 9)
    let batch = try run(.logits([0, 1, 2]), options)
    #expect(batch.image.shape == [6, 1, 10, 10])
    for unit in 0..<3 {
      let alone = try run(.logit(unit), options)
      for start in 0..<2 {
        let item = unit * 2 + start
        let a = Array(batch.image.values[(item * 100)..<((item + 1) * 100)])
        let b = Array(alone.image.values[(start * 100)..<((start + 1) * 100)])
        #expect(isApproximatelyEqual(a, b.map(Double.init), relativeTolerance: 1e-4, absoluteTolerance: 1e-5))
        #expect(isApproximatelyEqual(Double(batch.value[item]), Double(alone.value[start]), relativeTolerance: 1e-4))
      }
    }
  }

  @Test func sameSeedSameImagesOtherSeedOtherImages() throws {
    let options = MaximizeOptions(
      steps: 10, rule: .plain, transforms: [.pad(2), .jitter(3), .scale([0.9, 1.1])], seed: 5)
    let a = try run(.channel(layer: "feat", 1), options)
    let b = try run(.channel(layer: "feat", 1), options)
    #expect(a.image.values == b.image.values)
    var other = options
    other.seed = 6
    let c = try run(.channel(layer: "feat", 1), other)
    #expect(a.image.values != c.image.values)
  }

  @Test func objectiveAlgebraAddsValues() throws {
    let net = try Self.network()
    let x = randomTensor([2, 1, 10, 10], seed: 8)
    func value(_ o: Objective) -> [Float] {
      Autograd.withoutRecording { evaluate(o, network: net, input: x, policy: .original).values }
    }
    let channel = value(.channel(layer: "feat", 2)), tv = value(.tv), l2 = value(.l2)
    let combined = value(.channel(layer: "feat", 2) - 0.01 * .tv - 0.001 * .l2)
    for i in 0..<2 {
      #expect(isApproximatelyEqual(Double(combined[i]), Double(channel[i] - 0.01 * tv[i] - 0.001 * l2[i]), relativeTolerance: 1e-5))
    }
    #expect(isApproximatelyEqual(Double(l2[0]), x.values[0..<100].reduce(0.0) { $0 + Double($1 * $1) }, relativeTolerance: 1e-5))
  }

  @Test func deadStartsAreReported() throws {
    // A unit whose pre-activation is negative everywhere in the box at the start.
    let net = try Network(
      inputShape: [2], layers: [.linear(outFeatures: 1), .leakyReLU(slope: 0), .linear(outFeatures: 1)], seed: 1)
    net.layer(named: "linear1")!.parameters[0].values = [1, 1]
    net.layer(named: "linear1")!.parameters[1].values = [-1.5]
    net.layer(named: "linear2")!.parameters[0].values = [1]
    let start = MaximizeOptions(steps: 40, rule: .plain, starts: 4, seed: 2, initial: .noise(0.5))
    let plain = try run(.logit(0), start, network: net)
    #expect(plain.deadStart == [true, true, true, true])
    #expect(plain.value == [0, 0, 0, 0])
    var swap = start
    swap.rule = .swap(.constant(0.3))
    let fixed = try run(.logit(0), swap, network: net)
    #expect(fixed.deadStart == [false, false, false, false])
    #expect(fixed.value.allSatisfy { $0 > 0.4 }, "\(fixed.value)")
  }

  @Test func fourierImagesStayInTheBox() throws {
    let net = try Network(
      inputShape: [3, 8, 8],
      layers: [.conv(outChannels: 2, kernel: 3), .leakyReLU(slope: 0), .flatten(), .linear(outFeatures: 2)],
      seed: 2)
    let r = try run(.logit(1), MaximizeOptions(steps: 20, rule: .plain, parameterization: .fourier(decay: 1), seed: 1), network: net)
    #expect(r.image.shape == [1, 3, 8, 8])
    #expect(r.image.values.allSatisfy { $0 > -1 && $0 < 1 })
    #expect(r.history.last! > r.history.first!)
  }

  @Test func stoppingEarlyKeepsThePartialResult() throws {
    var calls = 0
    var adam = Adam(learningRate: 0.05)
    let r = maximize(
      .logit(0), network: try Self.network(), options: MaximizeOptions(steps: 100, rule: .plain),
      optimizer: &adam, shouldStop: { calls += 1; return calls > 7 })
    #expect(r.stepsRun == 7)
    #expect(r.history.count == 8)
  }
}
