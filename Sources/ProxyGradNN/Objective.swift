import ProxyGradTensor

/// What activation maximization maximizes, as a per-item value `[N]`, with algebra.
public indirect enum Objective: Equatable, Sendable {
  /// Output unit `k` (the network's output must be `[N, K]`).
  case logit(Int)
  /// Item n maximizes logit `units[n]` (a batch with one image per unit).
  case logits([Int])
  /// The mean over positions of channel `c` of a layer's output (a unit of a flat layer).
  case channel(layer: String, Int)
  /// Item n maximizes channel `units[n]` of the layer.
  case channels(layer: String, [Int])
  /// One unit of a layer's output at a spatial position.
  case neuron(layer: String, Int, y: Int, x: Int)
  /// The mean of a layer's whole output.
  case layerMean(layer: String)
  /// The dot product of a layer's channel vector with `vector`, averaged over positions, or at
  /// one position `[y, x]` (Lucid's `direction` and `direction_neuron`).
  case direction(layer: String, [Double], at: [Int]?)
  /// Lucid's `diversity`: per item, the summed cosine similarity of its Gram matrix with those of
  /// the other items of its group, divided by the group size (groups of `group` consecutive
  /// items; nil: the whole batch). A penalty: subtract it.
  case diversity(layer: String, group: Int?)
  /// The mean of the squares of a layer's output (Lucid's and Captum's `deepdream`).
  case deepdream(layer: String)
  /// Regularizers on the input: total variation, Σ|x|, Σx².
  case tv, l1, l2
  /// Lucid's `blur_input_each_step`: ½ Σ (x − blur(x))² with the blurred image held constant,
  /// so ascending `−w · blur()` moves each image towards its blurred self.
  case blur
  case sum(Objective, Objective)
  case scaled(Objective, Double)

  /// The layers whose outputs the objective reads.
  public var layerNames: Set<String> {
    switch self {
    case .channel(let l, _), .channels(let l, _), .neuron(let l, _, _, _), .layerMean(let l),
      .direction(let l, _, _), .diversity(let l, _), .deepdream(let l):
      return [l]
    case .sum(let a, let b): return a.layerNames.union(b.layerNames)
    case .scaled(let a, _): return a.layerNames
    case .logit, .logits, .tv, .l1, .l2, .blur: return []
    }
  }

  /// The number of items a batch must have, when the objective fixes it (one per unit).
  public var batchSize: Int? {
    switch self {
    case .logits(let u), .channels(_, let u): return u.count
    case .sum(let a, let b): return a.batchSize ?? b.batchSize
    case .scaled(let a, _): return a.batchSize
    default: return nil
    }
  }

  public static func + (a: Objective, b: Objective) -> Objective { .sum(a, b) }
  public static func - (a: Objective, b: Objective) -> Objective { .sum(a, .scaled(b, -1)) }
  public static func * (w: Double, a: Objective) -> Objective { .scaled(a, w) }
}

