/// Pooling windows of any size, stride, padding, dilation and rounding (PyTorch's `max_pool2d`
/// and `avg_pool2d`, ONNX's `MaxPool` and `AveragePool`), and adaptive average pooling.
/// Shapes: input [N, C, H, W] (planes of H·W), output [N, C, OH, OW]; window KH×KW with
/// dilation DY×DX, stride SY×SX and padding PT, PL, PB, PR. The common square, unpadded case
/// runs in `PoolKernel` instead.
struct PoolGeometry {
  let planes: Int, height: Int, width: Int
  let kernelHeight: Int, kernelWidth: Int
  let strideY: Int, strideX: Int
  let padding: Padding2d
  let dilationY: Int, dilationX: Int
  let outputHeight: Int, outputWidth: Int

  init(
    planes: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int),
    padding: Padding2d, dilation: (Int, Int), ceilMode: Bool
  ) {
    (self.planes, self.height, self.width) = (planes, height, width)
    (kernelHeight, kernelWidth) = kernel
    (strideY, strideX) = stride
    self.padding = padding
    (dilationY, dilationX) = dilation
    outputHeight = Self.outputSize(
      height, kernel.0, stride.0, padding.top, padding.bottom, dilation.0, ceilMode)
    outputWidth = Self.outputSize(
      width, kernel.1, stride.1, padding.left, padding.right, dilation.1, ceilMode)
  }

  /// PyTorch's `pooling_output_shape`: `⌊(I + P0 + P1 − D·(K − 1) − 1) / S⌋ + 1`, rounded up in
  /// ceil mode, except that the last window must start inside the image or the leading padding.
  static func outputSize(
    _ size: Int, _ k: Int, _ s: Int, _ p0: Int, _ p1: Int, _ d: Int, _ ceil: Bool
  ) -> Int {
    let span = size + p0 + p1 - d * (k - 1) - 1
    guard span >= 0 else { return 0 }
    var out = (span + (ceil ? s - 1 : 0)) / s + 1
    if ceil && (out - 1) * s >= size + p0 { out -= 1 }
    return out
  }

  var planeSize: Int { outputHeight * outputWidth }
}

enum WindowPoolKernel {
  /// y[p, oy, ox] = max of x[p, oy·SY − PT + ky·DY, ox·SX − PL + kx·DX] over the window's taps
  /// inside the image (padding never wins); `argmax` keeps the plane index of the maximum, −1
  /// for a window with no tap inside. As PyTorch: the first maximum wins, and a NaN wins.
  static func maxForward(
    _ x: UnsafePointer<Float>, _ g: PoolGeometry, y: UnsafeMutablePointer<Float>,
    argmax: UnsafeMutablePointer<Int32>
  ) {
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    let cost = oh * ow * g.kernelHeight * g.kernelWidth
    Parallel.forEachRange(g.planes, costPerItem: cost) { planes in
      for p in planes {
        let src = x + p * g.height * g.width
        let dst = p * oh * ow
        for oy in 0..<oh {
          for ox in 0..<ow {
            var best = -Float.infinity
            var at: Int32 = -1
            for ky in 0..<g.kernelHeight {
              let iy = oy * g.strideY - g.padding.top + ky * g.dilationY
              guard iy >= 0 && iy < g.height else { continue }
              for kx in 0..<g.kernelWidth {
                let ix = ox * g.strideX - g.padding.left + kx * g.dilationX
                guard ix >= 0 && ix < g.width else { continue }
                let v = src[iy * g.width + ix]
                if at < 0 || v > best || v.isNaN && !best.isNaN {
                  best = v
                  at = Int32(iy * g.width + ix)
                }
              }
            }
            y[dst + oy * ow + ox] = best
            argmax[dst + oy * ow + ox] = at
          }
        }
      }
    }
  }

  /// gradX[p, argmax[p, o]] += gradY[p, o]: the adjoint of `maxForward` (serial within a plane).
  static func maxBackward(
    _ gradY: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, _ g: PoolGeometry,
    gradX: UnsafeMutablePointer<Float>
  ) {
    let plane = g.planeSize
    Parallel.forEachRange(g.planes, costPerItem: plane) { planes in
      for p in planes {
        let dst = gradX + p * g.height * g.width
        for o in (p * plane)..<((p + 1) * plane) where argmax[o] >= 0 {
          dst[Int(argmax[o])] += gradY[o]
        }
      }
    }
  }

