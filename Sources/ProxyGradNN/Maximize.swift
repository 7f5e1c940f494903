import ProxyGradTensor

/// Settings of one activation-maximization run.
public struct MaximizeOptions {
  public var steps: Int
  public var rule: GradientRule
  /// The box every step is clipped to.
  public var clip: ClosedRange<Float>?
  public init(steps: Int, rule: GradientRule, clip: ClosedRange<Float>? = -1...1) {
    self.steps = steps
    self.rule = rule
    self.clip = clip
  }
}

/// What activation maximization found. Values are the ORIGINAL network's.
public struct MaximizeResult {
  /// The input after the last step, `[N] + inputShape`.
  public var image: Tensor
  /// Per-item objective value at `image`.
  public var value: [Float]
  /// Per-item best value seen (at any step, including the final input) and the step it came at.
  public var best: [Float]
  public var bestStep: [Int]
  /// The mean value over items before each step, and after the last (steps + 1 entries).
  public var history: [Float]
  /// Whether the gradient at the start was exactly zero for each item (a dead unit).
  public var deadStart: [Bool]
  /// The number of steps actually run (fewer when interrupted).
  public var stepsRun: Int
}

/// Gradient ascent on the input: `x ← clip(x + update(g))`, where `g` is the objective's
/// gradient under the rule and the update comes from `optimizer` (which descends, so it is given
/// `−g`). The value at every step is the original network's.
/// - Parameters:
///   - shouldStop: polled between steps; returning true ends the run early with what it has.
public func maximize<O: Optimizer>(
  _ objective: Objective, network: Network, initial: Tensor, options: MaximizeOptions,
  optimizer: inout O, shouldStop: () -> Bool = { false }
) -> MaximizeResult {
  let x = Tensor(shape: initial.shape, values: initial.values)
  let items = initial.shape[0]
  let inner = x.count / max(items, 1)
  var best = [Float](repeating: -.infinity, count: items)
  var bestStep = [Int](repeating: 0, count: items)
  var history: [Float] = []
  var deadStart = [Bool](repeating: false, count: items)
  var stepsRun = 0
  func record(_ value: [Float], step: Int) {
    history.append(value.reduce(0, +) / Float(max(items, 1)))
    for i in 0..<items where value[i] > best[i] {
      best[i] = value[i]
      bestStep[i] = step
    }
  }
  for step in 0..<options.steps {
    if shouldStop() { break }
    let (value, gradient) = inputGradient(
      objective, network: network, input: x, rule: options.rule, step: step,
      totalSteps: options.steps)
    record(value, step: step)
    if step == 0 {
      for i in 0..<items {
        deadStart[i] = gradient[(i * inner)..<((i + 1) * inner)].allSatisfy { $0 == 0 }
      }
    }
    x.requiresGrad = true
    x.grad = gradient.map { -$0 }
    optimizer.step([x])
    x.grad = nil
    x.requiresGrad = false
    if let box = options.clip {
      for i in 0..<x.count { x.values[i] = min(max(x.values[i], box.lowerBound), box.upperBound) }
    }
    stepsRun = step + 1
  }
  let final = Autograd.withoutRecording {
    evaluate(objective, network: network, input: x, policy: .original).values
  }
  record(final, step: stepsRun)
  return MaximizeResult(
    image: x, value: final, best: best, bestStep: bestStep, history: history,
    deadStart: deadStart, stepsRun: stepsRun)
}
