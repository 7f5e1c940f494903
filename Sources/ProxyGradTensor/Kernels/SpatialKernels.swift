#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Moving pixels of images: padding, cropping, affine and bilinear resampling, mixing channels.
/// Shapes: input [N, C, H, W] (planes of H·W, P = N·C of them); output [N, C, OH, OW]. A tap is
/// a source position in a plane (`y · W + x`, −1 outside) with its weight. Every loop runs
/// items, channels, rows and columns in order, so every sum has one fixed order.
enum SpatialKernel {
  /// y[p, oy, ox] = x[p, oy − n, ox − n] inside, `value` in the border n pixels wide.
  static func padForward(_ x: [Float], planes: Int, height h: Int, width w: Int, by n: Int, value: Float)
    -> [Float]
  {
    let oh = h + 2 * n, ow = w + 2 * n
    var out = [Float](repeating: value, count: planes * oh * ow)
    for p in 0..<planes {
      for y in 0..<h {
        for xx in 0..<w { out[(p * oh + y + n) * ow + xx + n] = x[(p * h + y) * w + xx] }
      }
    }
    return out
  }

  /// gradInput[p, y, x] += gradOutput[p, y + n, x + n] (the border has no source).
  static func padBackward(
    _ g: [Float], planes: Int, height h: Int, width w: Int, by n: Int,
    gradInput gx: UnsafeMutablePointer<Float>
  ) {
    let oh = h + 2 * n, ow = w + 2 * n
    for p in 0..<planes {
      for y in 0..<h {
        for xx in 0..<w { gx[(p * h + y) * w + xx] += g[(p * oh + y + n) * ow + xx + n] }
      }
    }
  }

  /// y[n, c, oy, ox] = x[n, c, top_n + oy, left_n + ox] inside the image, `fill` outside.
  static func cropForward(
    _ x: [Float], shape: (n: Int, c: Int, h: Int, w: Int), height oh: Int, width ow: Int,
    offsets: [(Int, Int)], fill: Float
  ) -> [Float] {
    var out = [Float](repeating: fill, count: shape.n * shape.c * oh * ow)
    forEachCropped(shape, oh, ow, offsets) { src, dst in out[dst] = x[src] }
    return out
  }

  /// gradInput[n, c, top_n + oy, left_n + ox] += gradOutput[n, c, oy, ox] inside the image.
  static func cropBackward(
    _ g: [Float], shape: (n: Int, c: Int, h: Int, w: Int), height oh: Int, width ow: Int,
    offsets: [(Int, Int)], gradInput gx: UnsafeMutablePointer<Float>
  ) {
    forEachCropped(shape, oh, ow, offsets) { src, dst in gx[src] += g[dst] }
  }

  /// Calls `body(source, destination)` for every output pixel of a crop whose source lies inside
  /// the image, in order of items, channels, rows, columns.
  @inline(__always)
  private static func forEachCropped(
    _ shape: (n: Int, c: Int, h: Int, w: Int), _ oh: Int, _ ow: Int, _ offsets: [(Int, Int)],
    _ body: (Int, Int) -> Void
  ) {
    let (n, c, h, w) = shape
    for item in 0..<n {
      let (top, left) = offsets[item]
      for ch in 0..<c {
        let p = item * c + ch
        for y in 0..<oh where top + y >= 0 && top + y < h {
          for xx in 0..<ow where left + xx >= 0 && left + xx < w {
            body((p * h + top + y) * w + left + xx, (p * oh + y) * ow + xx)
          }
        }
      }
    }
  }

