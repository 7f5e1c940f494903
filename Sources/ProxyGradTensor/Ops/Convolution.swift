/// At most this many floats of im2col columns live at once; larger batches are processed in
/// chunks of items, which bounds memory and keeps the columns in cache.
let maxColumnFloats = 1 << 21

/// 2-D convolution (cross-correlation, as in PyTorch) as im2col + GEMM.
///
/// `x [N, C, H, W]`, `weight [O, C, K, K]`, `bias [O]` → `[N, O, OH, OW]` with
/// `OH = (H + 2P − K) / S + 1`. Items are processed in chunks: columns `[C·K·K, chunk·OH·OW]`,
/// then `out_chunk[O, chunk·OH·OW] = W[O, C·K·K] · columns`, scattered to NCHW with the bias.
/// - Saves: input and weight; columns are rebuilt in backward rather than kept.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
  precondition(x.rank == 4 && weight.rank == 4 && weight.shape[1] == x.shape[1], "conv2d shapes")
  precondition(weight.shape[2] == weight.shape[3], "conv2d needs square kernels")
  let g = ConvGeometry(
    batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
    kernel: weight.shape[2], stride: stride, padding: padding)
  precondition(g.outputHeight > 0 && g.outputWidth > 0, "conv2d output would be empty")
  let outChannels = weight.shape[0]
  let plane = g.planeSize
  let chunk = Swift.max(1, Swift.min(g.batch, maxColumnFloats / Swift.max(1, g.patchSize * plane)))
  let xv = x.values, wv = weight.values, bv = bias?.values
  let perItem = usePerItemGEMM(plane: plane)
  let out = [Float].uninitialized(g.batch * outChannels * plane) { po in
    xv.withUnsafeBufferPointer { px in
      wv.withUnsafeBufferPointer { pw in
        Workspace.withBuffer(g.patchSize * chunk * plane) { col in
          Workspace.withBuffer(outChannels * chunk * plane) { product in
            for start in Swift.stride(from: 0, to: g.batch, by: chunk) {
              let items = start..<Swift.min(g.batch, start + chunk)
              let columns = items.count * plane
              ConvKernel.im2col(px.baseAddress!, g, items: items, col: col)
              if perItem {
                // out_n[O, plane] = W[O, CKK] · col_n, where col_n is item n's block of columns.
                for (j, n) in items.enumerated() {
                  let dst = po + n * outChannels * plane
                  MatMulKernel.gemm(
                    transposeA: false, transposeB: false, m: outChannels, n: plane, k: g.patchSize,
                    a: pw.baseAddress!, lda: g.patchSize, b: col + j * plane, ldb: columns,
                    beta: 0, c: dst, ldc: plane)
                  if let bv { addBias(bv, to: dst, channels: outChannels, plane: plane) }
                }
              } else {
                MatMulKernel.gemm(
                  transposeA: false, transposeB: false, m: outChannels, n: columns, k: g.patchSize,
                  a: pw.baseAddress!, b: col, beta: 0, c: product)
                scatter(product, to: po, items: items, channels: outChannels, plane: plane, bias: bv)
              }
            }
          }
        }
      }
    }
  }
  let parents = bias.map { [x, weight, $0] } ?? [x, weight]
  let shape = [g.batch, outChannels, g.outputHeight, g.outputWidth]
  return Tensor(shape: shape, values: out, op: "conv2d", parents: parents) { gradOut in
    conv2dBackward(
      gradOut, g: g, x: x, xv: xv, weight: weight, wv: wv, bias: bias, chunk: chunk,
      outChannels: outChannels)
  }
}

/// Whether to run one GEMM per item straight on NCHW data (no scatter or gather copies) rather
/// than one GEMM per chunk; per-item GEMMs pay off when each item's plane is large.
@inline(__always)
func usePerItemGEMM(plane: Int) -> Bool {
  plane >= perItemPlaneThreshold
}

/// The plane size from which per-item GEMMs are used (tuned on W1 and W3).
let perItemPlaneThreshold = 256

/// dst[o, p] += bias[o] for one item.
@inline(__always)
private func addBias(_ bias: [Float], to dst: UnsafeMutablePointer<Float>, channels: Int, plane: Int) {
  for o in 0..<channels {
    let b = bias[o]
    let row = dst + o * plane
    for p in 0..<plane { row[p] += b }
  }
}

