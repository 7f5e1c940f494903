#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// Pads every image of `[N, C, H, W]` by `n` pixels on each side with `value`.
///
/// ```
/// forward:  y[p, oy, ox] = x[p, oy − n, ox − n] inside, value in the border
/// backward: dx[p, y, x] += dy[p, y + n, x + n]
/// ```
/// - Saves: nothing.
public func pad2d(_ x: Tensor, by n: Int, value: Float = 0) -> Tensor {
  precondition(x.rank == 4 && n >= 0, "pad2d needs [N, C, H, W] and n >= 0")
  let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
  let out = SpatialKernel.padForward(x.values, planes: planes, height: h, width: w, by: n, value: value)
  let shape = [x.shape[0], x.shape[1], h + 2 * n, w + 2 * n]
  return Tensor(shape: shape, values: out, op: "pad2d", parents: [x]) { g in
    x.accumulateGradient {
      SpatialKernel.padBackward(g, planes: planes, height: h, width: w, by: n, gradInput: $0)
    }
  }
}

/// Cuts an `height`×`width` window out of every image of `[N, C, H, W]`, item n's window
/// starting at `offsets[n] = (top, left)`; parts of the window outside the image read `fill`.
///
/// ```
/// forward:  y[n, c, oy, ox] = x[n, c, top_n + oy, left_n + ox] inside the image, fill outside
/// backward: dx[n, c, top_n + oy, left_n + ox] += dy[n, c, oy, ox] inside the image
/// ```
/// - Saves: the offsets.
public func crop2d(_ x: Tensor, height oh: Int, width ow: Int, offsets: [(Int, Int)], fill: Float = 0)
  -> Tensor
{
  precondition(x.rank == 4 && offsets.count == x.shape[0] && oh > 0 && ow > 0, "crop2d shapes")
  let shape = (n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3])
  let out = SpatialKernel.cropForward(
    x.values, shape: shape, height: oh, width: ow, offsets: offsets, fill: fill)
  return Tensor(shape: [shape.n, shape.c, oh, ow], values: out, op: "crop2d", parents: [x]) { g in
    x.accumulateGradient {
      SpatialKernel.cropBackward(
        g, shape: shape, height: oh, width: ow, offsets: offsets, gradInput: $0)
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
///
/// ```
/// forward:  y[n, c, o] = Σ_k w[n, o, k] · x[n, c, tap[n, o, k]]   (the 4 bilinear corners)
/// backward: dx[n, c, tap[n, o, k]] += w[n, o, k] · dy[n, c, o]     (corners inside the image)
/// ```
/// - Saves: the four source taps and weights of every output pixel.
public func affineSample(_ x: Tensor, height oh: Int, width ow: Int, maps: [AffineMap], fill: Float = 0)
  -> Tensor
{
  precondition(x.rank == 4 && maps.count == x.shape[0] && oh > 0 && ow > 0, "affineSample shapes")
  let shape = (n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3])
  let (taps, weights) = SpatialKernel.affineTaps(
    maps, height: shape.h, width: shape.w, outputHeight: oh, outputWidth: ow)
  let out = SpatialKernel.affineSampleForward(
    x.values, taps: taps, weights: weights, shape: shape, height: oh, width: ow, fill: fill)
  return Tensor(shape: [shape.n, shape.c, oh, ow], values: out, op: "affineSample", parents: [x]) { g in
    x.accumulateGradient {
      SpatialKernel.affineSampleBackward(
        g, taps: taps, weights: weights, shape: shape, height: oh, width: ow, gradInput: $0)
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
/// backward: each of the four sources gets dout[y, x] times its weight above
/// ```
/// - Saves: the two source rows and weight of every output row, and the same for columns.
public func resizeBilinear(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
  precondition(x.rank == 4 && oh > 0 && ow > 0, "resizeBilinear needs [N, C, H, W] and a positive size")
  let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
  let rows = SpatialKernel.resizeTaps(from: h, to: oh)
  let columns = SpatialKernel.resizeTaps(from: w, to: ow)
  let out = SpatialKernel.resizeBilinearForward(
    x.values, planes: planes, height: h, width: w, rows: rows, columns: columns)
  return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], values: out, op: "resizeBilinear", parents: [x]) { g in
    x.accumulateGradient {
      SpatialKernel.resizeBilinearBackward(
        g, planes: planes, height: h, width: w, rows: rows, columns: columns, gradInput: $0)
    }
  }
}

/// Mixes the channels of every pixel of `[N, C, H, W]` with a `C×C` matrix (a
/// decorrelated-colour basis, for instance).
///
/// ```
/// forward:  y[n, i, p] = Σ_j M[i, j] · x[n, j, p]
/// backward: dx[n, j, p] += Σ_i M[i, j] · dy[n, i, p]
/// ```
/// - Saves: the matrix.
public func mixChannels(_ x: Tensor, matrix m: [Float]) -> Tensor {
  precondition(x.rank == 4 && m.count == x.shape[1] * x.shape[1], "mixChannels shapes")
  let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
  let out = SpatialKernel.mixChannelsForward(x.values, matrix: m, batch: n, channels: c, plane: plane)
  return Tensor(shape: x.shape, values: out, op: "mixChannels", parents: [x]) { g in
    x.accumulateGradient {
      SpatialKernel.mixChannelsBackward(g, matrix: m, batch: n, channels: c, plane: plane, gradInput: $0)
    }
  }
}
