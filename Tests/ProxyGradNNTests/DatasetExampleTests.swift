import ProxyGradNN
import ProxyGradTestSupport
import Testing

@Suite struct DatasetExampleTests {
  @Test func ranksImagesPerUnitFromOneBatchedPass() throws {
    // The identity layer: unit u of image i is its element u.
    let net = try PeerObjectiveTests.identity(2)
    let images = Tensor(shape: [5, 2], values: [0, 5, 3, -1, 3, 2, 9, 0, -2, 4])
    for batch in [1, 2, 256] {
      let top = topActivating(.logits([0, 1]), network: net, images: images, k: 3, batchSize: batch)
      // Unit 0: 9 (image 3), 3 (image 1), 3 (image 2; the tie goes to the lower index).
      #expect(top.best[0].map(\.index) == [3, 1, 2])
      #expect(top.best[0].map(\.value) == [9, 3, 3])
      // Unit 1: 5 (image 0), 4 (image 4), 2 (image 2).
      #expect(top.best[1].map(\.index) == [0, 4, 2])
    }
  }

  @Test func manyUnitsAgreeWithOneUnitAtATime() throws {
    let net = try PeerObjectiveTests.convNet()
    var rng = SplitMix64(seed: 2)
    let images = Tensor.uniform([40, 2, 5, 5], low: -1, high: 1, rng: &rng)
    let all = topActivating(.channels(layer: "conv1", [0, 1, 2]), network: net, images: images, k: 4, batchSize: 16)
    for c in 0..<3 {
      let one = topActivating(.channel(layer: "conv1", c), network: net, images: images, k: 4)
      #expect(all.best[c].map(\.index) == one.best[0].map(\.index))
      let values = evaluate(.channel(layer: "conv1", c), network: net, input: images, policy: .original).values
      let sorted = values.enumerated().sorted { $0.element > $1.element }.prefix(4).map(\.offset)
      #expect(one.best[0].map(\.index) == sorted)
    }
  }
}
