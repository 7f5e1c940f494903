import Testing

@testable import ProxyGradNotebook

@Suite struct NotebookImageTests {
  @Test func byteMappingClampsAndRoundsHalfAway() {
    #expect(NotebookImage.byte(from: -1) == 0)
    #expect(NotebookImage.byte(from: 1) == 255)
    #expect(NotebookImage.byte(from: 0) == 128)
    #expect(NotebookImage.byte(from: -5) == 0)
    #expect(NotebookImage.byte(from: 7) == 255)
    #expect(NotebookImage.byte(from: .nan) == 0)
    #expect(NotebookImage.byte(from: 0.5) == 191)
  }

  @Test func singleGrayImageIsUpscaledToAtLeast112() throws {
    let values = [Float](repeating: 1, count: 28 * 28)
    let image = try NotebookImage.rendering(values: values, shape: [1, 28, 28])
    #expect(image.width == 112)
    #expect(image.height == 112)
    #expect(image.channels == 1)
    #expect(image.pixels.allSatisfy { $0 == 255 })
  }

  @Test func rgbChannelsAreInterleaved() throws {
    // [3, 1, 2]: red plane (-1, 1), green plane (1, -1), blue plane (0, 0).
    let image = try NotebookImage.rendering(
      values: [-1, 1, 1, -1, 0, 0], shape: [3, 1, 2], layout: ImageGridLayout(minimumTileSize: 0))
    #expect(image.width == 2)
    #expect(image.height == 1)
    #expect(image.pixels == [0, 255, 128, 255, 0, 128])
  }

  @Test func upscalingRepeatsNearestNeighbours() throws {
    let image = try NotebookImage(width: 2, height: 1, channels: 1, pixels: [10, 20])
    let big = image.upscaled(by: 3)
    #expect(big.width == 6)
    #expect(big.height == 3)
    #expect(big.pixels == Array(repeating: [10, 10, 10, 20, 20, 20], count: 3).flatMap { $0 })
  }

  @Test func batchGridLayoutSizes() throws {
    // 10 tiles of 28×28 → 5 columns × 2 rows of 112×112 tiles with 4 px padding.
    let values = [Float](repeating: 0, count: 10 * 28 * 28)
    let grid = try NotebookImage.rendering(values: values, shape: [10, 1, 28, 28])
    #expect(grid.width == 5 * 112 + 6 * 4)
    #expect(grid.height == 2 * 112 + 3 * 4)
    #expect(grid.sample(x: 0, y: 0) == 255)  // padding
    #expect(grid.sample(x: 4, y: 4) == 128)  // first tile
  }

  @Test func explicitColumnsAndLabelsAddALabelStrip() throws {
    let values = [Float](repeating: -1, count: 3 * 28 * 28)
    let layout = ImageGridLayout(columns: 3)
    let grid = try NotebookImage.rendering(
      values: values, shape: [3, 1, 28, 28], labels: ["cat", "dog", "T-shirt/top"], layout: layout)
    // 11 characters × 6 px × 2 = 130 > 112, so the font is drawn at scale 1: strip 7 + 6 px.
    #expect(grid.width == 3 * 112 + 4 * 4)
    #expect(grid.height == 112 + 13 + 2 * 4)
    // The label strip (white) contains black label pixels under each tile.
    let stripRows = (4 + 112)..<(4 + 112 + 13)
    let inkUnderFirst = stripRows.contains { y in
      (4..<116).contains { x in grid.sample(x: x, y: y) == 0 }
    }
    #expect(inkUnderFirst)
  }

  @Test func defaultColumnsAreAboutTwiceTheRows() {
    #expect(NotebookImage.defaultColumns(1) == 1)
    #expect(NotebookImage.defaultColumns(2) == 2)
    #expect(NotebookImage.defaultColumns(10) == 5)
    #expect(NotebookImage.defaultColumns(64) == 12)
  }

  @Test func badShapesAndCountsAreClearErrors() {
    #expect(throws: NotebookError.self) {
      try NotebookImage.rendering(values: [0, 0], shape: [2, 1, 1])
    }
    #expect(throws: NotebookError.pixelCountMismatch(expected: 4, got: 3)) {
      try NotebookImage.rendering(values: [0, 0, 0], shape: [2, 2])
    }
    #expect(throws: NotebookError.labelCountMismatch(images: 2, labels: 1)) {
      try NotebookImage.rendering(values: [0, 0], shape: [2, 1, 1, 1], labels: ["a"])
    }
    #expect(throws: NotebookError.self) {
      try NotebookImage.rendering(values: [], shape: [5])
    }
    #expect(throws: NotebookError.self) {
      try NotebookImage(width: 2, height: 2, channels: 2, pixels: [])
    }
    let message = NotebookError.invalidImageShape(
      shape: [2, 1, 1], reason: "channels must be 1 or 3, got 2"
    )
    .description
    #expect(message == "cannot show a tensor of shape [2, 1, 1]: channels must be 1 or 3, got 2")
  }

  @Test func bitmapFontDrawsEveryPrintableCharacter() {
    for code in 33...126 {
      let glyph = BitmapFont.rows(for: Character(UnicodeScalar(UInt8(code))))
      #expect(glyph.contains { $0 != 0 }, "glyph \(code) is blank")
      #expect(glyph.allSatisfy { $0 < 32 })
    }
    #expect(BitmapFont.rows(for: "é") == BitmapFont.rows(for: "?"))
  }
}
