import Foundation
import ProxyGradNN
import ProxyGradNotebook
import ProxyGradRuntime

/// PNG files as tensors and back, for the runtime's `save(tensor, "x.png")` and
/// `images(folder)`, through the notebook module's libpng codec.
package enum ImageFiles {
  /// PNG bytes of a tensor shaped like `show`'s input. A single image keeps its own size (so
  /// `images(folder)` reads back what `save` wrote); a batch becomes a grid as `show` draws it.
  package static func png(of tensor: Tensor) throws(FileAccessDenied) -> [UInt8] {
    let single = tensor.rank <= 3 || tensor.shape.first == 1
    let layout = single ? ImageGridLayout(minimumTileSize: 1, padding: 0) : ImageGridLayout()
    do throws(NotebookError) {
      return try PNGCodec.encode(
        try NotebookImage.rendering(values: tensor.values, shape: tensor.shape, layout: layout))
    } catch {
      throw FileAccessDenied(error.description)
    }
  }

  /// A PNG file as `[C, H, W]` (C = 1 grey or 3 colour) with bytes mapped to [-1, 1].
  package static func tensor(atPath path: String) throws(FileAccessDenied) -> Tensor {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw FileAccessDenied("\(path): cannot read the file")
    }
    let image: NotebookImage
    do throws(NotebookError) {
      image = try PNGCodec.decode([UInt8](data))
    } catch {
      throw FileAccessDenied("\(path): \(error.description)")
    }
    let (c, h, w) = (image.channels, image.height, image.width)
    var values = [Float](repeating: 0, count: c * h * w)
    for y in 0..<h {
      for x in 0..<w {
        for ch in 0..<c {
          values[(ch * h + y) * w + x] = Float(image.pixels[(y * w + x) * c + ch]) / 127.5 - 1
        }
      }
    }
    return Tensor(shape: [c, h, w], values: values)
  }
}

/// The file access of a plain script run (writes confined to its working directory, see
/// `WriteConfinement`) or a REPL session (any path, as given), with PNG encoding and decoding.
package final class ScriptFileAccess: FileAccess, ImageFileEncoder, ImageFileDecoder {
  private let confinement: WriteConfinement?

  /// - Parameter confinement: where writes may go; nil allows any path.
  package init(confinement: WriteConfinement? = nil) {
    self.confinement = confinement
  }

  /// A plain script's access: writes only beneath the working directory, or the `--allow-write`
  /// paths.
  package static func confinedToWorkingDirectory(allowing allowed: [String] = []) -> ScriptFileAccess {
    ScriptFileAccess(
      confinement: WriteConfinement(
        outputFolder: FileManager.default.currentDirectoryPath, allowedPaths: allowed,
        folderName: "the working directory"))
  }

  package func writablePath(_ path: String) -> Result<String, FileAccessDenied> {
    guard let confinement else { return .success(path) }
    do throws(NotebookError) {
      return .success(try confinement.resolve(path).path)
    } catch {
      return .failure(FileAccessDenied(error.description))
    }
  }
  package func readablePath(_ path: String) -> String { path }
  package func png(of tensor: Tensor) throws(FileAccessDenied) -> [UInt8] { try ImageFiles.png(of: tensor) }
  package func image(atPath path: String) throws(FileAccessDenied) -> Tensor { try ImageFiles.tensor(atPath: path) }
}
