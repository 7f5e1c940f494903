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

  /// Forward: y = Σ window / divisor, where the divisor is the window's area inside the padded
  /// image (`countIncludePad`) or inside the image only; a window with nothing to count gives 0.
  static func averageForward(
    _ x: UnsafePointer<Float>, _ g: PoolGeometry, countIncludePad: Bool, y: UnsafeMutablePointer<Float>
  ) {
    forEachAverageWindow(g, countIncludePad: countIncludePad) { base, rows, columns, out, scale in
      var total: Float = 0
      for iy in rows {
        for ix in columns { total += x[base + iy * g.width + ix] }
      }
      y[out] = total * scale
    }
  }

  /// Backward of ``averageForward(_:_:countIncludePad:y:)``: gradX[window] += gradY / divisor.
  static func averageBackward(
    _ gradY: UnsafePointer<Float>, _ g: PoolGeometry, countIncludePad: Bool, gradX: UnsafeMutablePointer<Float>
  ) {
    forEachAverageWindow(g, countIncludePad: countIncludePad) { base, rows, columns, out, scale in
      let share = gradY[out] * scale
      for iy in rows {
        for ix in columns { gradX[base + iy * g.width + ix] += share }
      }
    }
  }

  /// Calls `body` for every output position, plane by plane across threads, with its plane's
  /// offset, the rows and columns of its window inside the image, its own offset, and
  /// 1 / divisor.
  @inline(__always)
  static func forEachAverageWindow(
    _ g: PoolGeometry, countIncludePad: Bool,
    _ body: (_ base: Int, _ rows: Range<Int>, _ columns: Range<Int>, _ out: Int, _ scale: Float) -> Void
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
            body(base, y0..<Swift.max(y0, y1), x0..<Swift.max(x0, x1), dst + oy * ow + ox, scale)
          }
        }
      }
    }
  }

  /// Adaptive average pooling forward (PyTorch's `adaptive_avg_pool2d`): output row `i` of
  /// `OH` averages input rows `⌊i·H/OH⌋ ..< ⌈(i+1)·H/OH⌉`, likewise columns.
  static func adaptiveAverageForward(
    _ x: UnsafePointer<Float>, planes: Int, height: Int, width: Int, outputHeight oh: Int,
    outputWidth ow: Int, y: UnsafeMutablePointer<Float>
  ) {
    forEachAdaptiveWindow(planes, height, width, oh, ow) { base, rows, columns, out, scale in
      var total: Float = 0
      for iy in rows {
        for ix in columns { total += x[base + iy * width + ix] }
      }
      y[out] = total * scale
    }
  }

  /// Backward of ``adaptiveAverageForward(_:planes:height:width:outputHeight:outputWidth:y:)``:
  /// gradX[window] += gradY / window area.
  static func adaptiveAverageBackward(
    _ gradY: UnsafePointer<Float>, planes: Int, height: Int, width: Int, outputHeight oh: Int,
    outputWidth ow: Int, gradX: UnsafeMutablePointer<Float>
  ) {
    forEachAdaptiveWindow(planes, height, width, oh, ow) { base, rows, columns, out, scale in
      let share = gradY[out] * scale
      for iy in rows {
        for ix in columns { gradX[base + iy * width + ix] += share }
      }
    }
  }

  /// Calls `body` for every output position of adaptive pooling, plane by plane across threads.
  @inline(__always)
  static func forEachAdaptiveWindow(
    _ planes: Int, _ height: Int, _ width: Int, _ oh: Int, _ ow: Int,
    _ body: (_ base: Int, _ rows: Range<Int>, _ columns: Range<Int>, _ out: Int, _ scale: Float) -> Void
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
            body(base, y0..<y1, x0..<x1, dst + oy * ow + ox, 1 / Float((y1 - y0) * (x1 - x0)))
          }
        }
      }
    }
  }
}

