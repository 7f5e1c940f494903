/// Depthwise and grouped convolutions as direct loops, not im2col + GEMM: a depthwise layer's
/// GEMMs have one row of K·K columns per channel, so im2col copies the input K·K times for a
/// handful of multiply-adds per copied float.
///
/// Each input plane is first copied into a zero-padded *phase-split* plane: padded row `r`,
/// padded column `c` lands at `(r·SX + c mod SX)·L + c / SX` (`L` floats per phase row). For any
/// stride, the taps `(ky, kx)` of consecutive outputs `ox, ox+1, …` of output row `oy` then read
/// consecutive floats at `oy·SY·SX·L + tapOffset(ky, kx) + ox`, so every loop runs over eight
/// outputs at once in `SIMD8<Float>` with no bounds tests; the pad columns at the end of each
/// phase row let the last vector of a row read past the output width.
///
/// Work is split by (item, group) in forward and by group in backward (each task then loops over
/// the items in order), so every output element, every input-gradient element and every weight
/// and bias gradient element is computed by one task in a fixed order: results are bit-identical
/// whatever the thread count.
enum DepthwiseConvKernel {
  /// Direct kernels run for grouped convolutions with at most this many input channels per group
  /// (depthwise has one); above it, im2col + GEMM per group does more work per copied float.
  static let maxChannelsPerGroup = 16

  /// Whether `conv2d` runs a convolution with these groups through the direct kernels.
  static func handles(channels: Int, groups: Int) -> Bool {
    enabled && groups > 1 && channels / groups <= maxChannelsPerGroup
  }

  /// Off inside `withGroupedConvolutionsThroughGEMM` (tests compare the two paths).
  @TaskLocal static var enabled = true
}

/// Runs `body` with every grouped convolution going through im2col + GEMM per group, the path
/// the direct kernels replace (tests compare the two).
package func withGroupedConvolutionsThroughGEMM<T>(_ body: () throws -> T) rethrows -> T {
  try DepthwiseConvKernel.$enabled.withValue(false) { try body() }
}

/// How one direct grouped convolution runs: geometry, the phase-split layout, tap offsets.
struct DirectGroupedConv {
  typealias V = SIMD8<Float>
  let g: ConvGeometry
  let outChannels: Int
  let groups: Int
  let activation: FusedLeakyReLU?
  /// Floats per phase row of a padded plane.
  let phaseLength: Int
  /// Padded rows: H + PT + PB.
  let paddedHeight: Int
  /// `tapOffset[ky·KW + kx]`: where tap (ky, kx) of output (0, 0) reads in a padded plane.
  let tapOffset: [Int]
  /// The taps that reach input row `iy` in phase `p` (`c mod SX = p`), for the input gradient:
  /// entries `rowTapStart[iy·SX + p] ..< rowTapStart[iy·SX + p + 1]` of `rowTaps`, each three
  /// integers: the output row `oy`, the tap `ky·KW + kx` and the shift `kx·DX / SX`.
  let rowTaps: [Int]
  let rowTapStart: [Int]

  init(g: ConvGeometry, outChannels: Int, groups: Int, activation: FusedLeakyReLU?) {
    self.g = g
    self.outChannels = outChannels
    self.groups = groups
    self.activation = activation
    let sx = g.strideX
    let paddedWidth = g.width + g.padLeft + g.padRight
    let maxShift = (g.kernelWidth - 1) * g.dilationX / sx
    let vectorWidth = (g.outputWidth + 7) / 8 * 8
    phaseLength = Swift.max((paddedWidth + sx - 1) / sx, maxShift + vectorWidth)
    paddedHeight = g.height + g.padTop + g.padBottom
    var offsets: [Int] = []
    for ky in 0..<g.kernelHeight {
      for kx in 0..<g.kernelWidth {
        let c = kx * g.dilationX
        offsets.append((ky * g.dilationY * sx + c % sx) * phaseLength + c / sx)
      }
    }
    tapOffset = offsets
    var entries: [Int] = []
    var starts = [0]
    for iy in 0..<g.height {
      let r = iy + g.padTop
      for phase in 0..<sx {
        for ky in 0..<g.kernelHeight {
          let rr = r - ky * g.dilationY
          guard rr >= 0, rr % g.strideY == 0, rr / g.strideY < g.outputHeight else { continue }
          for kx in 0..<g.kernelWidth where (kx * g.dilationX) % sx == phase {
            entries += [rr / g.strideY, ky * g.kernelWidth + kx, (kx * g.dilationX) / sx]
          }
        }
        starts.append(entries.count / 3)
      }
    }
    rowTaps = entries
    rowTapStart = starts
  }

