import Dispatch
import ProxyGradNN
import ProxyGradTensor

/// The sgemm rate OpenBLAS reaches here: C = A·B with square matrices.
enum SgemmProbe {
  static func gflops(size n: Int, reps: Int) -> Double {
    var rng = SplitMix64(seed: 3)
    let a = Tensor.uniform([n, n], low: -1, high: 1, rng: &rng)
    let b = Tensor.uniform([n, n], low: -1, high: 1, rng: &rng)
    _ = matmul(a, b)
    var best = Double.infinity
    for _ in 0..<max(3, reps / 4) { best = min(best, milliseconds { _ = matmul(a, b) }) }
    return 2 * Double(n * n * n) / (best * 1e6)
  }
}

/// The rate W3's convolution layers reach (forward and backward), in GFLOP/s of the GEMM work
/// they do (2·N·O·C·K²·OH·OW per GEMM, three GEMMs per layer with input gradients).
enum ConvProbe {
  static func w3ConvGflops() -> Double {
    let shapes: [(c: Int, o: Int, hw: Int)] = [
      (3, 64, 32), (64, 64, 32), (64, 128, 16), (128, 128, 16), (128, 256, 8),
    ]
    var rng = SplitMix64(seed: 4)
    var flops = 0.0
    var ms = 0.0
    for (index, s) in shapes.enumerated() {
      let x = Tensor.uniform([128, s.c, s.hw, s.hw], low: -1, high: 1, rng: &rng)
      x.requiresGrad = index > 0
      let w = Tensor.normal([s.o, s.c, 3, 3], mean: 0, std: 0.1, rng: &rng)
      w.requiresGrad = true
      let b = Tensor.zeros([s.o])
      b.requiresGrad = true
      let gemm = 2.0 * 128 * Double(s.o * s.c * 9 * s.hw * s.hw)
      flops += gemm * (index > 0 ? 3 : 2)
      ms += milliseconds {
        let y = conv2d(x, weight: w, bias: b, stride: 1, padding: 1)
        sum(y).backward()
      }
    }
    return flops / (ms * 1e6)
  }
}

/// Resident memory over many training steps: the graph must be released every step.
enum MemoryProbe {
  /// - Parameters:
  ///   - large: W1's network and batch; otherwise a tiny network, fast even in a debug build.
  static func run(steps: Int, large: Bool) throws -> [(String, String)] {
    let net = large ? try Workloads.w1Network(seed: 1) : try Workloads.tinyNetwork(seed: 1)
    let step = Workloads.trainStep(network: net, batch: large ? 64 : 8)
    let early = min(1000, steps)
    for _ in 0..<early { step() }
    let before = currentResidentKilobytes()
    for _ in early..<steps { step() }
    let after = currentResidentKilobytes()
    return [
      ("workload", "\"memory\""), ("steps", "\(steps)"), ("rss_kb_at_\(early)", "\(before)"),
      ("rss_kb_at_end", "\(after)"), ("growth_kb", "\(after - before)"),
    ]
  }
}

/// Where W3's peak memory is reached: resident and peak memory after set-up, after the forward
/// pass of a training step and after its backward pass (the first step, then a second one).
enum MemoryStagesProbe {
  static func run() throws -> [(String, String)] {
    let network = try Workloads.w3Network(seed: 1)
    var rng = SplitMix64(seed: 11)
    let inputs = Tensor.uniform([128] + network.inputShape, low: -1, high: 1, rng: &rng)
    let labels = (0..<128).map { $0 % 10 }
    var report: [(String, String)] = [
      ("workload", "\"memory-stages\""), ("setup_kb", "\(peakResidentKilobytes())"),
    ]
    for step in 1...2 {
      network.zeroGradients()
      let loss = softmaxCrossEntropy(
        network.forward(inputs, mode: network.nextTrainingMode()).output, labels: labels)
      report.append(("step\(step)_forward_peak_kb", "\(peakResidentKilobytes())"))
      report.append(("step\(step)_forward_rss_kb", "\(currentResidentKilobytes())"))
      loss.backward()
      report.append(("step\(step)_backward_peak_kb", "\(peakResidentKilobytes())"))
      report.append(("step\(step)_backward_rss_kb", "\(currentResidentKilobytes())"))
    }
    return report
  }
}

/// Time per 3×3 stride-1 convolution layer, im2col + GEMM against Winograd: the forward pass,
/// and the forward pass with the input gradient (weights frozen, as in a maximization step).
/// Best of `reps` per case, in milliseconds.
enum Conv3x3Probe {
  static let shapes: [(n: Int, c: Int, o: Int, hw: Int)] = [
    (128, 64, 64, 32), (128, 64, 128, 16), (128, 128, 128, 16), (128, 128, 256, 8),
    (1, 64, 64, 56), (1, 128, 128, 28), (1, 256, 256, 14), (1, 512, 512, 7),
    (8, 64, 64, 56), (8, 128, 128, 28), (8, 256, 256, 14), (8, 512, 512, 7),
    (64, 16, 32, 11), (64, 16, 16, 16), (8, 32, 32, 8), (8, 32, 32, 16), (8, 32, 32, 32),
    (8, 64, 64, 8), (1, 64, 64, 8), (1, 64, 64, 16), (1, 32, 32, 32),
  ]

  static func run(reps: Int) -> [String] {
    var rng = SplitMix64(seed: 5)
    var lines: [String] = []
    for s in shapes {
      let x = Tensor.uniform([s.n, s.c, s.hw, s.hw], low: -1, high: 1, rng: &rng)
      let w = Tensor.normal([s.o, s.c, 3, 3], mean: 0, std: 0.05, rng: &rng)
      func time(_ policy: WinogradPolicy, backward: Bool) -> Double {
        withWinograd(policy) {
          var best = Double.infinity
          for _ in 0..<max(2, reps) {
            x.grad = nil
            x.requiresGrad = backward
            best = min(
              best,
              milliseconds {
                let y = conv2d(x, weight: w, bias: nil, stride: 1, padding: 1)
                if backward { sum(y).backward() }
              })
          }
          return best
        }
      }
      let f0 = time(.never, backward: false)
      let f1 = time(.always, backward: false)
      let b0 = time(.never, backward: true)
      let b1 = time(.always, backward: true)
      lines.append(
        "N=\(s.n) \(s.c)->\(s.o) \(s.hw)x\(s.hw): fwd im2col \(fmt(f0)) winograd \(fmt(f1)) (\(fmt(f1 / f0))x); "
          + "fwd+dx im2col \(fmt(b0)) winograd \(fmt(b1)) (\(fmt(b1 / b0))x)")
    }
    return lines
  }

  static func fmt(_ v: Double) -> String { String((v * 1000).rounded() / 1000) }
}
