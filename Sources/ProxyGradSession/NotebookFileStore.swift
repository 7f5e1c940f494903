import ProxyGradNN
import ProxyGradNotebook
import ProxyGradRuntime

/// Where a notebook's `save(...)` writes: paths are confined to the output folder (written into
/// its staging folder) unless `--allow-write` covers them. Tensors are written by extension:
/// `.png` (an image, as `show` renders it), `.csv` (rank 1 or 2) or `.safetensors`.
package final class NotebookFileStore: FileStore {
  private let folder: OutputFolder
  private let confinement: WriteConfinement
  /// Paths written, relative to the output folder or absolute for allowed outside paths.
  package private(set) var written: [String] = []

  package init(folder: OutputFolder, confinement: WriteConfinement) {
    self.folder = folder
    self.confinement = confinement
  }

  package func save(_ content: SavedContent, to path: String) throws(FileStoreError) -> String {
    do throws(NotebookError) {
      let target = try confinement.resolve(path)
      let bytes = try Self.bytes(of: content, path: path)
      if let relative = target.relativePath {
        try folder.write(ReportFile(path: relative, bytes: bytes))
        written.append(relative)
        return relative
      }
      try AtomicFile.write(bytes, to: target.path)
      written.append(target.path)
      return target.path
    } catch {
      throw FileStoreError(error.description)
    }
  }

  /// The file's bytes: text as UTF-8, tensors in the format the extension names.
  static func bytes(of content: SavedContent, path: String) throws(NotebookError) -> [UInt8] {
    switch content {
    case .text(let text):
      return Array(text.utf8)
    case .tensor(let tensor):
      let lower = path.lowercased()
      if lower.hasSuffix(".png") {
        return try PNGCodec.encode(
          try NotebookImage.rendering(values: tensor.values, shape: tensor.shape))
      }
      if lower.hasSuffix(".csv") { return Array(try csv(tensor, path: path).utf8) }
      if lower.hasSuffix(".safetensors") {
        return SafeTensors.encode([(name: "tensor", shape: tensor.shape, values: tensor.values)])
      }
      throw .invalidWritePath(
        path: path, reason: "a tensor is saved as .png, .csv or .safetensors; name the file so")
    }
  }

  /// Rows of comma-separated values; a rank-1 tensor is one row.
  static func csv(_ tensor: Tensor, path: String) throws(NotebookError) -> String {
    guard tensor.rank == 1 || tensor.rank == 2 else {
      throw .invalidWritePath(
        path: path, reason: "CSV holds a tensor of rank 1 or 2, got shape \(tensor.shape)")
    }
    let width = tensor.shape.last ?? 0
    guard width > 0 else { return "" }
    var out = ""
    for row in stride(from: 0, to: tensor.count, by: width) {
      out += tensor.values[row..<(row + width)].map { Format.float($0) }.joined(separator: ",")
      out += "\n"
    }
    return out
  }
}
