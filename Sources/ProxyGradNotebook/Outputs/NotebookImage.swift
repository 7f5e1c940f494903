/// An 8-bit image: `height` rows of `width` pixels, each `channels` bytes (1: gray, 3: RGB),
/// row-major with interleaved channels.
package struct NotebookImage: Equatable, Sendable {
  package let width: Int
  package let height: Int
  package let channels: Int
  package let pixels: [UInt8]

  /// Creates an image, checking that the channel count is 1 or 3 and the pixel count fits.
  package init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws(NotebookError) {
    guard channels == 1 || channels == 3 else {
      throw .invalidImageShape(
        shape: [channels, height, width], reason: "channels must be 1 or 3, got \(channels)")
    }
    guard width > 0, height > 0 else {
      throw .invalidImageShape(
        shape: [channels, height, width], reason: "width and height must be positive")
    }
    let (count, overflow) = width.multipliedReportingOverflow(by: height * channels)
    guard !overflow, count == pixels.count else {
      throw .pixelCountMismatch(expected: overflow ? Int.max : count, got: pixels.count)
    }
    self.init(unchecked: width, height: height, channels: channels, pixels: pixels)
  }

  init(unchecked width: Int, height: Int, channels: Int, pixels: [UInt8]) {
    self.width = width
    self.height = height
    self.channels = channels
    self.pixels = pixels
  }

  /// The byte of one sample: `pixels[(y * width + x) * channels + channel]`.
  package func sample(x: Int, y: Int, channel: Int = 0) -> UInt8 {
    pixels[(y * width + x) * channels + channel]
  }

  /// The 8-bit value of a tensor sample in [-1, 1]:
  /// ```
  /// byte = round((clamp(value, -1, 1) + 1) / 2 * 255)     // round half away from zero
  /// ```
  /// so -1 → 0, 0 → 128, 1 → 255. Values outside [-1, 1] are clamped; NaN maps to 0.
  package static func byte(from value: Float) -> UInt8 {
    guard !value.isNaN else { return 0 }
    let clamped = Swift.min(Swift.max(value, -1), 1)
    return UInt8(((clamped + 1) * 127.5).rounded(.toNearestOrAwayFromZero))
  }

  /// Copies this image, scaled up `factor` times with nearest neighbours.
  package func upscaled(by factor: Int) -> NotebookImage {
    guard factor > 1 else { return self }
    let newWidth = width * factor
    var out = [UInt8](repeating: 0, count: newWidth * height * factor * channels)
    for y in 0..<(height * factor) {
      let sourceRow = (y / factor) * width
      for x in 0..<newWidth {
        let source = (sourceRow + x / factor) * channels
        let target = (y * newWidth + x) * channels
        for c in 0..<channels { out[target + c] = pixels[source + c] }
      }
    }
    return NotebookImage(
      unchecked: newWidth, height: height * factor, channels: channels, pixels: out)
  }
}
