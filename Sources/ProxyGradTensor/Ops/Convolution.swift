/// At most this many floats of im2col columns live at once in the batched strategy; larger
/// batches are processed in chunks of items, which bounds memory and keeps columns in cache.
let maxColumnFloats = 1 << 21

/// From this many output positions per item on, convolution runs item by item (im2col of one
/// item, one GEMM straight into NCHW), in parallel over items; below it, items are batched into
/// one GEMM per chunk, whose result is scattered to NCHW.
let perItemPlaneThreshold = 256

/// The number of partial sums of a per-item convolution's weight gradient (at most one per
/// item): enough groups for the threads to share, fixed so results do not depend on them.
let weightGradientGroups = 8

/// 2-D convolution (cross-correlation, as in PyTorch) as im2col + GEMM.
///
/// `x [N, C, H, W]`, `weight [O, C, K, K]`, `bias [O]` → `[N, O, OH, OW]` with
/// `OH = (H + 2P − K) / S + 1`:
/// ```
/// col_n[C·K·K, OH·OW] = im2col(x_n)
/// y_n[O, OH·OW]       = W[O, C·K·K] · col_n + bias
/// ```
/// - Saves: input and weight; columns are rebuilt in backward rather than kept.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
  precondition(x.rank == 4 && weight.rank == 4 && weight.shape[1] == x.shape[1], "conv2d shapes")
  precondition(weight.shape[2] == weight.shape[3], "conv2d needs square kernels")
  let g = ConvGeometry(
    batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
    kernel: weight.shape[2], stride: stride, padding: padding)
  precondition(g.outputHeight > 0 && g.outputWidth > 0, "conv2d output would be empty")
  let conv = ConvPlan(g: g, outChannels: weight.shape[0])
  let xv = x.values, wv = weight.values, bv = bias?.values
  let out = [Float].uninitialized(g.batch * conv.outChannels * g.planeSize) { po in
    xv.withUnsafeBufferPointer { px in
      wv.withUnsafeBufferPointer { pw in
        if conv.perItem {
          conv.forwardPerItem(px.baseAddress!, pw.baseAddress!, bv, po)
        } else {
          conv.forwardBatched(px.baseAddress!, pw.baseAddress!, bv, po)
        }
      }
    }
  }
  let parents = bias.map { [x, weight, $0] } ?? [x, weight]
  let shape = [g.batch, conv.outChannels, g.outputHeight, g.outputWidth]
  return Tensor(shape: shape, values: out, op: "conv2d", parents: parents) { gradOut in
    conv.backward(gradOut, x: x, xv: xv, weight: weight, wv: wv, bias: bias)
  }
}

/// How one convolution runs: its geometry and strategy.
struct ConvPlan {
  let g: ConvGeometry
  let outChannels: Int
  var plane: Int { g.planeSize }
  var perItem: Bool { g.planeSize >= perItemPlaneThreshold }
  /// Items per chunk in the batched strategy.
  var chunk: Int {
    Swift.max(1, Swift.min(g.batch, maxColumnFloats / Swift.max(1, g.patchSize * g.planeSize)))
  }

  // MARK: Forward

  func forwardPerItem(
    _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: [Float]?,
    _ out: UnsafeMutablePointer<Float>
  ) {
    let colSize = g.patchSize * plane
    Parallel.forEachPart(g.batch) { items, _ in
      Workspace.withBuffer(colSize) { col in
        for n in items {
          ConvKernel.im2col(x, g, items: n..<(n + 1), col: col, parallel: false)
          let dst = out + n * outChannels * plane
          MatMulKernel.gemm(
            transposeA: false, transposeB: false, m: outChannels, n: plane, k: g.patchSize,
            a: w, lda: g.patchSize, b: col, ldb: plane, beta: 0, c: dst, ldc: plane)
          if let bias { addBias(bias, to: dst) }
        }
      }
    }
  }

