/// Winograd convolution F(4×4, 3×3) for 3×3, stride-1, undilated, ungrouped convolutions: the
/// forward pass and the input gradient (a 3×3 convolution of the output gradient with the
/// flipped, transposed weights). The weight and bias gradients stay on im2col + GEMM
/// (`ConvPlan.backward`).
///
/// Each 4×4 block of outputs ("tile") is computed from the 6×6 block of the padded input that it
/// reads (Lavin & Gray, arXiv:1509.09308), with the interpolation points 0, ±1, ±2 and ∞ and
/// the fractions in G:
/// ```
/// V[ξ, c, t] = (Bᵀ d_{c,t} B)[ξ]        input tile t of channel c     (data transform)
/// U[ξ, o, c] = (G w_{o,c} Gᵀ)[ξ]         in Double, rounded to Float   (weight transform)
/// M[ξ]       = U[ξ] · V[ξ]               36 GEMMs [O, C] · [C, T]      (OpenBLAS sgemm)
/// y_{o,t}    = Aᵀ M[·, o, t] A            + bias, activation           (output transform)
/// ```
/// 36 multiplies per 16 outputs and input channel instead of 144: 4× fewer, plus the
/// transforms, which are O(C·T) and O(O·T) against the GEMMs' O(O·C·T).
///
/// Every phase runs in tasks that own their outputs (channels, points ξ, output channels), and
/// a chunk of items is fixed by the sizes only: results do not depend on the thread count.
///
/// Error: float32 rounding grows with the tile size (the transforms' coefficients reach 8 and
/// 1/24). On N(0, 1) data the relative RMS error is about 4× that of the direct convolution
/// (shared research notes, §8); `WinogradTests` bound it against a Double reference.

/// When convolutions use Winograd: `auto` where it pays (`WinogradConvolution.pays`), `never`
/// (always im2col + GEMM), `always` (every eligible convolution, whatever its size; for tests).
package enum WinogradPolicy: Sendable {
  case auto, never, always
}

enum WinogradSetting {
  @TaskLocal static var policy = WinogradPolicy.auto
}

/// Runs `body` with convolutions choosing Winograd by `policy`.
package func withWinograd<T>(_ policy: WinogradPolicy, _ body: () throws -> T) rethrows -> T {
  try WinogradSetting.$policy.withValue(policy) { try body() }
}

/// One Winograd convolution: geometry, tiling and chunks of items.
struct WinogradConvolution {
  /// The convolution's input geometry (3×3, stride 1).
  let g: ConvGeometry
  let outChannels: Int

  /// Output tile side m of F(m×m, 3×3), input tile side m + 2, points ξ per tile.
  static let tile = 4
  static let window = 6
  static let points = 36

  /// From these sizes on, `auto` picks Winograd (crossover measured with `pgs-bench conv3x3`,
  /// docs/performance.md): both channel counts at least `minimumChannels`, and at least
  /// `minimumTiles` tiles in the batch (N·⌈OH/4⌉·⌈OW/4⌉). With fewer tiles the 36 GEMMs are
  /// too thin (n = tiles) and the transformed weights (36·O·C floats, 4× the weights) cost more
  /// to make and stream than the multiplies saved. Below 64 channels, the small nets of the
  /// notebooks and tests stay on im2col (and their outputs bit for bit as before).
  static let minimumChannels = 64
  static let minimumTiles = 64
  /// At most this many floats of transformed inputs and products (36·T·(C + O)) per chunk of
  /// items.
  static let chunkFloats = 1 << 21

  var tilesY: Int { (g.outputHeight + 3) / 4 }
  var tilesX: Int { (g.outputWidth + 3) / 4 }
  var tilesPerImage: Int { tilesY * tilesX }
  /// The padded input plane that whole tiles read: (4·tilesY + 2) × (4·tilesX + 2).
  var paddedHeight: Int { 4 * tilesY + 2 }
  var paddedWidth: Int { 4 * tilesX + 2 }
  var itemsPerChunk: Int {
    let perItem = Self.points * tilesPerImage * (g.channels + outChannels)
    return Swift.max(1, Swift.min(g.batch, Self.chunkFloats / Swift.max(1, perItem)))
  }

