import ProxyGradNotebook
import ProxyGradSyntax

/// A `.pgs` script read as a notebook: its text and its cells in Jupytext's percent format.
package struct Notebook: Sendable {
  /// The script path as the user gave it; diagnostics and the report show it.
  package let path: String
  package let text: String
  package let cells: [NotebookCell]

  package init(path: String, text: String) {
    self.path = path
    self.text = text
    self.cells = CellSplitter.split(text)
  }

  /// Whether the script has at least one `# %%` marker (a file without markers is one cell).
  package var hasCellMarkers: Bool { cells.contains { $0.markerLine != nil } }

  /// The parameters cell, if any (the first one when there are several).
  package var parametersCellIndex: Int? { cells.firstIndex { $0.kind == .parameters } }

  /// The source of one cell as a file whose line numbers are the script's: the cell's text is
  /// preceded by as many empty lines as lie before it, so every span renders as
  /// `path:line:col` of the script without any mapping.
  package func sourceFile(ofCell index: Int) -> SourceFile {
    let cell = cells[index]
    let padding = String(repeating: "\n", count: max(0, cell.firstLine - 1))
    return SourceFile(path: path, text: padding + cell.source, id: index + 1)
  }

  /// Every executable cell at its own lines, everything else blank: one file for checking the
  /// whole notebook before anything runs.
  package func executableSource() -> SourceFile {
    var lines: [Substring] = []
    for cell in cells where cell.kind.isExecutable {
      while lines.count < cell.firstLine - 1 { lines.append("") }
      lines += cell.source.split(separator: "\n", omittingEmptySubsequences: false)
    }
    return SourceFile(path: path, text: lines.joined(separator: "\n"))
  }
}