  var inPerGroup: Int { g.channels / groups }
  var outPerGroup: Int { outChannels / groups }
  var taps: Int { g.kernelHeight * g.kernelWidth }
  var plane: Int { g.planeSize }
  var inPlane: Int { g.height * g.width }
  var paddedPlane: Int { paddedHeight * g.strideX * phaseLength }
  /// Floats between output rows `oy` and `oy + 1` in a padded plane.
  var rowStep: Int { g.strideY * g.strideX * phaseLength }

  /// Copies one input plane `x [H, W]` into the padded, phase-split plane `p`, zeros around it.
  func pad(_ x: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>) {
    let sx = g.strideX
    let length = phaseLength
    for r in 0..<paddedHeight {
      let iy = r - g.padTop
      let row = p + r * sx * length
      if iy < 0 || iy >= g.height {
        row.update(repeating: 0, count: sx * length)
        continue
      }
      let line = x + iy * g.width
      if sx == 1 {
        let left = Swift.min(g.padLeft, length)
        row.update(repeating: 0, count: left)
        copyRow(from: line, to: row + g.padLeft, count: g.width)
        let end = g.padLeft + g.width
        (row + end).update(repeating: 0, count: length - end)
      } else if sx == 2 {
        // Even and odd padded columns, sixteen input columns at a time.
        row.update(repeating: 0, count: 2 * length)
        var ix = 0
        while ix < g.width && (ix + g.padLeft) % 2 != 0 {
          row[length + (ix + g.padLeft) / 2] = line[ix]
          ix += 1
        }
        while ix + 16 <= g.width {
          let v = UnsafeRawPointer(line + ix).loadUnaligned(as: SIMD16<Float>.self)
          let j = (ix + g.padLeft) / 2
          store(v.evenHalf, row + j)
          store(v.oddHalf, row + length + j)
          ix += 16
        }
        while ix < g.width {
          let c = ix + g.padLeft
          row[(c % 2) * length + c / 2] = line[ix]
          ix += 1
        }
      } else {
        row.update(repeating: 0, count: sx * length)
        for phase in 0..<sx {
          let (j0, j1) = phaseColumns(phase)
          let dst = row + phase * length
          var ix = sx * j0 + phase - g.padLeft
          for j in j0..<j1 {
            dst[j] = line[ix]
            ix += sx
          }
        }
      }
    }
  }

  /// The columns `j0 ..< j1` of phase `phase` whose input column `SX·j + phase − PL` lies in
  /// the image.
  @inline(__always)
  func phaseColumns(_ phase: Int) -> (Int, Int) {
    let sx = g.strideX
    let low = g.padLeft - phase
    let j0 = low <= 0 ? 0 : (low + sx - 1) / sx
    let high = g.width - 1 + g.padLeft - phase
    let j1 = high < 0 ? 0 : high / sx + 1
    return (j0, Swift.max(j0, j1))
  }

  // MARK: Forward

