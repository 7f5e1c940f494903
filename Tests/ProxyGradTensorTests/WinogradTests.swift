import Foundation
import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// Winograd F(4×4, 3×3) convolution (`Kernels/WinogradKernels.swift`): hand-checked cases,
/// agreement with a Double reference within a stated bound, finite-difference gradients,
/// bit-identity across thread counts, and the choice of path.
@Suite struct WinogradTests {
  // MARK: References in Double

  /// Every tap of a 3×3 stride-1 convolution of an input of `xShape` by `w` (O×C×3×3): the
  /// indices of x[n, c, oy − PT + ky, ox − PL + kx], w[o, c, ky, kx] and y[n, o, oy, ox] for
  /// every tap that lands inside the input.
  static func forEachTap(
    xShape: [Int], _ w: Tensor, padding p: Padding2d, _ body: (_ x: Int, _ w: Int, _ y: Int) -> Void
  ) {
    let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
    let o = w.shape[0]
    let oh = h + p.top + p.bottom - 2
    let ow = wd + p.left + p.right - 2
    for i in 0..<n {
      for oc in 0..<o {
        for oy in 0..<oh {
          for ox in 0..<ow {
            for ic in 0..<c {
              for ky in 0..<3 {
                let iy = oy - p.top + ky
                guard iy >= 0 && iy < h else { continue }
                for kx in 0..<3 {
                  let ix = ox - p.left + kx
                  guard ix >= 0 && ix < wd else { continue }
                  body(
                    ((i * c + ic) * h + iy) * wd + ix, ((oc * c + ic) * 3 + ky) * 3 + kx,
                    ((i * o + oc) * oh + oy) * ow + ox)
                }
              }
            }
          }
        }
      }
    }
  }

  /// y[n, o, oy, ox] = b[o] + Σ x[n, c, oy − PT + ky, ox − PL + kx] · w[o, c, ky, kx].
  static func referenceForward(
    _ x: Tensor, _ w: Tensor, _ b: Tensor?, padding p: Padding2d
  ) -> [Double] {
    let (n, o) = (x.shape[0], w.shape[0])
    let plane = (x.shape[2] + p.top + p.bottom - 2) * (x.shape[3] + p.left + p.right - 2)
    var y = (0..<n * o * plane).map { Double(b?.values[($0 / plane) % o] ?? 0) }
    forEachTap(xShape: x.shape, w, padding: p) { xi, wi, yi in
      y[yi] += Double(x.values[xi]) * Double(w.values[wi])
    }
    return y
  }

  /// dx[n, c, iy, ix] = Σ dy[n, o, iy + PT − ky, ix + PL − kx] · w[o, c, ky, kx].
  static func referenceInputGradient(
    _ dy: [Float], xShape: [Int], _ w: Tensor, padding p: Padding2d
  ) -> [Double] {
    var dx = [Double](repeating: 0, count: xShape.reduce(1, *))
    forEachTap(xShape: xShape, w, padding: p) { xi, wi, yi in
      dx[xi] += Double(dy[yi]) * Double(w.values[wi])
    }
    return dx
  }

  /// Relative RMS error and largest absolute error over the largest magnitude.
  static func errors(_ got: [Float], _ want: [Double]) -> (rms: Double, max: Double) {
    precondition(got.count == want.count)
    var se = 0.0
    var sr = 0.0
    var worst = 0.0
    var largest = 0.0
    for (a, b) in zip(got, want) {
      let d = Double(a) - b
      se += d * d
      sr += b * b
      worst = max(worst, abs(d))
      largest = max(largest, abs(b))
    }
    return ((se / max(sr, .leastNormalMagnitude)).squareRoot(), worst / max(largest, .leastNormalMagnitude))
  }

  // MARK: Hand-checked cases

