/// At most this many floats of im2col columns per thread at once: items of a group are taken a
/// few at a time (in the batched strategy), which bounds memory and keeps columns in cache.
let maxColumnFloats = 1 << 21

/// From this many output positions per item on, convolution runs item by item (im2col of one
/// item, one GEMM straight into NCHW); below it, the items of a GEMM are batched and the product
/// is scattered to NCHW.
let perItemPlaneThreshold = 256

/// Up to this many floats of im2col columns (all items together) are kept from the forward pass
/// for the weight gradient, instead of being rebuilt in backward: small layers, where building
/// columns costs about as much as the GEMMs.
let keptColumnFloats = 1 << 21

/// Whether small columns are kept (tests turn it off to check the rebuilding path).
enum KeptColumns {
  @TaskLocal static var enabled = true
}

/// Runs `body` with every convolution rebuilding its columns in backward.
package func withColumnsRebuiltInBackward<T>(_ body: () throws -> T) rethrows -> T {
  try KeptColumns.$enabled.withValue(false) { try body() }
}

/// A batch is cut into at most this many groups of consecutive items, fixed by the batch size.
/// Threads take whole groups, and each group sums its own weight and bias gradients, added in
/// group order: results do not depend on the thread count.
let itemGroups = 8

/// A two-slope Leaky ReLU fused into the convolution before it: `y = act(conv(x))` is one tensor
/// instead of two, one pass over memory instead of three, and backward reads the side of zero of
/// each element from the output. That needs a forward slope of at least 0 (then `y > 0` exactly
/// where the pre-activation is `> 0`).
public struct FusedLeakyReLU: Sendable, Equatable {
  public let forwardSlope: Float
  public let backwardSlope: Float

  /// `nil` when the forward slope is negative (or NaN): the output no longer tells the sides
  /// apart, so the activation must run on its own.
  public init?(forwardSlope: Float, backwardSlope: Float) {
    guard forwardSlope >= 0 else { return nil }
    self.forwardSlope = forwardSlope
    self.backwardSlope = backwardSlope
  }
}