  /// out[n, o] = act(bias[o] + Σ_{c in o's group} Σ_{ky, kx} w[o, c, ky, kx] · x[n, c, …]).
  /// Tasks are (item, group): pad the group's input planes once, then every output channel of
  /// the group, row by row, eight outputs at a time.
  func forward(
    _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
    _ out: UnsafeMutablePointer<Float>
  ) {
    let cg = inPerGroup
    let og = outPerGroup
    let ow = g.outputWidth
    let taps = self.taps
    let step = rowStep
    tapOffset.withUnsafeBufferPointer { po in
      let offsets = po.baseAddress!
      Parallel.forEachTask(g.batch * groups) { task in
        let n = task / groups
        let gr = task % groups
        Workspace.withBuffer(cg * paddedPlane) { padded in
          for ci in 0..<cg {
            pad(
              x + (n * g.channels + gr * cg + ci) * inPlane, into: padded + ci * paddedPlane)
          }
          if cg == 1 && taps == 9 {
            forward3x3(
              padded, w + gr * og * 9, bias.map { $0 + gr * og }, out + (n * outChannels + gr * og) * plane,
              channels: og, offsets: offsets)
            return
          }
          for oc in 0..<og {
            let o = gr * og + oc
            let b = bias?[o] ?? 0
            let wo = w + o * cg * taps
            let dst = out + (n * outChannels + o) * plane
            for oy in 0..<g.outputHeight {
              let row = dst + oy * ow
              var ox = 0
              while ox < ow {
                var acc = V(repeating: b)
                for ci in 0..<cg {
                  let base = padded + ci * paddedPlane + oy * step + ox
                  let wc = wo + ci * taps
                  for t in 0..<taps {
                    acc += V(repeating: wc[t]) * load(base + offsets[t])
                  }
                }
                if let slope = activation?.forwardSlope {
                  acc.replace(with: acc * slope, where: .!(acc .> 0))
                }
                if ox + 8 <= ow {
                  store(acc, row + ox)
                } else {
                  for i in 0..<(ow - ox) { row[ox + i] = acc[i] }
                }
                ox += 8
              }
            }
          }
        }
      }
    }
  }

  /// The forward pass of `channels` output channels that all read one padded input plane with
  /// a 3×3 kernel (depthwise, multiplier `channels`): the nine weights stay in registers.
  private func forward3x3(
    _ padded: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
    _ out: UnsafeMutablePointer<Float>, channels: Int, offsets: UnsafePointer<Int>
  ) {
    let ow = g.outputWidth
    let step = rowStep
    let (o0, o1, o2, o3, o4, o5, o6, o7, o8) = (
      offsets[0], offsets[1], offsets[2], offsets[3], offsets[4], offsets[5], offsets[6],
      offsets[7], offsets[8]
    )
    for oc in 0..<channels {
      let wc = w + oc * 9
      let (w0, w1, w2) = (V(repeating: wc[0]), V(repeating: wc[1]), V(repeating: wc[2]))
      let (w3, w4, w5) = (V(repeating: wc[3]), V(repeating: wc[4]), V(repeating: wc[5]))
      let (w6, w7, w8) = (V(repeating: wc[6]), V(repeating: wc[7]), V(repeating: wc[8]))
      let b = V(repeating: bias?[oc] ?? 0)
      let slope = activation?.forwardSlope
      let dst = out + oc * plane
      for oy in 0..<g.outputHeight {
        let row = dst + oy * ow
        let src = padded + oy * step
        var ox = 0
        while ox < ow {
          let p = src + ox
          var acc = b + w0 * load(p + o0)
          acc += w1 * load(p + o1)
          acc += w2 * load(p + o2)
          acc += w3 * load(p + o3)
          acc += w4 * load(p + o4)
          acc += w5 * load(p + o5)
          acc += w6 * load(p + o6)
          acc += w7 * load(p + o7)
          acc += w8 * load(p + o8)
          if let slope { acc.replace(with: acc * slope, where: .!(acc .> 0)) }
          if ox + 8 <= ow {
            store(acc, row + ox)
          } else {
            for i in 0..<(ow - ox) { row[ox + i] = acc[i] }
          }
          ox += 8
        }
      }
    }
  }