  /// The convolution of `g` as Winograd under the current policy, or nil for im2col + GEMM.
  /// Eligible: 3×3 kernel, stride 1, dilation 1, one group, padding at most 2 on every side (so
  /// that the input gradient is a convolution of the same kind), a non-empty output.
  init?(_ g: ConvGeometry, outChannels: Int, groups: Int) {
    let policy = WinogradSetting.policy
    guard policy != .never, groups == 1, g.kernelHeight == 3, g.kernelWidth == 3,
      g.strideY == 1, g.strideX == 1, g.dilationY == 1, g.dilationX == 1,
      max(g.padTop, g.padLeft, g.padBottom, g.padRight) <= 2, g.batch > 0, g.channels > 0,
      outChannels > 0, g.outputHeight > 0, g.outputWidth > 0
    else { return nil }
    guard
      policy == .always
        || (g.channels >= Self.minimumChannels && outChannels >= Self.minimumChannels
          && g.batch * ((g.outputHeight + 3) / 4) * ((g.outputWidth + 3) / 4) >= Self.minimumTiles)
    else { return nil }
    self.g = g
    self.outChannels = outChannels
  }

  /// The convolution whose output is the input gradient: the output gradient [N, O, OH, OW]
  /// padded by 2 − P on each side, convolved with the flipped, transposed weights, is
  /// [N, C, H, W].
  private init(transposeOf forward: WinogradConvolution) {
    let f = forward.g
    g = ConvGeometry(
      batch: f.batch, channels: forward.outChannels, height: f.outputHeight,
      width: f.outputWidth, kernelHeight: 3, kernelWidth: 3, strideY: 1, strideX: 1,
      padTop: 2 - f.padTop, padLeft: 2 - f.padLeft, padBottom: 2 - f.padBottom,
      padRight: 2 - f.padRight, dilationY: 1, dilationX: 1)
    outChannels = f.channels
  }

  // MARK: The op

  /// `y = act(conv(x) + bias)` as Winograd, with the same graph node as `conv2d`'s.
  /// - Saves: input and weight (and the output, with an activation), as the im2col path; the
  ///   transformed weights are not kept (the input gradient transforms them again, flipped).
  func apply(
    _ x: Tensor, weight: Tensor, bias: Tensor?, conv: ConvPlan, activation: FusedLeakyReLU?
  ) -> Tensor {
    let xv = x.values
    let wv = weight.values
    let bv = bias?.values
    let out = [Float].uninitialized(g.batch * outChannels * g.planeSize) { po in
      Workspace.withBuffer(Self.points * outChannels * g.channels) { u in
        wv.withUnsafeBufferPointer { pw in
          WinogradKernel.transformWeights(
            pw.baseAddress!, outChannels: outChannels, channels: g.channels, flipped: false,
            into: u)
        }
        xv.withUnsafeBufferPointer { px in
          forward(
            px.baseAddress!, transformedWeights: u, bias: bv, activation: activation?.forwardSlope,
            out: po, accumulate: false)
        }
      }
    }
    let inputPass = WinogradConvolution(transposeOf: self)
    return convolutionNode(
      out, g, outChannels: outChannels, x: x, weight: weight, bias: bias, activation: activation
    ) { gradOut, saved in
      if x.requiresGrad {
        inputPass.inputGradient(
          gradOut, output: saved, backwardSlope: activation?.backwardSlope, weights: wv,
          into: x)
      }
      // Weight and bias gradients through im2col + GEMM.
      conv.backward(
        gradOut, output: saved, columns: [], x: x, xv: xv, weight: weight, wv: wv, bias: bias,
        inputGradient: false)
    }
  }

