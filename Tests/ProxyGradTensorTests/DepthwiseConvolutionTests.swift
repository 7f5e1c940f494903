import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// The direct kernels of depthwise and grouped convolutions (`Kernels/DepthwiseConvKernels.swift`)
/// and the in-place 1×1 path: hand-computed cases, a float64 reference of forward and all three
/// gradients, agreement with im2col + GEMM, finite differences, and bit-identical results at
/// any thread count.
@Suite struct DepthwiseConvolutionTests {
  struct Case: CustomStringConvertible {
    var input: [Int]  // [N, C, H, W]
    var out: Int
    var groups: Int
    var kernel: (Int, Int)
    var stride: (Int, Int) = (1, 1)
    var padding = Padding2d(1)
    var dilation: (Int, Int) = (1, 1)
    var description: String {
      "x \(input) o \(out) g \(groups) k \(kernel) s \(stride) p \([padding.top, padding.left, padding.bottom, padding.right]) d \(dilation)"
    }
  }

  /// Depthwise 3×3 at strides 1 and 2 (widths below, at and above the eight-wide vectors, odd
  /// and even), other kernels, asymmetric padding, dilation, a channel multiplier, and grouped
  /// convolutions with several channels per group.
  static let cases: [Case] = [
    Case(input: [2, 3, 7, 7], out: 3, groups: 3, kernel: (3, 3)),
    Case(input: [2, 3, 14, 14], out: 3, groups: 3, kernel: (3, 3), stride: (2, 2)),
    Case(input: [1, 4, 17, 19], out: 4, groups: 4, kernel: (3, 3)),
    Case(input: [1, 2, 17, 19], out: 2, groups: 2, kernel: (3, 3), stride: (2, 2)),
    Case(input: [2, 3, 6, 40], out: 3, groups: 3, kernel: (3, 3), stride: (2, 2), padding: .zero),
    Case(input: [3, 2, 8, 8], out: 2, groups: 2, kernel: (3, 3), stride: (2, 2), padding: .zero),
    Case(input: [1, 2, 9, 11], out: 2, groups: 2, kernel: (5, 5), padding: Padding2d(2)),
    Case(input: [1, 2, 10, 9], out: 2, groups: 2, kernel: (3, 2), stride: (1, 2),
      padding: Padding2d(top: 0, left: 1, bottom: 2, right: 0)),
    Case(input: [1, 2, 12, 12], out: 2, groups: 2, kernel: (3, 3), padding: Padding2d(2),
      dilation: (2, 2)),
    Case(input: [2, 2, 9, 9], out: 4, groups: 2, kernel: (3, 3), stride: (2, 2)),
    Case(input: [2, 8, 9, 10], out: 4, groups: 2, kernel: (3, 3)),
    Case(input: [1, 6, 11, 11], out: 9, groups: 3, kernel: (3, 3), stride: (2, 2),
      padding: Padding2d(vertical: 1, horizontal: 0)),
    Case(input: [2, 3, 5, 33], out: 3, groups: 3, kernel: (1, 1), padding: .zero),
  ]

  // MARK: Reference

  struct Result: Equatable {
    var y: [Float], dx: [Float], dw: [Float], db: [Float]
  }

  /// Forward and gradients in float64 by direct loops over every output and tap:
  /// y = conv(x) + b, and with upstream gradient `dy`: dx, dw, db.
  static func reference(_ c: Case, x: [Float], w: [Float], b: [Float], dy: [Float]) -> (
    y: [Double], dx: [Double], dw: [Double], db: [Double]
  ) {
    let (n, ch, h, wd) = (c.input[0], c.input[1], c.input[2], c.input[3])
    let (kh, kw) = c.kernel
    let cg = ch / c.groups, og = c.out / c.groups
    let oh = (h + c.padding.top + c.padding.bottom - c.dilation.0 * (kh - 1) - 1) / c.stride.0 + 1
    let ow = (wd + c.padding.left + c.padding.right - c.dilation.1 * (kw - 1) - 1) / c.stride.1 + 1
    var y = [Double](repeating: 0, count: n * c.out * oh * ow)
    var dx = [Double](repeating: 0, count: x.count)
    var dw = [Double](repeating: 0, count: w.count)
    var db = [Double](repeating: 0, count: c.out)
    for i in 0..<n {
      for o in 0..<c.out {
        let gr = o / og
        for oy in 0..<oh {
          for ox in 0..<ow {
            let yi = ((i * c.out + o) * oh + oy) * ow + ox
            var s = Double(b[o])
            for ci in 0..<cg {
              let cin = gr * cg + ci
              for ky in 0..<kh {
                let iy = oy * c.stride.0 - c.padding.top + ky * c.dilation.0
                guard iy >= 0 && iy < h else { continue }
                for kx in 0..<kw {
                  let ix = ox * c.stride.1 - c.padding.left + kx * c.dilation.1
                  guard ix >= 0 && ix < wd else { continue }
                  let xi = ((i * ch + cin) * h + iy) * wd + ix
                  let wi = ((o * cg + ci) * kh + ky) * kw + kx
                  s += Double(w[wi]) * Double(x[xi])
                  dx[xi] += Double(w[wi]) * Double(dy[yi])
                  dw[wi] += Double(x[xi]) * Double(dy[yi])
                }
              }
            }
            y[yi] = s
            db[o] += Double(dy[yi])
          }
        }
      }
    }
    return (y, dx, dw, db)
  }

