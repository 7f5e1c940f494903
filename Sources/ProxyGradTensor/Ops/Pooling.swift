// MARK: - Square windows without padding (the fast paths)

/// Max pooling over `kernel`×`kernel` windows with `stride` (no padding); the gradient goes to
/// the first maximum of each window.
/// - Saves: the index of each window's maximum.
public func maxPool2d(_ x: Tensor, kernel: Int, stride: Int) -> Tensor {
  precondition(x.rank == 4 && kernel >= 1 && kernel <= 256 && stride >= 1, "maxPool2d shapes")
  let g = ConvGeometry(
    batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
    kernel: kernel, stride: stride, padding: 0)
  precondition(g.outputHeight > 0 && g.outputWidth > 0, "maxPool2d window larger than input")
  let n = g.batch * g.channels * g.planeSize
  var argmax = [UInt16](repeating: 0, count: n)
  let out = [Float].uninitialized(n) { po in
    x.values.withUnsafeBufferPointer { px in
      argmax.withUnsafeMutableBufferPointer { pa in
        PoolKernel.maxForward(px.baseAddress!, g, y: po, argmax: pa.baseAddress!)
      }
    }
  }
  let shape = [g.batch, g.channels, g.outputHeight, g.outputWidth]
  return Tensor(shape: shape, values: out, op: "maxPool2d", parents: [x]) { grad in
    grad.withUnsafeBufferPointer { pg in
      argmax.withUnsafeBufferPointer { pa in
        x.writeGradient { gradient, assign in
          PoolKernel.maxBackward(pg.baseAddress!, argmax: pa.baseAddress!, g, gradX: gradient, assign: assign)
        }
      }
    }
  }
}

/// Average pooling over `kernel`×`kernel` windows with `stride` (no padding).
/// - Saves: nothing.
public func avgPool2d(_ x: Tensor, kernel: Int, stride: Int) -> Tensor {
  precondition(x.rank == 4 && kernel >= 1 && stride >= 1, "avgPool2d shapes")
  let g = ConvGeometry(
    batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
    kernel: kernel, stride: stride, padding: 0)
  precondition(g.outputHeight > 0 && g.outputWidth > 0, "avgPool2d window larger than input")
  let out = [Float].uninitialized(g.batch * g.channels * g.planeSize) { po in
    x.values.withUnsafeBufferPointer { px in PoolKernel.averageForward(px.baseAddress!, g, y: po) }
  }
  let shape = [g.batch, g.channels, g.outputHeight, g.outputWidth]
  return Tensor(shape: shape, values: out, op: "avgPool2d", parents: [x]) { grad in
    x.accumulateGradient { gx in
      grad.withUnsafeBufferPointer { pg in PoolKernel.averageBackward(pg.baseAddress!, g, gradX: gx) }
    }
  }
}

// MARK: - Pooling with padding, dilation and ceil mode

/// Max pooling with any window, stride, padding, dilation and rounding (PyTorch's
/// `max_pool2d`, ONNX's `MaxPool`). Padding never wins a window; the gradient goes to the first
/// maximum of each window.
///
/// `x [N, C, H, W]` → `[N, C, OH, OW]`, `OH = ⌊(H + PT + PB − DY·(KH − 1) − 1) / SY⌋ + 1`
/// (rounded up in ceil mode, as long as the last window starts inside the image or the top
/// padding), likewise OW:
/// ```
/// y[n, c, oy, ox] = max_{ky, kx} x[n, c, oy·SY − PT + ky·DY, ox·SX − PL + kx·DX]
/// ```
/// A square, unpadded, undilated window whose output size does not depend on the rounding runs
/// `maxPool2d(_:kernel:stride:)` (the same numbers, on its fast paths).
/// - Parameters:
///   - kernel: `(KH, KW)`.
///   - stride: `(SY, SX)`.
///   - padding: the four sides (implicit −∞).
///   - dilation: `(DY, DX)`.
///   - ceilMode: round the output size up instead of down.
/// - Saves: the plane index of each window's maximum.
public func maxPool2d(
  _ x: Tensor, kernel: (Int, Int), stride: (Int, Int), padding: Padding2d = .zero,
  dilation: (Int, Int) = (1, 1), ceilMode: Bool = false
) -> Tensor {
  let g = poolGeometry(x, kernel, stride, padding, dilation, ceilMode, "maxPool2d")
  if kernel.0 == kernel.1 && stride.0 == stride.1 && padding == .zero && dilation == (1, 1)
    && kernel.0 <= 256
    && g.outputHeight == PoolGeometry.outputSize(x.shape[2], kernel.0, stride.0, 0, 0, 1, false)
    && g.outputWidth == PoolGeometry.outputSize(x.shape[3], kernel.1, stride.1, 0, 0, 1, false)
  {
    return maxPool2d(x, kernel: kernel.0, stride: stride.0)
  }
  let n = g.planes * g.planeSize
  var argmax = [Int32](repeating: -1, count: n)
  let out = [Float].uninitialized(n) { po in
    x.values.withUnsafeBufferPointer { px in
      argmax.withUnsafeMutableBufferPointer { pa in
        WindowPoolKernel.maxForward(px.baseAddress!, g, y: po, argmax: pa.baseAddress!)
      }
    }
  }
  let shape = [x.shape[0], x.shape[1], g.outputHeight, g.outputWidth]
  return Tensor(shape: shape, values: out, op: "maxPool2d", parents: [x]) { grad in
    x.accumulateGradient { gx in
      grad.withUnsafeBufferPointer { pg in
        argmax.withUnsafeBufferPointer { pa in
          WindowPoolKernel.maxBackward(pg.baseAddress!, argmax: pa.baseAddress!, g, gradX: gx)
        }
      }
    }
  }
}