/// Max and average pooling over K×K windows with stride S (no padding).
enum PoolKernel {
  /// y[n,c,oy,ox] = max over the window; `argmax` keeps where in its window (ky·K + kx) each
  /// maximum was: two bytes per output instead of a full index, which matters for the memory of
  /// a training step.
  static func maxForward(
    _ x: UnsafePointer<Float>, _ g: ConvGeometry, y: UnsafeMutablePointer<Float>,
    argmax: UnsafeMutablePointer<UInt16>
  ) {
    let oh = g.outputHeight
    let ow = g.outputWidth
    let k = g.kernel
    Parallel.forEachRange(g.batch * g.channels, costPerItem: oh * ow * k * k) { planes in
      for plane in planes {
        let src = plane * g.height * g.width
        let dst = plane * oh * ow
        if k == 2 && g.stride == 2 {
          for oy in 0..<oh {
            let bottom = src + (2 * oy + 1) * g.width
            maxWindows2x2(
              top: x + src + 2 * oy * g.width, bottom: x + bottom, count: ow,
              y: y + dst + oy * ow, argmax: argmax + dst + oy * ow,
              readable: g.batch * g.channels * g.height * g.width - bottom)
          }
          continue
        }
        for oy in 0..<oh {
          for ox in 0..<ow {
            var best = -Float.infinity
            var at = 0
            for ky in 0..<k {
              let row = src + (oy * g.stride + ky) * g.width + ox * g.stride
              for kx in 0..<k where x[row + kx] > best {
                best = x[row + kx]
                at = ky * k + kx
              }
            }
            y[dst + oy * ow + ox] = best
            argmax[dst + oy * ow + ox] = UInt16(at)
          }
        }
      }
    }
  }

