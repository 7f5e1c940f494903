#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Pads every image of `[N, C, H, W]` by `n` pixels on each side with `value`.
/// - Saves: nothing.
public func pad2d(_ x: Tensor, by n: Int, value: Float = 0) -> Tensor {
  precondition(x.rank == 4 && n >= 0, "pad2d needs [N, C, H, W] and n >= 0")
  let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
  let oh = h + 2 * n, ow = w + 2 * n
  var out = [Float](repeating: value, count: planes * oh * ow)
  for p in 0..<planes {
    for y in 0..<h {
      for xx in 0..<w { out[(p * oh + y + n) * ow + xx + n] = x.values[(p * h + y) * w + xx] }
    }
  }
  return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], values: out, op: "pad2d", parents: [x]) { g in
    x.accumulateGradient { gx in
      for p in 0..<planes {
        for y in 0..<h {
          for xx in 0..<w { gx[(p * h + y) * w + xx] += g[(p * oh + y + n) * ow + xx + n] }
        }
      }
    }
  }
}

/// Cuts an `height`×`width` window out of every image of `[N, C, H, W]`, item n's window
/// starting at `offsets[n] = (top, left)`; parts of the window outside the image read `fill`.
/// - Saves: the offsets.
public func crop2d(_ x: Tensor, height oh: Int, width ow: Int, offsets: [(Int, Int)], fill: Float = 0)
  -> Tensor
{
  precondition(x.rank == 4 && offsets.count == x.shape[0] && oh > 0 && ow > 0, "crop2d shapes")
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  var out = [Float](repeating: fill, count: n * c * oh * ow)
  for item in 0..<n {
    let (top, left) = offsets[item]
    for ch in 0..<c {
      let p = item * c + ch
      for y in 0..<oh where top + y >= 0 && top + y < h {
        for xx in 0..<ow where left + xx >= 0 && left + xx < w {
          out[(p * oh + y) * ow + xx] = x.values[(p * h + top + y) * w + left + xx]
        }
      }
    }
  }
  return Tensor(shape: [n, c, oh, ow], values: out, op: "crop2d", parents: [x]) { g in
    x.accumulateGradient { gx in
      for item in 0..<n {
        let (top, left) = offsets[item]
        for ch in 0..<c {
          let p = item * c + ch
          for y in 0..<oh where top + y >= 0 && top + y < h {
            for xx in 0..<ow where left + xx >= 0 && left + xx < w {
              gx[(p * h + top + y) * w + left + xx] += g[(p * oh + y) * ow + xx]
            }
          }
        }
      }
    }
  }
}

/// An affine map from output pixel coordinates to input ones, about the images' centres:
/// `[sy, sx] = A · ([oy, ox] − outCentre) + inCentre`, A = [[a, b], [c, d]].
public struct AffineMap: Equatable, Sendable {
  public var a: Double, b: Double, c: Double, d: Double
  public init(a: Double, b: Double, c: Double, d: Double) {
    (self.a, self.b, self.c, self.d) = (a, b, c, d)
  }
  /// Zoom by `factor` (> 1 enlarges the content) and rotate by `radians` (counter-clockwise).
  public static func zoomRotate(factor: Double, radians: Double) -> AffineMap {
    let cs = cos(radians) / factor, sn = sin(radians) / factor
    return AffineMap(a: cs, b: sn, c: -sn, d: cs)
  }
}

