/// How `NotebookImage.rendering(values:shape:labels:layout:)` lays out tiles.
package struct ImageGridLayout: Equatable, Sendable {
  /// Tiles are upscaled by the smallest integer factor that makes their larger side at least
  /// this many pixels (28×28 becomes 112×112). 0 or 1 disables upscaling.
  package var minimumTileSize: Int
  /// Columns of the grid; `nil` picks `min(N, ceil(sqrt(2N)))`, a grid about twice as wide as
  /// tall (10 images: 5×2).
  package var columns: Int?
  /// Pixels between tiles and around a grid of more than one image.
  package var padding: Int
  /// The gray level of padding and label background; labels are drawn in its opposite.
  package var background: UInt8
  /// Upscaling is reduced (down to 1) while the grid would exceed this many pixels.
  package var maximumPixels: Int

  package init(
    minimumTileSize: Int = 112, columns: Int? = nil, padding: Int = 4, background: UInt8 = 255,
    maximumPixels: Int = 16_000_000
  ) {
    self.minimumTileSize = minimumTileSize
    self.columns = columns
    self.padding = padding
    self.background = background
    self.maximumPixels = maximumPixels
  }
}

extension NotebookImage {
  /// Renders float tensor data as one image: a single tile for `[H, W]` (gray) or `[C, H, W]`,
  /// a labelled grid for a batch `[N, C, H, W]`. C must be 1 (gray) or 3 (RGB); values map
  /// to bytes with `byte(from:)`.
  ///
  /// Labels are drawn with a 5×7 bitmap font under each tile, at twice its size when the longest
  /// label fits the tile, else at its size, cut with `..` when still too long.
  /// - Parameters:
  ///   - values: the tensor's elements in row-major order.
  ///   - shape: the tensor's shape.
  ///   - labels: one label per image, or `nil`.
  ///   - layout: upscaling, columns and padding.
  package static func rendering(
    values: [Float], shape: [Int], labels: [String]? = nil,
    layout: ImageGridLayout = ImageGridLayout()
  ) throws(NotebookError) -> NotebookImage {
    let (count, channels, height, width) = try batchDimensions(shape)
    let expected = count * channels * height * width
    guard values.count == expected else {
      throw .pixelCountMismatch(expected: expected, got: values.count)
    }
    if let labels, labels.count != count {
      throw .labelCountMismatch(images: count, labels: labels.count)
    }
    let plane = height * width
    let tiles = (0..<count).map { n in
      var pixels = [UInt8](repeating: 0, count: plane * channels)
      let base = n * channels * plane
      for c in 0..<channels {
        for i in 0..<plane { pixels[i * channels + c] = byte(from: values[base + c * plane + i]) }
      }
      return NotebookImage(unchecked: width, height: height, channels: channels, pixels: pixels)
    }
    return grid(tiles, labels: labels, layout: layout)
  }

  /// Reads `[H, W]`, `[C, H, W]` or `[N, C, H, W]` as (N, C, H, W).
  private static func batchDimensions(_ shape: [Int]) throws(NotebookError) -> (Int, Int, Int, Int)
  {
    let dims: (Int, Int, Int, Int)
    switch shape.count {
    case 2: dims = (1, 1, shape[0], shape[1])
    case 3: dims = (1, shape[0], shape[1], shape[2])
    case 4: dims = (shape[0], shape[1], shape[2], shape[3])
    default:
      throw .invalidImageShape(shape: shape, reason: "expected [H, W], [C, H, W] or [N, C, H, W]")
    }
    guard dims.1 == 1 || dims.1 == 3 else {
      throw .invalidImageShape(shape: shape, reason: "channels must be 1 or 3, got \(dims.1)")
    }
    guard dims.0 > 0, dims.2 > 0, dims.3 > 0 else {
      throw .invalidImageShape(shape: shape, reason: "every dimension must be positive")
    }
    guard dims.0 <= 100_000, dims.2 <= 16_384, dims.3 <= 16_384 else {
      throw .invalidImageShape(shape: shape, reason: "too large to show")
    }
    return dims
  }

