#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif
import ProxyGradTensor

/// Adam (Kingma and Ba) with bias correction and L2 weight decay, as PyTorch's `Adam`:
/// ```
/// g ← ∇ + weightDecay · θ
/// m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²
/// θ ← θ − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
/// ```
public struct Adam: Optimizer {
  public var learningRate: Double
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  public var weightDecay: Double
  private var m: [[Float]] = []
  private var v: [[Float]] = []
  private var t = 0

  public init(
    learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
    weightDecay: Double = 0
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }

  public mutating func step(_ parameters: [Tensor]) {
    if m.count != parameters.count {
      m = parameters.map { [Float](repeating: 0, count: $0.count) }
      v = parameters.map { [Float](repeating: 0, count: $0.count) }
      t = 0
    }
    t += 1
    let b1 = Float(beta1), b2 = Float(beta2), eps = Float(epsilon), wd = Float(weightDecay)
    let c1 = 1 - Float(pow(beta1, Double(t))), c2 = 1 - Float(pow(beta2, Double(t)))
    let lr = Float(learningRate)
    for (k, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      m[k].withUnsafeMutableBufferPointer { m in
        v[k].withUnsafeMutableBufferPointer { v in
          p.values.withUnsafeMutableBufferPointer { theta in
            for i in 0..<theta.count {
              let g = grad[i] + wd * theta[i]
              m[i] = b1 * m[i] + (1 - b1) * g
              v[i] = b2 * v[i] + (1 - b2) * g * g
              theta[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
            }
          }
        }
      }
    }
  }
}