/// Checks layer names, unit indices and batch sizes against a network.
/// - Returns: a message saying what is wrong, or nil.
public func validate(_ objective: Objective, network: Network) -> String? {
  func unitCount(_ layer: String) -> Result<(count: Int, shape: [Int]), ObjectiveIssue> {
    guard let l = network.layer(named: layer) else {
      let names = network.allLayers.map(\.name).joined(separator: ", ")
      return .failure(ObjectiveIssue("no layer named '\(layer)'; the layers are \(names)"))
    }
    return .success((l.outputShape[0], l.outputShape))
  }
  func check(_ units: [Int], below count: Int, what: String) -> String? {
    for u in units where u < 0 || u >= count {
      return "\(what) \(u) is out of range 0..<\(count)"
    }
    return nil
  }
  switch objective {
  case .logit(let k):
    return logitCheck([k], network)
  case .logits(let units):
    return logitCheck(units, network)
  case .channel(let layer, let c):
    switch unitCount(layer) {
    case .failure(let e): return e.message
    case .success(let info): return check([c], below: info.count, what: "channel")
    }
  case .channels(let layer, let cs):
    switch unitCount(layer) {
    case .failure(let e): return e.message
    case .success(let info): return check(cs, below: info.count, what: "channel")
    }
  case .neuron(let layer, let c, let y, let x):
    switch unitCount(layer) {
    case .failure(let e): return e.message
    case .success(let info):
      if let m = check([c], below: info.count, what: "channel") { return m }
      guard info.shape.count == 3 else {
        return "neuron needs a layer with [C, H, W] output; '\(layer)' gives \(Shape.describe(info.shape))"
      }
      guard y >= 0, y < info.shape[1], x >= 0, x < info.shape[2] else {
        return "position [\(y), \(x)] is outside the \(info.shape[1])×\(info.shape[2]) output of '\(layer)'"
      }
      return nil
    }
  case .layerMean(let layer), .diversity(let layer, _), .deepdream(let layer):
    if case .failure(let e) = unitCount(layer) { return e.message }
    return nil
  case .direction(let layer, let vector, let at):
    switch unitCount(layer) {
    case .failure(let e): return e.message
    case .success(let info):
      guard vector.count == info.count else {
        return "direction needs a vector of \(info.count) numbers (the channels of '\(layer)'), got \(vector.count)"
      }
      guard vector.allSatisfy(\.isFinite) else { return "direction needs finite numbers" }
      guard let at else { return nil }
      guard info.shape.count == 3 else {
        return "direction at: needs a layer with [C, H, W] output; '\(layer)' gives \(Shape.describe(info.shape))"
      }
      guard at[0] >= 0, at[0] < info.shape[1], at[1] >= 0, at[1] < info.shape[2] else {
        return "position [\(at[0]), \(at[1])] is outside the \(info.shape[1])×\(info.shape[2]) output of '\(layer)'"
      }
      return nil
    }
  case .tv:
    return network.inputShape.count == 3 ? nil : "tv() needs image inputs [C, H, W]"
  case .blur:
    return network.inputShape.count == 3 ? nil : "blur() needs image inputs [C, H, W]"
  case .l1, .l2:
    return nil
  case .sum(let a, let b):
    if let m = validate(a, network: network) { return m }
    if let m = validate(b, network: network) { return m }
    if let na = a.batchSize, let nb = b.batchSize, na != nb {
      return "objectives over \(na) and \(nb) units cannot be added"
    }
    return nil
  case .scaled(let a, let w):
    return w.isFinite ? validate(a, network: network) : "objective weight must be finite"
  }
}

private struct ObjectiveIssue: Error {
  let message: String
  init(_ message: String) { self.message = message }
}

private func logitCheck(_ units: [Int], _ network: Network) -> String? {
  guard network.outputShape.count == 1 else {
    return "logit needs a network with flat output; it gives \(Shape.describe(network.outputShape))"
  }
  for k in units where k < 0 || k >= network.outputShape[0] {
    return "logit \(k) is out of range 0..<\(network.outputShape[0])"
  }
  return nil
}

/// Evaluates an objective at inputs `x` (`[N] + inputShape`) with one forward pass.
/// - Parameters:
///   - image: what the regularizers (tv, l1, l2) measure; the input itself unless transforms
///     made the input from it.
/// - Returns: per-item values `[N]`.
public func evaluate(
  _ objective: Objective, network: Network, input x: Tensor, image: Tensor? = nil,
  policy: SlopePolicy
) -> Tensor {
  let pass = network.forward(x, policy: policy, taps: objective.layerNames)
  return objectiveValue(objective, output: pass.output, taps: pass.taps, input: image ?? x)
}