  /// All-ones 4×4 image, all-ones kernel, padding 1: each output counts the image pixels under
  /// the window (4 in corners, 6 on edges, 9 inside), plus the bias 0.5.
  @Test func onesCountTheWindow() {
    let x = Tensor(shape: [1, 1, 4, 4], values: [Float](repeating: 1, count: 16))
    let w = Tensor(shape: [1, 1, 3, 3], values: [Float](repeating: 1, count: 9))
    let b = Tensor(shape: [1], values: [0.5])
    let y = withWinograd(.always) { conv2d(x, weight: w, bias: b, stride: 1, padding: 1) }
    let want: [Float] = [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4].map { $0 + 0.5 }
    #expect(y.shape == [1, 1, 4, 4])
    for (a, e) in zip(y.values, want) { #expect(abs(a - e) <= 2e-6, "\(y.values)") }
  }

  /// A kernel with a single 1 at (ky, kx) shifts the image: y[oy, ox] = x[oy − 1 + ky, ox − 1 +
  /// kx] (0 outside), on a 5×6 image (partial tiles in both directions).
  @Test(arguments: [(0, 0), (1, 1), (2, 0), (0, 2), (2, 2)])
  func deltaKernelShifts(ky: Int, kx: Int) {
    let values = (0..<30).map { Float($0 + 1) }
    let x = Tensor(shape: [1, 1, 5, 6], values: values)
    var k = [Float](repeating: 0, count: 9)
    k[ky * 3 + kx] = 1
    let w = Tensor(shape: [1, 1, 3, 3], values: k)
    let y = withWinograd(.always) { conv2d(x, weight: w, bias: nil, stride: 1, padding: 1) }
    for oy in 0..<5 {
      for ox in 0..<6 {
        let (iy, ix) = (oy - 1 + ky, ox - 1 + kx)
        let want: Float = iy >= 0 && iy < 5 && ix >= 0 && ix < 6 ? values[iy * 6 + ix] : 0
        let got = y.values[oy * 6 + ox]
        #expect(abs(got - want) <= 1e-5 * 30, "(\(oy), \(ox)): \(got) vs \(want)")
      }
    }
  }

  /// Two channels, two outputs, padding 0, computed by hand: x channel 0 is 1 everywhere,
  /// channel 1 is 2; w[0] sums channel 0 (9) minus channel 1's centre (−2): 7; w[1] is
  /// channel 1's corners (4 · 2 = 8).
  @Test func twoChannelsByHand() {
    var xs = [Float](repeating: 1, count: 36)
    xs += [Float](repeating: 2, count: 36)
    let x = Tensor(shape: [1, 2, 6, 6], values: xs)
    var ws = [Float](repeating: 1, count: 9) + [0, 0, 0, 0, -1, 0, 0, 0, 0]
    ws += [0, 0, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 1, 0, 0, 0, 1, 0, 1]
    let w = Tensor(shape: [2, 2, 3, 3], values: ws)
    let y = withWinograd(.always) { conv2d(x, weight: w, bias: nil, stride: 1, padding: 0) }
    #expect(y.shape == [1, 2, 4, 4])
    for i in 0..<16 {
      #expect(abs(y.values[i] - 7) <= 1e-5)
      #expect(abs(y.values[16 + i] - 8) <= 1e-5)
    }
  }

  // MARK: Agreement with the Double reference

  /// The bound: relative RMS error ≤ 2·10⁻⁷·√(9C) and largest error ≤ 1.5·10⁻⁶·√(9C) times the
  /// largest output, for C input channels (9C terms per output). The research notes (§8)
  /// measured F(4×4, 3×3) on N(0, 1) data at 1.6·10⁻⁶ (C = 64) and 3.1·10⁻⁶ (C = 256) relative
  /// RMS, growing as √C, and 1.4·10⁻⁵ max/max at C = 256: the bound is about 2.5× and 3× those
  /// (2·10⁻⁷·√(9·256) = 9.6·10⁻⁶). Measured on these shapes: Winograd's relative RMS error
  /// is 4·10⁻⁷–1.2·10⁻⁶ forward and 5·10⁻⁷–1.3·10⁻⁶ for the input gradient, 4–6× and 8–15×
  /// that of im2col's float32 sums (7·10⁻⁸–2.2·10⁻⁷); the bound is 1.4–10× above them.
  static func bound(channels: Int) -> (rms: Double, max: Double) {
    let terms = Double(9 * channels).squareRoot()
    return (2e-7 * terms, 1.5e-6 * terms)
  }

  static let shapes: [(n: Int, c: Int, o: Int, h: Int, w: Int, pad: Padding2d)] = [
    (2, 3, 4, 9, 7, Padding2d(1)),
    (1, 8, 5, 13, 13, Padding2d(0)),
    (3, 16, 16, 8, 8, Padding2d(1)),
    (1, 7, 3, 6, 11, Padding2d(top: 2, left: 0, bottom: 1, right: 2)),
    (2, 64, 32, 12, 12, Padding2d(1)),
    (1, 256, 8, 8, 8, Padding2d(1)),
  ]

  @Test(arguments: shapes.indices)
  func forwardAndInputGradientMatchDouble(index: Int) {
    let s = Self.shapes[index]
    let x = randomTensor([s.n, s.c, s.h, s.w], seed: UInt64(100 + index))
    x.requiresGrad = true
    var rng = SplitMix64(seed: UInt64(200 + index))
    let w = Tensor.normal([s.o, s.c, 3, 3], mean: 0, std: Float(1 / Double(9 * s.c).squareRoot()), rng: &rng)
    let b = randomTensor([s.o], seed: UInt64(300 + index))
    let oh = s.h + s.pad.top + s.pad.bottom - 2
    let ow = s.w + s.pad.left + s.pad.right - 2
    let dy = randomTensor([s.n, s.o, oh, ow], seed: UInt64(400 + index))
    func run(_ policy: WinogradPolicy) -> (y: [Float], dx: [Float]) {
      x.grad = nil
      let y = withWinograd(policy) {
        conv2d(x, weight: w, bias: b, stride: (1, 1), padding: s.pad)
      }
      sum(y * dy).backward()
      return (y.values, x.grad!)
    }
    let wino = run(.always)
    let direct = run(.never)
    let yRef = Self.referenceForward(x, w, b, padding: s.pad)
    let dxRef = Self.referenceInputGradient(dy.values, xShape: x.shape, w, padding: s.pad)
    let limit = Self.bound(channels: s.c)
    let gradientLimit = Self.bound(channels: s.o)  // the input gradient sums over 9·O terms
    let ey = Self.errors(wino.y, yRef)
    let edx = Self.errors(wino.dx, dxRef)
    let directY = Self.errors(direct.y, yRef)
    let directDx = Self.errors(direct.dx, dxRef)
    #expect(ey.rms <= limit.rms && ey.max <= limit.max, "forward \(ey) bound \(limit), im2col \(directY)")
    #expect(
      edx.rms <= gradientLimit.rms && edx.max <= gradientLimit.max,
      "input gradient \(edx) bound \(gradientLimit), im2col \(directDx)")
    // The path was taken: Winograd's rounding differs from im2col's somewhere.
    #expect(wino.y != direct.y)
  }