  /// Lays out equally sized tiles in a grid, upscaled and labelled as `layout` says.
  /// All tiles must share width, height and channels (a programmer error otherwise).
  static func grid(
    _ tiles: [NotebookImage], labels: [String]?, layout: ImageGridLayout
  ) -> NotebookImage {
    precondition(!tiles.isEmpty, "grid needs at least one tile")
    let first = tiles[0]
    let count = tiles.count
    let columns = max(1, min(count, layout.columns ?? defaultColumns(count)))
    let rows = (count + columns - 1) / columns
    let pad = count > 1 ? max(0, layout.padding) : 0
    let labelled = labels != nil

    var factor = 1
    let longSide = max(first.width, first.height)
    if layout.minimumTileSize > longSide {
      factor = (layout.minimumTileSize + longSide - 1) / longSide
    }
    var geometry = GridGeometry(
      tile: (first.width, first.height), factor: factor, columns: columns, rows: rows, pad: pad,
      labels: labels)
    while factor > 1 && geometry.width * geometry.height > layout.maximumPixels {
      factor -= 1
      geometry = GridGeometry(
        tile: (first.width, first.height), factor: factor, columns: columns, rows: rows,
        pad: pad, labels: labels)
    }

    let channels = first.channels
    var pixels = [UInt8](
      repeating: layout.background, count: geometry.width * geometry.height * channels)
    let ink: UInt8 = layout.background >= 128 ? 0 : 255
    for (index, tile) in tiles.enumerated() {
      let scaled = tile.upscaled(by: factor)
      let originX = pad + (index % columns) * (geometry.tileWidth + pad)
      let originY = pad + (index / columns) * (geometry.cellHeight + pad)
      for y in 0..<scaled.height {
        let source = y * scaled.width * channels
        let target = ((originY + y) * geometry.width + originX) * channels
        pixels.replaceSubrange(
          target..<(target + scaled.width * channels),
          with: scaled.pixels[source..<(source + scaled.width * channels)])
      }
      if labelled, let text = labels?[index] {
        let fitted = geometry.fittedLabel(text)
        let textWidth = BitmapFont.width(of: fitted, scale: geometry.fontScale)
        BitmapFont.draw(
          fitted, x: originX + max(0, (geometry.tileWidth - textWidth) / 2),
          y: originY + geometry.tileHeight + GridGeometry.labelMargin,
          scale: geometry.fontScale, value: ink,
          into: &pixels, width: geometry.width, height: geometry.height, channels: channels)
      }
    }
    return NotebookImage(
      unchecked: geometry.width, height: geometry.height, channels: channels, pixels: pixels)
  }

  static func defaultColumns(_ count: Int) -> Int {
    var columns = 1
    while columns * columns < 2 * count { columns += 1 }
    return min(count, columns)
  }
}

/// Pixel sizes of a grid: tile, label strip, whole image.
private struct GridGeometry {
  static let labelMargin = 3
  let tileWidth: Int
  let tileHeight: Int
  let fontScale: Int
  let labelHeight: Int
  let width: Int
  let height: Int

  var cellHeight: Int { tileHeight + labelHeight }

  init(tile: (Int, Int), factor: Int, columns: Int, rows: Int, pad: Int, labels: [String]?) {
    tileWidth = tile.0 * factor
    tileHeight = tile.1 * factor
    let longest = labels?.map(\.count).max() ?? 0
    fontScale =
      BitmapFont.width(of: String(repeating: "W", count: longest), scale: 2) <= tileWidth ? 2 : 1
    labelHeight = labels == nil ? 0 : BitmapFont.glyphHeight * fontScale + 2 * Self.labelMargin
    width = columns * tileWidth + (columns + 1) * pad
    height = rows * (tileHeight + labelHeight) + (rows + 1) * pad
  }

  /// `text` cut with `..` to fit the tile width at the font scale.
  func fittedLabel(_ text: String) -> String {
    if BitmapFont.width(of: text, scale: fontScale) <= tileWidth { return text }
    var cut = String(text.prefix(max(0, tileWidth / (BitmapFont.advance * fontScale) - 2)))
    while !cut.isEmpty && BitmapFont.width(of: cut + "..", scale: fontScale) > tileWidth {
      cut.removeLast()
    }
    return cut + ".."
  }
}