  /// The four bilinear taps of every item's output pixels through its map about the images'
  /// centres: `[sy, sx] = A · ([oy, ox] − outCentre) + inCentre`, corners (y0, x0), (y0, x0+1),
  /// (y0+1, x0), (y0+1, x0+1) with weights (1−fy)(1−fx), (1−fy)fx, fy(1−fx), fy·fx.
  /// Both arrays hold [N, OH, OW, 4].
  static func affineTaps(
    _ maps: [AffineMap], height h: Int, width w: Int, outputHeight oh: Int, outputWidth ow: Int
  ) -> (taps: [Int32], weights: [Float]) {
    let n = maps.count
    var taps = [Int32](repeating: -1, count: n * oh * ow * 4)
    var weights = [Float](repeating: 0, count: n * oh * ow * 4)
    let inCy = Double(h - 1) / 2, inCx = Double(w - 1) / 2
    let outCy = Double(oh - 1) / 2, outCx = Double(ow - 1) / 2
    for item in 0..<n {
      let m = maps[item]
      for y in 0..<oh {
        for xx in 0..<ow {
          let dy = Double(y) - outCy, dx = Double(xx) - outCx
          let sy = m.a * dy + m.b * dx + inCy, sx = m.c * dy + m.d * dx + inCx
          let y0 = Int(floor(sy)), x0 = Int(floor(sx))
          let fy = Float(sy - Double(y0)), fx = Float(sx - Double(x0))
          let base = ((item * oh + y) * ow + xx) * 4
          let corners = [(y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx),
            (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx)]
          for (k, (cy, cx, wt)) in corners.enumerated() {
            weights[base + k] = wt
            if cy >= 0 && cy < h && cx >= 0 && cx < w { taps[base + k] = Int32(cy * w + cx) }
          }
        }
      }
    }
    return (taps, weights)
  }

  /// y[n, c, o] = Σ_k weight[n, o, k] · (tap inside ? x[n, c, tap[n, o, k]] : fill).
  static func affineSampleForward(
    _ x: [Float], taps: [Int32], weights: [Float], shape: (n: Int, c: Int, h: Int, w: Int),
    height oh: Int, width ow: Int, fill: Float
  ) -> [Float] {
    let (n, c, h, w) = shape
    var out = [Float](repeating: 0, count: n * c * oh * ow)
    for item in 0..<n {
      for ch in 0..<c {
        let src = (item * c + ch) * h * w, dst = (item * c + ch) * oh * ow
        for p in 0..<(oh * ow) {
          let base = (item * oh * ow + p) * 4
          var v: Float = 0
          for k in 0..<4 {
            let t = taps[base + k]
            v += weights[base + k] * (t >= 0 ? x[src + Int(t)] : fill)
          }
          out[dst + p] = v
        }
      }
    }
    return out
  }

  /// gradInput[n, c, tap[n, o, k]] += weight[n, o, k] · gradOutput[n, c, o] for taps inside.
  static func affineSampleBackward(
    _ g: [Float], taps: [Int32], weights: [Float], shape: (n: Int, c: Int, h: Int, w: Int),
    height oh: Int, width ow: Int, gradInput gx: UnsafeMutablePointer<Float>
  ) {
    let (n, c, h, w) = shape
    for item in 0..<n {
      for ch in 0..<c {
        let src = (item * c + ch) * h * w, dst = (item * c + ch) * oh * ow
        for p in 0..<(oh * ow) {
          let base = (item * oh * ow + p) * 4
          for k in 0..<4 where taps[base + k] >= 0 {
            gx[src + Int(taps[base + k])] += weights[base + k] * g[dst + p]
          }
        }
      }
    }
  }

  /// For each of `output` positions: the two input positions it reads and the weight of the
  /// second, `s = o · input/output` in Float as TensorFlow computes it.
  static func resizeTaps(from input: Int, to output: Int) -> [(Int, Int, Float)] {
    let scale = Float(input) / Float(output)
    return (0..<output).map { o in
      let s = Float(o) * scale
      let lower = min(Int(s.rounded(.down)), input - 1)
      return (lower, min(lower + 1, input - 1), s - Float(lower))
    }
  }

