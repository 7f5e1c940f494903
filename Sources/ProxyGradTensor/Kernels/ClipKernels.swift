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
          // Eight at a time, then the rest; the same selections and arithmetic either way.
          typealias V = SIMD8<Float>
          let (lows, highs) = (V(repeating: low), V(repeating: high))
          var i = r.lowerBound
          while i + 8 <= r.upperBound {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            var y = v.replacing(with: highs, where: highs .< v)
            let below = slope == 0 ? lows : lows + slope * (v - lows)
            y.replace(with: below, where: .!(v .> lows))
            UnsafeMutableRawPointer(o + i).storeBytes(of: y, as: V.self)
            i += 8
          }
          if slope == 0 {
            for i in i..<r.upperBound { o[i] = x[i] > low ? Swift.min(x[i], high) : low }
          } else {
            for i in i..<r.upperBound {
              o[i] = x[i] > low ? Swift.min(x[i], high) : low + slope * (x[i] - low)
            }
          }
        }
      }
    }
  }

  /// gradInput += gradOutput · (x > low ? (x < high ? 1 : 0) : slope), the derivative of the
  /// forward line with the backward slope in place of the forward one (0 at `high` and above,
  /// as PyTorch's ReLU6 and hardtanh).
  /// With `assign`, gradInput = 0 + … instead of += (the first contribution to a fresh buffer,
  /// with the same bits as adding to zeros).
  static func backward(
    _ x: [Float], gradOutput: [Float], gradInput gx: UnsafeMutablePointer<Float>, low: Float,
    high: Float, slope: Float, assign: Bool = false
  ) {
    x.withUnsafeBufferPointer { px in
      gradOutput.withUnsafeBufferPointer { pg in
        let x = px.baseAddress!, g = pg.baseAddress!
        Parallel.forEachRange(px.count) { r in
          typealias V = SIMD8<Float>
          let (lows, highs, zeros) = (V(repeating: low), V(repeating: high), V(repeating: 0))
          var i = r.lowerBound
          while i + 8 <= r.upperBound {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            let d = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
            var t = d.replacing(with: zeros, where: .!(v .< highs))
            t.replace(with: slope * d, where: .!(v .> lows))
            let base = assign ? zeros : UnsafeRawPointer(gx + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(gx + i).storeBytes(of: base + t, as: V.self)
            i += 8
          }
          for i in i..<r.upperBound {
            let t = x[i] > low ? (x[i] < high ? g[i] : 0) : slope * g[i]
            gx[i] = (assign ? 0 : gx[i]) + t
          }
        }
      }
    }
  }
}
