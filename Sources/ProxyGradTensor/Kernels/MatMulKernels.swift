import CBLAS

/// Row-major single-precision GEMM through OpenBLAS.
enum MatMulKernel {
  /// c[m,n] = alpha · op(a) · op(b) + beta · c, with op(a) [m,k] and op(b) [k,n]; a large one on
  /// OpenBLAS's threads (call it outside parallel loops).
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    beta: Float, c: UnsafeMutablePointer<Float>
  ) {
    guard m > 0, n > 0, k > 0 else {
      if beta == 0 { c.update(repeating: 0, count: m * n) }
      return
    }
    Parallel.withBLASThreads(work: m * n * k) {
      cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n), beta, c, Int32(n))
    }
  }

  /// c[m,n] = op(a) · op(b) + beta · c with explicit leading dimensions (row strides), for
  /// operands that are blocks of larger matrices; single-threaded, for use inside parallel parts.
  @inline(__always)
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0, k > 0 else { return }
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// out[m,n] = a[m,k] · b[k,n]
  static func forward(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
    var out = [Float](repeating: 0, count: m * n)
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { po in
          gemm(
            transposeA: false, transposeB: false, m: m, n: n, k: k,
            a: pa.baseAddress!, b: pb.baseAddress!, beta: 0, c: po.baseAddress!)
        }
      }
    }
    return out
  }
}