  func forwardBatched(
    _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: [Float]?,
    _ out: UnsafeMutablePointer<Float>
  ) {
    let chunk = self.chunk
    Workspace.withBuffer(g.patchSize * chunk * plane) { col in
      Workspace.withBuffer(outChannels * chunk * plane) { product in
        for start in Swift.stride(from: 0, to: g.batch, by: chunk) {
          let items = start..<Swift.min(g.batch, start + chunk)
          ConvKernel.im2col(x, g, items: items, col: col, parallel: true)
          MatMulKernel.gemm(
            transposeA: false, transposeB: false, m: outChannels, n: items.count * plane,
            k: g.patchSize, a: w, b: col, beta: 0, c: product)
          scatter(product, to: out, items: items, bias: bias)
        }
      }
    }
  }

  /// dst[o, p] += bias[o] for one item.
  private func addBias(_ bias: [Float], to dst: UnsafeMutablePointer<Float>) {
    for o in 0..<outChannels {
      let b = bias[o]
      let row = dst + o * plane
      for p in 0..<plane { row[p] += b }
    }
  }

  /// out[n, o, p] = product[o, j·plane + p] + bias[o] for the items of one chunk.
  private func scatter(
    _ product: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>, items: Range<Int>,
    bias: [Float]?
  ) {
    let columns = items.count * plane, channels = outChannels, plane = self.plane
    Parallel.forEachRange(items.count * channels, costPerItem: plane) { range in
      for index in range {
        let j = index / channels, o = index % channels
        let src = product + o * columns + j * plane
        let dst = out + ((items.lowerBound + j) * channels + o) * plane
        let b = bias?[o] ?? 0
        for p in 0..<plane { dst[p] = src[p] + b }
      }
    }
  }

  /// dst[o, j·plane + p] = src[n, o, p] for the items of one chunk (the inverse of `scatter`).
  private func gather(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, items: Range<Int>) {
    let columns = items.count * plane, channels = outChannels, plane = self.plane
    Parallel.forEachRange(items.count * channels, costPerItem: plane) { range in
      for index in range {
        let j = index / channels, o = index % channels
        let from = src + ((items.lowerBound + j) * channels + o) * plane
        let to = dst + o * columns + j * plane
        for p in 0..<plane { to[p] = from[p] }
      }
    }
  }

  // MARK: Backward

  /// gradOut [N, O, OH, OW] → gradients of input, weight and bias:
  /// `dW[O, CKK] += dY_n[O, plane] · col_nᵀ`, `dcol_n = Wᵀ · dY_n`, `dx_n += col2im(dcol_n)`,
  /// `db[o] += Σ dY[n, o, ·]`.
  func backward(
    _ gradOut: [Float], x: Tensor, xv: [Float], weight: Tensor, wv: [Float], bias: Tensor?
  ) {
    let needInput = x.requiresGrad, needWeight = weight.requiresGrad
    if needInput && x.grad == nil { x.grad = [Float](repeating: 0, count: x.count) }
    if needWeight && weight.grad == nil { weight.grad = [Float](repeating: 0, count: weight.count) }
    gradOut.withUnsafeBufferPointer { pg in
      let dy = pg.baseAddress!
      if let bias, bias.requiresGrad {
        bias.accumulateGradient { gb in
          for n in 0..<g.batch {
            for o in 0..<outChannels {
              gb[o] += ReductionKernel.sum(dy + (n * outChannels + o) * plane, plane)
            }
          }
        }
      }
      guard needInput || needWeight else { return }
      xv.withUnsafeBufferPointer { px in
        wv.withUnsafeBufferPointer { pw in
          let dx: UnsafeMutablePointer<Float>? =
            needInput ? x.grad!.withUnsafeMutableBufferPointer { $0.baseAddress! } : nil
          let dw: UnsafeMutablePointer<Float>? =
            needWeight ? weight.grad!.withUnsafeMutableBufferPointer { $0.baseAddress! } : nil
          if perItem {
            backwardPerItem(dy, px.baseAddress!, pw.baseAddress!, dx: dx, dw: dw)
          } else {
            backwardBatched(dy, px.baseAddress!, pw.baseAddress!, dx: dx, dw: dw)
          }
        }
      }
    }
  }

