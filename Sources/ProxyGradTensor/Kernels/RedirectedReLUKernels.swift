/// The redirected ReLU's backward pass (Lucid's `redirected_relu_grad` and
/// `redirected_relu6_grad`), for a clipped Leaky ReLU with a lower knee at 0 and an upper
/// knee at `upper` (`.infinity` for ReLU and Leaky ReLU, 6 for ReLU6).
/// Shapes: `input`, `gradOutput` and `gradInput` hold `items · inner` elements, item-major.
enum RedirectedReLUKernel {
  /// The ordinary derivative of the forward line at one element:
  /// 1 inside (0, upper), `slope` at or below 0, 0 at or above `upper`.
  @inline(__always)
  static func ordinary(_ x: Float, _ g: Float, slope: Float, upper: Float) -> Float {
    x > 0 ? (x < upper ? g : 0) : slope * g
  }

  /// Per item: the ordinary gradient when any of its elements is non-zero; otherwise the
  /// incoming gradient, except where it would move an input that is already below 0 lower, or
  /// one already above `upper` higher. `ascending` says which way the caller follows the
  /// gradient: up (activation maximization, attribution) or down (a loss in training). Going up,
  /// a negative gradient pushes an input lower.
  ///
  /// gradInput (+)= that gradient; with `assign`, = instead of +=.
  static func backward(
    _ x: [Float], gradOutput: [Float], gradInput gx: UnsafeMutablePointer<Float>, items: Int,
    slope: Float, upper: Float, ascending: Bool, assign: Bool
  ) {
    let inner = items > 0 ? x.count / items : 0
    let sign: Float = ascending ? 1 : -1
    x.withUnsafeBufferPointer { px in
      gradOutput.withUnsafeBufferPointer { pg in
        let x = px.baseAddress, g = pg.baseAddress
        guard let x, let g else { return }
        Parallel.forEachRange(items) { r in
          for item in r {
            let base = item * inner
            var blocked = true
            for i in base..<(base + inner) where ordinary(x[i], g[i], slope: slope, upper: upper) != 0 {
              blocked = false
              break
            }
            for i in base..<(base + inner) {
              let d: Float
              if !blocked {
                d = ordinary(x[i], g[i], slope: slope, upper: upper)
              } else {
                let push = sign * g[i]
                d = (x[i] < 0 && push < 0) || (x[i] > upper && push > 0) ? 0 : g[i]
              }
              if assign { gx[i] = d } else { gx[i] += d }
            }
          }
        }
      }
    }
  }
}