  /// Adds (or writes) x's gradient: `dZ = dY · act'(Y)`, then the transposed convolution of dZ
  /// (this plan) into x's gradient.
  private func inputGradient(
    _ gradOut: [Float], output: [Float], backwardSlope: Float?, weights wv: [Float],
    into x: Tensor
  ) {
    // This plan's channels are the forward's output channels, and its outputs the forward's
    // input channels.
    let forwardOut = g.channels
    let forwardIn = outChannels
    Workspace.withBuffer(Self.points * forwardOut * forwardIn) { u in
      wv.withUnsafeBufferPointer { pw in
        WinogradKernel.transformWeights(
          pw.baseAddress!, outChannels: forwardOut, channels: forwardIn, flipped: true, into: u)
      }
      gradOut.withUnsafeBufferPointer { pg in
        output.withUnsafeBufferPointer { py in
          // dZ = dY · act'(Y) is formed while the padded planes are copied: no buffer of its own.
          let mask = backwardSlope.map { (py.baseAddress!, $0) }
          x.writeGradient { dx, assign in
            forward(
              pg.baseAddress!, transformedWeights: u, bias: nil, activation: nil, out: dx,
              accumulate: !assign, inputMask: mask)
          }
        }
      }
    }
  }

  // MARK: Kernel driver

  /// out[n, o, ·, ·] (=, or += with `accumulate`) act(conv(x)[n, o] + bias[o]) for every item,
  /// chunk by chunk. `u` holds the transformed weights [36, O, C].
  func forward(
    _ x: UnsafePointer<Float>, transformedWeights u: UnsafePointer<Float>, bias: [Float]?,
    activation slope: Float?, out: UnsafeMutablePointer<Float>, accumulate: Bool,
    inputMask: (side: UnsafePointer<Float>, slope: Float)? = nil
  ) {
    let c = g.channels
    let o = outChannels
    let perChunk = itemsPerChunk
    let maxTiles = (perChunk * tilesPerImage + 7) / 8 * 8
    let plane = paddedHeight * paddedWidth
    Workspace.withBuffer(perChunk * c * plane) { padded in
      Workspace.withBuffer(Self.points * c * maxTiles) { v in
        Workspace.withBuffer(Self.points * o * maxTiles) { m in
          for start in Swift.stride(from: 0, to: g.batch, by: perChunk) {
            let items = start..<Swift.min(g.batch, start + perChunk)
            let tiles = items.count * tilesPerImage
            let width = (tiles + 7) / 8 * 8
            // Padded planes of the chunk's items.
            Parallel.forEachTask(items.count * c) { p in
              let offset = (items.lowerBound * c + p) * g.height * g.width
              WinogradKernel.pad(
                x + offset, g, into: padded + p * plane, height: paddedHeight,
                width: paddedWidth, mask: inputMask.map { ($0.side + offset, $0.slope) })
            }
            // Where each tile starts in the padded planes (tiles past the end repeat the last).
            var offsets = [Int](repeating: 0, count: width)
            for t in 0..<width {
              let tt = Swift.min(t, tiles - 1)
              let (j, r) = tt.quotientAndRemainder(dividingBy: tilesPerImage)
              offsets[t] = j * c * plane + (r / tilesX) * 4 * paddedWidth + (r % tilesX) * 4
            }
            offsets.withUnsafeBufferPointer { po in
              let po = po.baseAddress!
              Parallel.forEachTask(c) { ch in
                WinogradKernel.transformInput(
                  padded + ch * plane, rowStride: paddedWidth, offsets: po, tiles: width,
                  into: v + ch * width, pointStride: c * width)
              }
            }
            Parallel.forEachTask(Self.points) { xi in
              MatMulKernel.gemm(
                transposeA: false, transposeB: false, m: o, n: width, k: c,
                a: u + xi * o * c, lda: c, b: v + xi * c * width, ldb: width, beta: 0,
                c: m + xi * o * width, ldc: width)
            }
            Parallel.forEachTask(o) { oc in
              WinogradKernel.transformOutput(
                m + oc * width, pointStride: o * width, tiles: tiles, plan: self,
                firstItem: items.lowerBound, channel: oc, bias: bias?[oc] ?? 0,
                activation: slope, out: out, accumulate: accumulate)
            }
          }
        }
      }
    }
  }
}

