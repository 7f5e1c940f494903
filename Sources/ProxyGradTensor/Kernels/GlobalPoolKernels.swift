/// Global average pooling: the mean of every plane.
/// Shapes: x and its gradient are [rows, plane] (rows = N·C planes of H·W elements); the output
/// and its gradient hold one value per row. Work is split over rows.
enum GlobalPoolKernel {
  /// y[r] = (Σ_i x[r, i]) · (1 / plane), the sum in `ReductionKernel.sum`'s order.
  static func forward(_ x: [Float], rows: Int, plane: Int) -> [Float] {
    let inverse = 1 / Float(plane)
    return [Float].uninitialized(rows) { y in
      x.withUnsafeBufferPointer { px in
        let src = px.baseAddress!
        Parallel.forEachRange(rows, costPerItem: plane) { r in
          for row in r { y[row] = ReductionKernel.sum(src + row * plane, plane) * inverse }
        }
      }
    }
  }

  /// gradInput[r, i] += gradOutput[r] · (1 / plane).
  static func backward(
    gradOutput g: [Float], rows: Int, plane: Int, gradInput gx: UnsafeMutablePointer<Float>
  ) {
    let inverse = 1 / Float(plane)
    g.withUnsafeBufferPointer { pg in
      let dy = pg.baseAddress!
      Parallel.forEachRange(rows, costPerItem: plane) { r in
        for row in r {
          let d = dy[row] * inverse
          let dst = gx + row * plane
          for i in 0..<plane { dst[i] += d }
        }
      }
    }
  }
}
