/// One cell of a table.
package enum TableCell: Equatable, Sendable {
  case number(Double)
  case string(String)
  case bool(Bool)
  case missing

  /// The cell as text: numbers through `NumberFormat.display`, booleans as `true`/`false`,
  /// missing cells empty.
  package var text: String {
    switch self {
    case .number(let value): return NumberFormat.display(value)
    case .string(let text): return text
    case .bool(let flag): return flag ? "true" : "false"
    case .missing: return ""
    }
  }

  /// The cell as people read it: numbers through `NumberFormat.shown`, others as `text`.
  package func shownText(digits: Int?) -> String {
    if case .number(let value) = self { return NumberFormat.shown(value, digits: digits) }
    return text
  }
}

/// A table output: named columns and rows of cells. Rows shorter than the columns are padded with
/// `.missing`.
package struct NotebookTable: Equatable, Sendable {
  package let columns: [String]
  package let rows: [[TableCell]]
  /// A caption shown above the table in HTML and plain text; not part of CSV or Markdown.
  package var title: String? = nil
  /// Decimal places numbers are shown with in HTML, Markdown and plain text (nil: six
  /// significant digits); CSV keeps every digit.
  package var digits: Int? = nil

  /// Creates a table; a row with more cells than columns is an error.
  package init(columns: [String], rows: [[TableCell]]) throws(NotebookError) {
    var padded: [[TableCell]] = []
    padded.reserveCapacity(rows.count)
    for (index, row) in rows.enumerated() {
      guard row.count <= columns.count else {
        throw .tableRowTooWide(row: index + 1, columns: columns.count, cells: row.count)
      }
      padded.append(row + Array(repeating: .missing, count: columns.count - row.count))
    }
    self.columns = columns
    self.rows = padded
  }

  /// Creates a table from records (one per row, as name–value pairs). The columns are the union
  /// of the names in first-seen order; a name a record lacks gives a missing cell, and a name
  /// repeated within one record keeps its last value.
  package init(records: [[(String, TableCell)]]) {
    var columns: [String] = []
    var position: [String: Int] = [:]
    for record in records {
      for (name, _) in record where position[name] == nil {
        position[name] = columns.count
        columns.append(name)
      }
    }
    self.columns = columns
    self.rows = records.map { record in
      var row = [TableCell](repeating: .missing, count: columns.count)
      for (name, value) in record {
        if let index = position[name] { row[index] = value }
      }
      return row
    }
  }

  /// The cells of the column called `name`, top to bottom.
  package func column(named name: String) throws(NotebookError) -> [TableCell] {
    guard let index = columns.firstIndex(of: name) else {
      throw .unknownColumn(name, available: columns)
    }
    return rows.map { $0[index] }
  }

  /// Whether every present cell of column `index` is a number (and at least one is present).
  func isNumeric(column index: Int) -> Bool {
    var sawNumber = false
    for row in rows {
      switch row[index] {
      case .number: sawNumber = true
      case .missing: continue
      default: return false
      }
    }
    return sawNumber
  }
}