  /// out[p, y, x] = (1−fy)·((1−fx)·in[y0, x0] + fx·in[y0, x1]) + fy·((1−fx)·in[y1, x0] + fx·in[y1, x1])
  /// with (y0, y1, fy) = rows[y] and (x0, x1, fx) = columns[x].
  static func resizeBilinearForward(
    _ x: [Float], planes: Int, height h: Int, width w: Int, rows: [(Int, Int, Float)],
    columns: [(Int, Int, Float)]
  ) -> [Float] {
    let oh = rows.count, ow = columns.count
    var out = [Float](repeating: 0, count: planes * oh * ow)
    x.withUnsafeBufferPointer { v in
      for p in 0..<planes {
        let src = p * h * w, dst = p * oh * ow
        for (y, (y0, y1, fy)) in rows.enumerated() {
          for (xx, (x0, x1, fx)) in columns.enumerated() {
            let top = (1 - fx) * v[src + y0 * w + x0] + fx * v[src + y0 * w + x1]
            let bottom = (1 - fx) * v[src + y1 * w + x0] + fx * v[src + y1 * w + x1]
            out[dst + y * ow + xx] = (1 - fy) * top + fy * bottom
          }
        }
      }
    }
    return out
  }

  /// Each output pixel's gradient d goes to its four sources with the forward line's weights:
  /// in[y0, x0] += (1−fy)(1−fx)·d, in[y0, x1] += (1−fy)fx·d, in[y1, x0] += fy(1−fx)·d,
  /// in[y1, x1] += fy·fx·d.
  static func resizeBilinearBackward(
    _ g: [Float], planes: Int, height h: Int, width w: Int, rows: [(Int, Int, Float)],
    columns: [(Int, Int, Float)], gradInput gx: UnsafeMutablePointer<Float>
  ) {
    let oh = rows.count, ow = columns.count
    for p in 0..<planes {
      let src = p * h * w, dst = p * oh * ow
      for (y, (y0, y1, fy)) in rows.enumerated() {
        for (xx, (x0, x1, fx)) in columns.enumerated() {
          let d = g[dst + y * ow + xx]
          gx[src + y0 * w + x0] += (1 - fy) * (1 - fx) * d
          gx[src + y0 * w + x1] += (1 - fy) * fx * d
          gx[src + y1 * w + x0] += fy * (1 - fx) * d
          gx[src + y1 * w + x1] += fy * fx * d
        }
      }
    }
  }

  /// y[n, i, p] = Σ_j M[i, j] · x[n, j, p] over a C×C matrix, added in order of j.
  static func mixChannelsForward(_ x: [Float], matrix m: [Float], batch n: Int, channels c: Int, plane: Int)
    -> [Float]
  {
    var out = [Float](repeating: 0, count: n * c * plane)
    forEachMixed(m, n, c, plane) { wij, src, dst in
      for p in 0..<plane { out[dst + p] += wij * x[src + p] }
    }
    return out
  }

  /// gradInput[n, j, p] += Σ_i M[i, j] · gradOutput[n, i, p], added in order of i.
  static func mixChannelsBackward(
    _ g: [Float], matrix m: [Float], batch n: Int, channels c: Int, plane: Int,
    gradInput gx: UnsafeMutablePointer<Float>
  ) {
    forEachMixed(m, n, c, plane) { wij, src, dst in
      for p in 0..<plane { gx[src + p] += wij * g[dst + p] }
    }
  }

  /// Calls `body(M[i, j], start of plane (n, j), start of plane (n, i))` for every item n, output
  /// channel i and input channel j, in that order.
  @inline(__always)
  private static func forEachMixed(
    _ m: [Float], _ n: Int, _ c: Int, _ plane: Int, _ body: (Float, Int, Int) -> Void
  ) {
    for item in 0..<n {
      for i in 0..<c {
        for j in 0..<c { body(m[i * c + j], (item * c + j) * plane, (item * c + i) * plane) }
      }
    }
  }
}