  // MARK: Gradients

  @Test(arguments: [Padding2d(1), Padding2d(0), Padding2d(top: 2, left: 1, bottom: 0, right: 2)])
  func finiteDifferences(padding: Padding2d) {
    let x = randomTensor([2, 3, 7, 6], seed: 15)
    let w = randomTensor([4, 3, 3, 3], seed: 16)
    let b = randomTensor([4], seed: 17)
    let check = withWinograd(.always) {
      checkGradients([x, w, b], step: 1e-2) {
        conv2d($0[0], weight: $0[1], bias: $0[2], stride: (1, 1), padding: padding)
      }
    }
    #expect(check.passed, "\(padding): \(check)")
  }

  /// With a fused Leaky ReLU of another backward slope (the swap rule).
  @Test func finiteDifferencesThroughFusedActivation() {
    let x = randomTensor([1, 2, 6, 6], seed: 18)
    let w = randomTensor([3, 2, 3, 3], seed: 19)
    let b = randomTensor([3], seed: 20)
    let act = FusedLeakyReLU(forwardSlope: 0.2, backwardSlope: 0.2)!
    let check = withWinograd(.always) {
      checkGradients([x, w, b], step: 1e-2) {
        conv2d($0[0], weight: $0[1], bias: $0[2], stride: 1, padding: 1, activation: act)
      }
    }
    #expect(check.passed, "\(check)")
  }

