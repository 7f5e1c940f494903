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
}

@Suite struct TrainerTests {
  @Test func schedulesByHand() {
    #expect(LearningRateSchedule.step(every: 10, factor: 0.5).rate(base: 0.1, step: 25, totalSteps: 100) == 0.025)
    let cosine = LearningRateSchedule.cosine(floor: 0)
    #expect(cosine.rate(base: 0.1, step: 0, totalSteps: 11) == 0.1)
    #expect(isApproximatelyEqual(cosine.rate(base: 0.1, step: 5, totalSteps: 11), 0.05))
    #expect(isApproximatelyEqual(cosine.rate(base: 0.1, step: 10, totalSteps: 11), 0, absoluteTolerance: 1e-12))
  }

  @Test func trainRecordsEveryStepAndLearns() throws {
    let data = SyntheticImages.make(count: 200, classes: 4, size: 12, noise: 0.2, seed: 1)
    let net = try TrainingTests.smallCNN(seed: 3)
    var adam = Adam(learningRate: 0.01)
    let history = train(
      net, on: data, options: TrainingOptions(epochs: 6, batchSize: 32, schedule: .cosine(floor: 0.1), seed: 4),
      optimizer: &adam)
    #expect(history.count == 6 * 7)
    #expect(history.map(\.epoch) == (0..<6).flatMap { Array(repeating: $0, count: 7) })
    #expect(history.first!.learningRate == 0.01 && isApproximatelyEqual(history.last!.learningRate, 0.001))
    let result = evaluate(net, on: SyntheticImages.make(count: 100, classes: 4, size: 12, noise: 0.2, seed: 7))
    #expect(result.accuracy > 0.85, "\(result.accuracy)")
    #expect(result.confusion.flatMap { $0 }.reduce(0, +) == 100)
  }

  @Test func evaluationByHand() throws {
    // A linear "network" that predicts class 0 for every item.
    let net = try Network(inputShape: [1, 1, 1], layers: [.flatten(), .linear(outFeatures: 2)], seed: 0)
    net.layer(named: "linear1")!.parameters[0].values = [0, 0]
    net.layer(named: "linear1")!.parameters[1].values = [1, 0]
    let data = LabelledImages(images: Tensor.zeros([3, 1, 1, 1]), labels: [0, 1, 1], classes: ["a", "b"])
    let e = evaluate(net, on: data)
    #expect(isApproximatelyEqual(e.accuracy, 1.0 / 3))
    #expect(e.confusion == [[1, 0], [2, 0]])
    #expect(e.classAccuracy == [1, 0])
    // loss = mean(−log softmax): −log(e/(e+1)) once, −log(1/(e+1)) twice.
    let l0 = -log(exp(1.0) / (exp(1.0) + 1)), l1 = log(exp(1.0) + 1)
    #expect(isApproximatelyEqual(e.loss, (l0 + 2 * l1) / 3, relativeTolerance: 1e-6))
  }

  @Test func stoppingKeepsWhatWasLearned() throws {
    let data = SyntheticImages.make(count: 64, classes: 2, size: 12, seed: 1)
    let net = try TrainingTests.smallCNN(seed: 3)
    let before = net.parameters.map(\.values)
    var sgd = SGD(learningRate: 0.01)
    var calls = 0
    let history = train(
      net, on: data, options: TrainingOptions(epochs: 10, batchSize: 8), optimizer: &sgd,
      shouldStop: { calls += 1; return calls > 5 })
    #expect(history.count == 5)
    #expect(net.parameters.map(\.values) != before)
  }
}
