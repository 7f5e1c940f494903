import ProxyGradTensor

extension Objective {
  /// One objective per unit: `logit(net, [a, b])` gives `logit(a)`, `logit(b)`; a single-unit
  /// objective gives itself. Sums pair the units of their sides (a single-unit side is shared).
  public var perUnit: [Objective] {
    switch self {
    case .logits(let units): return units.map { .logit($0) }
    case .channels(let layer, let units): return units.map { .channel(layer: layer, $0) }
    case .sum(let a, let b):
      let (ua, ub) = (a.perUnit, b.perUnit)
      let n = max(ua.count, ub.count)
      return (0..<n).map { .sum(ua[ua.count == 1 ? 0 : $0], ub[ub.count == 1 ? 0 : $0]) }
    case .scaled(let a, let w): return a.perUnit.map { .scaled($0, w) }
    default: return [self]
    }
  }

  /// Whether the objective compares the items of a batch with each other (diversity).
  public var comparesItems: Bool {
    switch self {
    case .diversity: return true
    case .sum(let a, let b): return a.comparesItems || b.comparesItems
    case .scaled(let a, _): return a.comparesItems
    default: return false
    }
  }
}

/// The data-set images that excite each unit of an objective most.
public struct TopActivating {
  /// Per unit, the `k` best (value, index into the data set), best first; ties go to the lower
  /// index.
  public var best: [[(value: Float, index: Int)]]
}

/// Ranks every image of `images` (`[M] + inputShape`) by each unit of `objective` with one
/// forward pass per batch of `batchSize` images, shared by all units.
public func topActivating(
  _ objective: Objective, network: Network, images: Tensor, k: Int, batchSize: Int = 256
) -> TopActivating {
  let units = objective.perUnit
  var best = [[(value: Float, index: Int)]](repeating: [], count: units.count)
  let m = images.shape[0]
  Autograd.withoutRecording {
    for start in stride(from: 0, to: m, by: max(batchSize, 1)) {
      let range = start..<min(m, start + max(batchSize, 1))
      let batch = images.slice(range)
      let pass = network.forward(batch, taps: objective.layerNames)
      for (u, unit) in units.enumerated() {
        let values = objectiveValue(unit, output: pass.output, taps: pass.taps, input: batch).values
        for (offset, v) in values.enumerated() {
          let index = start + offset
          if best[u].count == k, let last = best[u].last, !(v > last.value) { continue }
          var at = best[u].count
          while at > 0, v > best[u][at - 1].value { at -= 1 }
          best[u].insert((v, index), at: at)
          if best[u].count > k { best[u].removeLast() }
        }
      }
    }
  }
  return TopActivating(best: best)
}
