import CPNG
import Testing

@testable import ProxyGradNotebook

@Suite struct PNGCodecTests {
  static func gradient(channels: Int, width: Int = 7, height: Int = 5) throws -> NotebookImage {
    let pixels = (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
    return try NotebookImage(width: width, height: height, channels: channels, pixels: pixels)
  }

  /// Big-endian 32-bit integer at `offset`.
  static func uint32(_ bytes: [UInt8], _ offset: Int) -> Int {
    bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
  }

  @Test(arguments: [1, 3])
  func roundTripsThroughLibpng(channels: Int) throws {
    let image = try Self.gradient(channels: channels)
    let png = try PNGCodec.encode(image)
    #expect(try PNGCodec.decode(png) == image)
  }

  @Test(arguments: [(1, 0), (3, 2)])
  func writesSignatureAndIHDR(channels: Int, colorType: UInt8) throws {
    let png = try PNGCodec.encode(try Self.gradient(channels: channels))
    #expect(Array(png.prefix(8)) == PNGCodec.signature)
    #expect(Self.uint32(png, 8) == 13)
    #expect(String(decoding: png[12..<16], as: UTF8.self) == "IHDR")
    #expect(Self.uint32(png, 16) == 7)  // width
    #expect(Self.uint32(png, 20) == 5)  // height
    #expect(png[24] == 8)  // bit depth
    #expect(png[25] == colorType)
    #expect(png[28] == 0)  // not interlaced
    #expect(String(decoding: png.suffix(8).prefix(4), as: UTF8.self) == "IEND")
  }

  @Test func encodingIsDeterministicAndHasNoTimeOrTextChunks() throws {
    let image = try Self.gradient(channels: 3, width: 64, height: 48)
    let first = try PNGCodec.encode(image)
    #expect(try PNGCodec.encode(image) == first)
    var offset = 8
    var chunks: [String] = []
    while offset + 8 <= first.count {
      let length = Self.uint32(first, offset)
      chunks.append(String(decoding: first[(offset + 4)..<(offset + 8)], as: UTF8.self))
      offset += 12 + length
    }
    #expect(chunks.first == "IHDR")
    #expect(chunks.last == "IEND")
    #expect(!chunks.contains { ["tIME", "tEXt", "zTXt", "iTXt"].contains($0) })
  }

  @Test func rejectsBadInputWithClearErrors() throws {
    #expect(throws: NotebookError.pngDecodingFailed("missing png signature")) {
      try PNGCodec.decode(Array("not a png".utf8))
    }
    let png = try PNGCodec.encode(try Self.gradient(channels: 1, width: 40, height: 40))
    let truncated = Array(png.prefix(png.count / 2))
    do {
      _ = try PNGCodec.decode(truncated)
      Issue.record("a truncated png decoded")
    } catch {
      guard case .pngDecodingFailed(let message) = error else {
        Issue.record("unexpected error \(error)")
        return
      }
      #expect(!message.isEmpty)
    }
    var corrupt = png
    corrupt[16] = 0xFF  // width high byte: the IHDR CRC no longer matches
    #expect(throws: NotebookError.self) { try PNGCodec.decode(corrupt) }
  }
}

@Suite struct PNGDecoderFormatTests {
  /// A 2×1 RGBA PNG written with libpng directly: an opaque red pixel and a transparent one.
  static func rgbaPNG() throws -> [UInt8] {
    var png = png_image()
    png.version = UInt32(PNG_IMAGE_VERSION)
    png.width = 2
    png.height = 1
    png.format = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
    let pixels: [UInt8] = [255, 0, 0, 255, 0, 255, 0, 0]
    var size = 0
    _ = pixels.withUnsafeBytes {
      png_image_write_to_memory(&png, nil, &size, 0, $0.baseAddress, 8, nil)
    }
    var bytes = [UInt8](repeating: 0, count: size)
    let ok = bytes.withUnsafeMutableBytes { memory in
      pixels.withUnsafeBytes {
        png_image_write_to_memory(&png, memory.baseAddress, &size, 0, $0.baseAddress, 8, nil)
      }
    }
    try #require(ok != 0)
    return Array(bytes.prefix(size))
  }

  @Test func alphaIsCompositedOntoBlack() throws {
    let image = try PNGCodec.decode(try Self.rgbaPNG())
    #expect(image.channels == 3)
    #expect(image.pixels == [255, 0, 0, 0, 0, 0])
  }
}