func objectiveValue(_ objective: Objective, output: Tensor, taps: [String: Tensor], input x: Tensor)
  -> Tensor
{
  func spatialMean(_ t: Tensor) -> Tensor {  // [N, ...] → [N]
    t.rank == 1 ? t : mean(t.flattened(), axis: 1)
  }
  switch objective {
  case .logit(let k): return output.select(axis: 1, index: k)
  case .logits(let units): return output.gather(indices: units)
  case .channel(let layer, let c): return spatialMean(taps[layer]!.select(axis: 1, index: c))
  case .channels(let layer, let cs): return spatialMean(taps[layer]!.gather(indices: cs))
  case .neuron(let layer, let c, let y, let xx):
    return taps[layer]!.select(axis: 1, index: c).select(axis: 1, index: y).select(axis: 1, index: xx)
  case .layerMean(let layer): return spatialMean(taps[layer]!)
  case .deepdream(let layer):
    let t = taps[layer]!
    return spatialMean(t * t)
  case .direction(let layer, let vector, let at):
    var t = taps[layer]!
    if let at { t = t.select(axis: 2, index: at[0]).select(axis: 2, index: at[1]) }
    let v = Tensor(
      shape: [1, vector.count] + [Int](repeating: 1, count: t.rank - 2), values: vector.map(Float.init))
    return spatialMean(sum(t * v, axis: 1))
  case .diversity(let layer, let group):
    return diversity(taps[layer]!, group: group)
  case .tv: return totalVariation(x)
  case .l1: return sumPerItem(abs(x))
  case .l2: return sumPerItem(x * x)
  case .blur:
    let d = x - Tensor(shape: x.shape, values: blurred(x))
    return sumPerItem(d * d) * 0.5
  case .sum(let a, let b):
    return objectiveValue(a, output: output, taps: taps, input: x)
      + objectiveValue(b, output: output, taps: taps, input: x)
  case .scaled(let a, let w): return objectiveValue(a, output: output, taps: taps, input: x) * Float(w)
  }
}

/// Lucid's `_tf_blur`: each channel convolved with the 3×3 kernel [[½, ½, ½], [½, 1, ½],
/// [½, ½, ½]] (zero padding) and divided by the same convolution of ones, so borders average
/// only the pixels that exist. `x` is `[N, C, H, W]`; the result is plain numbers.
func blurred(_ x: Tensor) -> [Float] {
  let (h, w) = (x.shape[2], x.shape[3])
  let planes = x.count / max(h * w, 1)
  var out = [Float](repeating: 0, count: x.count)
  for p in 0..<planes {
    let base = p * h * w
    for i in 0..<h {
      for j in 0..<w {
        var total: Float = 0, weight: Float = 0
        for di in -1...1 {
          for dj in -1...1 {
            let (a, b) = (i + di, j + dj)
            guard a >= 0, a < h, b >= 0, b < w else { continue }
            let k: Float = di == 0 && dj == 0 ? 1 : 0.5
            total += k * x.values[base + a * w + b]
            weight += k
          }
        }
        out[base + i * w + j] = total / weight
      }
    }
  }
  return out
}

/// Lucid's diversity term, per item: `Σ_{j ≠ i in i's group} ⟨Ĝ_i, Ĝ_j⟩ / groupSize`, with
/// `G_i = F_i F_iᵀ` (`F_i` the item's `[C, positions]` activations) and `Ĝ = G / √(ΣG² + 1e-10)`.
/// The items' values sum to Lucid's objective for each group.
func diversity(_ t: Tensor, group: Int?) -> Tensor {
  let n = t.shape[0]
  guard n > 0 else { return Tensor(shape: [0], values: []) }
  let channels = t.shape[1]
  let size = max(1, min(group ?? n, n))
  let grams: [Tensor] = (0..<n).map { i in
    let f = t.select(axis: 0, index: i).reshaped(to: [channels, t.count / (n * channels)])
    let g = matmul(f, f.transposed())
    return g / sqrt(sum(g * g) + 1e-10).reshaped(to: [1, 1])
  }
  let values: [Tensor] = (0..<n).map { i in
    let start = (i / size) * size
    var total = Tensor(shape: [], values: [0])
    for j in start..<min(start + size, n) where j != i { total = total + sum(grams[i] * grams[j]) }
    return total / Float(size)
  }
  return stack(values)
}

/// The objective's value at `x` from the ORIGINAL network and its gradient with respect to `x`
/// under `rule`. No weight gradients are computed.
/// - Returns: per-item values `[N]` and the gradient, shaped like `x`.
public func inputGradient(
  _ objective: Objective, network: Network, input x: Tensor, rule: GradientRule,
  step: Int = 0, totalSteps: Int = 1
) -> (value: [Float], gradient: [Float]) {
  let leaf = Tensor(shape: x.shape, values: x.values, requiresGrad: true)
  let value = network.withFrozenParameters {
    let (value, root) = withGradientRule(rule, step: step, totalSteps: totalSteps) { policy in
      evaluate(objective, network: network, input: leaf, policy: policy)
    }
    root.backward()
    return value
  }
  return (value.values, leaf.grad ?? [Float](repeating: 0, count: x.count))
}
