import Foundation
import ProxyGradNN
import ProxyGradNotebook
import ProxyGradRuntime

/// Where a notebook's scripts read and write files. Writes (`save`, `save_weights`) are confined
/// to the output folder and go into its staging folder, unless `--allow-write` covers the path;
/// reads of a path the run has written come from the staging folder, other reads from the path
/// as given. It also encodes `save(tensor, "x.png")` images as `show` renders them.
package final class NotebookFileAccess: FileAccess, ImageFileEncoder, ImageFileDecoder {
  private let confinement: WriteConfinement

  package init(confinement: WriteConfinement) {
    self.confinement = confinement
  }

  package func writablePath(_ path: String) -> Result<String, FileAccessDenied> {
    do throws(NotebookError) {
      let target = try confinement.resolve(path)
      if target.relativePath != nil {
        let folder = URL(fileURLWithPath: target.path).deletingLastPathComponent()
        do {
          try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
          return .failure(FileAccessDenied("cannot create the folder of '\(path)': \(error.localizedDescription)"))
        }
      }
      return .success(target.path)
    } catch {
      return .failure(FileAccessDenied(error.description))
    }
  }

  /// The paths scripts read since the last ``takeReads()``, as they resolved, in order.
  private var reads: [String] = []

  /// The paths read since the last call, each once, in the order first read.
  package func takeReads() -> [String] {
    defer { reads = [] }
    var seen: Set<String> = []
    return reads.filter { seen.insert($0).inserted }
  }

  package func noteRead(_ path: String) { reads.append(path) }

  package func readablePath(_ path: String) -> String {
    let resolved = resolvedReadablePath(path)
    reads.append(resolved)
    return resolved
  }

  private func resolvedReadablePath(_ path: String) -> String {
    guard let target = try? confinement.resolve(path), target.relativePath != nil,
      FileManager.default.fileExists(atPath: target.path)
    else { return path }
    return target.path
  }

  package func png(of tensor: Tensor) throws(FileAccessDenied) -> [UInt8] { try ImageFiles.png(of: tensor) }

  package func image(atPath path: String) throws(FileAccessDenied) -> Tensor {
    try ImageFiles.tensor(atPath: readablePath(path))
  }
}

/// The file access of a run without an output folder: writes are refused, reads go to the path
/// as given.
final class NoOutputFolderAccess: FileAccess {
  func writablePath(_ path: String) -> Result<String, FileAccessDenied> {
    .failure(FileAccessDenied("this run has no output folder to write '\(path)' into"))
  }
  func readablePath(_ path: String) -> String { path }
}