/// The transforms of F(4×4, 3×3).
enum WinogradKernel {
  typealias V = SIMD8<Float>

  /// Copies one input plane into the padded plane whole tiles read, zeros around it. With a
  /// `mask`, the copy is `src · (side > 0 ? 1 : slope)` (an output gradient through the fused
  /// activation, `side` being the activation's output).
  static func pad(
    _ src: UnsafePointer<Float>, _ g: ConvGeometry, into dst: UnsafeMutablePointer<Float>,
    height: Int, width: Int, mask: (side: UnsafePointer<Float>, slope: Float)? = nil
  ) {
    dst.update(repeating: 0, count: height * width)
    let rows = Swift.min(g.height, height - g.padTop)
    let columns = Swift.min(g.width, width - g.padLeft)
    guard columns > 0 else { return }
    if let (side, slope) = mask {
      for y in 0..<Swift.max(0, rows) {
        let from = src + y * g.width
        let sign = side + y * g.width
        let to = dst + (y + g.padTop) * width + g.padLeft
        for x in 0..<columns { to[x] = sign[x] > 0 ? from[x] : slope * from[x] }
      }
      return
    }
    for y in 0..<Swift.max(0, rows) {
      copyRow(
        from: src + y * g.width, to: dst + (y + g.padTop) * width + g.padLeft, count: columns)
    }
  }

  /// U[ξ, r, s] = (G k Gᵀ)[ξ] for kernels k of `w [O, C, 3, 3]`, in Double, rounded once to
  /// Float. Forward: rows r = o, columns s = c, k = w[o, c]. With `flipped`, the kernels of the
  /// input gradient: rows r = c, columns s = o, k[ky, kx] = w[o, c, 2 − ky, 2 − kx].
  static func transformWeights(
    _ w: UnsafePointer<Float>, outChannels: Int, channels: Int, flipped: Bool,
    into u: UnsafeMutablePointer<Float>
  ) {
    typealias D = SIMD8<Double>
    let rows = flipped ? channels : outChannels
    let columns = flipped ? outChannels : channels
    let step = rows * columns
    // Eight columns s at a time: their kernels side by side in the lanes, stored as eight
    // consecutive floats of each U[ξ, r, ·].
    Parallel.forEachRange(rows, costPerItem: columns * 100) { range in
      for r in range {
        for s0 in Swift.stride(from: 0, to: columns, by: 8) {
          let lanes = Swift.min(8, columns - s0)
          func tap(_ i: Int) -> D {
            var v = D()
            for l in 0..<lanes {
              let s = s0 + l
              let base = flipped ? w + (s * channels + r) * 9 : w + (r * channels + s) * 9
              v[l] = Double(flipped ? base[8 - i] : base[i])
            }
            return v
          }
          // t = G k (6×3), column by column; then each row of t times Gᵀ.
          let c0 = transformKernel(tap(0), tap(3), tap(6))
          let c1 = transformKernel(tap(1), tap(4), tap(7))
          let c2 = transformKernel(tap(2), tap(5), tap(8))
          func put(_ i: Int, _ a: D, _ b: D, _ c: D) {
            let g = transformKernel(a, b, c)
            let dst = u + i * 6 * step + r * columns + s0
            func write(_ j: Int, _ value: D) {
              let f = SIMD8<Float>(value)
              if lanes == 8 {
                store(f, dst + j * step)
              } else {
                for l in 0..<lanes { dst[j * step + l] = f[l] }
              }
            }
            write(0, g.0)
            write(1, g.1)
            write(2, g.2)
            write(3, g.3)
            write(4, g.4)
            write(5, g.5)
          }
          put(0, c0.0, c1.0, c2.0)
          put(1, c0.1, c1.1, c2.1)
          put(2, c0.2, c1.2, c2.2)
          put(3, c0.3, c1.3, c2.3)
          put(4, c0.4, c1.4, c2.4)
          put(5, c0.5, c1.5, c2.5)
        }
      }
    }
  }