  /// Items are split into a fixed number of groups that depends only on the batch size; each
  /// group sums its items' weight gradients into a partial sum of its own, and the partial sums
  /// are added in group order. Threads take whole groups, so the result is the same for any
  /// thread count.
  private func backwardPerItem(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?
  ) {
    let colSize = g.patchSize * plane
    let weightSize = outChannels * g.patchSize
    let groups = Swift.min(g.batch, weightGradientGroups)
    let groupSize = (g.batch + groups - 1) / Swift.max(groups, 1)
    Workspace.withBuffer(Swift.max(1, groups * weightSize)) { partials in
      if dw != nil { partials.update(repeating: 0, count: groups * weightSize) }
      Parallel.forEachPart(groups) { groupRange, _ in
        Workspace.withBuffer(colSize) { col in
          for group in groupRange {
            let partial = partials + group * weightSize
            for n in (group * groupSize)..<Swift.min(g.batch, (group + 1) * groupSize) {
              let dyn = dy + n * outChannels * plane
              if dw != nil {
                ConvKernel.im2col(x, g, items: n..<(n + 1), col: col, parallel: false)
                MatMulKernel.gemm(
                  transposeA: false, transposeB: true, m: outChannels, n: g.patchSize, k: plane,
                  a: dyn, lda: plane, b: col, ldb: plane, beta: 1, c: partial, ldc: g.patchSize)
              }
              if let dx {
                MatMulKernel.gemm(
                  transposeA: true, transposeB: false, m: g.patchSize, n: plane, k: outChannels,
                  a: w, lda: g.patchSize, b: dyn, ldb: plane, beta: 0, c: col, ldc: plane)
                ConvKernel.col2im(col, g, items: n..<(n + 1), gradX: dx, parallel: false)
              }
            }
          }
        }
      }
      if let dw {
        for group in 0..<groups {
          let src = partials + group * weightSize
          for i in 0..<weightSize { dw[i] += src[i] }
        }
      }
    }
  }

  private func backwardBatched(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?
  ) {
    let chunk = self.chunk
    Workspace.withBuffer(outChannels * chunk * plane) { gathered in
      Workspace.withBuffer(g.patchSize * chunk * plane) { col in
        for start in Swift.stride(from: 0, to: g.batch, by: chunk) {
          let items = start..<Swift.min(g.batch, start + chunk)
          let columns = items.count * plane
          gather(dy, into: gathered, items: items)
          if let dw {
            ConvKernel.im2col(x, g, items: items, col: col, parallel: true)
            MatMulKernel.gemm(
              transposeA: false, transposeB: true, m: outChannels, n: g.patchSize, k: columns,
              a: gathered, b: col, beta: 1, c: dw)
          }
          if let dx {
            // The columns are no longer needed: reuse their buffer for their gradient.
            MatMulKernel.gemm(
              transposeA: true, transposeB: false, m: g.patchSize, n: columns, k: outChannels,
              a: w, b: gathered, beta: 0, c: col)
            ConvKernel.col2im(col, g, items: items, gradX: dx, parallel: true)
          }
        }
      }
    }
  }
}

// MARK: - Pooling

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
    x.accumulateGradient { gx in
      grad.withUnsafeBufferPointer { pg in
        argmax.withUnsafeBufferPointer { pa in
          PoolKernel.maxBackward(pg.baseAddress!, argmax: pa.baseAddress!, g, gradX: gx)
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
  let xv = x.values
  let out = [Float].uninitialized(g.batch * g.channels * g.planeSize) { po in
    xv.withUnsafeBufferPointer { px in
      PoolKernel.average(px.baseAddress!, g, y: po, gradY: nil, gradX: nil)
    }
  }
  let shape = [g.batch, g.channels, g.outputHeight, g.outputWidth]
  return Tensor(shape: shape, values: out, op: "avgPool2d", parents: [x]) { grad in
    x.accumulateGradient { gx in
      xv.withUnsafeBufferPointer { px in
        grad.withUnsafeBufferPointer { pg in
          PoolKernel.average(px.baseAddress!, g, y: nil, gradY: pg.baseAddress!, gradX: gx)
        }
      }
    }
  }
}
