/// Leaky ReLU with separate slopes for the forward and the backward pass.
/// Shapes: `input`, `output`, `gradOutput` and `gradInput` all hold n elements.
enum LeakyReLUKernel {
  /// y = x > 0 ? x : slope·x
  static func forward(_ x: [Float], slope: Float) -> [Float] {
    var y = x
    y.withUnsafeMutableBufferPointer { p in
      let o = p.baseAddress!
      Parallel.forEachRange(p.count) { r in
        for i in r where o[i] <= 0 { o[i] *= slope }
      }
    }
    return y
  }

  /// gradInput += gradOutput · (x > 0 ? 1 : slope), the derivative of the forward line with the
  /// backward slope in place of the forward one.
  static func backward(
    _ x: [Float], gradOutput: [Float], gradInput gx: UnsafeMutablePointer<Float>, slope: Float
  ) {
    x.withUnsafeBufferPointer { px in
      gradOutput.withUnsafeBufferPointer { pg in
        let x = px.baseAddress!, g = pg.baseAddress!
        Parallel.forEachRange(px.count) { r in
          for i in r { gx[i] += x[i] > 0 ? g[i] : slope * g[i] }
        }
      }
    }
  }
}
