import CBLAS

/// OpenBLAS set to one thread and its idle workers stopped, once, before the first GEMM of the
/// process (a global's initializer runs exactly once, and callers on other threads wait for
/// it). OpenBLAS starts a worker per core that spins for about 0.1 s and would compete with the
/// engine's threads; the engine never asks OpenBLAS for threads, so they never start again.
/// (`blas_thread_shutdown_` is what OpenBLAS's own fork handler calls.)
let openBLASSingleThreaded: Void = {
  openblas_set_num_threads(1)
  blas_thread_shutdown_()
}()

/// Row-major single-precision GEMM through single-threaded OpenBLAS.
enum MatMulKernel {
  /// A GEMM of at least this many multiply-adds, called on its own, is split into blocks that the
  /// engine's threads share.
  static let splitWork = 1 << 24
  /// Blocks are at least this many rows or columns wide and at most `maxBlocks` in number.
  static let minimumBlockWidth = 256
  static let maxBlocks = 8

  /// c[m,n] = alpha · op(a) · op(b) + beta · c, with op(a) [m,k] and op(b) [k,n]. Call it outside
  /// parallel loops: a large product is split along its longer side (rows or columns of `c`)
  /// into blocks fixed by its size, computed by the engine's threads. The blocks do not depend on
  /// the thread count, and each element of `c` is computed by one block, so results do not
  /// either.
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    beta: Float, c: UnsafeMutablePointer<Float>
  ) {
    let lda = transposeA ? m : k
    let ldb = transposeB ? k : n
    let longer = Swift.max(m, n)
    let blocks =
      m * n * k < splitWork ? 1 : Swift.min(maxBlocks, Swift.max(1, longer / minimumBlockWidth))
    guard blocks > 1 else {
      return gemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a,
        lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: n)
    }
    // Block widths rounded up to 16, a multiple of OpenBLAS's register tiles.
    let width = ((longer + blocks - 1) / blocks + 15) / 16 * 16
    let count = (longer + width - 1) / width
    let pa = UncheckedBox(a)
    let pb = UncheckedBox(b)
    let pc = UncheckedBox(c)
    Parallel.forEachTask(count) { block in
      let start = block * width
      let size = Swift.min(width, longer - start)
      if n >= m {  // columns start..<start+size of op(b) and c
        let bBlock = transposeB ? pb.value + start * k : pb.value + start
        gemm(
          transposeA: transposeA, transposeB: transposeB, m: m, n: size, k: k, alpha: alpha,
          a: pa.value, lda: lda, b: bBlock, ldb: ldb, beta: beta, c: pc.value + start, ldc: n)
      } else {  // rows start..<start+size of op(a) and c
        let aBlock = transposeA ? pa.value + start : pa.value + start * k
        gemm(
          transposeA: transposeA, transposeB: transposeB, m: size, n: n, k: k, alpha: alpha,
          a: aBlock, lda: lda, b: pb.value, ldb: ldb, beta: beta, c: pc.value + start * n, ldc: n)
      }
    }
  }

  /// c[m,n] = alpha · op(a) · op(b) + beta · c with explicit leading dimensions (row strides),
  /// for operands that are blocks of larger matrices; one call on the calling thread, for use
  /// inside parallel parts. With k = 0 the product is empty: c = beta · c.
  @inline(__always)
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    _ = openBLASSingleThreaded
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
      guard beta != 1 else { return }
      for i in 0..<m {
        let row = c + i * ldc
        for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
      }
      return
    }
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
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

  /// y[N, out] = x[N, in] · weightᵀ + bias: the bias copied into every row, then one GEMM
  /// adding to it (beta 1), or writing alone (beta 0) without a bias.
  static func linearForward(
    _ x: [Float], weight: [Float], bias: [Float]?, batch: Int, inputSize: Int, outputSize: Int
  ) -> [Float] {
    var out = [Float](repeating: 0, count: batch * outputSize)
    out.withUnsafeMutableBufferPointer { po in
      let o = po.baseAddress!
      if let bias {
        for r in 0..<batch { (o + r * outputSize).update(from: bias, count: outputSize) }
      }
      x.withUnsafeBufferPointer { px in
        weight.withUnsafeBufferPointer { pw in
          gemm(
            transposeA: false, transposeB: true, m: batch, n: outputSize, k: inputSize,
            a: px.baseAddress!, b: pw.baseAddress!, beta: bias == nil ? 0 : 1, c: o)
        }
      }
    }
    return out
  }

  /// gradBias[j] += Σ_r gradOutput[r, j] over the rows of [rows, columns], in order of r: the
  /// bias of `linearForward` adds to every row.
  static func biasBackward(
    _ g: UnsafePointer<Float>, rows: Int, columns: Int, gradBias gb: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<rows { for j in 0..<columns { gb[j] += g[r * columns + j] } }
  }
}
