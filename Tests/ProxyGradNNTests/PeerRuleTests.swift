import ProxyGradNN
import ProxyGradTestSupport
import Testing

/// `redirect` (Lucid) and `open_relu` (Xplique) on the network of `GradientRuleTests`, by hand:
///
/// ```
/// x = [1, −1];  z1 = [−1, −2] (dead);  z2 = [0.5, −0.5];  y = [1, 1] · relu(z2) = 0.5
/// ```
@Suite struct PeerRuleTests {
  func inputGradient(_ rule: GradientRule, step: Int = 0, batch: Tensor? = nil) throws -> ([Float], [Float]) {
    let net = try GradientRuleTests.makeNetwork()
    return ProxyGradNN.inputGradient(
      .logit(0), network: net, input: batch ?? GradientRuleTests.x, rule: rule, step: step, totalSteps: 100)
  }

  @Test func redirectPassesGradientThroughADeadLayerOnlyUpwards() throws {
    // relu2 has a live unit: dz2 = [1, 0]. dh1 = W2ᵀ dz2 = [1, −1]. relu1 is dead for the item:
    // +1 at z = −1 raises it (passes), −1 at z = −2 would lower it (blocked): dz1 = [1, 0].
    // dx = W1ᵀ dz1 = [1, 2].
    let (value, g) = try inputGradient(.redirect(steps: 16))
    #expect(value == [0.5])
    #expect(g == [1, 2])
  }

  @Test func redirectIsPlainFromItsLastStepOn() throws {
    let (_, during) = try inputGradient(.redirect(steps: 16), step: 15)
    let (_, after) = try inputGradient(.redirect(steps: 16), step: 16)
    #expect(during == [1, 2])
    #expect(after == [0, 0])
  }

  @Test func redirectDecidesPerBatchItem() throws {
    // Item 1, x = [0, 1]: z1 = [2, 1] (alive), z2 = [1.5, −6.5] (one live unit), so both ReLUs
    // keep their ordinary gradient for it: dz2 = [1, 0], dz1 = dh1 = [1, −1], dx = [2, 1], as
    // plain gives; item 0 is redirected as above in the same batch.
    let batch = Tensor(shape: [2, 2], values: [1, -1, 0, 1])
    let (_, g) = try inputGradient(.redirect(steps: 16), batch: batch)
    let (_, plain) = try inputGradient(.plain, batch: Tensor(shape: [1, 2], values: [0, 1]))
    #expect(Array(g[0..<2]) == [1, 2])
    #expect(Array(g[2..<4]) == [2, 1])
    #expect(plain == [2, 1])
  }

  @Test func openReLUIsTheIdentityBackwardDuringWarmUp() throws {
    // Backward slope 1 everywhere: dz2 = [1, 1], dh1 = W2ᵀ dz2 = [−2, −1] = dz1,
    // dx = W1ᵀ dz1 = [−1, −5]. The value is the original network's.
    let (value, g) = try inputGradient(.openReLU(steps: 8))
    #expect(value == [0.5])
    #expect(g == [-1, -5])
    let (_, after) = try inputGradient(.openReLU(steps: 8), step: 8)
    #expect(after == [0, 0])
  }

  @Test func redirectRunsUnfusedThroughConvolutionsAndMatchesPlainWhenAlive() throws {
    // A conv + ReLU network with biases that keep every unit alive on this input: redirect's
    // gradient is the ordinary one, computed without the fused conv + ReLU op.
    let net = try Network(
      inputShape: [1, 4, 4],
      layers: [.conv(outChannels: 2, kernel: 3, padding: 1), .leakyReLU(slope: 0), .flatten(), .linear(outFeatures: 2)],
      seed: 3)
    net.layer(named: "conv1")!.parameters[1].values = [5, 5]
    let x = Tensor(shape: [1, 1, 4, 4], values: (0..<16).map { Float($0) / 16 - 0.5 })
    let plain = ProxyGradNN.inputGradient(.logit(1), network: net, input: x, rule: .plain)
    let redirected = ProxyGradNN.inputGradient(.logit(1), network: net, input: x, rule: .redirect(steps: 4))
    #expect(redirected.value == plain.value)
    #expect(isApproximatelyEqual(redirected.gradient, plain.gradient.map(Double.init)))
  }

  @Test func trainingUnderRedirectFollowsTheLossDownwards() throws {
    // linear1 as above (z1 = [−1, −2], dead), linear2 W = [[1, −1], [−1, 1]], no biases, label 0.
    // h1 = 0, logits = [0, 0], dL/dlogits = [−0.5, 0.5], dL/dh1 = Wᵀ [−0.5, 0.5] = [−1, 1].
    // Descending, −1 at z = −1 raises it (passes) and +1 at z = −2 would lower it (blocked):
    // dz1 = [−1, 0], dW1 row 0 = −1 · x = [−1, 1]; SGD 0.1 gives row 0 = [1.1, 1.9].
    func firstLayerAfterStep(_ rule: GradientRule) throws -> [Float] {
      let net = try Network(
        inputShape: [2], layers: [.linear(outFeatures: 2), .leakyReLU(slope: 0), .linear(outFeatures: 2)], seed: 1)
      net.layer(named: "linear1")!.parameters[0].values = [1, 2, -1, 1]
      net.layer(named: "linear1")!.parameters[1].values = [0, 0]
      net.layer(named: "linear2")!.parameters[0].values = [1, -1, -1, 1]
      net.layer(named: "linear2")!.parameters[1].values = [0, 0]
      var sgd = SGD(learningRate: 0.1)
      trainStep(network: net, inputs: GradientRuleTests.x, labels: [0], rule: rule, optimizer: &sgd)
      return net.layer(named: "linear1")!.parameters[0].values
    }
    #expect(try firstLayerAfterStep(.plain) == [1, 2, -1, 1])
    #expect(isApproximatelyEqual(try firstLayerAfterStep(.redirect(steps: 1)), [1.1, 1.9, -1, 1]))
  }

  @Test func descriptions() {
    #expect(GradientRule.redirect(steps: 16).description == "redirect(steps: 16)")
    #expect(GradientRule.openReLU(steps: 4).description == "open_relu(steps: 4)")
  }
}
