/// Clip (ReLU6 is `[0, 6]`) whose part below the lower bound is a line of another slope: the
/// lower bound plays the part of ReLU's zero, so gradient rules reach it.
/// Shapes: `input`, `output`, `gradOutput` and `gradInput` all hold n elements.
enum ClipKernel {
  /// y = x > low ? min(x, high) : low + slope·(x − low)
  static func forward(_ x: [Float], low: Float, high: Float, slope: Float) -> [Float] {
    [Float].uninitialized(x.count) { o in
      x.withUnsafeBufferPointer { px in
        let x = px.baseAddress!
        Parallel.forEachRange(px.count) { r in
          if slope == 0 {
            for i in r { o[i] = x[i] > low ? Swift.min(x[i], high) : low }
          } else {
            for i in r { o[i] = x[i] > low ? Swift.min(x[i], high) : low + slope * (x[i] - low) }
          }
        }
      }
    }
  }

  /// gradInput += gradOutput · (x > low ? (x < high ? 1 : 0) : slope), the derivative of the
  /// forward line with the backward slope in place of the forward one (0 at `high` and above,
  /// as PyTorch's ReLU6 and hardtanh).
  static func backward(
    _ x: [Float], gradOutput: [Float], gradInput gx: UnsafeMutablePointer<Float>, low: Float,
    high: Float, slope: Float
  ) {
    x.withUnsafeBufferPointer { px in
      gradOutput.withUnsafeBufferPointer { pg in
        let x = px.baseAddress!, g = pg.baseAddress!
        Parallel.forEachRange(px.count) { r in
          for i in r { gx[i] += x[i] > low ? (x[i] < high ? g[i] : 0) : slope * g[i] }
        }
      }
    }
  }
}
