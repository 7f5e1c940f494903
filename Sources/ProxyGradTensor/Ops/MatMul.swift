/// Matrix product `a @ b` of `[m, k]` and `[k, n]`; a rank-1 operand is a row (left) or a
/// column (right) vector and its axis is dropped from the result.
///
/// ```
/// forward:  y = a · b
/// backward: da += dy · bᵀ,  db += aᵀ · dy
/// ```
/// - Saves: both inputs.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
  precondition(a.rank >= 1 && a.rank <= 2 && b.rank >= 1 && b.rank <= 2, "matmul needs rank 1 or 2")
  let m = a.rank == 2 ? a.shape[0] : 1
  let k = a.shape[a.rank - 1]
  precondition(b.shape[0] == k, "matmul: inner sizes \(k) and \(b.shape[0]) differ")
  let n = b.rank == 2 ? b.shape[1] : 1
  var shape: [Int] = []
  if a.rank == 2 { shape.append(m) }
  if b.rank == 2 { shape.append(n) }
  let out = MatMulKernel.forward(a.values, b.values, m: m, k: k, n: n)
  let av = a.values, bv = b.values
  return Tensor(shape: shape, values: out, op: "matmul", parents: [a, b]) { g in
    g.withUnsafeBufferPointer { pg in
      if a.requiresGrad {  // da[m,k] += g[m,n] · bᵀ[n,k]
        bv.withUnsafeBufferPointer { pb in
          a.accumulateGradient {
            MatMulKernel.gemm(
              transposeA: false, transposeB: true, m: m, n: k, k: n,
              a: pg.baseAddress!, b: pb.baseAddress!, beta: 1, c: $0)
          }
        }
      }
      if b.requiresGrad {  // db[k,n] += aᵀ[k,m] · g[m,n]
        av.withUnsafeBufferPointer { pa in
          b.accumulateGradient {
            MatMulKernel.gemm(
              transposeA: true, transposeB: false, m: k, n: n, k: m,
              a: pa.baseAddress!, b: pg.baseAddress!, beta: 1, c: $0)
          }
        }
      }
    }
  }
}

/// A fully connected layer, weight `[out, in]` (PyTorch's layout), bias `[out]`:
///
/// ```
/// forward:  y[N, out] = x[N, in] · weightᵀ + bias
/// backward: dx += dy · weight,  dweight += dyᵀ · x,  dbias += Σ_N dy
/// ```
/// - Saves: input and weight.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
  precondition(x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1], "linear shapes")
  let batch = x.shape[0], inputSize = x.shape[1], outputSize = weight.shape[0]
  let xv = x.values, wv = weight.values
  let out = MatMulKernel.linearForward(
    xv, weight: wv, bias: bias?.values, batch: batch, inputSize: inputSize, outputSize: outputSize)
  let parents = bias.map { [x, weight, $0] } ?? [x, weight]
  return Tensor(shape: [batch, outputSize], values: out, op: "linear", parents: parents) { g in
    g.withUnsafeBufferPointer { pg in
      let g = pg.baseAddress!
      if x.requiresGrad {  // dx[N,in] += g[N,out] · W[out,in]
        wv.withUnsafeBufferPointer { pw in
          x.accumulateGradient {
            MatMulKernel.gemm(
              transposeA: false, transposeB: false, m: batch, n: inputSize, k: outputSize,
              a: g, b: pw.baseAddress!, beta: 1, c: $0)
          }
        }
      }
      if weight.requiresGrad {  // dW[out,in] += gᵀ[out,N] · x[N,in]
        xv.withUnsafeBufferPointer { px in
          weight.accumulateGradient {
            MatMulKernel.gemm(
              transposeA: true, transposeB: false, m: outputSize, n: inputSize, k: batch,
              a: g, b: px.baseAddress!, beta: 1, c: $0)
          }
        }
      }
      if let bias, bias.requiresGrad {  // db[out] += Σ_N g
        bias.accumulateGradient {
          MatMulKernel.biasBackward(g, rows: batch, columns: outputSize, gradBias: $0)
        }
      }
    }
  }
}
