import Foundation
import ProxyGradNN
import ProxyGradNotebook
import ProxyGradRuntime

/// Files in a Jupyter session: like any Jupyter kernel, scripts read and write paths relative
/// to the kernel's working folder (the notebook's folder when Jupyter starts it), without the
/// confinement of a `pgs run` report. `save(tensor, "x.png")` encodes images as `show` renders
/// them.
final class KernelFileAccess: FileAccess, ImageFileEncoder {
  func writablePath(_ path: String) -> Result<String, FileAccessDenied> {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      return .failure(FileAccessDenied("cannot create the folder of '\(path)': \(error.localizedDescription)"))
    }
    return .success(path)
  }

  func readablePath(_ path: String) -> String { path }

  func png(of tensor: Tensor) throws(FileAccessDenied) -> [UInt8] {
    do throws(NotebookError) {
      return try PNGCodec.encode(try NotebookImage.rendering(values: tensor.values, shape: tensor.shape))
    } catch {
      throw FileAccessDenied(error.description)
    }
  }
}
