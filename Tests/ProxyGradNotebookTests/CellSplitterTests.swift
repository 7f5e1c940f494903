import Testing

@testable import ProxyGradNotebook

@Suite struct CellSplitterTests {
  @Test func fileWithoutMarkersIsOneCodeCell() {
    let cells = CellSplitter.split("x = 1\nprint(x)\n")
    #expect(cells == [NotebookCell(kind: .code, source: "x = 1\nprint(x)", firstLine: 1)])
  }

  @Test func emptyFileIsOneEmptyCell() {
    let cells = CellSplitter.split("")
    #expect(cells.count == 1)
    #expect(cells[0].source.isEmpty)
    #expect(cells[0].kind == .code)
  }

  @Test func splitsMarkdownParametersAndCodeWithLineNumbers() {
    let text = """
      # %% [markdown]
      # # Title
      # Text in Markdown.
      #
      # More.

      # %% parameters
      backward = 0.3

      # %% Train the net
      x = 1
      y = 2
      """
    let cells = CellSplitter.split(text)
    #expect(cells.count == 3)
    #expect(cells[0].kind == .markdown)
    #expect(cells[0].source == "# Title\nText in Markdown.\n\nMore.")
    #expect(cells[0].firstLine == 2)
    #expect(cells[0].markerLine == 1)
    #expect(cells[1].kind == .parameters)
    #expect(cells[1].title == nil)
    #expect(cells[1].source == "backward = 0.3")
    #expect(cells[1].firstLine == 8)
    #expect(cells[2].kind == .code)
    #expect(cells[2].title == "Train the net")
    #expect(cells[2].source == "x = 1\ny = 2")
    #expect(cells[2].firstLine == 11)
    #expect(cells[2].lastLine == 12)
    #expect(cells[2].fileLine(forCellLine: 2) == 12)
  }

  @Test(arguments: [
    "# %% parameters", "# %% [parameters]", "# %% tags=[\"parameters\"]",
    "#%% tags=[\"parameters\", \"other\"]", "# %% Defaults tags=['parameters']",
  ])
  func recognizesEveryParametersForm(marker: String) {
    let cells = CellSplitter.split(marker + "\nlr = 0.1\n")
    #expect(cells.count == 1)
    #expect(cells[0].kind == .parameters)
    #expect(cells[0].source == "lr = 0.1")
  }

  @Test func parsesTitleTypeAndMetadataInAnyOrder() throws {
    let header = try #require(
      CellSplitter.parseMarker("# %% Optional title [markdown] key=\"a b\""))
    #expect(header.kind == .markdown)
    #expect(header.title == "Optional title")
    let tagged = try #require(CellSplitter.parseMarker("# %% Plot tags=[\"a\", \"b c\"]"))
    #expect(tagged.tags == ["a", "b c"])
    #expect(tagged.title == "Plot")
    #expect(tagged.kind == .code)
    #expect(CellSplitter.parseMarker("# %% [md]")?.kind == .markdown)
  }

  @Test(arguments: ["# %%%", "  # %%", "# %%x", "#  %%", "x = 1 # %%", "# %"])
  func rejectsLinesThatAreNotMarkers(line: String) {
    #expect(CellSplitter.parseMarker(line) == nil)
  }

  @Test func preambleBeforeFirstMarkerIsACodeCellUnlessBlank() {
    let withCode = CellSplitter.split("seed(1)\n\n# %%\nx = 1\n")
    #expect(withCode.map(\.kind) == [.code, .code])
    #expect(withCode[0].markerLine == nil)
    #expect(withCode[0].source == "seed(1)")
    let blank = CellSplitter.split("\n\n# %%\nx = 1\n")
    #expect(blank.count == 1)
    #expect(blank[0].firstLine == 4)
  }

  @Test func keepsEmptyCellsAndHandlesCRLF() {
    let cells = CellSplitter.split("# %%\r\n# %% [markdown]\r\n# Hi\r\n")
    #expect(cells.count == 2)
    #expect(cells[0].source.isEmpty)
    #expect(cells[0].firstLine == 2)
    #expect(cells[1].source == "Hi")
  }

  @Test func leadingBlankLinesShiftFirstLine() {
    let cells = CellSplitter.split("# %%\n\n\nx = 1\n\n")
    #expect(cells[0].firstLine == 4)
    #expect(cells[0].source == "x = 1")
  }

  @Test func markdownKeepsLinesWithoutPrefixAndIndentedMarkersStayCode() {
    let cells = CellSplitter.split(
      "# %% [markdown]\n#no space\nplain\n# %%\nf = fn() {\n  # %%\n}\n")
    #expect(cells[0].source == "#no space\nplain")
    #expect(cells[1].source == "f = fn() {\n  # %%\n}")
  }
}