/// Padding of the four sides of an image, in pixels (ONNX's `pads` order for 2-D:
/// `[top, left, bottom, right]`).
public struct Padding2d: Equatable, Hashable, Sendable, Codable {
  public var top: Int, left: Int, bottom: Int, right: Int
  public init(top: Int, left: Int, bottom: Int, right: Int) {
    (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
  }
  /// The same padding on every side.
  public init(_ all: Int) { self.init(top: all, left: all, bottom: all, right: all) }
  /// `vertical` above and below, `horizontal` left and right (PyTorch's `padding=(ph, pw)`).
  public init(vertical: Int, horizontal: Int) {
    self.init(top: vertical, left: horizontal, bottom: vertical, right: horizontal)
  }
  public static let zero = Padding2d(0)
  /// Whether every side has the same padding.
  public var isUniform: Bool { top == left && top == bottom && top == right }
}

/// 2-D convolution (cross-correlation, as in PyTorch) as im2col + GEMM, optionally followed by a
/// fused two-slope Leaky ReLU. Square kernels, one stride and the same padding on every side.
///
/// `x [N, C, H, W]`, `weight [O, C, K, K]`, `bias [O]` → `[N, O, OH, OW]` with
/// `OH = (H + 2P − K) / S + 1`:
/// ```
/// col_n[C·K·K, OH·OW] = im2col(x_n)
/// y_n[O, OH·OW]       = act(W[O, C·K·K] · col_n + bias)
/// ```
/// - Saves: input and weight (and the output, with an activation); im2col columns too when they
///   are small (at most `keptColumnFloats`) and the weight takes a gradient, else they are rebuilt
///   in backward.
public func conv2d(
  _ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int,
  activation: FusedLeakyReLU? = nil
) -> Tensor {
  precondition(weight.rank == 4 && weight.shape[2] == weight.shape[3], "conv2d needs square kernels")
  return conv2d(
    x, weight: weight, bias: bias, stride: (stride, stride), padding: Padding2d(padding),
    activation: activation)
}

/// 2-D convolution of any kernel, stride, padding, dilation and groups (PyTorch's `conv2d`,
/// ONNX's `Conv`), optionally followed by a fused two-slope Leaky ReLU.
///
/// `x [N, C, H, W]`, `weight [O, C/G, KH, KW]`, `bias [O]` → `[N, O, OH, OW]`,
/// `OH = (H + PT + PB − DY·(KH − 1) − 1) / SY + 1` (likewise OW). Group `g` of `G` maps input
/// channels `g·C/G ..< (g+1)·C/G` to output channels `g·O/G ..< (g+1)·O/G`; depthwise is
/// `G = C`:
/// ```
/// col_n[C·KH·KW, OH·OW]   = im2col(x_n)     (rows of group g: g·(C/G)·KH·KW ..< …)
/// y_n[g·O/G ..< …, OH·OW] = act(W_g[O/G, (C/G)·KH·KW] · col_n,g + bias)
/// ```
/// The square, ungrouped case runs exactly the GEMMs of `conv2d(_:weight:bias:stride:padding:)`.
/// - Parameters:
///   - stride: `(SY, SX)`.
///   - padding: zeros added on each side.
///   - dilation: `(DY, DX)`, the spacing of the kernel's taps.
///   - groups: `G`, which divides both C and O.
/// - Saves: input and weight (and the output, with an activation); small im2col columns.
public func conv2d(
  _ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: Padding2d,
  dilation: (Int, Int) = (1, 1), groups: Int = 1, activation: FusedLeakyReLU? = nil
) -> Tensor {
  precondition(x.rank == 4 && weight.rank == 4 && groups >= 1, "conv2d shapes")
  precondition(
    weight.shape[1] * groups == x.shape[1] && weight.shape[0] % groups == 0,
    "conv2d: weight \(Shape.describe(weight.shape)) with \(groups) groups for input \(Shape.describe(x.shape))")
  precondition(
    stride.0 >= 1 && stride.1 >= 1 && dilation.0 >= 1 && dilation.1 >= 1
      && min(padding.top, padding.left, padding.bottom, padding.right) >= 0,
    "conv2d: strides and dilations must be positive and padding non-negative")
  precondition(bias == nil || bias!.shape == [weight.shape[0]], "conv2d bias shape")
  let g = ConvGeometry(
    batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
    kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], strideY: stride.0,
    strideX: stride.1, padTop: padding.top, padLeft: padding.left, padBottom: padding.bottom,
    padRight: padding.right, dilationY: dilation.0, dilationX: dilation.1)
  precondition(g.outputHeight > 0 && g.outputWidth > 0, "conv2d output would be empty")
  // Depthwise and narrow grouped convolutions: direct loops (Kernels/DepthwiseConvKernels.swift).
  if DepthwiseConvKernel.handles(channels: g.channels, groups: groups) {
    return directGroupedConv2d(
      x, weight: weight, bias: bias, geometry: g, groups: groups, activation: activation)
  }
  let conv = ConvPlan(g: g, outChannels: weight.shape[0], groups: groups, activation: activation)
  // 3×3 stride-1 layers where it pays: Winograd (Kernels/WinogradKernels.swift).
  if let winograd = WinogradConvolution(g, outChannels: weight.shape[0], groups: groups) {
    return winograd.apply(x, weight: weight, bias: bias, conv: conv, activation: activation)
  }
  let xv = x.values
  let wv = weight.values
  let bv = bias?.values
  let columnFloats = g.batch * g.patchSize * g.planeSize
  let keepColumns =
    KeptColumns.enabled && Autograd.isRecording && weight.requiresGrad
    && columnFloats <= keptColumnFloats && !conv.columnsAreInput
  var columns: [Float] = keepColumns ? .uninitialized(columnFloats) { _ in } : []
  let out = [Float].uninitialized(g.batch * conv.outChannels * g.planeSize) { po in
    xv.withUnsafeBufferPointer { px in
      wv.withUnsafeBufferPointer { pw in
        columns.withUnsafeMutableBufferPointer { pc in
          // (An empty array may have a base address: test the flag.)
          conv.forward(
            px.baseAddress ?? UnsafePointer(noElements),
            pw.baseAddress ?? UnsafePointer(noElements), bv, po,
            keptColumns: keepColumns ? pc.baseAddress : nil)
        }
      }
    }
  }
  return convolutionNode(
    out, g, outChannels: conv.outChannels, x: x, weight: weight, bias: bias, activation: activation
  ) { gradOut, saved in
    conv.backward(
      gradOut, output: saved, columns: columns, x: x, xv: xv, weight: weight, wv: wv, bias: bias)
  }
}

