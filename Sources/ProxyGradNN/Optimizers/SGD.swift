import ProxyGradTensor

/// Stochastic gradient descent with momentum and weight decay, in PyTorch's formulation:
/// ```
/// g ← ∇ + weightDecay · θ
/// v ← momentum · v + g        (v = g on the first step)
/// θ ← θ − learningRate · v
/// ```
public struct SGD: Optimizer {
  public var learningRate: Double
  public var momentum: Double
  public var weightDecay: Double
  private var velocity: [[Float]] = []

  public init(learningRate: Double, momentum: Double = 0, weightDecay: Double = 0) {
    self.learningRate = learningRate
    self.momentum = momentum
    self.weightDecay = weightDecay
  }

  public mutating func step(_ parameters: [Tensor]) {
    if velocity.count != parameters.count { velocity = parameters.map { _ in [] } }
    let lr = Float(learningRate), mu = Float(momentum), wd = Float(weightDecay)
    for (k, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      let n = p.count
      if momentum == 0 {
        p.values.withUnsafeMutableBufferPointer { theta in
          for i in 0..<n { theta[i] -= lr * (grad[i] + wd * theta[i]) }
        }
        continue
      }
      let first = velocity[k].isEmpty
      if first { velocity[k] = [Float](repeating: 0, count: n) }
      velocity[k].withUnsafeMutableBufferPointer { v in
        p.values.withUnsafeMutableBufferPointer { theta in
          for i in 0..<n {
            let g = grad[i] + wd * theta[i]
            v[i] = first ? g : mu * v[i] + g
            theta[i] -= lr * v[i]
          }
        }
      }
    }
  }
}
