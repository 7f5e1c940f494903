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
