import Foundation

/// One file of the output folder, with its path relative to the folder.
package struct ReportFile: Equatable, Sendable {
  package var path: String
  package var bytes: [UInt8]

  package init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
  }

  package init(path: String, text: String) {
    self.init(path: path, bytes: Array(text.utf8))
  }
}

/// Renders a finished run into the files of its output folder (docs/notebooks.md, "The output folder"):
///
/// ```
/// index.html      self-contained report (images as data: URIs, plots as inline SVG)
/// NAME.ipynb      nbformat 4.5 notebook with the same outputs
/// manifest.json   per cell: outputs, status, timing; seed, parameters, script SHA-256, version
/// metrics.json    name → value, in the order metrics were first recorded
/// metrics.csv     the same as CSV
/// images/         cellNN-K.png: the K-th image of cell NN (1-based, all cells counted)
/// ```
///
/// Rendering is pure: equal runs give byte-identical files, except `manifest.json`, the only file
/// with timings. Nothing is written to disk here; see `OutputFolder`.
package struct NotebookReport: Sendable {
  package let run: NotebookRun
  /// Every image output, PNG-encoded once and shared by the renderers.
  let images: [ImageKey: RenderedImage]

  struct ImageKey: Hashable {
    let cell: Int
    let output: Int
  }

  struct RenderedImage {
    let path: String
    let png: [UInt8]
    let width: Int
    let height: Int
    let channels: Int
    var base64: String { Data(png).base64EncodedString() }
  }

  /// Encodes the run's images.
  /// - Throws: `NotebookError.pngEncodingFailed` if libpng refuses an image.
  package init(run: NotebookRun) throws(NotebookError) {
    self.run = run
    var images: [ImageKey: RenderedImage] = [:]
    for (cellIndex, record) in run.cells.enumerated() {
      var ordinal = 0
      for (outputIndex, output) in record.outputs.enumerated() {
        guard case .image(let image, _) = output else { continue }
        ordinal += 1
        images[ImageKey(cell: cellIndex, output: outputIndex)] = RenderedImage(
          path: Self.imagePath(cell: cellIndex, image: ordinal, cellCount: run.cells.count),
          png: try PNGCodec.encode(image), width: image.width, height: image.height,
          channels: image.channels)
      }
    }
    self.images = images
  }

  /// The file name of the `image`-th image (1-based) of cell `cell` (0-based index), e.g.
  /// `images/cell03-1.png` for the first image of the third cell. Cell numbers are padded to
  /// two digits, or more when the notebook has more cells.
  package static func imagePath(cell: Int, image: Int, cellCount: Int) -> String {
    let width = max(2, String(cellCount).count)
    let number = String(cell + 1)
    return "images/cell" + String(repeating: "0", count: max(0, width - number.count)) + number
      + "-\(image).png"
  }

  /// The notebook file's name: the script's base name with `.ipynb`.
  package var notebookFileName: String { run.name + ".ipynb" }

  /// Top-level names of the folder that `save(...)` must not overwrite.
  package var reservedNames: Set<String> { Self.reservedNames(notebookName: run.name) }

  /// The report's top-level names for a notebook called `notebookName` (known before the run,
  /// when `save(...)` needs them).
  package static func reservedNames(notebookName: String) -> Set<String> {
    [
      "index.html", notebookName + ".ipynb", "manifest.json", "metrics.json", "metrics.csv",
      "images", "sweeps",
    ]
  }

  /// All files of the output folder, images first, in a fixed order.
  package func files() -> [ReportFile] {
    let pictures = images.values.sorted { $0.path < $1.path }.map {
      ReportFile(path: $0.path, bytes: $0.png)
    }
    return pictures + [
      ReportFile(path: "index.html", text: indexHTML()),
      ReportFile(path: notebookFileName, text: notebookJSON()),
      ReportFile(path: "manifest.json", text: manifestJSON()),
      ReportFile(path: "metrics.json", text: metricsJSON()),
      ReportFile(path: "metrics.csv", text: metricsCSV()),
    ]
  }

  /// Execution counts as Jupyter numbers them: 1, 2, … over executable cells that ran; `nil`
  /// for Markdown and skipped cells.
  var executionCounts: [Int?] {
    var next = 0
    return run.cells.map { record in
      guard record.cell.kind.isExecutable, record.status != .skipped else { return nil }
      next += 1
      return next
    }
  }
}
