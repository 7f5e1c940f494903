/// One cell of a table: outputs carry plain data, not language values.
public enum TableCell: Equatable, Sendable, CustomStringConvertible {
  case number(Double)
  case string(String)
  case bool(Bool)
  case missing

  /// The cell as text: numbers in their round-trip form (``Format/number(_:)``), booleans as
  /// `true`/`false`, missing cells empty. Files for machines (CSV) use it.
  public var text: String {
    switch self {
    case .number(let value): return Format.number(value)
    case .string(let text): return text
    case .bool(let flag): return flag ? "true" : "false"
    case .missing: return ""
    }
  }

  public var description: String { text }

  /// The cell a script's output means: an empty string is a missing cell.
  public var missingIfEmpty: TableCell { self == .string("") ? .missing : self }

  /// The cell as people read it: numbers through ``Format/shown(_:digits:)``, others as `text`.
  public func shownText(digits: Int?) -> String {
    if case .number(let value) = self { return Format.shown(value, digits: digits) }
    return text
  }
}

/// Why a table cannot be made or read.
public enum TableError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A row is wider than the table's columns.
  case rowTooWide(row: Int, columns: Int, cells: Int)
  /// A table or plot refers to a column that does not exist.
  case unknownColumn(String, available: [String])

  public var description: String {
    switch self {
    case .rowTooWide(let row, let columns, let cells):
      return "table row \(row) has \(cells) cells but the table has \(columns) columns"
    case .unknownColumn(let name, let available):
      return "no column '\(name)'; columns are \(available.joined(separator: ", "))"
    }
  }
}

/// A table: named columns and rows of cells, the one table of every front end (`table(...)`,
/// `:vars`, sweep summaries, records shown as rows). Rows shorter than the columns are padded
/// with `.missing`. Text comes from ``plainText()``; notebooks add CSV, Markdown and HTML.
public struct Table: Equatable, Sendable {
  public let columns: [String]
  public let rows: [[TableCell]]
  /// A caption shown above the table in HTML and plain text; not part of CSV or Markdown.
  public var title: String? = nil
  /// Decimal places numbers are shown with in HTML, Markdown and plain text (nil: six
  /// significant digits); CSV keeps every digit.
  public var digits: Int? = nil

  /// Creates a table; a row with more cells than columns is an error.
  public init(columns: [String], rows: [[TableCell]]) throws(TableError) {
    var padded: [[TableCell]] = []
    padded.reserveCapacity(rows.count)
    for (index, row) in rows.enumerated() {
      guard row.count <= columns.count else {
        throw .rowTooWide(row: index + 1, columns: columns.count, cells: row.count)
      }
      padded.append(row + Array(repeating: .missing, count: columns.count - row.count))
    }
    self.columns = columns
    self.rows = padded
  }

  /// The table of a script's output (`table(...)`, sweep tables): an empty string is a missing
  /// cell.
  public init(output columns: [String], rows: [[TableCell]]) throws(TableError) {
    try self.init(columns: columns, rows: rows.map { $0.map(\.missingIfEmpty) })
  }

  /// Creates a table from records (one per row, as name–value pairs). The columns are the union
  /// of the names in first-seen order; a name a record lacks gives a missing cell, and a name
  /// repeated within one record keeps its last value.
  public init(records: [[(String, TableCell)]]) {
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
  public func column(named name: String) throws(TableError) -> [TableCell] {
    guard let index = columns.firstIndex(of: name) else {
      throw .unknownColumn(name, available: columns)
    }
    return rows.map { $0[index] }
  }

  /// Whether every present cell of column `index` is a number (and at least one is present).
  public func isNumeric(column index: Int) -> Bool {
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

  /// Aligned plain text: the title (when set), a header, a rule of dashes, one line per row.
  /// Numeric columns are right-aligned, others left-aligned; columns are separated by two spaces
  /// and lines carry no trailing spaces. Newlines inside cells become `⏎`.
  public func plainText() -> String {
    let numeric = columns.indices.map(isNumeric(column:))
    let header = columns.map(Self.singleLine)
    let body = rows.map { $0.map { Self.singleLine($0.shownText(digits: digits)) } }
    let widths = columns.indices.map { index in
      ([header[index]] + body.map { $0[index] }).map(\.count).max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      let padded = cells.enumerated().map { index, text in
        let fill = String(repeating: " ", count: widths[index] - text.count)
        return numeric[index] ? fill + text : text + fill
      }
      return String(padded.joined(separator: "  ").reversed().drop { $0 == " " }.reversed())
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    let caption = title.map { [Self.singleLine($0)] } ?? []
    return (caption + [line(header), rule] + body.map(line)).joined(separator: "\n") + "\n"
  }

  static func singleLine(_ text: String) -> String {
    text.replacingAll("\r\n", with: "⏎").replacingAll("\n", with: "⏎")
  }
}

extension String {
  /// Replaces every occurrence of `target` (non-empty) with `replacement`, without Foundation.
  package func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty, contains(target) else { return self }
    var out = ""
    var rest = self[...]
    while let range = rest.firstRange(of: target) {
      out += rest[..<range.lowerBound]
      out += replacement
      rest = rest[range.upperBound...]
    }
    return out + rest
  }
}
