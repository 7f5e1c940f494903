/// Inverted dropout with a given mask, as one factor per element (`1/(1 − p)` kept, 0 dropped).
/// Shapes: `x`, the mask, the factors, the output and both gradients hold n elements.
enum DropoutKernel {
  /// factor[i] = keep[i] ? scale : 0
  static func factors(keep: [Bool], scale: Float) -> [Float] {
    var factors = [Float](repeating: 0, count: keep.count)
    for i in 0..<keep.count where keep[i] { factors[i] = scale }
    return factors
  }

  /// y[i] = x[i] · factor[i]
  static func forward(_ x: [Float], factors: [Float]) -> [Float] {
    [Float].uninitialized(x.count) { y in
      x.withUnsafeBufferPointer { px in
        factors.withUnsafeBufferPointer { pf in
          for i in 0..<px.count { y[i] = px[i] * pf[i] }
        }
      }
    }
  }

  /// gradInput[i] += gradOutput[i] · factor[i], the derivative of the forward line.
  static func backward(
    factors: [Float], gradOutput g: [Float], gradInput gx: UnsafeMutablePointer<Float>
  ) {
    g.withUnsafeBufferPointer { pg in
      factors.withUnsafeBufferPointer { pf in
        for i in 0..<pg.count { gx[i] += pg[i] * pf[i] }
      }
    }
  }
}