/// The output node of a convolution (every path of `conv2d`): `out`, N×O×OH×OW, with parents
/// x, weight and bias. `backward` gets the output gradient and the output, which is kept only
/// when a fused activation needs it (otherwise empty: it is not kept alive).
func convolutionNode(
  _ out: [Float], _ g: ConvGeometry, outChannels: Int, x: Tensor, weight: Tensor, bias: Tensor?,
  activation: FusedLeakyReLU?,
  backward: @escaping (_ gradOut: [Float], _ output: [Float]) -> Void
) -> Tensor {
  let parents = bias.map { [x, weight, $0] } ?? [x, weight]
  let shape = [g.batch, outChannels, g.outputHeight, g.outputWidth]
  let saved = activation == nil ? [] : out
  return Tensor(
    shape: shape, values: out, op: activation == nil ? "conv2d" : "conv2d+leakyReLU",
    parents: parents
  ) { gradOut in backward(gradOut, saved) }
}

/// How one convolution runs: its geometry, strategy and grouping of items.
struct ConvPlan {
  let g: ConvGeometry
  let outChannels: Int
  /// Channel groups: group `gr`'s GEMM reads rows `gr·groupPatch ..< …` of the columns and
  /// writes output channels `gr·groupOut ..< …`.
  var groups: Int = 1
  let activation: FusedLeakyReLU?
  var plane: Int { g.planeSize }
  /// Columns rows (and weight elements per output channel) of one group: (C/G)·KH·KW.
  var groupPatch: Int { g.patchSize / groups }
  /// Output channels of one group.
  var groupOut: Int { outChannels / groups }
  var perItem: Bool { g.planeSize >= perItemPlaneThreshold }
  /// A 1×1 convolution with stride 1 and no padding, run item by item: an item's columns are
  /// its input `[C, H·W]` itself, so the GEMMs read the input (and write a fresh input gradient)
  /// in place, without im2col or col2im.
  var columnsAreInput: Bool {
    perItem && g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideY == 1 && g.strideX == 1
      && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
  }
  /// Consecutive items per group: ⌈N / 8⌉ (at least 1); the last group may be shorter, none is
  /// empty, and an empty batch has no groups.
  var groupSize: Int { Swift.max(1, (g.batch + itemGroups - 1) / itemGroups) }
  var groupCount: Int { (g.batch + groupSize - 1) / groupSize }
  /// Items per GEMM: one in the per-item strategy, else as many of a group as fit the budget.
  var itemsPerGemm: Int {
    perItem
      ? 1 : Swift.max(1, Swift.min(groupSize, maxColumnFloats / Swift.max(1, g.patchSize * plane)))
  }

  /// Calls `body` with the items of each GEMM of group `group`, in order.
  private func forEachGemm(group: Int, _ body: (Range<Int>) -> Void) {
    let end = Swift.min(g.batch, (group + 1) * groupSize)
    for start in Swift.stride(from: group * groupSize, to: end, by: itemsPerGemm) {
      body(start..<Swift.min(end, start + itemsPerGemm))
    }
  }

