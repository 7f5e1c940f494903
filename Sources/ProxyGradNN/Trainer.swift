#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif
import ProxyGradTensor

/// A learning-rate schedule over the steps of a run.
public enum LearningRateSchedule: Equatable, Sendable {
  case constant
  /// Multiply by `factor` every `every` steps.
  case step(every: Int, factor: Double)
  /// Cosine from the base rate down to `floor` times it at the last step.
  case cosine(floor: Double)

  public func rate(base: Double, step: Int, totalSteps: Int) -> Double {
    switch self {
    case .constant: return base
    case .step(let every, let factor): return base * pow(factor, Double(step / max(every, 1)))
    case .cosine(let floor):
      guard totalSteps > 1 else { return base }
      let t = Double(step) / Double(totalSteps - 1)
      return base * (floor + (1 - floor) * 0.5 * (1 + cos(Double.pi * t)))
    }
  }
}

/// One row of a training history.
public struct TrainingRecord: Equatable, Sendable {
  public var step: Int
  public var epoch: Int
  /// The original network's loss on the batch, before the update.
  public var loss: Double
  public var learningRate: Double
}

/// Settings of a training run.
public struct TrainingOptions {
  public var epochs: Int
  public var batchSize: Int
  public var rule: GradientRule
  public var schedule: LearningRateSchedule
  public var seed: UInt64
  public init(
    epochs: Int, batchSize: Int, rule: GradientRule = .plain, schedule: LearningRateSchedule = .constant,
    seed: UInt64 = 0
  ) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.rule = rule
    self.schedule = schedule
    self.seed = seed
  }
}

/// Trains `network` on shuffled mini-batches (a new seeded permutation per epoch; the last
/// partial batch of an epoch is kept). The gradient comes from the rule; the loss reported is the
/// original network's.
/// - Parameters:
///   - progress: called after every step with (steps done, total steps, last loss).
///   - shouldStop: polled before every step; the network keeps what it learned so far.
/// - Returns: one record per step.
public func train<O: Optimizer>(
  _ network: Network, on data: LabelledImages, options: TrainingOptions, optimizer: inout O,
  progress: (Int, Int, Double) -> Void = { _, _, _ in }, shouldStop: () -> Bool = { false }
) -> [TrainingRecord] {
  let batch = max(1, options.batchSize)
  let perEpoch = (data.count + batch - 1) / batch
  let total = perEpoch * max(0, options.epochs)
  let base = optimizer.learningRate
  var rng = SplitMix64(seed: options.seed)
  var history: [TrainingRecord] = []
  history.reserveCapacity(total)
  var step = 0
  training: for epoch in 0..<max(0, options.epochs) {
    var order = Array(0..<data.count)
    order.shuffle(using: &rng)
    for start in stride(from: 0, to: data.count, by: batch) {
      if shouldStop() { break training }
      let rate = options.schedule.rate(base: base, step: step, totalSteps: total)
      optimizer.learningRate = rate
      let items = data.gathering(Array(order[start..<min(data.count, start + batch)]))
      let loss = trainStep(
        network: network, inputs: items.images, labels: items.labels, rule: options.rule,
        optimizer: &optimizer, step: step, totalSteps: total)
      history.append(TrainingRecord(step: step, epoch: epoch, loss: Double(loss), learningRate: rate))
      step += 1
      progress(step, total, Double(loss))
    }
  }
  optimizer.learningRate = base
  return history
}

/// Loss and accuracy of the original network on a labelled set.
public struct Evaluation: Equatable, Sendable {
  public var loss: Double
  public var accuracy: Double
  /// Per class: the fraction of its items classified correctly (nil when it has none).
  public var classAccuracy: [Double?]
  /// `confusion[true][predicted]` counts.
  public var confusion: [[Int]]
}

/// Evaluates the original network in batches without recording a graph.
public func evaluate(_ network: Network, on data: LabelledImages, batchSize: Int = 256) -> Evaluation {
  let classes = max(data.classes.count, network.outputShape.first ?? 0)
  var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
  var totalLoss = 0.0
  Autograd.withoutRecording {
    for start in stride(from: 0, to: data.count, by: max(1, batchSize)) {
      let part = data.slice(start..<min(data.count, start + batchSize))
      let logits = network.forward(part.images).output
      totalLoss += Double(softmaxCrossEntropy(logits, labels: part.labels).item()) * Double(part.count)
      let k = logits.shape[1]
      for (row, label) in part.labels.enumerated() {
        var best = 0
        for j in 1..<k where logits.values[row * k + j] > logits.values[row * k + best] { best = j }
        confusion[label][best] += 1
      }
    }
  }
  let correct = (0..<classes).reduce(0) { $0 + confusion[$1][$1] }
  let perClass: [Double?] = (0..<classes).map { c in
    let n = confusion[c].reduce(0, +)
    return n == 0 ? nil : Double(confusion[c][c]) / Double(n)
  }
  let n = max(data.count, 1)
  return Evaluation(
    loss: totalLoss / Double(n), accuracy: Double(correct) / Double(n), classAccuracy: perClass,
    confusion: confusion)
}
