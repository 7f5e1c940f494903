/// Leaky ReLU with separate slopes for the forward and the backward pass.
/// Shapes: `input`, `output`, `gradOutput` and `gradInput` all hold n elements.
enum LeakyReLUKernel {
  /// y = x > 0 ? x : slope·x
  static func forward(_ x: [Float], slope: Float) -> [Float] {
    [Float].uninitialized(x.count) { o in
      x.withUnsafeBufferPointer { px in
        let x = px.baseAddress!
        Parallel.forEachRange(px.count) { r in
          for i in r { o[i] = x[i] > 0 ? x[i] : slope * x[i] }
        }
      }
    }
  }

  /// gradInput += gradOutput · (x > 0 ? 1 : slope), the derivative of the forward line with the
  /// backward slope in place of the forward one.
  /// With `assign`, gradInput = … instead of += (the first contribution to a fresh buffer).
  static func backward(
    _ x: [Float], gradOutput: [Float], gradInput gx: UnsafeMutablePointer<Float>, slope: Float,
    assign: Bool = false
  ) {
    x.withUnsafeBufferPointer { px in
      gradOutput.withUnsafeBufferPointer { pg in
        let x = px.baseAddress!, g = pg.baseAddress!
        Parallel.forEachRange(px.count) { r in
          if assign {
            for i in r { gx[i] = x[i] > 0 ? g[i] : slope * g[i] }
          } else {
            for i in r { gx[i] += x[i] > 0 ? g[i] : slope * g[i] }
          }
        }
      }
    }
  }
}
