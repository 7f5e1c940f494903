import ProxyGradNN

extension Interpreter {
  /// Reports `body` as work of `total` units to `progress`; `body` receives a function to call
  /// with the units done. `end` is reported even when `body` throws.
  func reportingProgress<T, E: Error>(
    _ label: String, total: Int, _ body: ((Int) -> Void) throws(E) -> T
  ) throws(E) -> T {
    guard let sink = progress else { return try body { _ in } }
    var completed = 0
    sink.begin(label, total: total)
    defer { sink.end(completed: completed, detail: "") }
    return try body { done in
      completed = done
      sink.update(completed: done, detail: "")
    }
  }
}

/// Encodes a tensor as an image file. A front end's `FileAccess` may adopt it so that
/// `save(tensor, "x.png")` works; the runtime itself has no image codec.
public protocol ImageFileEncoder: AnyObject {
  /// PNG bytes of a tensor shaped like `show`'s input.
  func png(of tensor: Tensor) throws(FileAccessDenied) -> [UInt8]
}

/// Decodes an image file into a tensor `[C, H, W]` with values in [-1, 1]. A front end's
/// `FileAccess` may adopt it so that `images(folder)` can read PNG files.
public protocol ImageFileDecoder: AnyObject {
  func image(atPath path: String) throws(FileAccessDenied) -> Tensor
}
