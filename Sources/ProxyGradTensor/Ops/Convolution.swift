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
  var out = [Float](repeating: 0, count: g.batch * outChannels * plane)
  var col = [Float](repeating: 0, count: g.patchSize * chunk * plane)
  var product = [Float](repeating: 0, count: outChannels * chunk * plane)
  let xv = x.values, wv = weight.values, bv = bias?.values
  xv.withUnsafeBufferPointer { px in
    wv.withUnsafeBufferPointer { pw in
      col.withUnsafeMutableBufferPointer { pc in
        product.withUnsafeMutableBufferPointer { pp in
          out.withUnsafeMutableBufferPointer { po in
            for start in Swift.stride(from: 0, to: g.batch, by: chunk) {
              let items = start..<Swift.min(g.batch, start + chunk)
              let columns = items.count * plane
              ConvKernel.im2col(px.baseAddress!, g, items: items, col: pc.baseAddress!)
              MatMulKernel.gemm(
                transposeA: false, transposeB: false, m: outChannels, n: columns, k: g.patchSize,
                a: pw.baseAddress!, b: pc.baseAddress!, beta: 0, c: pp.baseAddress!)
              scatter(
                pp.baseAddress!, to: po.baseAddress!, items: items, channels: outChannels,
                plane: plane, bias: bv)
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
  var gathered = [Float](repeating: 0, count: outChannels * chunk * plane)
  var col = [Float](repeating: 0, count: needWeight ? g.patchSize * chunk * plane : 0)
  var gradCol = [Float](repeating: 0, count: needInput ? g.patchSize * chunk * plane : 0)
  if needInput && x.grad == nil { x.grad = [Float](repeating: 0, count: x.count) }
  if needWeight && weight.grad == nil { weight.grad = [Float](repeating: 0, count: weight.count) }
  if let bias, bias.requiresGrad {
    bias.accumulateGradient { gb in
      for n in 0..<g.batch {
        for o in 0..<outChannels {
          let src = (n * outChannels + o) * plane
          var total: Float = 0
          for p in 0..<plane { total += gradOut[src + p] }
          gb[o] += total
        }
      }
    }
  }
  gradOut.withUnsafeBufferPointer { pg in
    xv.withUnsafeBufferPointer { px in
      wv.withUnsafeBufferPointer { pw in
        gathered.withUnsafeMutableBufferPointer { pd in
          col.withUnsafeMutableBufferPointer { pc in
            gradCol.withUnsafeMutableBufferPointer { pgc in
              for start in Swift.stride(from: 0, to: g.batch, by: chunk) {
                let items = start..<Swift.min(g.batch, start + chunk)
                let columns = items.count * plane
                gather(pg.baseAddress!, into: pd.baseAddress!, items: items, channels: outChannels, plane: plane)
                if needWeight {
                  ConvKernel.im2col(px.baseAddress!, g, items: items, col: pc.baseAddress!)
                  weight.grad!.withUnsafeMutableBufferPointer { pgw in
                    MatMulKernel.gemm(
                      transposeA: false, transposeB: true, m: outChannels, n: g.patchSize, k: columns,
                      a: pd.baseAddress!, b: pc.baseAddress!, beta: 1, c: pgw.baseAddress!)
                  }
                }
                if needInput {
                  MatMulKernel.gemm(
                    transposeA: true, transposeB: false, m: g.patchSize, n: columns, k: outChannels,
                    a: pw.baseAddress!, b: pd.baseAddress!, beta: 0, c: pgc.baseAddress!)
                  x.grad!.withUnsafeMutableBufferPointer { pgx in
                    ConvKernel.col2im(pgc.baseAddress!, g, items: items, gradX: pgx.baseAddress!)
                  }
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
  var out = [Float](repeating: 0, count: n)
  var argmax = [Int32](repeating: 0, count: n)
  x.values.withUnsafeBufferPointer { px in
    out.withUnsafeMutableBufferPointer { po in
      argmax.withUnsafeMutableBufferPointer { pa in
        PoolKernel.maxForward(px.baseAddress!, g, y: po.baseAddress!, argmax: pa.baseAddress!)
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