  // MARK: Backward

  /// gradOut [N, O, OH, OW] → gradients of input, weight and bias. One task per group, items in
  /// order: `dZ = dY · act'(Y)`; `db[o] += Σ dZ[n, o]`;
  /// `dW[o, c, t] += Σ_{oy, ox} dZ[n, o, oy, ox] · xpad[n, c, oy·SY·SX·L + offset(t) + ox]`;
  /// and the input gradient as a gather (`inputGradient`), each element written once.
  /// - Parameters:
  ///   - dw, db: the group's slices are written (assigned) by its task.
  ///   - dx: with `freshInput`, assigned; else added to.
  func backward(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>?, x: UnsafePointer<Float>,
    w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, freshInput: Bool,
    dw: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?
  ) {
    let cg = inPerGroup
    let og = outPerGroup
    let ow = g.outputWidth
    let oh = g.outputHeight
    let taps = self.taps
    let step = rowStep
    let vectorEnd = ow / 8 * 8
    let copiesGradient = activation != nil
    tapOffset.withUnsafeBufferPointer { po in
      let offsets = po.baseAddress!
      Parallel.forEachTask(groups) { gr in
        Workspace.withBuffer(cg * paddedPlane) { padded in
          Workspace.withBuffer(copiesGradient ? og * plane : 1) { scratch in
          Workspace.withBuffer(dx == nil ? 1 : og * oh * gradientRowLength) { dzRows in
          Workspace.withBuffer(og * taps) { termWeights in
          var terms = [Int](repeating: 0, count: og * taps)
            if let dw { (dw + gr * og * cg * taps).update(repeating: 0, count: og * cg * taps) }
            if let db { (db + gr * og).update(repeating: 0, count: og) }
            for n in 0..<g.batch {
              let first = (n * outChannels + gr * og) * plane
              let dz: UnsafePointer<Float>
              if copiesGradient, let y, let slope = activation?.backwardSlope {
                for i in 0..<(og * plane) {
                  scratch[i] = y[first + i] > 0 ? dy[first + i] : slope * dy[first + i]
                }
                dz = UnsafePointer(scratch)
              } else {
                dz = dy + first
              }
              if let db {
                for oc in 0..<og { db[gr * og + oc] += ReductionKernel.sum(dz + oc * plane, plane) }
              }
              if let dw {
                for ci in 0..<cg {
                  pad(
                    x + (n * g.channels + gr * cg + ci) * inPlane, into: padded + ci * paddedPlane)
                }
                for oc in 0..<og {
                  let dzo = dz + oc * plane
                  for ci in 0..<cg {
                    let xp = padded + ci * paddedPlane
                    let dwo = dw + ((gr * og + oc) * cg + ci) * taps
                    for t in 0..<taps {
                      var acc = V(repeating: 0)
                      var tail: Float = 0
                      for oy in 0..<oh {
                        let src = xp + oy * step + offsets[t]
                        let d = dzo + oy * ow
                        var ox = 0
                        while ox < vectorEnd {
                          acc += load(d + ox) * load(src + ox)
                          ox += 8
                        }
                        while ox < ow {
                          tail += d[ox] * src[ox]
                          ox += 1
                        }
                      }
                      dwo[t] += acc.sum() + tail
                    }
                  }
                }
              }
              if let dx {
                inputGradient(
                  dz, w: w + gr * og * cg * taps, dx: dx + (n * g.channels + gr * cg) * inPlane,
                  assign: freshInput, gradientRows: dzRows, terms: &terms, termWeights: termWeights)
              }
            }
          }
          }
          }
        }
      }
    }
  }

