import ProxyGradFormat

/// An error from the notebook output layer: bad output values, codec failures, refused writes and
/// file-system failures. Messages are lowercase with no trailing period and name the value or path
/// at fault.
package enum NotebookError: Error, Equatable, Sendable, CustomStringConvertible {
  /// An image tensor's shape is not `[H, W]`, `[C, H, W]` or `[N, C, H, W]` with C 1 or 3.
  case invalidImageShape(shape: [Int], reason: String)
  /// The number of values does not match the product of the shape.
  case pixelCountMismatch(expected: Int, got: Int)
  /// A batch was given a label list of the wrong length.
  case labelCountMismatch(images: Int, labels: Int)
  /// libpng refused to encode an image.
  case pngEncodingFailed(String)
  /// Bytes that are not a PNG libpng can read; the string names the cause.
  case pngDecodingFailed(String)
  /// A table that cannot be made or read (a row wider than its columns, an unknown column).
  case table(TableError)
  /// A plot series whose coordinate lists differ in length.
  case plotSeriesLengthMismatch(series: String, x: Int, y: Int)
  /// A path passed to `save(...)` that leaves the output folder without permission.
  case writeNotAllowed(path: String, reason: String)
  /// A path passed to `save(...)` that is malformed (empty, NUL byte, reserved name).
  case invalidWritePath(path: String, reason: String)
  /// A file-system operation failed.
  case fileSystem(path: String, operation: String, message: String)

  package var description: String {
    switch self {
    case .invalidImageShape(let shape, let reason):
      return "cannot show a tensor of shape \(shape): \(reason)"
    case .pixelCountMismatch(let expected, let got):
      return "image data has \(got) values but its shape needs \(expected)"
    case .labelCountMismatch(let images, let labels):
      return "labels: expected \(images) labels for \(images) images, got \(labels)"
    case .pngEncodingFailed(let message):
      return "png encoding failed: \(message)"
    case .pngDecodingFailed(let message):
      return "not a readable png: \(message)"
    case .table(let error):
      return error.description
    case .plotSeriesLengthMismatch(let series, let x, let y):
      return "plot series '\(series)' has \(x) x values but \(y) y values"
    case .writeNotAllowed(let path, let reason):
      return "refusing to write '\(path)': \(reason)"
    case .invalidWritePath(let path, let reason):
      return "invalid output path '\(path)': \(reason)"
    case .fileSystem(let path, let operation, let message):
      return "cannot \(operation) '\(path)': \(message)"
    }
  }
}
