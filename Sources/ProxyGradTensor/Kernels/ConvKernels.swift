/// The geometry of one 2-D convolution or pooling window sweep.
/// Shapes: input [N, C, H, W]; output [N, O, OH, OW]; window KH×KW with dilation DY×DX, stride
/// SY×SX, padding PT (top), PL (left), PB (bottom), PR (right):
/// `OH = (H + PT + PB − DY·(KH − 1) − 1) / SY + 1`, likewise OW.
/// Square windows, one stride and one padding on every side (`kernel`, `stride`, `padding`) are
/// the common case; the pooling fast paths handle only that.
struct ConvGeometry {
  let batch: Int, channels: Int, height: Int, width: Int
  let kernelHeight: Int, kernelWidth: Int
  let strideY: Int, strideX: Int
  let padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
  let dilationY: Int, dilationX: Int

  /// A square window with one stride and the same padding on every side.
  init(batch: Int, channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
    self.init(
      batch: batch, channels: channels, height: height, width: width, kernelHeight: kernel,
      kernelWidth: kernel, strideY: stride, strideX: stride, padTop: padding, padLeft: padding,
      padBottom: padding, padRight: padding, dilationY: 1, dilationX: 1)
  }

  init(
    batch: Int, channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
    strideY: Int, strideX: Int, padTop: Int, padLeft: Int, padBottom: Int, padRight: Int,
    dilationY: Int, dilationX: Int
  ) {
    (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
    (self.kernelHeight, self.kernelWidth) = (kernelHeight, kernelWidth)
    (self.strideY, self.strideX) = (strideY, strideX)
    (self.padTop, self.padLeft, self.padBottom, self.padRight) = (padTop, padLeft, padBottom, padRight)
    (self.dilationY, self.dilationX) = (dilationY, dilationX)
  }

  /// The side of a square window (the pooling fast paths).
  var kernel: Int { kernelHeight }
  /// The stride of a window with one stride (the pooling fast paths).
  var stride: Int { strideY }
  var outputHeight: Int { (height + padTop + padBottom - dilationY * (kernelHeight - 1) - 1) / strideY + 1 }
  var outputWidth: Int { (width + padLeft + padRight - dilationX * (kernelWidth - 1) - 1) / strideX + 1 }
  var planeSize: Int { outputHeight * outputWidth }
  /// Rows of the column matrix: C·KH·KW.
  var patchSize: Int { channels * kernelHeight * kernelWidth }

  /// The output columns `ox0..<ox1` whose input column `ox·SX − PL + kx·DX` lies inside the image.
  @inline(__always)
  func validOutputColumns(_ kx: Int) -> (Int, Int) {
    // ox·SX ≥ PL − kx·DX  and  ox·SX ≤ W − 1 + PL − kx·DX
    let low = padLeft - kx * dilationX
    let ox0 = low <= 0 ? 0 : (low + strideX - 1) / strideX
    let high = width - 1 + padLeft - kx * dilationX
    let ox1 = high < 0 ? 0 : min(outputWidth, high / strideX + 1)
    return (min(ox0, outputWidth), ox1)
  }
}

/// im2col / col2im for convolution as GEMM.
enum ConvKernel {
  /// Writes the patches of items `items` into `col` laid out [C·KH·KW, items.count · OH·OW]:
  /// col[(c·KH + ky)·KW + kx, j·OH·OW + oy·OW + ox] =
  ///   x[n, c, oy·SY − PT + ky·DY, ox·SX − PL + kx·DX] (0 outside).
  /// Serial: callers run it inside their own parallel parts.
  static func im2col(
    _ x: UnsafePointer<Float>, _ g: ConvGeometry, items: Range<Int>,
    col: UnsafeMutablePointer<Float>
  ) {
    let columns = items.count * g.planeSize
    let oh = g.outputHeight
    let ow = g.outputWidth
    let kh = g.kernelHeight
    let kw = g.kernelWidth
    let sy = g.strideY
    let s = g.strideX
    for row in 0..<g.patchSize {
      let c = row / (kh * kw)
      let ky = (row / kw) % kh
      let kx = row % kw
      let (ox0, ox1) = g.validOutputColumns(kx)
      for (j, n) in items.enumerated() {
        let src = x + (n * g.channels + c) * g.height * g.width
        var dst = col + row * columns + j * g.planeSize
        for oy in 0..<oh {
          let iy = oy * sy - g.padTop + ky * g.dilationY
          // Rows are short: inline loops beat memset and memmove calls.
          if iy < 0 || iy >= g.height || ox0 >= ox1 {
            for ox in 0..<ow { dst[ox] = 0 }
          } else {
            for ox in 0..<ox0 { dst[ox] = 0 }
            let line = src + iy * g.width - g.padLeft + kx * g.dilationX
            if s == 1 {
              copyRow(from: line + ox0, to: dst + ox0, count: ox1 - ox0)
            } else {
              for ox in ox0..<ox1 { dst[ox] = line[ox * s] }
            }
            for ox in ox1..<ow { dst[ox] = 0 }
          }
          dst += ow
        }
      }
    }
  }

