import ProxyGradNN
import ProxyGradTensor
import ProxyGradTestSupport
import Testing

/// Depthwise and grouped convolution layers in networks: definitions that do not fit the input
/// are errors that name the layer and what was expected; fitting ones run the direct kernels.
@Suite struct DepthwiseLayerTests {
  func error(_ specs: [LayerSpec], input: [Int]) -> String {
    do {
      _ = try Network(inputShape: input, layers: specs, seed: 0)
      return "built"
    } catch {
      return error.description
    }
  }

  @Test func badShapesNameTheLayer() {
    // Depthwise over 6 channels asked of an input with 4.
    #expect(
      error([.convolution(ConvOptions(outChannels: 6, kernel: Size2d(3), groups: 6))], input: [4, 8, 8])
        == "layer 'conv1': groups: 6 must divide both the input channels (4) and the output channels (6)")
    // Output channels not a multiple of the groups.
    #expect(
      error([.convolution(ConvOptions(outChannels: 6, kernel: Size2d(3), groups: 4))], input: [4, 8, 8])
        == "layer 'conv1': groups: 4 must divide both the input channels (4) and the output channels (6)")
    // A 3×3 depthwise kernel on a 2×2 plane without padding.
    #expect(
      error([.convolution(ConvOptions(outChannels: 4, kernel: Size2d(3), groups: 4))], input: [4, 2, 2])
        == "layer 'conv1': the kernel (3×3 with dilation) is larger than the padded input [4, 2, 2]")
    #expect(
      error(
        [.convolution(ConvOptions(outChannels: 8, kernel: Size2d(3), stride: Size2d(2), padding: Padding2d(1), groups: 4))],
        input: [4, 9, 9]) == "built")
  }

  /// A network of a depthwise layer (stride 2, multiplier 2) computes what `conv2d` computes,
  /// and its input gradient passes a finite-difference check.
  @Test func depthwiseLayerInANetwork() throws {
    let options = ConvOptions(
      outChannels: 8, kernel: Size2d(3), stride: Size2d(2), padding: Padding2d(1), groups: 4)
    let net = try Network(inputShape: [4, 9, 9], layers: [.convolution(options)], seed: 3)
    let x = randomTensor([2, 4, 9, 9], seed: 9)
    let y = Autograd.withoutRecording { net.forward(x).output }
    #expect(y.shape == [2, 8, 5, 5])
    let conv = try #require(net.layers.first as? Conv2d)
    let direct = Autograd.withoutRecording {
      conv2d(x, weight: conv.weight, bias: conv.bias, stride: (2, 2), padding: Padding2d(1), groups: 4)
    }
    #expect(y.values == direct.values)
    let check = checkGradients([x], step: 1e-2) { net.forward($0[0]).output }
    #expect(check.passed, "\(check)")
  }
}