  /// One GEMM per group: C_gr = op(A_gr)·op(B_gr) + beta·C_gr, where group gr's block of each
  /// matrix is the gr-th of `groups` equal blocks laid one after another (m·k, k·n and m·n
  /// floats).
  @inline(__always)
  private func gemmPerGroup(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    for gr in 0..<groups {
      MatMulKernel.gemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
        a: a + gr * m * k, lda: lda, b: b + gr * k * n, ldb: ldb, beta: beta,
        c: c + gr * m * n, ldc: ldc)
    }
  }

  // MARK: Forward

  /// Threads take whole groups, one at a time; each GEMM writes its items' outputs only. With `keptColumns`
  /// (room for every item's columns), the columns are built there and kept for backward.
  func forward(
    _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: [Float]?,
    _ out: UnsafeMutablePointer<Float>, keptColumns: UnsafeMutablePointer<Float>?
  ) {
    let columnsPerGemm = itemsPerGemm * plane
    Parallel.forEachTask(groupCount) { group in
      Workspace.withBuffer(
        keptColumns == nil && !columnsAreInput ? g.patchSize * columnsPerGemm : 1
      ) { scratch in
        Workspace.withBuffer(perItem ? 1 : outChannels * columnsPerGemm) { product in
          forEachGemm(group: group) { items in
            let col: UnsafePointer<Float>
            if columnsAreInput {
              col = x + items.lowerBound * g.patchSize * plane
            } else {
              let built = keptColumns.map { $0 + items.lowerBound * g.patchSize * plane } ?? scratch
              ConvKernel.im2col(x, g, items: items, col: built)
              col = UnsafePointer(built)
            }
            let dst = out + items.lowerBound * outChannels * plane
            // Per item (one item a GEMM) the product is the item's output itself.
            let columns = items.count * plane
            let target = perItem ? dst : product
            gemmPerGroup(
              transposeA: false, transposeB: false, m: groupOut, n: columns, k: groupPatch,
              a: w, lda: groupPatch, b: col, ldb: columns, beta: 0, c: target, ldc: columns)
            if perItem {
              finish(dst, bias: bias)
            } else {
              scatter(product, to: dst, items: items.count, bias: bias)
            }
          }
        }
      }
    }
  }

  /// dst[o, p] = act(dst[o, p] + bias[o]) for one item.
  private func finish(_ dst: UnsafeMutablePointer<Float>, bias: [Float]?) {
    guard bias != nil || activation != nil else { return }
    for o in 0..<outChannels {
      let row = dst + o * plane
      addBias(bias?[o] ?? 0, from: row, to: row, count: plane)
    }
  }

  /// out[j, o, p] = act(product[o, j·plane + p] + bias[o]) for the `count` items of one GEMM
  /// (`out` at the first of them).
  private func scatter(
    _ product: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>, items count: Int,
    bias: [Float]?
  ) {
    let columns = count * plane
    for j in 0..<count {
      for o in 0..<outChannels {
        let src = product + o * columns + j * plane
        addBias(bias?[o] ?? 0, from: src, to: out + (j * outChannels + o) * plane, count: plane)
      }
    }
  }

  /// to[p] = act(from[p] + b) for one row (`from` may be `to`); the activation is decided once
  /// per row, outside the loop.
  @inline(__always)
  private func addBias(
    _ b: Float, from: UnsafePointer<Float>, to: UnsafeMutablePointer<Float>, count: Int
  ) {
    if let slope = activation?.forwardSlope {
      for p in 0..<count {
        let v = from[p] + b
        to[p] = v > 0 ? v : slope * v
      }
    } else {
      for p in 0..<count { to[p] = from[p] + b }
    }
  }

  // MARK: Backward

  /// gradOut [N, O, OH, OW] → gradients of input, weight and bias, group by group:
  /// `dZ = dY · act'(Y)` (the backward slope where `Y ≤ 0`), `dW_g += dZ_n · col_nᵀ`,
  /// `db_g[o] += Σ dZ[n, o, ·]`, `dcol_n = Wᵀ · dZ_n`, `dx_n += col2im(dcol_n)`; the groups'
  /// partial sums are added in group order. Without `inputGradient`, x's gradient is left to
  /// the caller (Winograd).
  func backward(
    _ gradOut: [Float], output: [Float], columns: [Float], x: Tensor, xv: [Float], weight: Tensor,
    wv: [Float], bias: Tensor?, inputGradient: Bool = true
  ) {
    let needInput = inputGradient && x.requiresGrad
    let needWeight = weight.requiresGrad
    let needBias = bias?.requiresGrad ?? false
    guard needInput || needWeight || needBias else { return }
    let weightSize = outChannels * groupPatch
    let partialSize = (needWeight ? weightSize : 0) + (needBias ? outChannels : 0)
    Workspace.withBuffer(Swift.max(1, groupCount * partialSize)) { partials in
      partials.update(repeating: 0, count: groupCount * partialSize)
      // The pointers stay inside the closures that lend them. (An empty batch has no groups, and
      // empty weights or channels make every size that reads them 0.)
      // A fresh input gradient is zeroed item by item by the threads, just before col2im.
      func run(dx: UnsafeMutablePointer<Float>?, freshInput: Bool) {
        gradOut.withUnsafeBufferPointer { pg in
          output.withUnsafeBufferPointer { py in
            columns.withUnsafeBufferPointer { pc in
              xv.withUnsafeBufferPointer { px in
                wv.withUnsafeBufferPointer { pw in
                  backwardGroups(
                    dy: pg.baseAddress ?? UnsafePointer(noElements), y: py.baseAddress,
                    keptColumns: pc.isEmpty ? nil : pc.baseAddress,
                    x: px.baseAddress ?? UnsafePointer(noElements),
                    w: pw.baseAddress ?? UnsafePointer(noElements), dx: dx, freshInput: freshInput,
                    partials: partials, needWeight: needWeight, needBias: needBias)
                }
              }
            }
          }
        }
      }
      x.writeGradient(if: needInput) { dx, assign in run(dx: dx, freshInput: assign) }
      // Partial sums in group order.
      if needWeight {
        weight.accumulateGradient { dw in
          for group in 0..<groupCount {
            let src = partials + group * partialSize
            for i in 0..<weightSize { dw[i] += src[i] }
          }
        }
      }
      if needBias, let bias {
        bias.accumulateGradient { db in
          for group in 0..<groupCount {
            let src = partials + group * partialSize + (needWeight ? weightSize : 0)
            for o in 0..<outChannels { db[o] += src[o] }
          }
        }
      }
    }
  }

  private func backwardGroups(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>?, keptColumns: UnsafePointer<Float>?,
    x: UnsafePointer<Float>,
    w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, freshInput: Bool,
    partials: UnsafeMutablePointer<Float>, needWeight: Bool, needBias: Bool
  ) {
    let columnsPerGemm = itemsPerGemm * plane
    let weightSize = outChannels * groupPatch
    let partialSize = (needWeight ? weightSize : 0) + (needBias ? outChannels : 0)
    let imageSize = g.channels * g.height * g.width
    // dZ needs a buffer of its own unless it is dY itself (per item, no activation).
    let copiesGradient = !perItem || activation != nil
    Parallel.forEachTask(groupCount) { group in
      Workspace.withBuffer(g.patchSize * columnsPerGemm) { col in
        Workspace.withBuffer(copiesGradient ? outChannels * columnsPerGemm : 1) { scratch in
          forEachGemm(group: group) { items in
            let columns = items.count * plane
            let first = items.lowerBound * outChannels * plane
            // dZ laid out [O, columns]: the items' planes side by side.
            let dz: UnsafePointer<Float>
            if copiesGradient {
              gatherGradient(
                dy + first, output: y.map { $0 + first }, into: scratch, items: items.count)
              dz = UnsafePointer(scratch)
            } else {
              dz = dy + first
            }
            let partial = partials + group * partialSize
            if needBias {
              let db = partial + (needWeight ? weightSize : 0)
              for o in 0..<outChannels { db[o] += ReductionKernel.sum(dz + o * columns, columns) }
            }
            if needWeight {
              let kept =
                columnsAreInput
                ? x + items.lowerBound * g.patchSize * plane
                : keptColumns.map { $0 + items.lowerBound * g.patchSize * plane }
              if kept == nil { ConvKernel.im2col(x, g, items: items, col: col) }
              let columnMatrix = kept ?? UnsafePointer(col)
              gemmPerGroup(
                transposeA: false, transposeB: true, m: groupOut, n: groupPatch, k: columns,
                a: dz, lda: columns, b: columnMatrix, ldb: columns, beta: 1, c: partial,
                ldc: groupPatch)
            }
            if let dx {
              // The columns' gradient: written in place when it is the item's fresh input
              // gradient; else into the columns' buffer (no longer needed), then added back.
              let inPlace = columnsAreInput && freshInput
              let target = inPlace ? dx + items.lowerBound * imageSize : col
              gemmPerGroup(
                transposeA: true, transposeB: false, m: groupPatch, n: columns, k: groupOut,
                a: w, lda: groupPatch, b: dz, ldb: columns, beta: 0, c: target, ldc: columns)
              if !inPlace {
                if freshInput {
                  (dx + items.lowerBound * imageSize).update(
                    repeating: 0, count: items.count * imageSize)
                }
                ConvKernel.col2im(col, g, items: items, gradX: dx)
              }
            }
          }
        }
      }
    }
  }

  /// dz[o, j·plane + p] = dy[j, o, p] · (y[j, o, p] > 0 ? 1 : backward slope) for `count` items
  /// (`dy` and `y` at the first of them; no factor without an activation).
  private func gatherGradient(
    _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>?,
    into dz: UnsafeMutablePointer<Float>,
    items count: Int
  ) {
    let columns = count * plane
    for j in 0..<count {
      for o in 0..<outChannels {
        let offset = (j * outChannels + o) * plane
        let from = dy + offset
        let to = dz + o * columns + j * plane
        if let activation, let y {
          let slope = activation.backwardSlope
          let side = y + offset
          for p in 0..<plane { to[p] = side[p] > 0 ? from[p] : slope * from[p] }
        } else {
          for p in 0..<plane { to[p] = from[p] }
        }
      }
    }
  }
}