  /// The adjoint of `im2col`: gradX[n, c, iy, ix] += col[...] for every patch entry that read it.
  /// Serial, and writes the images of `items` only: callers run it inside their parallel parts.
  static func col2im(
    _ col: UnsafePointer<Float>, _ g: ConvGeometry, items: Range<Int>,
    gradX: UnsafeMutablePointer<Float>
  ) {
    let columns = items.count * g.planeSize
    let oh = g.outputHeight
    let ow = g.outputWidth
    let kh = g.kernelHeight
    let kw = g.kernelWidth
    let sy = g.strideY
    let s = g.strideX
    for j in 0..<items.count {
      let n = items.lowerBound + j
      for row in 0..<g.patchSize {
        let c = row / (kh * kw)
        let ky = (row / kw) % kh
        let kx = row % kw
        let (ox0, ox1) = g.validOutputColumns(kx)
        let dstPlane = gradX + (n * g.channels + c) * g.height * g.width
        var src = col + row * columns + j * g.planeSize
        for oy in 0..<oh {
          let iy = oy * sy - g.padTop + ky * g.dilationY
          if iy >= 0 && iy < g.height {
            let line = dstPlane + iy * g.width - g.padLeft + kx * g.dilationX
            if s == 1 {
              addRow(src + ox0, into: line + ox0, count: ox1 - ox0)
            } else {
              for ox in ox0..<max(ox0, ox1) { line[ox * s] += src[ox] }
            }
          }
          src += ow
        }
      }
    }
  }
}

/// Copies `count` floats between buffers that do not overlap, in eight-wide vectors: a short
/// row of a convolution (11 or 26 floats) takes two or four vector moves instead of a loop with
/// an alias check and a scalar tail. The last vector overlaps the one before it.
@inline(__always)
func copyRow(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
  typealias V = SIMD8<Float>
  if count >= 8 {
    var i = 0
    while i + 8 < count {
      UnsafeMutableRawPointer(dst + i).storeBytes(
        of: UnsafeRawPointer(src + i).loadUnaligned(as: V.self), as: V.self)
      i += 8
    }
    let last = count - 8
    UnsafeMutableRawPointer(dst + last).storeBytes(
      of: UnsafeRawPointer(src + last).loadUnaligned(as: V.self), as: V.self)
  } else {
    for i in 0..<Swift.max(0, count) { dst[i] = src[i] }
  }
}

/// dst[i] += src[i] for `count` floats of buffers that do not overlap, eight at a time.
@inline(__always)
func addRow(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
  typealias V = SIMD8<Float>
  var i = 0
  while i + 8 <= count {
    let sum =
      UnsafeRawPointer(dst + i).loadUnaligned(as: V.self)
      + UnsafeRawPointer(src + i).loadUnaligned(as: V.self)
    UnsafeMutableRawPointer(dst + i).storeBytes(of: sum, as: V.self)
    i += 8
  }
  while i < count {
    dst[i] += src[i]
    i += 1
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

  /// y = mean over the window. Backward spreads gradY / K² over the window.
  static func average(
    _ x: UnsafePointer<Float>, _ g: ConvGeometry, y: UnsafeMutablePointer<Float>?,
    gradY: UnsafePointer<Float>?, gradX: UnsafeMutablePointer<Float>?
  ) {
    let oh = g.outputHeight
    let ow = g.outputWidth
    let scale = 1 / Float(g.kernel * g.kernel)
    Parallel.forEachRange(g.batch * g.channels, costPerItem: oh * ow * g.kernel * g.kernel) {
      planes in
      for plane in planes {
        let src = plane * g.height * g.width
        let dst = plane * oh * ow
        for oy in 0..<oh {
          for ox in 0..<ow {
            let base = src + oy * g.stride * g.width + ox * g.stride
            if let y {
              var total: Float = 0
              for ky in 0..<g.kernel {
                for kx in 0..<g.kernel { total += x[base + ky * g.width + kx] }
              }
              y[dst + oy * ow + ox] = total * scale
            } else if let gradY, let gradX {
              let share = gradY[dst + oy * ow + ox] * scale
              for ky in 0..<g.kernel {
                for kx in 0..<g.kernel { gradX[base + ky * g.width + kx] += share }
              }
            }
          }
        }
      }
    }
  }
}
