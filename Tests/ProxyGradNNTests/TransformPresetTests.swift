import ProxyGradNN
import ProxyGradTestSupport
import Testing

@Suite struct TransformPresetTests {
  @Test func blurRegularizerByHand() throws {
    // Image [0, 2] (1×2): Lucid's blur gives (0·1 + 2·½)/1.5 = 2/3 and (2·1 + 0·½)/1.5 = 4/3;
    // x − blur = [−2/3, 2/3], value ½ Σ = 4/9, gradient x − blur (the blur is held constant).
    let net = try Network(inputShape: [1, 1, 2], layers: [.flatten()], seed: 0)
    let x = Tensor(shape: [1, 1, 1, 2], values: [0, 2])
    let (value, gradient) = inputGradient(.blur, network: net, input: x, rule: .plain)
    #expect(isApproximatelyEqual(value, [4.0 / 9]))
    #expect(isApproximatelyEqual(gradient, [-2.0 / 3, 2.0 / 3]))
  }

  @Test func colorJitterOfZeroChangesNothingAndOtherwiseReproduces() throws {
    let net = try Network(
      inputShape: [3, 6, 6],
      layers: [.conv(outChannels: 2, kernel: 3), .leakyReLU(slope: 0), .flatten(), .linear(outFeatures: 2)], seed: 4)
    func run(_ transforms: [Transform]) -> Tensor {
      var adam = Adam(learningRate: 0.05)
      let options = MaximizeOptions(steps: 5, rule: .plain, transforms: transforms, seed: 3)
      return maximize(.logit(1), network: net, options: options, optimizer: &adam).image
    }
    let plain = run([])
    #expect(run([.colorJitter(0)]).values == plain.values)
    let jittered = run([.colorJitter(0.3)])
    #expect(jittered.values != plain.values)
    #expect(run([.colorJitter(0.3)]).values == jittered.values)
  }
}