  /// The rows `y0..<y1` of the image a window covers, and how many rows it counts when padding
  /// counts (PyTorch: the window clipped to the padded image, `I + P1`).
  @inline(__always)
  static func span(_ o: Int, _ s: Int, _ p0: Int, _ p1: Int, _ k: Int, _ size: Int)
    -> (Int, Int, Int)
  {
    let start = o * s - p0
    let end = Swift.min(start + k, size + p1)
    return (Swift.max(start, 0), Swift.min(end, size), end - start)
  }

  /// y = Σ window / divisor, where the divisor is the window's area inside the padded image
  /// (`countIncludePad`) or inside the image only; a window with nothing to count gives 0.
  /// Backward (`gradY` given instead of `y`): gradX[window] += gradY / divisor.
  static func average(
    _ x: UnsafePointer<Float>?, _ g: PoolGeometry, countIncludePad: Bool,
    y: UnsafeMutablePointer<Float>?, gradY: UnsafePointer<Float>?,
    gradX: UnsafeMutablePointer<Float>?
  ) {
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    let cost = oh * ow * g.kernelHeight * g.kernelWidth
    Parallel.forEachRange(g.planes, costPerItem: cost) { planes in
      for p in planes {
        let base = p * g.height * g.width
        let dst = p * oh * ow
        for oy in 0..<oh {
          let (y0, y1, paddedRows) = span(
            oy, g.strideY, g.padding.top, g.padding.bottom, g.kernelHeight, g.height)
          for ox in 0..<ow {
            let (x0, x1, paddedColumns) = span(
              ox, g.strideX, g.padding.left, g.padding.right, g.kernelWidth, g.width)
            let inside = Swift.max(0, y1 - y0) * Swift.max(0, x1 - x0)
            let divisor = countIncludePad ? paddedRows * paddedColumns : inside
            let scale: Float = divisor > 0 ? 1 / Float(divisor) : 0
            if let y, let x {
              var total: Float = 0
              for iy in y0..<Swift.max(y0, y1) {
                for ix in x0..<Swift.max(x0, x1) { total += x[base + iy * g.width + ix] }
              }
              y[dst + oy * ow + ox] = total * scale
            } else if let gradY, let gradX {
              let share = gradY[dst + oy * ow + ox] * scale
              for iy in y0..<Swift.max(y0, y1) {
                for ix in x0..<Swift.max(x0, x1) { gradX[base + iy * g.width + ix] += share }
              }
            }
          }
        }
      }
    }
  }

  /// Adaptive average pooling (PyTorch's `adaptive_avg_pool2d`): output row `i` of `OH` averages
  /// input rows `⌊i·H/OH⌋ ..< ⌈(i+1)·H/OH⌉`, likewise columns. Backward as in `average`.
  static func adaptiveAverage(
    _ x: UnsafePointer<Float>?, planes: Int, height: Int, width: Int, outputHeight oh: Int,
    outputWidth ow: Int, y: UnsafeMutablePointer<Float>?, gradY: UnsafePointer<Float>?,
    gradX: UnsafeMutablePointer<Float>?
  ) {
    Parallel.forEachRange(planes, costPerItem: height * width + oh * ow) { range in
      for p in range {
        let base = p * height * width
        let dst = p * oh * ow
        for oy in 0..<oh {
          let y0 = oy * height / oh
          let y1 = ((oy + 1) * height + oh - 1) / oh
          for ox in 0..<ow {
            let x0 = ox * width / ow
            let x1 = ((ox + 1) * width + ow - 1) / ow
            let scale = 1 / Float((y1 - y0) * (x1 - x0))
            if let y, let x {
              var total: Float = 0
              for iy in y0..<y1 {
                for ix in x0..<x1 { total += x[base + iy * width + ix] }
              }
              y[dst + oy * ow + ox] = total * scale
            } else if let gradY, let gradX {
              let share = gradY[dst + oy * ow + ox] * scale
              for iy in y0..<y1 {
                for ix in x0..<x1 { gradX[base + iy * width + ix] += share }
              }
            }
          }
        }
      }
    }
  }
}