  /// One pass of `conv2d` with gradients for input, weight and bias, upstream gradient `dy`.
  static func run(
    _ c: Case, x: [Float], w: [Float], b: [Float], dy: [Float], threads: Int = 1,
    activation: FusedLeakyReLU? = nil
  ) -> Result {
    Parallel.withThreads(threads) {
      let xt = Tensor(shape: c.input, values: x, requiresGrad: true)
      let wt = Tensor(
        shape: [c.out, c.input[1] / c.groups, c.kernel.0, c.kernel.1], values: w, requiresGrad: true)
      let bt = Tensor(shape: [c.out], values: b, requiresGrad: true)
      let y = conv2d(
        xt, weight: wt, bias: bt, stride: c.stride, padding: c.padding, dilation: c.dilation,
        groups: c.groups, activation: activation)
      let values = y.values
      sum(y * Tensor(shape: y.shape, values: dy)).backward()
      return Result(y: values, dx: xt.grad!, dw: wt.grad!, db: bt.grad!)
    }
  }

  static func data(_ c: Case, seed: UInt64) -> (x: [Float], w: [Float], b: [Float], dy: [Float]) {
    let x = randomTensor(c.input, seed: seed).values
    let w = randomTensor([c.out, c.input[1] / c.groups, c.kernel.0, c.kernel.1], seed: seed + 1).values
    let b = randomTensor([c.out], seed: seed + 2).values
    let yShape = Autograd.withoutRecording {
      conv2d(
        Tensor(shape: c.input, values: x),
        weight: Tensor(shape: [c.out, c.input[1] / c.groups, c.kernel.0, c.kernel.1], values: w),
        bias: nil, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups
      ).shape
    }
    let dy = randomTensor(yShape, seed: seed + 3).values
    return (x, w, b, dy)
  }

  /// max |a − r| / (1 + max |r|): float32 sums of up to a few hundred terms of size ≤ 1.
  static func error(_ a: [Float], _ r: [Double]) -> Double {
    precondition(a.count == r.count)
    var worst = 0.0, scale = 0.0
    for (u, v) in zip(a, r) {
      worst = Swift.max(worst, Swift.abs(Double(u) - v))
      scale = Swift.max(scale, Swift.abs(v))
    }
    return worst / (1 + scale)
  }

  // MARK: Hand-computed

  /// x = 1…9 in a 3×3 plane. Channel 0: all-ones kernel (window sums); channel 1: 2 at the
  /// centre (doubles x), bias 0.5. Padding 1.
  @Test func handComputedDepthwise() {
    let x = Tensor(shape: [1, 2, 3, 3], values: (1...9).map(Float.init) + (1...9).map(Float.init))
    x.requiresGrad = true
    let w = Tensor(
      shape: [2, 1, 3, 3], values: [Float](repeating: 1, count: 9) + [0, 0, 0, 0, 2, 0, 0, 0, 0])
    w.requiresGrad = true
    let b = Tensor(shape: [2], values: [0, 0.5])
    b.requiresGrad = true
    let y = conv2d(x, weight: w, bias: b, stride: (1, 1), padding: Padding2d(1), groups: 2)
    #expect(
      y.values == [12, 21, 16, 27, 45, 33, 24, 39, 28] + (1...9).map { 2 * Float($0) + 0.5 })
    y.backward()
    // Each input feeds as many window sums as windows cover it: 4 at corners, 6 on edges, 9 in
    // the centre; channel 1's gradient is the centre weight.
    #expect(x.grad! == [4, 6, 4, 6, 9, 6, 4, 6, 4] + [Float](repeating: 2, count: 9))
    // dW[ky, kx] = Σ of x over the outputs' shifted windows (the same for both channels).
    let dw: [Float] = [12, 21, 16, 27, 45, 33, 24, 39, 28]
    #expect(w.grad! == dw + dw)
    #expect(b.grad! == [9, 9])