  /// Maxima of `count` side-by-side 2×2 windows whose rows start at `top` and `bottom`, eight at
  /// a time in vector registers (a branch per window would mispredict on real data). The first
  /// element of a window starts as its maximum and a later one replaces it only if greater: ties
  /// go to the first, and a NaN is skipped unless it comes first (then the result is NaN). The
  /// general path starts from −∞ and so skips every NaN.
  @inline(__always)
  /// - Parameter readable: how many floats from `bottom` on belong to the input (`top` is
  ///   before it): a row of fewer than 8 windows reads 16 floats per row when they are there,
  ///   and ignores the lanes past the row.
  static func maxWindows2x2(
    top: UnsafePointer<Float>, bottom: UnsafePointer<Float>, count: Int,
    y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<UInt16>, readable: Int
  ) {
    func windows(_ t: SIMD16<Float>, _ u: SIMD16<Float>) -> (SIMD8<Float>, SIMD8<UInt16>) {
      var best = t.evenHalf
      var at = SIMD8<Int32>(repeating: 0)
      let b = t.oddHalf
      let c = u.evenHalf
      let d = u.oddHalf
      var greater = b .> best
      best.replace(with: b, where: greater)
      at.replace(with: 1, where: greater)
      greater = c .> best
      best.replace(with: c, where: greater)
      at.replace(with: 2, where: greater)
      greater = d .> best
      best.replace(with: d, where: greater)
      at.replace(with: 3, where: greater)
      return (best, SIMD8<UInt16>(truncatingIfNeeded: at))
    }
    @inline(__always)
    func eight(from ox: Int) {
      let (best, at) = windows(
        UnsafeRawPointer(top + 2 * ox).loadUnaligned(as: SIMD16<Float>.self),
        UnsafeRawPointer(bottom + 2 * ox).loadUnaligned(as: SIMD16<Float>.self))
      UnsafeMutableRawPointer(y + ox).storeBytes(of: best, as: SIMD8<Float>.self)
      UnsafeMutableRawPointer(argmax + ox).storeBytes(of: at, as: SIMD8<UInt16>.self)
    }
    if count >= 8 {
      for ox in Swift.stride(from: 0, to: count - 7, by: 8) { eight(from: ox) }
      // The last eight windows again, overlapping: each is recomputed to the same result.
      if count % 8 != 0 { eight(from: count - 8) }
      return
    }
    // Fewer than eight windows: keep `count` lanes of one vector step.
    func fewer(_ t: UnsafePointer<Float>, _ u: UnsafePointer<Float>) {
      let (best, at) = windows(
        UnsafeRawPointer(t).loadUnaligned(as: SIMD16<Float>.self),
        UnsafeRawPointer(u).loadUnaligned(as: SIMD16<Float>.self))
      for i in 0..<count {
        y[i] = best[i]
        argmax[i] = at[i]
      }
    }
    if readable >= 16 {
      // Read past the row: the floats there still belong to the input.
      fewer(top, bottom)
      return
    }
    // The last rows of the input: through zero-padded buffers.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { buffer in
      let b = buffer.baseAddress!
      b.update(repeating: 0, count: 32)
      b.update(from: top, count: 2 * count)
      (b + 16).update(from: bottom, count: 2 * count)
      fewer(b, b + 16)
    }
  }

  /// gradX[window position of argmax[i]] (+)= gradY[i], parallel over planes (a window never
  /// leaves its plane). With `assign`, gradX is fresh memory: every element is written (zero where
  /// no window put its maximum).
  static func maxBackward(
    _ gradY: UnsafePointer<Float>, argmax: UnsafePointer<UInt16>, _ g: ConvGeometry,
    gradX: UnsafeMutablePointer<Float>, assign: Bool
  ) {
    let oh = g.outputHeight
    let ow = g.outputWidth
    let k = g.kernel
    let inputPlane = g.height * g.width
    Parallel.forEachRange(g.batch * g.channels, costPerItem: oh * ow) { planes in
      for p in planes {
        let src = gradX + p * inputPlane
        if k == 2 && g.stride == 2 {
          // Windows tile the plane without overlap: write each of their four elements once.
          for oy in 0..<oh {
            let top = src + 2 * oy * g.width
            let bottom = top + g.width
            let gRow = gradY + (p * oh + oy) * ow
            let atRow = argmax + (p * oh + oy) * ow
            for ox in 0..<ow {
              let v = gRow[ox]
              let at = atRow[ox]
              let t0: Float = at == 0 ? v : 0
              let t1: Float = at == 1 ? v : 0
              let b0: Float = at == 2 ? v : 0
              let b1: Float = at == 3 ? v : 0
              if assign {
                top[2 * ox] = t0
                top[2 * ox + 1] = t1
                bottom[2 * ox] = b0
                bottom[2 * ox + 1] = b1
              } else {
                top[2 * ox] += t0
                top[2 * ox + 1] += t1
                bottom[2 * ox] += b0
                bottom[2 * ox + 1] += b1
              }
            }
            if assign {
              for ix in (2 * ow)..<g.width {
                top[ix] = 0
                bottom[ix] = 0
              }
            }
          }
          if assign {
            (src + 2 * oh * g.width).update(repeating: 0, count: (g.height - 2 * oh) * g.width)
          }
          continue
        }
        if assign { src.update(repeating: 0, count: inputPlane) }
        for oy in 0..<oh {
          for ox in 0..<ow {
            let i = (p * oh + oy) * ow + ox
            let at = Int(argmax[i])
            src[(oy * g.stride + at / k) * g.width + ox * g.stride + at % k] += gradY[i]
          }
        }
      }
    }
  }

  /// Forward: y = mean over the window.
  static func averageForward(_ x: UnsafePointer<Float>, _ g: ConvGeometry, y: UnsafeMutablePointer<Float>) {
    let scale = 1 / Float(g.kernel * g.kernel)
    forEachWindow(g) { _, base, out in
      var total: Float = 0
      for ky in 0..<g.kernel {
        for kx in 0..<g.kernel { total += x[base + ky * g.width + kx] }
      }
      y[out] = total * scale
    }
  }

  /// Backward of ``averageForward(_:_:y:)``: gradX[window] += gradY / K².
  static func averageBackward(_ gradY: UnsafePointer<Float>, _ g: ConvGeometry, gradX: UnsafeMutablePointer<Float>) {
    let scale = 1 / Float(g.kernel * g.kernel)
    forEachWindow(g) { _, base, out in
      let share = gradY[out] * scale
      for ky in 0..<g.kernel {
        for kx in 0..<g.kernel { gradX[base + ky * g.width + kx] += share }
      }
    }
  }

  /// Calls `body` for every output position, plane by plane across threads, with the offset of
  /// its window's first input and its own offset.
  @inline(__always)
  static func forEachWindow(_ g: ConvGeometry, _ body: (_ plane: Int, _ base: Int, _ out: Int) -> Void) {
    let oh = g.outputHeight
    let ow = g.outputWidth
    Parallel.forEachRange(g.batch * g.channels, costPerItem: oh * ow * g.kernel * g.kernel) { planes in
      for plane in planes {
        let src = plane * g.height * g.width
        let dst = plane * oh * ow
        for oy in 0..<oh {
          for ox in 0..<ow { body(plane, src + oy * g.stride * g.width + ox * g.stride, dst + oy * ow + ox) }
        }
      }
    }
  }
}
