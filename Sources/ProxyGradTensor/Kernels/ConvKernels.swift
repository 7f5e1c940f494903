/// The geometry of one 2-D convolution or pooling window sweep.
/// Shapes: input [N, C, H, W]; output [N, O, OH, OW]; window K×K, stride S, padding P.
struct ConvGeometry {
  let batch: Int, channels: Int, height: Int, width: Int
  let kernel: Int, stride: Int, padding: Int
  var outputHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
  var outputWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
  var planeSize: Int { outputHeight * outputWidth }
  /// Rows of the column matrix: C·K·K.
  var patchSize: Int { channels * kernel * kernel }

  /// The output columns `ox0..<ox1` whose input column `ox·S − P + kx` lies inside the image.
  @inline(__always)
  func validOutputColumns(_ kx: Int) -> (Int, Int) {
    // ox·S ≥ P − kx  and  ox·S ≤ W − 1 + P − kx
    let low = padding - kx
    let ox0 = low <= 0 ? 0 : (low + stride - 1) / stride
    let high = width - 1 + padding - kx
    let ox1 = high < 0 ? 0 : min(outputWidth, high / stride + 1)
    return (min(ox0, outputWidth), ox1)
  }
}

/// im2col / col2im for convolution as GEMM.
enum ConvKernel {
  /// Writes the patches of items `items` into `col` laid out [C·K·K, items.count · OH·OW]:
  /// col[(c·K + ky)·K + kx, j·OH·OW + oy·OW + ox] = x[n, c, oy·S − P + ky, ox·S − P + kx] (0 outside).
  static func im2col(
    _ x: UnsafePointer<Float>, _ g: ConvGeometry, items: Range<Int>, col: UnsafeMutablePointer<Float>,
    parallel: Bool
  ) {
    let columns = items.count * g.planeSize
    let oh = g.outputHeight, ow = g.outputWidth, k = g.kernel, s = g.stride
    Parallel.forEachRange(g.patchSize, costPerItem: parallel ? columns : 0) { rows in
      for row in rows {
        let c = row / (k * k), ky = (row / k) % k, kx = row % k
        let (ox0, ox1) = g.validOutputColumns(kx)
        for (j, n) in items.enumerated() {
          let src = x + (n * g.channels + c) * g.height * g.width
          var dst = col + row * columns + j * g.planeSize
          for oy in 0..<oh {
            let iy = oy * s - g.padding + ky
            if iy < 0 || iy >= g.height || ox0 >= ox1 {
              dst.update(repeating: 0, count: ow)
            } else {
              dst.update(repeating: 0, count: ox0)
              let line = src + iy * g.width - g.padding + kx
              if s == 1 {
                // Rows are short: an inline loop beats a memmove call.
                for ox in ox0..<ox1 { dst[ox] = line[ox] }
              } else {
                for ox in ox0..<ox1 { dst[ox] = line[ox * s] }
              }
              (dst + ox1).update(repeating: 0, count: ow - ox1)
            }
            dst += ow
          }
        }
      }
    }
  }

  /// The adjoint of `im2col`: gradX[n, c, iy, ix] += col[...] for every patch entry that read it.
  /// Parallel over items so each thread writes its own images only.
  static func col2im(
    _ col: UnsafePointer<Float>, _ g: ConvGeometry, items: Range<Int>, gradX: UnsafeMutablePointer<Float>,
    parallel: Bool
  ) {
    let columns = items.count * g.planeSize
    let oh = g.outputHeight, ow = g.outputWidth, k = g.kernel, s = g.stride
    Parallel.forEachRange(items.count, costPerItem: parallel ? g.patchSize * g.planeSize : 0) { js in
      for j in js {
        let n = items.lowerBound + j
        for row in 0..<g.patchSize {
          let c = row / (k * k), ky = (row / k) % k, kx = row % k
          let (ox0, ox1) = g.validOutputColumns(kx)
          let dstPlane = gradX + (n * g.channels + c) * g.height * g.width
          var src = col + row * columns + j * g.planeSize
          for oy in 0..<oh {
            let iy = oy * s - g.padding + ky
            if iy >= 0 && iy < g.height {
              let line = dstPlane + iy * g.width - g.padding + kx
              if s == 1 {
                for ox in ox0..<max(ox0, ox1) { line[ox] += src[ox] }
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
    let oh = g.outputHeight, ow = g.outputWidth, k = g.kernel
    Parallel.forEachRange(g.batch * g.channels, costPerItem: oh * ow * k * k) { planes in
      for plane in planes {
        let src = plane * g.height * g.width
        let dst = plane * oh * ow
        if k == 2 && g.stride == 2 {
          for oy in 0..<oh {
            for ox in 0..<ow {
              let i = src + 2 * oy * g.width + 2 * ox
              // First maximum in window order: (0,0), (0,1), (1,0), (1,1).
              var best = x[i], at: UInt16 = 0
              if x[i + 1] > best { best = x[i + 1]; at = 1 }
              if x[i + g.width] > best { best = x[i + g.width]; at = 2 }
              if x[i + g.width + 1] > best { best = x[i + g.width + 1]; at = 3 }
              y[dst + oy * ow + ox] = best
              argmax[dst + oy * ow + ox] = at
            }
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

  /// gradX[window position of argmax[i]] += gradY[i], parallel over planes (a window never
  /// leaves its plane).
  static func maxBackward(
    _ gradY: UnsafePointer<Float>, argmax: UnsafePointer<UInt16>, _ g: ConvGeometry,
    gradX: UnsafeMutablePointer<Float>
  ) {
    let oh = g.outputHeight, ow = g.outputWidth, k = g.kernel
    Parallel.forEachRange(g.batch * g.channels, costPerItem: oh * ow) { planes in
      for p in planes {
        let src = p * g.height * g.width
        for oy in 0..<oh {
          for ox in 0..<ow {
            let i = (p * oh + oy) * ow + ox
            let at = Int(argmax[i])
            gradX[src + (oy * g.stride + at / k) * g.width + ox * g.stride + at % k] += gradY[i]
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
    let oh = g.outputHeight, ow = g.outputWidth
    let scale = 1 / Float(g.kernel * g.kernel)
    Parallel.forEachRange(g.batch * g.channels, costPerItem: oh * ow * g.kernel * g.kernel) { planes in
      for plane in planes {
        let src = plane * g.height * g.width
        let dst = plane * oh * ow
        for oy in 0..<oh {
          for ox in 0..<ow {
            let base = src + oy * g.stride * g.width + ox * g.stride
            if let y {
              var total: Float = 0
              for ky in 0..<g.kernel { for kx in 0..<g.kernel { total += x[base + ky * g.width + kx] } }
              y[dst + oy * ow + ox] = total * scale
            } else if let gradY, let gradX {
              let share = gradY[dst + oy * ow + ox] * scale
              for ky in 0..<g.kernel { for kx in 0..<g.kernel { gradX[base + ky * g.width + kx] += share } }
            }
          }
        }
      }
    }
  }
}