/// Bilinear resampling of every image of `[N, C, H, W]` into `height`×`width` through item n's
/// affine map; samples outside the image read `fill`. Covers scaling and rotation.
/// - Saves: the four source taps and weights of every output pixel.
public func affineSample(_ x: Tensor, height oh: Int, width ow: Int, maps: [AffineMap], fill: Float = 0)
  -> Tensor
{
  precondition(x.rank == 4 && maps.count == x.shape[0] && oh > 0 && ow > 0, "affineSample shapes")
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  // For every item and output pixel: 4 source indices in the plane (−1 = outside) and weights.
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
  var out = [Float](repeating: 0, count: n * c * oh * ow)
  for item in 0..<n {
    for ch in 0..<c {
      let src = (item * c + ch) * h * w, dst = (item * c + ch) * oh * ow
      for p in 0..<(oh * ow) {
        let base = (item * oh * ow + p) * 4
        var v: Float = 0
        for k in 0..<4 {
          let t = taps[base + k]
          v += weights[base + k] * (t >= 0 ? x.values[src + Int(t)] : fill)
        }
        out[dst + p] = v
      }
    }
  }
  return Tensor(shape: [n, c, oh, ow], values: out, op: "affineSample", parents: [x]) { g in
    x.accumulateGradient { gx in
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
  }
}

/// Bilinear resizing of every image of `[N, C, H, W]` to `height`×`width`, sampled as
/// TensorFlow 1's `resize_bilinear` samples by default (`align_corners=False`,
/// `half_pixel_centers=False`), the resize behind Lucid's `lowres_tensor`: output row `y` reads
/// input row `y · H/height`, between its floor and the next row, the last row standing in for
/// rows past the edge; columns likewise.
///
/// ```
/// sy = y · H/height,  y0 = ⌊sy⌋,  y1 = min(y0 + 1, H − 1),  fy = sy − y0   (sx, x0, x1, fx alike)
/// out[y, x] = (1−fy)·((1−fx)·in[y0, x0] + fx·in[y0, x1]) + fy·((1−fx)·in[y1, x0] + fx·in[y1, x1])
/// ```
/// - Saves: the two source rows and weight of every output row, and the same for columns.
public func resizeBilinear(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
  precondition(x.rank == 4 && oh > 0 && ow > 0, "resizeBilinear needs [N, C, H, W] and a positive size")
  let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
  let rows = resizeTaps(from: h, to: oh), columns = resizeTaps(from: w, to: ow)
  var out = [Float](repeating: 0, count: planes * oh * ow)
  x.values.withUnsafeBufferPointer { v in
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
  return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], values: out, op: "resizeBilinear", parents: [x]) { g in
    x.accumulateGradient { gx in
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
  }
}

/// For each of `output` positions: the two input positions it reads and the weight of the
/// second, `s = o · input/output` in Float as TensorFlow computes it.
private func resizeTaps(from input: Int, to output: Int) -> [(Int, Int, Float)] {
  let scale = Float(input) / Float(output)
  return (0..<output).map { o in
    let s = Float(o) * scale
    let lower = min(Int(s.rounded(.down)), input - 1)
    return (lower, min(lower + 1, input - 1), s - Float(lower))
  }
}

/// Mixes the channels of every pixel of `[N, C, H, W]` with a `C×C` matrix:
/// `y[n, i, p] = Σ_j M[i, j] · x[n, j, p]` (a decorrelated-colour basis, for instance).
/// - Saves: the matrix.
public func mixChannels(_ x: Tensor, matrix m: [Float]) -> Tensor {
  precondition(x.rank == 4 && m.count == x.shape[1] * x.shape[1], "mixChannels shapes")
  let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
  var out = [Float](repeating: 0, count: x.count)
  for item in 0..<n {
    for i in 0..<c {
      for j in 0..<c {
        let wij = m[i * c + j]
        let src = (item * c + j) * plane, dst = (item * c + i) * plane
        for p in 0..<plane { out[dst + p] += wij * x.values[src + p] }
      }
    }
  }
  return Tensor(shape: x.shape, values: out, op: "mixChannels", parents: [x]) { g in
    x.accumulateGradient { gx in
      for item in 0..<n {
        for i in 0..<c {
          for j in 0..<c {
            let wij = m[i * c + j]
            let src = (item * c + j) * plane, dst = (item * c + i) * plane
            for p in 0..<plane { gx[src + p] += wij * g[dst + p] }
          }
        }
      }
    }
  }
}
