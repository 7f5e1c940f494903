import ProxyGradTensor

/// A STREAM-like measurement of memory bandwidth with the engine's threads: copy `a = b` and
/// triad `a = b + s·c` over arrays of 20 M floats (80 MB each, far beyond the caches), split
/// into fixed ranges that `Parallel.forEachRange` hands to the threads. Bytes are counted as
/// STREAM does (copy 2 arrays, triad 3; no write-allocate), and the best repetition is kept.
enum StreamProbe {
  static let count = 20 << 20

  /// GB/s (10⁹ bytes per second) of copy and triad.
  static func run(reps: Int) -> (copy: Double, triad: Double) {
    typealias V = SIMD8<Float>
    let n = count
    var a = [Float](repeating: 0, count: n)
    let b = [Float](repeating: 1, count: n)
    let c = [Float](repeating: 2, count: n)
    var bestCopy = Double.infinity
    var bestTriad = Double.infinity
    a.withUnsafeMutableBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeBufferPointer { pc in
          let a = pa.baseAddress!, b = pb.baseAddress!, c = pc.baseAddress!
          let chunk = 1 << 16
          let chunks = n / chunk
          // One pass of copy (`a = b`) or triad (`a = b + s·c`) over fixed ranges, timed.
          func pass(triad: Bool) -> Double {
            milliseconds {
              Parallel.forEachRange(chunks, costPerItem: chunk) { r in
                var i = r.lowerBound * chunk
                let end = r.upperBound * chunk
                let s = V(repeating: 3)
                if triad {
                  while i < end {
                    let v =
                      UnsafeRawPointer(b + i).loadUnaligned(as: V.self)
                      + s * UnsafeRawPointer(c + i).loadUnaligned(as: V.self)
                    UnsafeMutableRawPointer(a + i).storeBytes(of: v, as: V.self)
                    i += 8
                  }
                } else {
                  while i < end {
                    UnsafeMutableRawPointer(a + i).storeBytes(
                      of: UnsafeRawPointer(b + i).loadUnaligned(as: V.self), as: V.self)
                    i += 8
                  }
                }
              }
            }
          }
          for _ in 0..<max(3, reps) {
            bestCopy = min(bestCopy, pass(triad: false))
            bestTriad = min(bestTriad, pass(triad: true))
          }
        }
      }
    }
    let bytes = Double(n * MemoryLayout<Float>.size)
    return (2 * bytes / (bestCopy * 1e6), 3 * bytes / (bestTriad * 1e6))
  }
}

/// The rate of the depthwise convolutions of MobileNetV2 (W6) at 224×224 and batch 8: every
/// 3×3 depthwise layer's shape (channels, input side, stride; padding 1), forward and backward to
/// the input (weights frozen, as in an activation-maximization step). Reported as bytes moved
/// per second: the forward pass reads the input and writes the output, the backward pass reads
/// the output gradient and writes the input gradient (weights are negligible), and as GFLOP/s
/// (2 per multiply-add, both passes).
enum DepthwiseProbe {
  static let layers: [(channels: Int, side: Int, stride: Int)] = [
    (32, 112, 1), (96, 112, 2), (144, 56, 1), (144, 56, 2), (192, 28, 1), (192, 28, 1),
    (192, 28, 2), (384, 14, 1), (384, 14, 1), (384, 14, 1), (384, 14, 1), (576, 14, 1),
    (576, 14, 1), (576, 14, 2), (960, 7, 1), (960, 7, 1), (960, 7, 1),
  ]

  struct Rate {
    var forwardGBs: Double
    var backwardGBs: Double
    var gflops: Double
    var milliseconds: Double
  }

  static func run(batch: Int, reps: Int) -> Rate {
    var rng = SplitMix64(seed: 5)
    var forwardBytes = 0.0, backwardBytes = 0.0, flops = 0.0
    var forwardMs = 0.0, backwardMs = 0.0
    for l in layers {
      let x = Tensor.uniform([batch, l.channels, l.side, l.side], low: -1, high: 1, rng: &rng)
      let w = Tensor.normal([l.channels, 1, 3, 3], mean: 0, std: 0.3, rng: &rng)
      let out = (l.side + 2 - 3) / l.stride + 1
      let inFloats = Double(batch * l.channels * l.side * l.side)
      let outFloats = Double(batch * l.channels * out * out)
      forwardBytes += 4 * (inFloats + outFloats)
      backwardBytes += 4 * (inFloats + outFloats)
      flops += 2 * 2 * 9 * outFloats
      func forward() -> Tensor {
        conv2d(x, weight: w, bias: nil, stride: (l.stride, l.stride), padding: Padding2d(1), groups: l.channels)
      }
      var bestForward = Double.infinity
      var bestStep = Double.infinity
      x.requiresGrad = true
      for _ in 0..<max(3, reps) {
        bestForward = min(bestForward, milliseconds { _ = Autograd.withoutRecording { forward() } })
        let y = forward()
        x.grad = nil
        bestStep = min(bestStep, milliseconds { y.backward() })
      }
      forwardMs += bestForward
      backwardMs += bestStep
    }
    return Rate(
      forwardGBs: forwardBytes / (forwardMs * 1e6), backwardGBs: backwardBytes / (backwardMs * 1e6),
      gflops: flops / ((forwardMs + backwardMs) * 1e6), milliseconds: forwardMs + backwardMs)
  }
}
