import ProxyGradNN
import ProxyGradONNX
import ProxyGradTensor

/// W5–W7: one activation-maximization step at 3×224×224 on a model read from ONNX (ResNet-18,
/// MobileNetV2, GoogLeNet), exported once by `scripts/bench-support/torch224_workloads.py`.
///
/// - `W5-1`, `W5-8` (W6, W7 alike): batch 1 or 8; one repetition is the original network's
///   forward pass (unrecorded), then a forward and backward pass to the input under `swap(0.3)`,
///   objective logit 3 (summed over the batch), as `grad(logit(net, 3), x, swap(0.3))` does.
/// - `W5-fwd8`: the forward pass alone at batch 8.
enum Workloads224 {
  static let unit = 3

  /// Parses `W5-8` into (batch 8, step) and `W5-fwd8` into (batch 8, forward only).
  static func parse(_ name: String) -> (batch: Int, forwardOnly: Bool)? {
    let parts = name.split(separator: "-", maxSplits: 1)
    guard parts.count == 2, ["W5", "W6", "W7"].contains(String(parts[0])) else { return nil }
    let rest = String(parts[1])
    if rest.hasPrefix("fwd"), let b = Int(rest.dropFirst(3)), b > 0 { return (b, true) }
    if let b = Int(rest), b > 0 { return (b, false) }
    return nil
  }

  static func make(_ name: String, modelPath: String) throws -> () -> Void {
    guard let (batch, forwardOnly) = parse(name) else { throw BenchError("unknown workload '\(name)'") }
    guard !modelPath.isEmpty else { throw BenchError("\(name) needs --model PATH (an ONNX file)") }
    let network = try ONNXImport.load(path: modelPath)
    guard network.inputShape == [3, 224, 224] else {
      throw BenchError("\(modelPath): input \(network.inputShape), expected [3, 224, 224]")
    }
    var rng = SplitMix64(seed: 7)
    let x = Tensor.uniform([batch, 3, 224, 224], low: -1, high: 1, rng: &rng)
    if forwardOnly {
      return { _ = Autograd.withoutRecording { network.forward(x).output } }
    }
    return {
      _ = Autograd.withoutRecording { network.forward(x).output }
      _ = inputGradient(.logit(unit), network: network, input: x, rule: .swap(.constant(0.3)))
    }
  }
}
