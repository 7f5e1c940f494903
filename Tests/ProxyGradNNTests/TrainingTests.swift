import Foundation
import ProxyGradNN
import ProxyGradTestSupport
import Testing

@Suite struct TrainingTests {
  static func smallCNN(seed: UInt64) throws -> Network {
    try Network(
      inputShape: [1, 12, 12],
      layers: [.conv(outChannels: 6, kernel: 3, padding: 1), .leakyReLU(slope: 0), .maxPool(kernel: 2),
        .conv(outChannels: 8, kernel: 3), .leakyReLU(slope: 0), .maxPool(kernel: 2), .flatten(),
        .linear(outFeatures: 4)],
      seed: seed)
  }

  /// Trains with shuffled batches; returns the network.
  static func train(rule: GradientRule, seed: UInt64, steps: Int = 150) throws -> Network {
    let data = SyntheticImages.make(count: 512, classes: 4, size: 12, noise: 0.2, seed: 1)
    let net = try smallCNN(seed: seed)
    var optimizer = Adam(learningRate: 0.01)
    var rng = SplitMix64(seed: seed)
    var order = Array(0..<data.count)
    for step in 0..<steps {
      if step % (data.count / 32) == 0 { order.shuffle(using: &rng) }
      let start = (step % (data.count / 32)) * 32
      let batch = data.gathering(Array(order[start..<(start + 32)]))
      trainStep(
        network: net, inputs: batch.images, labels: batch.labels, rule: rule,
        optimizer: &optimizer, step: step, totalSteps: steps)
    }
    return net
  }

  @Test(arguments: [GradientRule.plain, .swap(.constant(0.3)), .proxy(.constant(0.3))])
  func smallClassifierLearnsSyntheticPatterns(rule: GradientRule) throws {
    let net = try Self.train(rule: rule, seed: 5)
    let test = SyntheticImages.make(count: 256, classes: 4, size: 12, noise: 0.2, seed: 99)
    let acc = accuracy(network: net, inputs: test.images, labels: test.labels)
    #expect(acc > 0.95, "\(rule): held-out accuracy \(acc)")
  }

  @Test func trainingTwiceWithOneSeedGivesIdenticalWeights() throws {
    let a = try Self.train(rule: .proxy(.constant(0.3)), seed: 8, steps: 30)
    let b = try Self.train(rule: .proxy(.constant(0.3)), seed: 8, steps: 30)
    #expect(a.parameters.map(\.values) == b.parameters.map(\.values))
    let c = try Self.train(rule: .proxy(.constant(0.3)), seed: 9, steps: 30)
    #expect(a.parameters.map(\.values) != c.parameters.map(\.values))
  }

  @Test func sgdStepMatchesHandComputation() {
    let p = Tensor(shape: [2], values: [1, -2], requiresGrad: true)
    var sgd = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
    p.grad = [0.5, 1]
    sgd.step([p])
    // g = ∇ + 0.01θ = [0.51, 0.98]; v = g; θ −= 0.1 v.
    #expect(isApproximatelyEqual(p.values, [0.949, -2.098]))
    p.grad = [0.5, 1]
    sgd.step([p])
    // g = [0.5 + 0.00949, 1 − 0.02098]; v = 0.9·v + g.
    let v = [0.9 * 0.51 + 0.50949, 0.9 * 0.98 + 0.97902]
    #expect(isApproximatelyEqual(p.values, [0.949 - 0.1 * v[0], -2.098 - 0.1 * v[1]]))
  }

  @Test func adamStepMatchesHandComputation() {
    let p = Tensor(shape: [3], values: [1, 1, 1], requiresGrad: true)
    var adam = Adam(learningRate: 0.01)
    p.grad = [2, -0.5, 0]
    adam.step([p])
    // First step: m̂ = g, v̂ = g², update = lr · g / (|g| + ε).
    let expected = [2.0, -0.5, 0].map { g in 1 - 0.01 * g / (Swift.abs(g) + 1e-8) }
    #expect(isApproximatelyEqual(p.values, expected))
  }

  @Test func trainStepReportsTheOriginalLoss() throws {
    let net = try Self.smallCNN(seed: 2)
    let data = SyntheticImages.make(count: 16, classes: 4, size: 12, seed: 3)
    let expected = Autograd.withoutRecording {
      softmaxCrossEntropy(net.forward(data.images).output, labels: data.labels).item()
    }
    var sgd = SGD(learningRate: 0.01)
    let loss = trainStep(
      network: net, inputs: data.images, labels: data.labels, rule: .proxy(.constant(0.9)),
      optimizer: &sgd)
    #expect(loss == expected)
  }

  /// The graph is released after every backward: resident memory stays flat over 10,000 steps.
  @Test func memoryStaysFlatOverTenThousandSteps() throws {
    let net = try Network(
      inputShape: [1, 8, 8],
      layers: [.conv(outChannels: 4, kernel: 3), .leakyReLU(slope: 0), .flatten(), .linear(outFeatures: 2)],
      seed: 1)
    let data = SyntheticImages.make(count: 8, classes: 2, size: 8, seed: 2)
    var sgd = SGD(learningRate: 0.01, momentum: 0.9)
    func run(_ steps: Int) {
      for _ in 0..<steps {
        trainStep(network: net, inputs: data.images, labels: data.labels, rule: .proxy(.constant(0.3)), optimizer: &sgd)
      }
    }
    run(1000)
    let before = residentKilobytes()
    run(9000)
    let after = residentKilobytes()
    // A graph kept alive per step would cost at least ~1 KiB a step (9 MiB here); other tests run
    // in the same process at the same time, so allow them a few MiB of noise.
    #expect(after - before < 4096, "resident memory grew by \(after - before) KiB over 9,000 steps")
  }
}

/// The resident set size of this process, from /proc/self/statm.
func residentKilobytes() -> Int {
  guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
  let fields = text.split(separator: " ")
  return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024 : 0
}