/// Average pooling with any window, stride, padding and rounding (PyTorch's `avg_pool2d`, ONNX's
/// `AveragePool`).
///
/// Output size as in `maxPool2d(_:kernel:stride:padding:dilation:ceilMode:)` (no dilation):
/// ```
/// y[n, c, oy, ox] = Σ_{window ∩ image} x / divisor
/// ```
/// The divisor is the window's area clipped to the padded image (`countIncludePad`, PyTorch's
/// default; the padding counts as zeros) or to the image itself. A square, unpadded window whose
/// output size does not depend on the rounding runs `avgPool2d(_:kernel:stride:)`.
/// - Saves: nothing.
public func avgPool2d(
  _ x: Tensor, kernel: (Int, Int), stride: (Int, Int), padding: Padding2d = .zero,
  ceilMode: Bool = false, countIncludePad: Bool = true
) -> Tensor {
  let g = poolGeometry(x, kernel, stride, padding, (1, 1), ceilMode, "avgPool2d")
  if kernel.0 == kernel.1 && stride.0 == stride.1 && padding == .zero
    && g.outputHeight == PoolGeometry.outputSize(x.shape[2], kernel.0, stride.0, 0, 0, 1, false)
    && g.outputWidth == PoolGeometry.outputSize(x.shape[3], kernel.1, stride.1, 0, 0, 1, false)
  {
    return avgPool2d(x, kernel: kernel.0, stride: stride.0)
  }
  let out = [Float].uninitialized(g.planes * g.planeSize) { po in
    x.values.withUnsafeBufferPointer { px in
      WindowPoolKernel.averageForward(px.baseAddress!, g, countIncludePad: countIncludePad, y: po)
    }
  }
  let shape = [x.shape[0], x.shape[1], g.outputHeight, g.outputWidth]
  return Tensor(shape: shape, values: out, op: "avgPool2d", parents: [x]) { grad in
    x.accumulateGradient { gx in
      grad.withUnsafeBufferPointer { pg in
        WindowPoolKernel.averageBackward(pg.baseAddress!, g, countIncludePad: countIncludePad, gradX: gx)
      }
    }
  }
}

/// Adaptive average pooling to a fixed output size (PyTorch's `adaptive_avg_pool2d`): output
/// row `i` of `OH` averages input rows `⌊i·H/OH⌋ ..< ⌈(i+1)·H/OH⌉`, likewise columns. An output of
/// the input's own size is the identity; `(1, 1)` is global average pooling.
///
/// `x [N, C, H, W]` → `[N, C, OH, OW]`.
/// - Saves: nothing.
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) -> Tensor {
  precondition(x.rank == 4, "adaptiveAvgPool2d needs [N, C, H, W], got \(Shape.describe(x.shape))")
  let (oh, ow) = outputSize
  let (h, w) = (x.shape[2], x.shape[3])
  precondition(oh >= 1 && ow >= 1 && h >= 1 && w >= 1, "adaptiveAvgPool2d sizes")
  let planes = x.shape[0] * x.shape[1]
  let out = [Float].uninitialized(planes * oh * ow) { po in
    x.values.withUnsafeBufferPointer { px in
      WindowPoolKernel.adaptiveAverageForward(
        px.baseAddress!, planes: planes, height: h, width: w, outputHeight: oh, outputWidth: ow, y: po)
    }
  }
  let shape = [x.shape[0], x.shape[1], oh, ow]
  return Tensor(shape: shape, values: out, op: "adaptiveAvgPool2d", parents: [x]) { grad in
    x.accumulateGradient { gx in
      grad.withUnsafeBufferPointer { pg in
        WindowPoolKernel.adaptiveAverageBackward(
          pg.baseAddress!, planes: planes, height: h, width: w, outputHeight: oh, outputWidth: ow, gradX: gx)
      }
    }
  }
}

/// Checks a pooling call's arguments (programmer errors) and returns its geometry.
private func poolGeometry(
  _ x: Tensor, _ kernel: (Int, Int), _ stride: (Int, Int), _ padding: Padding2d,
  _ dilation: (Int, Int), _ ceilMode: Bool, _ op: String
) -> PoolGeometry {
  precondition(x.rank == 4, "\(op) needs [N, C, H, W], got \(Shape.describe(x.shape))")
  precondition(
    kernel.0 >= 1 && kernel.1 >= 1 && stride.0 >= 1 && stride.1 >= 1 && dilation.0 >= 1
      && dilation.1 >= 1 && min(padding.top, padding.left, padding.bottom, padding.right) >= 0,
    "\(op): kernel, stride and dilation must be positive and padding non-negative")
  let g = PoolGeometry(
    planes: x.shape[0] * x.shape[1], height: x.shape[2], width: x.shape[3], kernel: kernel,
    stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
  precondition(g.outputHeight > 0 && g.outputWidth > 0, "\(op) window larger than the padded input")
  return g
}
