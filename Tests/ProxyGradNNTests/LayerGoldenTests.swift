import Foundation
import ProxyGradNN
import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// The ops behind the layers of real CNNs against PyTorch 2.13: outputs and the gradients of
/// `Σ y·r` (a fixed random `r`) with respect to the input and every parameter. The goldens come
/// from `scripts/golden-layers` (`scripts/crosscheck-support/make_layer_goldens.py`).
@Suite struct LayerGoldenTests {
  /// One golden case: its file and the same computation in pgs, from the named input tensors.
  struct Case: CustomStringConvertible, Sendable {
    let file: String
    let parameters: [String]
    let run: @Sendable ([String: Tensor]) -> Tensor
    var description: String { file }
  }

  static func constant(_ values: [Float]) -> Tensor { Tensor(shape: [1, values.count, 1, 1], values: values) }

  static let cases: [Case] = [
    Case(file: "conv-rect-dilated", parameters: ["weight", "bias"]) {
      conv2d(
        $0["x"]!, weight: $0["weight"]!, bias: $0["bias"], stride: (2, 1),
        padding: Padding2d(vertical: 1, horizontal: 2), dilation: (1, 2))
    },
    Case(file: "conv-grouped", parameters: ["weight", "bias"]) {
      conv2d($0["x"]!, weight: $0["weight"]!, bias: $0["bias"], stride: (1, 1), padding: Padding2d(1), groups: 2)
    },
    Case(file: "conv-depthwise", parameters: ["weight"]) {
      conv2d($0["x"]!, weight: $0["weight"]!, bias: nil, stride: (2, 2), padding: Padding2d(1), groups: 4)
    },
    Case(file: "conv-asymmetric-pad", parameters: ["weight", "bias"]) {
      conv2d(
        $0["x"]!, weight: $0["weight"]!, bias: $0["bias"], stride: (2, 2),
        padding: Padding2d(top: 1, left: 2, bottom: 0, right: 0))
    },
    Case(file: "maxpool-k3-s2-p1", parameters: []) {
      maxPool2d($0["x"]!, kernel: (3, 3), stride: (2, 2), padding: Padding2d(1))
    },
    Case(file: "maxpool-k3-s2-ceil", parameters: []) {
      maxPool2d($0["x"]!, kernel: (3, 3), stride: (2, 2), ceilMode: true)
    },
    Case(file: "maxpool-k2x3-s1x2-p1-d2x1", parameters: []) {
      maxPool2d($0["x"]!, kernel: (2, 3), stride: (1, 2), padding: Padding2d(1), dilation: (2, 1))
    },
    Case(file: "avgpool-k3-s2-p1-include", parameters: []) {
      avgPool2d($0["x"]!, kernel: (3, 3), stride: (2, 2), padding: Padding2d(1))
    },
    Case(file: "avgpool-k3-s2-p1-exclude", parameters: []) {
      avgPool2d($0["x"]!, kernel: (3, 3), stride: (2, 2), padding: Padding2d(1), countIncludePad: false)
    },
    Case(file: "avgpool-k3-s2-p1-ceil-include", parameters: []) {
      avgPool2d($0["x"]!, kernel: (3, 3), stride: (2, 2), padding: Padding2d(1), ceilMode: true)
    },
    Case(file: "avgpool-k3-s2-p1-ceil-exclude", parameters: []) {
      avgPool2d(
        $0["x"]!, kernel: (3, 3), stride: (2, 2), padding: Padding2d(1), ceilMode: true,
        countIncludePad: false)
    },
    Case(file: "adaptive-avgpool-3x4", parameters: []) { adaptiveAvgPool2d($0["x"]!, outputSize: (3, 4)) },
    Case(file: "adaptive-avgpool-5x5", parameters: []) { adaptiveAvgPool2d($0["x"]!, outputSize: (5, 5)) },
    Case(file: "concat-channels", parameters: ["other"]) {
      concat([$0["x"]!, $0["other"]!, $0["x"]! * 2], axis: 1)
    },
    Case(file: "normalize-constants", parameters: []) {
      ($0["x"]! - constant([0.485, 0.456, 0.406])) / constant([0.229, 0.224, 0.225])
        * constant([2, 1, 0.5]) + 0.25
    },
    Case(file: "relu6", parameters: []) { clip($0["x"]!, low: 0, high: 6) },
    Case(file: "clip-m1-2", parameters: []) { clip($0["x"]!, low: -1, high: 2) },
    Case(file: "relu6-swap-0.3", parameters: []) {
      clip($0["x"]!, low: 0, high: 6, forwardSlope: 0, backwardSlope: 0.3)
    },
    Case(file: "relu6-proxy-0.3", parameters: []) {
      clip($0["x"]!, low: 0, high: 6, forwardSlope: 0.3, backwardSlope: 0.3)
    },
    Case(file: "sigmoid", parameters: []) { sigmoid($0["x"]!) },
    Case(file: "tanh", parameters: []) { tanh($0["x"]!) },
    Case(file: "softmax-features", parameters: []) { softmax($0["x"]! * 3, axis: 1) },
    Case(file: "softmax-channels", parameters: []) { softmax($0["x"]!, axis: 1) },
    Case(file: "lrn-inception", parameters: []) {
      localResponseNorm($0["x"]!, size: 5, alpha: 1e-4, beta: 0.75, k: 1)
    },
    Case(file: "lrn-even-size", parameters: []) {
      localResponseNorm($0["x"]!, size: 4, alpha: 0.5, beta: 0.6, k: 2)
    },
  ]

  static func golden(_ file: String) throws -> [String: (shape: [Int], values: [Float])] {
    guard let url = Bundle.module.url(forResource: "Golden", withExtension: nil) else {
      throw CrossCheckError("no Golden folder in the test bundle")
    }
    return try SafeTensors.read("\(url.path)/layers/\(file).safetensors")
  }

  /// max |a − b| / max |b| over the tensor (a tiny floor for all-zero tensors).
  static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    guard a.count == b.count else { return .infinity }
    let scale = max(b.lazy.map { Double(abs($0)) }.max() ?? 0, 1e-30)
    return zip(a, b).map { Double(abs($0 - $1)) }.max().map { $0 / scale } ?? 0
  }

  @Test(arguments: cases)
  func matchesPyTorch(_ c: Case) throws {
    let g = try Self.golden(c.file)
    var inputs: [String: Tensor] = [:]
    for name in ["x"] + c.parameters {
      let t = try #require(g[name], "golden has no \(name)")
      inputs[name] = Tensor(shape: t.shape, values: t.values, requiresGrad: true)
    }
    let y = c.run(inputs)
    let expected = try #require(g["y"])
    #expect(y.shape == expected.shape, "\(c.file): shape \(y.shape), PyTorch \(expected.shape)")
    let forward = Self.relativeError(y.values, expected.values)
    #expect(forward <= 1e-5, "\(c.file): output relative error \(forward)")
    let r = try #require(g["r"])
    sum(y * Tensor(shape: r.shape, values: r.values)).backward()
    for name in ["x"] + c.parameters {
      let expectedGrad = try #require(g["grad_" + name])
      let actual = inputs[name]!.grad ?? [Float](repeating: 0, count: expectedGrad.values.count)
      let error = Self.relativeError(actual, expectedGrad.values)
      #expect(error <= 1e-5, "\(c.file): gradient of \(name) relative error \(error)")
    }
  }
}
