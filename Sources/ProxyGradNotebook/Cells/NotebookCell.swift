/// The kind of a notebook cell, decided by its `# %%` marker.
package enum CellKind: String, Equatable, Hashable, Sendable {
  /// `# %%`: code the runtime executes.
  case code
  /// `# %% [markdown]` (or `[md]`): prose, rendered with Ink.
  case markdown
  /// `# %% parameters`, `# %% [parameters]` or `# %% tags=["parameters"]`: code whose top-level
  /// assignments are the notebook's parameters, overridable with `pgs run -p name=value`.
  case parameters

  /// Whether the runtime executes cells of this kind.
  package var isExecutable: Bool { self != .markdown }
}

/// One cell of a `.pgs` notebook, as split from the script text.
///
/// `source` holds the cell body without its marker line. For Markdown cells the `# ` comment
/// prefix is already stripped. `firstLine` is the 1-based line number in the file of the first
/// line of `source`, so line `k` (1-based) of `source` is line `firstLine + k - 1` of the file
/// (this holds for code cells; Markdown cells keep their line count, too).
package struct NotebookCell: Equatable, Sendable {
  package var kind: CellKind
  /// Text after `# %%` that is neither a cell type nor metadata; `nil` when there is none.
  package var title: String?
  /// Tags from a `tags=[...]` metadata entry, in their written order.
  package var tags: [String] = []
  package var source: String
  /// 1-based line of the first line of `source` in the file.
  package var firstLine: Int
  /// 1-based line of the `# %%` marker, or `nil` for text before the first marker.
  package var markerLine: Int?

  /// The 1-based file line of the last line of `source` (equal to `firstLine - 1` when the cell
  /// is empty).
  package var lastLine: Int {
    if source.isEmpty { return firstLine - 1 }
    return firstLine + source.split(separator: "\n", omittingEmptySubsequences: false).count - 1
  }

  /// Maps a 1-based line of `source` to its 1-based line in the file.
  package func fileLine(forCellLine line: Int) -> Int { firstLine + line - 1 }
}
