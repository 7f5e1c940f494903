import CPNG

/// PNG encoding and decoding through libpng's simplified API (`png_image_*`), which reports
/// errors as return values instead of `longjmp`, so every failure becomes a `NotebookError`.
///
/// Encoded files are deterministic: libpng's simplified writer emits IHDR, an sRGB chunk, IDAT
/// and IEND only, never a time or text chunk, so equal pixels give equal bytes (for one libpng
/// and zlib build).
package enum PNGCodec {
  /// The 8-byte PNG signature.
  package static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Encodes `image` as an 8-bit grayscale or RGB PNG in memory.
  package static func encode(_ image: NotebookImage) throws(NotebookError) -> [UInt8] {
    var png = png_image()
    png.version = UInt32(PNG_IMAGE_VERSION)
    png.width = UInt32(image.width)
    png.height = UInt32(image.height)
    png.format = image.channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
    let stride = Int32(image.width * image.channels)

    var size = 0
    let sized = image.pixels.withUnsafeBytes { pixels in
      png_image_write_to_memory(&png, nil, &size, 0, pixels.baseAddress, stride, nil)
    }
    guard sized != 0, size > 0 else { throw .pngEncodingFailed(message(of: &png)) }
    var bytes = [UInt8](repeating: 0, count: size)
    let written = bytes.withUnsafeMutableBytes { memory in
      image.pixels.withUnsafeBytes { pixels in
        png_image_write_to_memory(
          &png, memory.baseAddress, &size, 0, pixels.baseAddress, stride, nil)
      }
    }
    guard written != 0 else { throw .pngEncodingFailed(message(of: &png)) }
    return Array(bytes.prefix(size))
  }

  /// Decodes a PNG of any bit depth or color type to 8-bit gray (for gray sources) or RGB.
  /// An alpha channel is composited onto black; 16-bit samples are reduced to 8 bits.
  /// - Throws: `NotebookError.pngDecodingFailed` naming the cause for anything that is not a
  ///   readable PNG, including truncated files and images over 2^28 bytes.
  package static func decode(_ bytes: [UInt8]) throws(NotebookError) -> NotebookImage {
    guard bytes.count >= 8, Array(bytes.prefix(8)) == signature else {
      throw .pngDecodingFailed("missing png signature")
    }
    var png = png_image()
    png.version = UInt32(PNG_IMAGE_VERSION)
    let result: Result<NotebookImage, NotebookError> = bytes.withUnsafeBytes { memory in
      guard png_image_begin_read_from_memory(&png, memory.baseAddress, memory.count) != 0 else {
        return .failure(.pngDecodingFailed(message(of: &png)))
      }
      defer { png_image_free(&png) }
      let color = png.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
      let channels = color ? 3 : 1
      let width = Int(png.width)
      let height = Int(png.height)
      guard width > 0, height > 0, width * height * channels <= 1 << 28 else {
        return .failure(.pngDecodingFailed("image of \(width)×\(height) is too large"))
      }
      png.format = color ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
      var pixels = [UInt8](repeating: 0, count: width * height * channels)
      let finished = pixels.withUnsafeMutableBytes { buffer in
        png_image_finish_read(&png, nil, buffer.baseAddress, Int32(width * channels), nil)
      }
      guard finished != 0 else { return .failure(.pngDecodingFailed(message(of: &png))) }
      return .success(
        NotebookImage(unchecked: width, height: height, channels: channels, pixels: pixels))
    }
    return try result.get()
  }

  /// libpng's message for the last failure, lowercased by convention of this module.
  private static func message(of png: inout png_image) -> String {
    let text = withUnsafeBytes(of: &png.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    return text.isEmpty ? "libpng failed without a message" : text
  }
}