  /// Floats per row of the zero-bordered output gradient that `inputGradient` reads.
  var gradientRowLength: Int {
    let maxShift = (g.kernelWidth - 1) * g.dilationX / g.strideX
    let paddedWidth = g.width + g.padLeft + g.padRight
    return maxShift + (paddedWidth + g.strideX - 1) / g.strideX + 8
  }

  /// The input gradient of one item and one group, as a gather: with `c = ix + PL = SX·j + p`,
  /// `dx[c, iy, ix] = Σ_{o, ky, kx} W[o, c, ky, kx] · dZ[o, oy, j − sh]` over the taps with
  /// `iy + PT − ky·DY = oy·SY` (0 ≤ oy < OH) and `kx·DX = SX·sh + p`, eight `j` at a time, each
  /// element written once (assigned or added) in a fixed order. `dZ`'s rows are first copied
  /// between zeros (`gradientRows`), so that `j − sh` outside `0 ..< OW` reads 0.
  /// - Parameters:
  ///   - dz: the group's output gradient `[O/G, OH, OW]`.
  ///   - w: the group's weights `[O/G, C/G, KH, KW]`.
  ///   - dx: the group's input gradient `[C/G, H, W]`.
  ///   - terms, termWeights: scratch for O/G·KH·KW offsets and weights.
  private func inputGradient(
    _ dz: UnsafePointer<Float>, w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    assign: Bool, gradientRows rows: UnsafeMutablePointer<Float>, terms: inout [Int],
    termWeights: UnsafeMutablePointer<Float>
  ) {
    let sx = g.strideX
    let kw = g.kernelWidth
    let oh = g.outputHeight, ow = g.outputWidth
    let og = outPerGroup, cg = inPerGroup
    let length = gradientRowLength
    let lead = (kw - 1) * g.dilationX / sx
    for r in 0..<(og * oh) {
      let row = rows + r * length
      row.update(repeating: 0, count: lead)
      copyRow(from: dz + r * ow, to: row + lead, count: ow)
      (row + lead + ow).update(repeating: 0, count: length - lead - ow)
    }
    let taps = self.taps
    terms.withUnsafeMutableBufferPointer { pt in
    rowTaps.withUnsafeBufferPointer { prt in
    rowTapStart.withUnsafeBufferPointer { prs in
      let terms = pt.baseAddress!
      let rowTaps = prt.baseAddress!, rowTapStart = prs.baseAddress!
      for ci in 0..<cg {
        let dxc = dx + ci * inPlane
        for iy in 0..<g.height {
          let line = dxc + iy * g.width
          for phase in 0..<sx {
            // The terms of this row and phase: offset into `rows` (from column j) and weight.
            var count = 0
            let entries = rowTapStart[iy * sx + phase]..<rowTapStart[iy * sx + phase + 1]
            for oc in 0..<og {
              let wc = w + (oc * cg + ci) * taps
              for e in entries {
                let entry = rowTaps + 3 * e
                terms[count] = (oc * oh + entry[0]) * length + lead - entry[2]
                termWeights[count] = wc[entry[1]]
                count += 1
              }
            }
            let (j0, j1) = phaseColumns(phase)
            var j = j0
            while j < j1 {
              var acc = V(repeating: 0)
              for t in 0..<count {
                acc += V(repeating: termWeights[t]) * load(rows + terms[t] + j)
              }
              let lanes = Swift.min(8, j1 - j)
              if sx == 1 {
                let dst = line + j - g.padLeft
                if lanes == 8 {
                  store(assign ? acc : load(dst) + acc, dst)
                } else if assign {
                  for i in 0..<lanes { dst[i] = acc[i] }
                } else {
                  for i in 0..<lanes { dst[i] += acc[i] }
                }
              } else {
                var ix = sx * j + phase - g.padLeft
                for i in 0..<lanes {
                  if assign { line[ix] = acc[i] } else { line[ix] += acc[i] }
                  ix += sx
                }
              }
              j += 8
            }
          }
        }
      }
    }
    }
    }
  }