  /// G · (a, b, c) with G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1⁄24 1⁄12 ⅙; 1⁄24 −1⁄12 ⅙; 0 0 1], in
  /// Double (products with the rounded reciprocals, which Float rounding hides).
  @inline(__always)
  static func transformKernel(_ a: SIMD8<Double>, _ b: SIMD8<Double>, _ c: SIMD8<Double>) -> (
    SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>
  ) {
    let sixth = 1.0 / 6
    let ac = a + c
    let even = a * (1.0 / 24) + c * sixth
    let odd = b * (1.0 / 12)
    return (a * 0.25, -(ac + b) * sixth, -(ac - b) * sixth, even + odd, even - odd, c)
  }

  /// Bᵀ · d for one column or row of a 6×6 tile.
  @inline(__always)
  static func inputLine(_ d0: V, _ d1: V, _ d2: V, _ d3: V, _ d4: V, _ d5: V) -> (V, V, V, V, V, V)
  {
    let a = d4 - 4 * d2  // for r1, r2
    let b = d3 - 4 * d1
    let c = d4 - d2  // for r3, r4
    let e = 2 * (d3 - d1)
    return (
      4 * d0 - 5 * d2 + d4, a + b, a - b, c + e, c - e, 4 * d1 - 5 * d3 + d5
    )
  }

  /// Aᵀ · m for one column or row of a 6×6 product (Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0;
  /// 0 1 1 4 4 0; 0 1 −1 8 −8 1]).
  @inline(__always)
  static func outputLine(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V) -> (V, V, V, V) {
    let s12 = m1 + m2
    let d12 = m1 - m2
    let s34 = m3 + m4
    let d34 = m3 - m4
    return (m0 + s12 + s34, d12 + 2 * d34, s12 + 4 * s34, d12 + 8 * d34 + m5)
  }

  @inline(__always)
  static func gather(_ p: UnsafePointer<Float>, _ o: UnsafePointer<Int>) -> V {
    V(p[o[0]], p[o[1]], p[o[2]], p[o[3]], p[o[4]], p[o[5]], p[o[6]], p[o[7]])
  }

  /// V[ξ, t] = (Bᵀ d_t B)[ξ] for the tiles of one padded plane, eight tiles per vector; tile t
  /// starts at `plane + offsets[t]`. `into` is this channel's row of point 0; point ξ's row is
  /// `pointStride` floats further per ξ.
  static func transformInput(
    _ plane: UnsafePointer<Float>, rowStride: Int, offsets: UnsafePointer<Int>, tiles: Int,
    into v: UnsafeMutablePointer<Float>, pointStride: Int
  ) {
    withUnsafeTemporaryAllocation(of: V.self, capacity: 36) { tmp in
      let tmp = tmp.baseAddress!
      for t0 in Swift.stride(from: 0, to: tiles, by: 8) {
        let o = offsets + t0
        // Columns: tmp[i, col] = (Bᵀ d)[i, col].
        for col in 0..<6 {
          let p = plane + col
          let r = inputLine(
            gather(p, o), gather(p + rowStride, o), gather(p + 2 * rowStride, o),
            gather(p + 3 * rowStride, o), gather(p + 4 * rowStride, o),
            gather(p + 5 * rowStride, o))
          putColumn(r, tmp + col)
        }
        // Rows: V[i, j] = (tmp B)[i, j].
        for i in 0..<6 {
          let row = tmp + i * 6
          let r = inputLine(row[0], row[1], row[2], row[3], row[4], row[5])
          let dst = v + i * 6 * pointStride + t0
          store(r.0, dst)
          store(r.1, dst + pointStride)
          store(r.2, dst + 2 * pointStride)
          store(r.3, dst + 3 * pointStride)
          store(r.4, dst + 4 * pointStride)
          store(r.5, dst + 5 * pointStride)
        }
      }
    }
  }

