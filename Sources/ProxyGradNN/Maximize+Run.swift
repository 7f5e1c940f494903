#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif
import ProxyGradTensor

/// Gradient ascent on the input of a network:
/// ```
/// image = parameterize(θ);  v = objective(net, transform(image))
/// θ ← θ + update(∂v/∂θ under the rule);  pixel: θ ← clip(θ)
/// ```
/// The optimizer descends, so it is given `−∂v/∂θ`. Items are units × starts; each start draws its
/// initial noise and its transforms from its own stream of the seed, so one unit run alone gives
/// the same image as that unit inside a batch.
/// - Parameters:
///   - shouldStop: polled before every step; returning true ends the run with what it has.
public func maximize<O: Optimizer>(
  _ objective: Objective, network: Network, options: MaximizeOptions, optimizer: inout O,
  shouldStop: () -> Bool = { false }
) -> MaximizeResult {
  let units = objective.batchSize ?? 1
  let starts = max(1, options.starts)
  let items = units * starts
  let expanded = objective.expanded(starts: starts)
  let image = ImageParameters(options: options, items: items, starts: starts, shape: network.inputShape)
  var state = AscentRecord(items: items)
  let keep = Set(options.keep)
  var kept: [(step: Int, image: Tensor)] = []
  var bestImage = [Float](repeating: 0, count: items * network.inputShape.reduce(1, *))
  func remember(_ improved: [Int], step: Int) {
    guard !improved.isEmpty || keep.contains(step) else { return }
    let current = image.render()
    let inner = current.count / max(items, 1)
    for i in improved {
      for k in 0..<inner { bestImage[i * inner + k] = current.values[i * inner + k] }
    }
    if keep.contains(step) { kept.append((step, current)) }
  }
  for step in 0..<options.steps {
    if shouldStop() { break }
    let (value, gradients, transformed) = image.valueAndGradient(
      expanded, network: network, options: options, step: step)
    let original = transformed ? image.originalValue(expanded, network: network) : value
    remember(state.record(original, step: step), step: step)
    if step == 0 { state.markDeadStarts(gradients, items: items) }
    image.ascend(gradients, optimizer: &optimizer, clip: options.clip)
    state.stepsRun = step + 1
  }
  let final = image.originalValue(expanded, network: network)
  remember(state.record(final, step: state.stepsRun), step: state.stepsRun)
  return MaximizeResult(
    image: image.render(), value: final, best: state.best, bestStep: state.bestStep,
    history: state.history, deadStart: state.deadStart, stepsRun: state.stepsRun, units: units,
    starts: starts, bestImage: Tensor(shape: [items] + network.inputShape, values: bestImage),
    kept: kept)
}

/// The running record of an ascent: best values, history, dead starts.
private struct AscentRecord {
  var best: [Float]
  var bestStep: [Int]
  var history: [Float] = []
  var deadStart: [Bool]
  var stepsRun = 0

  init(items: Int) {
    best = [Float](repeating: -.infinity, count: items)
    bestStep = [Int](repeating: 0, count: items)
    deadStart = [Bool](repeating: false, count: items)
  }

  /// Records one step's values.
  /// - Returns: the items whose best value this step improved.
  mutating func record(_ value: [Float], step: Int) -> [Int] {
    var total = 0.0
    var improved: [Int] = []
    for (i, v) in value.enumerated() {
      total += Double(v)
      if v > best[i] {
        best[i] = v
        bestStep[i] = step
        improved.append(i)
      }
    }
    history.append(Float(total / Double(max(value.count, 1))))
    return improved
  }

  mutating func markDeadStarts(_ gradients: [[Float]], items: Int) {
    for i in 0..<items {
      deadStart[i] = gradients.allSatisfy { g in
        let inner = g.count / items
        return g[(i * inner)..<((i + 1) * inner)].allSatisfy { $0 == 0 }
      }
    }
  }
}

extension Objective {
  /// The objective for `starts` copies of every unit, unit-major.
  func expanded(starts: Int) -> Objective {
    guard starts > 1 else { return self }
    func repeated(_ units: [Int]) -> [Int] { units.flatMap { Array(repeating: $0, count: starts) } }
    switch self {
    case .logits(let u): return .logits(repeated(u))
    case .channels(let l, let u): return .channels(layer: l, repeated(u))
    case .diversity(let l, nil): return .diversity(layer: l, group: starts)
    case .sum(let a, let b): return .sum(a.expanded(starts: starts), b.expanded(starts: starts))
    case .scaled(let a, let w): return .scaled(a.expanded(starts: starts), w)
    default: return self
    }
  }
}