  @inline(__always)
  private func load(_ p: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
  }

  @inline(__always)
  private func load(_ p: UnsafeMutablePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
  }

  @inline(__always)
  private func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
  }
}

/// A depthwise or grouped convolution (`groups > 1`, at most
/// `DepthwiseConvKernel.maxChannelsPerGroup` input channels per group) computed directly, with
/// an optional fused two-slope Leaky ReLU: the path `conv2d` takes for such layers. Same shapes
/// and meaning as `conv2d(_:weight:bias:stride:padding:dilation:groups:activation:)`, whose
/// checks it relies on.
/// - Saves: input and weight (and the output, with an activation).
func directGroupedConv2d(
  _ x: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry, groups: Int,
  activation: FusedLeakyReLU?
) -> Tensor {
  let conv = DirectGroupedConv(
    g: g, outChannels: weight.shape[0], groups: groups, activation: activation)
  let xv = x.values
  let wv = weight.values
  let bv = bias?.values
  let out = [Float].uninitialized(g.batch * conv.outChannels * g.planeSize) { po in
    xv.withUnsafeBufferPointer { px in
      wv.withUnsafeBufferPointer { pw in
        let forward = { (pb: UnsafePointer<Float>?) in
          conv.forward(
            px.baseAddress ?? UnsafePointer(noElements),
            pw.baseAddress ?? UnsafePointer(noElements), pb, po)
        }
        if let bv {
          bv.withUnsafeBufferPointer { pb in forward(pb.baseAddress ?? UnsafePointer(noElements)) }
        } else {
          forward(nil)
        }
      }
    }
  }
  return convolutionNode(
    out, g, outChannels: conv.outChannels, x: x, weight: weight, bias: bias, activation: activation
  ) { gradOut, saved in
    directGroupedConvBackward(
      conv, gradOut: gradOut, output: saved, x: x, xv: xv, weight: weight, wv: wv, bias: bias)
  }
}

/// The backward pass of `directGroupedConv2d`: gradients of input, weight and bias, as needed.
private func directGroupedConvBackward(
  _ conv: DirectGroupedConv, gradOut: [Float], output: [Float], x: Tensor, xv: [Float],
  weight: Tensor, wv: [Float], bias: Tensor?
) {
  let needInput = x.requiresGrad
  let needWeight = weight.requiresGrad
  let needBias = bias?.requiresGrad ?? false
  guard needInput || needWeight || needBias else { return }
  let weightSize = wv.count
  let outChannels = conv.outChannels
  Workspace.withBuffer(Swift.max(1, (needWeight ? weightSize : 0) + (needBias ? outChannels : 0))) {
    partials in
    func run(dx: UnsafeMutablePointer<Float>?, freshInput: Bool) {
      gradOut.withUnsafeBufferPointer { pg in
        output.withUnsafeBufferPointer { py in
          xv.withUnsafeBufferPointer { px in
            wv.withUnsafeBufferPointer { pw in
              conv.backward(
                dy: pg.baseAddress ?? UnsafePointer(noElements),
                y: conv.activation == nil ? nil : py.baseAddress,
                x: px.baseAddress ?? UnsafePointer(noElements),
                w: pw.baseAddress ?? UnsafePointer(noElements), dx: dx, freshInput: freshInput,
                dw: needWeight ? partials : nil,
                db: needBias ? partials + (needWeight ? weightSize : 0) : nil)
            }
          }
        }
      }
    }
    x.writeGradient(if: needInput) { dx, assign in run(dx: dx, freshInput: assign) }
    if needWeight {
      weight.accumulateGradient { dw in
        for i in 0..<weightSize { dw[i] += partials[i] }
      }
    }
    if needBias, let bias {
      bias.accumulateGradient { db in
        for o in 0..<outChannels { db[o] += partials[(needWeight ? weightSize : 0) + o] }
      }
    }
  }
}