  /// Column `column` of the 6×6 scratch (row-major, six vectors a row): element i of `r` at
  /// `column[6·i]`.
  @inline(__always)
  static func putColumn(_ r: (V, V, V, V, V, V), _ column: UnsafeMutablePointer<V>) {
    column[0] = r.0
    column[6] = r.1
    column[12] = r.2
    column[18] = r.3
    column[24] = r.4
    column[30] = r.5
  }

  @inline(__always)
  static func store(_ value: V, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: value, as: V.self)
  }

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
  }

  /// y = act(Aᵀ M A + bias) for the tiles of one output channel (`m` at its row of point 0,
  /// point ξ `pointStride` floats further per ξ), written (or added) into the NCHW output of
  /// the chunk's items; positions past the output's edge are dropped.
  static func transformOutput(
    _ m: UnsafePointer<Float>, pointStride: Int, tiles: Int, plan: WinogradConvolution,
    firstItem: Int, channel: Int, bias: Float, activation slope: Float?,
    out: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    let oh = plan.g.outputHeight
    let ow = plan.g.outputWidth
    let perImage = plan.tilesPerImage
    let tilesX = plan.tilesX
    let imageSize = plan.outChannels * oh * ow
    withUnsafeTemporaryAllocation(of: V.self, capacity: 40) { tmp in
      let tmp = tmp.baseAddress!
      let y = tmp + 24  // 4×4 results
      for t0 in Swift.stride(from: 0, to: tiles, by: 8) {
        // Columns: tmp[k, j] = (Aᵀ M)[k, j].
        for j in 0..<6 {
          let p = m + j * pointStride + t0
          let r = outputLine(
            load(p), load(p + 6 * pointStride), load(p + 12 * pointStride),
            load(p + 18 * pointStride), load(p + 24 * pointStride), load(p + 30 * pointStride))
          tmp[j] = r.0
          tmp[6 + j] = r.1
          tmp[12 + j] = r.2
          tmp[18 + j] = r.3
        }
        for k in 0..<4 {
          let row = tmp + k * 6
          var r = outputLine(row[0], row[1], row[2], row[3], row[4], row[5])
          let b = V(repeating: bias)
          r = (r.0 + b, r.1 + b, r.2 + b, r.3 + b)
          if let slope {
            let s = V(repeating: slope)
            r.0 = r.0.replacing(with: s * r.0, where: r.0 .<= 0)
            r.1 = r.1.replacing(with: s * r.1, where: r.1 .<= 0)
            r.2 = r.2.replacing(with: s * r.2, where: r.2 .<= 0)
            r.3 = r.3.replacing(with: s * r.3, where: r.3 .<= 0)
          }
          y[k * 4] = r.0
          y[k * 4 + 1] = r.1
          y[k * 4 + 2] = r.2
          y[k * 4 + 3] = r.3
        }
        // Scatter the lanes to their tiles.
        for lane in 0..<Swift.min(8, tiles - t0) {
          let (item, r) = (t0 + lane).quotientAndRemainder(dividingBy: perImage)
          let ty = r / tilesX
          let tx = r - ty * tilesX
          let rows = Swift.min(4, oh - 4 * ty)
          let columns = Swift.min(4, ow - 4 * tx)
          let dst = out + (firstItem + item) * imageSize + channel * oh * ow + 4 * ty * ow + 4 * tx
          for k in 0..<rows {
            let line = dst + k * ow
            for l in 0..<columns {
              let value = y[k * 4 + l][lane]
              if accumulate { line[l] += value } else { line[l] = value }
            }
          }
        }
      }
    }
  }
}