    // Stride 2: the four corner windows.
    let y2 = conv2d(
      x.detached(), weight: w.detached(), bias: nil, stride: (2, 2), padding: Padding2d(1),
      groups: 2)
    #expect(y2.shape == [1, 2, 2, 2])
    #expect(y2.values == [12, 16, 24, 28, 2, 6, 14, 18])
  }

  // MARK: Against float64 and the GEMM path

  @Test(arguments: Array(cases.indices))
  func matchesFloat64Reference(index: Int) {
    let c = Self.cases[index]
    let d = Self.data(c, seed: UInt64(100 + 10 * index))
    let ours = Self.run(c, x: d.x, w: d.w, b: d.b, dy: d.dy)
    let r = Self.reference(c, x: d.x, w: d.w, b: d.b, dy: d.dy)
    #expect(Self.error(ours.y, r.y) < 2e-6, "y \(c)")
    #expect(Self.error(ours.dx, r.dx) < 2e-6, "dx \(c)")
    #expect(Self.error(ours.dw, r.dw) < 2e-6, "dw \(c)")
    #expect(Self.error(ours.db, r.db) < 2e-6, "db \(c)")
    // Not vacuous: a perturbed weight moves the output far beyond the tolerance.
    var w2 = d.w
    w2[0] += 0.01
    let moved = Self.run(c, x: d.x, w: w2, b: d.b, dy: d.dy)
    #expect(Self.error(moved.y, r.y) > 1e-4, "perturbed \(c)")
  }

  @Test(arguments: Array(cases.indices))
  func agreesWithIm2colGEMM(index: Int) {
    let c = Self.cases[index]
    let d = Self.data(c, seed: UInt64(200 + 10 * index))
    let direct = Self.run(c, x: d.x, w: d.w, b: d.b, dy: d.dy)
    let gemm = withGroupedConvolutionsThroughGEMM { Self.run(c, x: d.x, w: d.w, b: d.b, dy: d.dy) }
    let asDouble = { (v: [Float]) in v.map(Double.init) }
    #expect(Self.error(direct.y, asDouble(gemm.y)) < 2e-6, "y \(c)")
    #expect(Self.error(direct.dx, asDouble(gemm.dx)) < 2e-6, "dx \(c)")
    #expect(Self.error(direct.dw, asDouble(gemm.dw)) < 2e-6, "dw \(c)")
    #expect(direct.db == gemm.db || Self.error(direct.db, asDouble(gemm.db)) < 2e-6, "db \(c)")
  }

  // MARK: Finite differences

  @Test(arguments: Array(cases.indices))
  func gradientsMatchFiniteDifferences(index: Int) {
    let c = Self.cases[index]
    // Small batches and planes: every element of x, w and b is perturbed.
    var input = c.input
    input[0] = 1
    input[2] = Swift.min(input[2], 9)
    input[3] = Swift.min(input[3], 10)
    let small = Case(
      input: input, out: c.out, groups: c.groups, kernel: c.kernel, stride: c.stride,
      padding: c.padding, dilation: c.dilation)
    let x = randomTensor(small.input, seed: 300)
    let w = randomTensor(
      [c.out, c.input[1] / c.groups, c.kernel.0, c.kernel.1], seed: 301)
    let b = randomTensor([c.out], seed: 302)
    let check = checkGradients([x, w, b], step: 1e-2) {
      conv2d(
        $0[0], weight: $0[1], bias: $0[2], stride: small.stride, padding: small.padding,
        dilation: small.dilation, groups: small.groups)
    }
    #expect(check.passed, "\(small): \(check)")
  }

  @Test func fusedActivationMatchesFiniteDifferencesAndTheUnfusedPair() throws {
    let c = Self.cases[1]
    let d = Self.data(c, seed: 400)
    let activation = try #require(FusedLeakyReLU(forwardSlope: 0.1, backwardSlope: 0.1))
    let check = checkGradients(
      [Tensor(shape: c.input, values: d.x), Tensor(shape: [3, 1, 3, 3], values: d.w)], step: 1e-3
    ) {
      conv2d(
        $0[0], weight: $0[1], bias: nil, stride: c.stride, padding: c.padding, groups: c.groups,
        activation: activation)
    }
    #expect(check.passed, "\(check)")
    // Fused with a proxy slope is, bit for bit, the convolution and then the Leaky ReLU.
    let proxy = try #require(FusedLeakyReLU(forwardSlope: 0, backwardSlope: 0.3))
    let fused = Self.run(c, x: d.x, w: d.w, b: d.b, dy: d.dy, activation: proxy)
    let xt = Tensor(shape: c.input, values: d.x, requiresGrad: true)
    let wt = Tensor(shape: [3, 1, 3, 3], values: d.w, requiresGrad: true)
    let bt = Tensor(shape: [3], values: d.b, requiresGrad: true)
    let z = conv2d(xt, weight: wt, bias: bt, stride: c.stride, padding: c.padding, groups: 3)
    let y = leakyReLU(z, forwardSlope: 0, backwardSlope: 0.3)
    sum(y * Tensor(shape: y.shape, values: d.dy)).backward()
    #expect(fused == Result(y: y.values, dx: xt.grad!, dw: wt.grad!, db: bt.grad!))
    #expect(fused.dx != Self.run(c, x: d.x, w: d.w, b: d.b, dy: d.dy).dx)
  }

  /// An input used twice accumulates both gradients (the second pass adds to the first).
  @Test func inputGradientAccumulates() {
    for c in [Self.cases[1], Self.cases[10]] {
      let d = Self.data(c, seed: 500)
      let one = Self.run(c, x: d.x, w: d.w, b: d.b, dy: d.dy)
      let xt = Tensor(shape: c.input, values: d.x, requiresGrad: true)
      let wt = Tensor(shape: [c.out, c.input[1] / c.groups, 3, 3], values: d.w)
      let y1 = conv2d(xt, weight: wt, bias: nil, stride: c.stride, padding: c.padding, groups: c.groups)
      let y2 = conv2d(xt, weight: wt, bias: nil, stride: c.stride, padding: c.padding, groups: c.groups)
      sum((y1 + y2) * Tensor(shape: y1.shape, values: d.dy)).backward()
      #expect(xt.grad! == one.dx.map { $0 + $0 }, "\(c)")
    }
  }

  // MARK: Threads

  @Test(arguments: Array(cases.indices))
  func bitIdenticalAtAnyThreadCount(index: Int) {
    let c = Self.cases[index]
    var input = c.input
    input[0] = 5
    let big = Case(
      input: input, out: c.out, groups: c.groups, kernel: c.kernel, stride: c.stride,
      padding: c.padding, dilation: c.dilation)
    let d = Self.data(big, seed: 600)
    let one = Self.run(big, x: d.x, w: d.w, b: d.b, dy: d.dy, threads: 1)
    for threads in [2, 3] {
      #expect(Self.run(big, x: d.x, w: d.w, b: d.b, dy: d.dy, threads: threads) == one, "\(c)")
    }
  }

  // MARK: 1×1 convolutions

  /// 1×1 convolutions on planes of 256 positions or more read the input as their columns and
  /// write a fresh input gradient in place; on smaller planes they gather columns. Both against
  /// float64, with gradients that are fresh and that accumulate.
  @Test(arguments: [16, 9])
  func pointwiseConvolutions(side: Int) {
    let c = Case(input: [3, 6, side, side], out: 5, groups: 1, kernel: (1, 1), padding: .zero)
    let d = Self.data(c, seed: 700)
    let ours = Self.run(c, x: d.x, w: d.w, b: d.b, dy: d.dy, threads: 2)
    let r = Self.reference(c, x: d.x, w: d.w, b: d.b, dy: d.dy)
    #expect(Self.error(ours.y, r.y) < 2e-6)
    #expect(Self.error(ours.dx, r.dx) < 2e-6)
    #expect(Self.error(ours.dw, r.dw) < 2e-6)
    #expect(ours == Self.run(c, x: d.x, w: d.w, b: d.b, dy: d.dy, threads: 1))
    let xt = Tensor(shape: c.input, values: d.x, requiresGrad: true)
    let wt = Tensor(shape: [5, 6, 1, 1], values: d.w)
    let y = conv2d(xt, weight: wt, bias: nil, stride: 1, padding: 0)
    sum((y + y * 2) * Tensor(shape: y.shape, values: d.dy)).backward()
    #expect(Self.error(xt.grad!, r.dx.map { 3 * $0 }) < 4e-6)
    let check = checkGradients([Tensor(shape: [1, 2, side, side], values: Array(d.x.prefix(2 * side * side))), Tensor(shape: [2, 2, 1, 1], values: [0.5, -0.3, 0.2, 0.9])], step: 1e-2) {
      conv2d($0[0], weight: $0[1], bias: nil, stride: 1, padding: 0)
    }
    #expect(check.passed, "\(check)")
  }
}