/// out[n, o, p] = product[o, j·plane + p] + bias[o] for the items of one chunk.
private func scatter(
  _ product: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>, items: Range<Int>,
  channels: Int, plane: Int, bias: [Float]?
) {
  let columns = items.count * plane
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

/// gradOut [N, O, OH, OW] → gradients of input, weight and bias, chunk by chunk:
/// `dW[O, CKK] += dY_chunk[O, cols] · colᵀ`, `dcol[CKK, cols] = Wᵀ · dY_chunk`, col2im into dx.
private func conv2dBackward(
  _ gradOut: [Float], g: ConvGeometry, x: Tensor, xv: [Float], weight: Tensor, wv: [Float],
  bias: Tensor?, chunk: Int, outChannels: Int
) {
  let plane = g.planeSize
  let needInput = x.requiresGrad, needWeight = weight.requiresGrad
  let perItem = usePerItemGEMM(plane: plane)
  if needInput && x.grad == nil { x.grad = [Float](repeating: 0, count: x.count) }
  if needWeight && weight.grad == nil { weight.grad = [Float](repeating: 0, count: weight.count) }
  if let bias, bias.requiresGrad {
    bias.accumulateGradient { gb in
      gradOut.withUnsafeBufferPointer { pg in
        for n in 0..<g.batch {
          for o in 0..<outChannels {
            let src = pg.baseAddress! + (n * outChannels + o) * plane
            var total: Float = 0
            for p in 0..<plane { total += src[p] }
            gb[o] += total
          }
        }
      }
    }
  }
  let columnsSize = g.patchSize * chunk * plane
  gradOut.withUnsafeBufferPointer { pg in
    xv.withUnsafeBufferPointer { px in
      wv.withUnsafeBufferPointer { pw in
        Workspace.withBuffer(outChannels * chunk * plane) { gathered in
          Workspace.withBuffer(columnsSize) { col in
            for start in Swift.stride(from: 0, to: g.batch, by: chunk) {
              let items = start..<Swift.min(g.batch, start + chunk)
              let columns = items.count * plane
              if !perItem {
                gather(pg.baseAddress!, into: gathered, items: items, channels: outChannels, plane: plane)
              }
              if needWeight {
                ConvKernel.im2col(px.baseAddress!, g, items: items, col: col)
                weight.grad!.withUnsafeMutableBufferPointer { pgw in
                  if perItem {
                    // dW[O, CKK] += dY_n[O, plane] · col_nᵀ, item by item in a fixed order.
                    for (j, n) in items.enumerated() {
                      MatMulKernel.gemm(
                        transposeA: false, transposeB: true, m: outChannels, n: g.patchSize, k: plane,
                        a: pg.baseAddress! + n * outChannels * plane, lda: plane,
                        b: col + j * plane, ldb: columns, beta: 1, c: pgw.baseAddress!, ldc: g.patchSize)
                    }
                  } else {
                    MatMulKernel.gemm(
                      transposeA: false, transposeB: true, m: outChannels, n: g.patchSize, k: columns,
                      a: gathered, b: col, beta: 1, c: pgw.baseAddress!)
                  }
                }
              }
              if needInput {
                // The columns are no longer needed: reuse their buffer for their gradient.
                if perItem {
                  for (j, n) in items.enumerated() {
                    MatMulKernel.gemm(
                      transposeA: true, transposeB: false, m: g.patchSize, n: plane, k: outChannels,
                      a: pw.baseAddress!, lda: g.patchSize, b: pg.baseAddress! + n * outChannels * plane,
                      ldb: plane, beta: 0, c: col + j * plane, ldc: columns)
                  }
                } else {
                  MatMulKernel.gemm(
                    transposeA: true, transposeB: false, m: g.patchSize, n: columns, k: outChannels,
                    a: pw.baseAddress!, b: gathered, beta: 0, c: col)
                }
                x.grad!.withUnsafeMutableBufferPointer { pgx in
                  ConvKernel.col2im(col, g, items: items, gradX: pgx.baseAddress!)
                }
              }
            }
          }
        }
      }
    }
  }
}

/// dst[o, j·plane + p] = src[n, o, p] for the items of one chunk (the inverse of `scatter`).
private func gather(
  _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, items: Range<Int>,
  channels: Int, plane: Int
) {
  let columns = items.count * plane
  Parallel.forEachRange(items.count * channels, costPerItem: plane) { range in
    for index in range {
      let j = index / channels, o = index % channels
      (dst + o * columns + j * plane).update(
        from: src + ((items.lowerBound + j) * channels + o) * plane, count: plane)
    }
  }
}

// MARK: - Pooling

/// Max pooling over `kernel`×`kernel` windows with `stride` (no padding); the gradient goes to
/// the first maximum of each window.
/// - Saves: the index of each window's maximum.
public func maxPool2d(_ x: Tensor, kernel: Int, stride: Int) -> Tensor {
  precondition(x.rank == 4 && kernel >= 1 && stride >= 1, "maxPool2d shapes")
  let g = ConvGeometry(
    batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
    kernel: kernel, stride: stride, padding: 0)
  precondition(g.outputHeight > 0 && g.outputWidth > 0, "maxPool2d window larger than input")
  let n = g.batch * g.channels * g.planeSize
  var argmax = [Int32](repeating: 0, count: n)
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
  var out = [Float](repeating: 0, count: g.batch * g.channels * g.planeSize)
  let xv = x.values
  xv.withUnsafeBufferPointer { px in
    out.withUnsafeMutableBufferPointer { po in
      PoolKernel.average(px.baseAddress!, g, y: po.baseAddress!, gradY: nil, gradX: nil)
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
