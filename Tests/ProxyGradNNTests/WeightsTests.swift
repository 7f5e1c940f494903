import Foundation
import ProxyGradNN
import ProxyGradTestSupport
import Testing

@Suite struct WeightsTests {
  let folder: String = {
    let path = NSTemporaryDirectory() + "pgs-weights-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }()

  static func network(seed: UInt64) throws -> Network {
    try Network(
      inputShape: [1, 6, 6],
      layers: [.conv(outChannels: 2, kernel: 3), .leakyReLU(slope: 0), .flatten(), .linear(outFeatures: 3)],
      seed: seed)
  }

  @Test func roundTripRestoresEveryParameter() throws {
    let a = try Self.network(seed: 1), b = try Self.network(seed: 2)
    let path = "\(folder)/net.safetensors"
    try SafeTensors.save(a, to: path, metadata: ["format": "pt"])
    try SafeTensors.load(b, from: path)
    #expect(a.parameters.map(\.values) == b.parameters.map(\.values))
    let names = try SafeTensors.read(path).keys.sorted()
    #expect(names == ["conv1.bias", "conv1.weight", "linear1.bias", "linear1.weight"])
  }

  @Test func bytesFollowTheFormat() {
    // Hand-built: header length (LE u64), JSON header padded to 8, then little-endian F32 data.
    let bytes = SafeTensors.encode([("w", [2], [1, -2])])
    let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    var padded = header
    while padded.utf8.count % 8 != 0 { padded += " " }
    let expected: [UInt8] = [UInt8(padded.utf8.count), 0, 0, 0, 0, 0, 0, 0] + Array(padded.utf8)
      + [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]
    #expect(bytes == expected)
  }

  func expectError(_ expected: String, _ body: () throws -> Void) {
    do {
      try body()
      Issue.record("expected an error containing '\(expected)'")
    } catch {
      #expect("\(error)".contains(expected), "\(error)")
    }
  }

  @Test func wrongFilesAreClearErrors() throws {
    let net = try Self.network(seed: 1)
    func file(_ name: String, _ bytes: [UInt8]) -> String {
      let path = "\(folder)/\(name)"
      FileManager.default.createFile(atPath: path, contents: Data(bytes))
      return path
    }
    let good = SafeTensors.encode(net.namedParameters.map { ($0.name, $0.tensor.shape, $0.tensor.values) })
    expectError("the file ends inside the 8-byte header length") { try SafeTensors.load(net, from: file("a", [1, 2])) }
    expectError("does not fit the file") { try SafeTensors.load(net, from: file("b", Array(good.prefix(40)))) }
    expectError("does not match shape") { try SafeTensors.load(net, from: file("c", Array(good.dropLast(4)))) }
    let renamed = SafeTensors.encode(net.namedParameters.map { ($0.name.replacingOccurrences(of: "linear1", with: "fc"), $0.tensor.shape, $0.tensor.values) })
    expectError("no tensor named 'linear1.weight'") { try SafeTensors.load(net, from: file("d", renamed)) }
    let reshaped = SafeTensors.encode(net.namedParameters.map { ($0.name, $0.name == "linear1.weight" ? [3, 2, 16] : $0.tensor.shape, $0.tensor.values) })
    expectError("tensor 'linear1.weight' has shape [3, 2, 16], the network expects [3, 32]") {
      try SafeTensors.load(net, from: file("e", reshaped))
    }
    let extra = SafeTensors.encode(net.namedParameters.map { ($0.name, $0.tensor.shape, $0.tensor.values) } + [("head.weight", [1], [0])])
    expectError("tensor 'head.weight' matches no parameter") { try SafeTensors.load(net, from: file("f", extra)) }
    var int8 = good
    if let range = String(decoding: good, as: UTF8.self).range(of: "F32") {
      let at = String(decoding: good, as: UTF8.self).utf8.distance(from: String(decoding: good, as: UTF8.self).utf8.startIndex, to: range.lowerBound)
      int8.replaceSubrange(at..<(at + 3), with: Array("I32".utf8))
    }
    expectError("dtype I32 is not supported") { try SafeTensors.load(net, from: file("g", int8)) }
  }
}
