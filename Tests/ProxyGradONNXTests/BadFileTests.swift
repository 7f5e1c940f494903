import Foundation
import ProxyGradNN
import ProxyGradTensor
import Testing

@testable import ProxyGradONNX

/// Files pgs cannot read give errors naming the file, the node, the op and, for a corrupt file,
/// the byte offset; none crashes, and mutated real files (the fuzz test) never crash either.
@Suite struct BadFileTests {
  /// A scratch folder with copies of fixtures.
  final class Scratch {
    let folder: URL
    init() throws {
      folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-onnx-bad-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: folder) }
    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    func copy(_ fixture: String, as name: String? = nil) throws -> String {
      let to = path(name ?? fixture)
      try FileManager.default.copyItem(atPath: ONNXImportTests.fixture(fixture), toPath: to)
      return to
    }
    func write(_ model: Onnx_ModelProto, _ name: String) throws -> String {
      let to = path(name)
      try Data(try model.serializedBytes() as [UInt8]).write(to: URL(fileURLWithPath: to))
      return to
    }
  }

  static func model(_ fixture: String) throws -> Onnx_ModelProto {
    try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: ONNXImportTests.fixture(fixture))))
  }

  /// The error `load` throws, or nil when it reads the file.
  static func error(_ path: String) -> ONNXError? {
    do {
      _ = try ONNXImport.load(path: path)
      return nil
    } catch {
      return error
    }
  }

  @Test func anOpOutsideTheListNamesTheFileNodeAndOp() throws {
    let scratch = try Scratch()
    var m = try Self.model("small.legacy.onnx")
    m.graph.node[1].opType = "Softsign"
    let path = try scratch.write(m, "softsign.onnx")
    let e = try #require(Self.error(path))
    #expect(e.file == path && e.node == "/relu/Relu" && e.op == "Softsign")
    #expect(e.description.hasPrefix("\(path), node '/relu/Relu' (Softsign): the op Softsign is not supported; pgs reads Add,"))
  }

  @Test func missingOrShortExternalDataIsAnError() throws {
    let scratch = try Scratch()
    let path = try scratch.copy("small.dynamo.onnx")
    let e = try #require(Self.error(path))
    #expect(e.message.contains("small.dynamo.onnx.data', which is missing"), "\(e)")
    #expect(e.message.hasPrefix("initializer '"))
    // A data file cut short.
    let data = try Data(contentsOf: URL(fileURLWithPath: ONNXImportTests.fixture("small.dynamo.onnx.data")))
    try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: scratch.path("small.dynamo.onnx.data")))
    let short = try #require(Self.error(path))
    #expect(short.message.contains("which has only \(data.count - 100) bytes (short or truncated external data)"), "\(short)")
    // An offset past the end, and a location outside the folder.
    try data.write(to: URL(fileURLWithPath: scratch.path("small.dynamo.onnx.data")))
    var m = try Self.model("small.dynamo.onnx")
    let i = try #require(m.graph.initializer.firstIndex { $0.dataLocation == .external })
    var entries = m.graph.initializer[i].externalData
    let o = try #require(entries.firstIndex { $0.key == "offset" })
    entries[o].value = "\(data.count)"
    m.graph.initializer[i].externalData = entries
    let moved = try scratch.write(m, "offset.onnx")
    try data.write(to: URL(fileURLWithPath: scratch.path("small.dynamo.onnx.data")))
    #expect(Self.error(moved)?.message.contains("reads bytes \(data.count)..<") == true)
    let l = try #require(entries.firstIndex { $0.key == "location" })
    entries[l].value = "../elsewhere.data"
    m.graph.initializer[i].externalData = entries
    #expect(Self.error(try scratch.write(m, "escape.onnx"))?.message.contains("outside the model's folder") == true)
  }

  @Test func dynamicSizesBeyondTheBatchAxisAreAnError() throws {
    let scratch = try Scratch()
    var m = try Self.model("small.legacy.onnx")
    var dims = m.graph.input[0].type.tensorType.shape.dim
    dims[0].dimParam = "N"  // a dynamic batch is fine
    m.graph.input[0].type.tensorType.shape.dim = dims
    #expect(Self.error(try scratch.write(m, "batch.onnx")) == nil)
    dims[2].dimParam = "H"
    m.graph.input[0].type.tensorType.shape.dim = dims
    let e = try #require(Self.error(try scratch.write(m, "height.onnx")))
    #expect(e.message == "the input 'input' has a dynamic size 'H' at axis 2; pgs needs fixed sizes beyond the batch axis (export with a fixed input size)")
  }

  @Test func wrongElementTypesAreAnError() throws {
    let scratch = try Scratch()
    var m = try Self.model("small.legacy.onnx")
    m.graph.input[0].type.tensorType.elemType = 11
    #expect(Self.error(try scratch.write(m, "double-input.onnx"))?.message == "the input 'input' has element type DOUBLE; pgs reads FLOAT inputs")
    m = try Self.model("small.legacy.onnx")
    m.graph.initializer[0].dataType = 8
    let e = try #require(Self.error(try scratch.write(m, "string.onnx")))
    #expect(e.message.contains("has element type STRING; pgs reads FLOAT"), "\(e)")
    // A FLOAT tensor with the bytes of another size.
    m = try Self.model("small.legacy.onnx")
    m.graph.initializer[0].rawData = m.graph.initializer[0].rawData.dropLast(2)
    #expect(Self.error(try scratch.write(m, "short.onnx"))?.message.contains("bytes of data for shape") == true)
  }

  @Test func truncatedOrCorruptFilesGiveTheByteOffset() throws {
    let scratch = try Scratch()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: ONNXImportTests.fixture("small.legacy.onnx")))
    let half = scratch.path("half.onnx")
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: half))
    let e = try #require(Self.error(half))
    #expect(e.offset != nil && e.offset! < bytes.count / 2)
    #expect(e.description.hasPrefix("\(half) at byte \(e.offset!): not a well-formed ONNX model:"), "\(e)")
    let empty = scratch.path("empty.onnx")
    try Data().write(to: URL(fileURLWithPath: empty))
    #expect(Self.error(empty)?.description == "\(empty) at byte 0: not a well-formed ONNX model: the file is empty")
    let text = scratch.path("text.onnx")
    try Data("not a model at all\n".utf8).write(to: URL(fileURLWithPath: text))
    #expect(Self.error(text) != nil)
    #expect(Self.error(scratch.path("absent.onnx"))?.message.hasPrefix("cannot read the file") == true)
  }

  @Test func opsetsOutsideNineToTwentyOneAreAnError() throws {
    let scratch = try Scratch()
    var m = try Self.model("small.legacy.onnx")
    m.opsetImport[0].version = 22
    #expect(Self.error(try scratch.write(m, "opset22.onnx"))?.message == "the model uses opset 22; pgs reads opsets 9 to 21")
  }

  /// Mutated copies of real files (flipped bytes, cuts, repeated runs) are read or refused with
  /// an ONNXError; a network that loads runs a forward pass.
  @Test func mutatedFilesNeverCrash() throws {
    let scratch = try Scratch()
    var rng = SplitMix64(seed: 19)
    var refused = 0
    var loaded = 0
    for fixture in ["small.legacy.onnx", "small.dynamo-noopt.onnx"] {
      let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ONNXImportTests.fixture(fixture))))
      for trial in 0..<150 {
        var bytes = original
        switch trial % 3 {
        case 0:
          for _ in 0...Int(rng.next() % 4) {
            let i = Int(rng.next() % UInt64(bytes.count))
            bytes[i] ^= UInt8(1 << (rng.next() % 8))
          }
        case 1:
          bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
        default:
          let i = Int(rng.next() % UInt64(bytes.count))
          let n = Int(rng.next() % 16) + 1
          bytes.insert(contentsOf: bytes[i..<min(bytes.count, i + n)], at: i)
        }
        let path = scratch.path("mutant.onnx")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if fixture.contains("dynamo") {
          let data = scratch.path("small.dynamo-noopt.onnx.data")
          if !FileManager.default.fileExists(atPath: data) {
            try FileManager.default.copyItem(atPath: ONNXImportTests.fixture("small.dynamo-noopt.onnx.data"), toPath: data)
          }
        }
        do {
          let net = try ONNXImport.load(path: path)
          loaded += 1
          if Shape.count(net.inputShape) <= 1 << 16 {
            let out = net.forward(Tensor.full([1] + net.inputShape, value: 0.5)).output
            #expect(out.shape == [1] + net.outputShape)
          }
        } catch {
          refused += 1
          #expect(!error.description.isEmpty)
        }
      }
    }
    #expect(refused > 100 && loaded > 10, "refused \(refused), loaded \(loaded)")
  }
}
