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

  /// Row `row` of the im2col columns: its input channel and kernel tap, (c·KH + ky)·KW + kx.
  @inline(__always)
  func patchEntry(_ row: Int) -> (channel: Int, ky: Int, kx: Int) {
    (row / (kernelHeight * kernelWidth), (row / kernelWidth) % kernelHeight, row % kernelWidth)
  }

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
    let sy = g.strideY
    let s = g.strideX
    for row in 0..<g.patchSize {
      let (c, ky, kx) = g.patchEntry(row)
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
    let ow = g.outputWidth
    let s = g.strideX
    for j in 0..<items.count {
      let n = items.lowerBound + j
      for row in 0..<g.patchSize {
        let (c, ky, kx) = g.patchEntry(row)
        let (ox0, ox1) = g.validOutputColumns(kx)
        let dstPlane = gradX + (n * g.channels + c) * g.height * g.width
        var src = col + row * columns + j * g.planeSize
        for oy in 0..<g.outputHeight {
          let iy = oy * g.strideY - g.padTop + ky * g.dilationY
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