  /// Fused and separate activation agree bit for bit under Winograd too.
  @Test func fusedEqualsSeparate() {
    let suite = FusedConvolutionTests()
    let (fused, separate) = withWinograd(.always) {
      (
        suite.pass(batch: 3, size: 9, slopes: (0, 0.3), fused: true, channels: (5, 6)),
        suite.pass(batch: 3, size: 9, slopes: (0, 0.3), fused: false, channels: (5, 6))
      )
    }
    #expect(fused == separate)
  }

  /// A gradient that x already has is added to, not overwritten.
  @Test func inputGradientAccumulates() {
    let x = randomTensor([1, 4, 8, 8], seed: 50)
    x.requiresGrad = true
    let w = randomTensor([4, 4, 3, 3], seed: 51)
    let once = withWinograd(.always) { () -> [Float] in
      sum(conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)).backward()
      return x.grad!
    }
    withWinograd(.always) {
      sum(conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)).backward()
    }
    #expect(x.grad! == once.map { $0 + $0 })
  }

  // MARK: Determinism and dispatch

  /// Layers where it pays (the default policy) give the same bits at 1, 2 and 3 threads, for
  /// outputs and all gradients; and they do take the Winograd path (bits differ from im2col).
  @Test func bitIdenticalAcrossThreadCounts() {
    func pass(threads: Int, policy: WinogradPolicy = .auto) -> [[Float]] {
      Parallel.withThreads(threads) {
        withWinograd(policy) {
          let x = randomTensor([5, 64, 16, 16], seed: 60)
          x.requiresGrad = true
          let w = randomTensor([72, 64, 3, 3], seed: 61, scale: 0.04)
          w.requiresGrad = true
          let b = randomTensor([72], seed: 62)
          b.requiresGrad = true
          let act = FusedLeakyReLU(forwardSlope: 0, backwardSlope: 0.3)!
          let y = conv2d(x, weight: w, bias: b, stride: 1, padding: 1, activation: act)
          let values = y.values
          sum(y * randomTensor(y.shape, seed: 63)).backward()
          return [values, x.grad!, w.grad!, b.grad!]
        }
      }
    }
    let one = pass(threads: 1)
    #expect(pass(threads: 2) == one)
    #expect(pass(threads: 3) == one)
    #expect(pass(threads: 1, policy: .never)[0] != one[0])
  }

  /// Small layers (the 28–32 px nets of the notebooks, fewer than 64 channels; fewer than 64
  /// tiles in the batch), strided, grouped and 5×5 convolutions stay on im2col under the default
  /// policy: bits equal `.never`.
  @Test func smallAndIneligibleLayersStayOnIm2col() {
    let cases: [(x: [Int], w: [Int], stride: Int, groups: Int)] = [
      ([2, 16, 13, 13], [32, 16, 3, 3], 1, 1),
      ([8, 32, 32, 32], [32, 32, 3, 3], 1, 1),
      ([2, 64, 6, 6], [64, 64, 3, 3], 1, 1),
      ([1, 128, 28, 28], [128, 128, 3, 3], 1, 1),
      ([2, 32, 16, 16], [32, 32, 3, 3], 2, 1),
      ([2, 32, 16, 16], [32, 16, 3, 3], 1, 2),
      ([2, 32, 16, 16], [32, 32, 5, 5], 1, 1),
    ]
    for (i, k) in cases.enumerated() {
      let x = randomTensor(k.x, seed: UInt64(70 + i))
      let w = randomTensor(k.w, seed: UInt64(80 + i))
      let run = { (p: WinogradPolicy) in
        withWinograd(p) {
          conv2d(
            x, weight: w, bias: nil, stride: (k.stride, k.stride), padding: Padding2d(1),
            groups: k.groups
          ).values
        }
      }
      #expect(run(.auto) == run(.never), "case \(i)")
    }
  }
}

private func randomTensor(_ shape: [Int], seed: UInt64, scale: Float) -> Tensor {
  ProxyGradTestSupport.randomTensor(shape, low: -scale, high: scale, seed: seed)
}
