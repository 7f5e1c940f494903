import ProxyGradFormat

/// The notebook forms of a table: CSV for machines, Markdown for the `.ipynb`, HTML for the
/// report (its plain text is `Table.plainText()`).
extension Table {
  /// CSV as RFC 4180 has it: CRLF line ends, a header line, and fields quoted (with `""` for
  /// a quote) when they contain a comma, quote, CR or LF. Missing cells are empty fields.
  package func csv() -> String {
    let lines = [columns] + rows.map { $0.map(\.text) }
    return lines.map { $0.map(Self.csvField).joined(separator: ",") + "\r\n" }.joined()
  }

  /// A GitHub-flavoured Markdown table. Numeric columns are right-aligned; `|` is escaped and
  /// newlines become `<br>`.
  package func markdown() -> String {
    func cell(_ text: String) -> String {
      text.replacingAll("|", with: "\\|").replacingAll("\r\n", with: "<br>")
        .replacingAll("\n", with: "<br>")
    }
    let header = "| " + columns.map(cell).joined(separator: " | ") + " |"
    let rule = "|" + columns.indices.map { isNumeric(column: $0) ? " ---: |" : " --- |" }.joined()
    let body = rows.map { "| " + $0.map { cell($0.shownText(digits: digits)) }.joined(separator: " | ") + " |" }
    return ([header, rule] + body).joined(separator: "\n") + "\n"
  }

  /// An HTML `<table class="pgs-table">` with the title as `<caption>`; numeric cells carry
  /// `class="num"`, missing cells `class="missing"`.
  package func html() -> String {
    var out = "<table class=\"pgs-table\">\n"
    if let title { out += "<caption>\(HTMLText.escape(title))</caption>\n" }
    out += "<thead><tr>"
    for name in columns { out += "<th>\(HTMLText.escape(name))</th>" }
    out += "</tr></thead>\n<tbody>\n"
    for row in rows {
      out += "<tr>"
      for cell in row {
        switch cell {
        case .number: out += "<td class=\"num\">\(HTMLText.escape(cell.shownText(digits: digits)))</td>"
        case .missing: out += "<td class=\"missing\"></td>"
        default: out += "<td>\(HTMLText.escape(cell.text))</td>"
        }
      }
      out += "</tr>\n"
    }
    return out + "</tbody>\n</table>\n"
  }

  static func csvField(_ text: String) -> String {
    let needsQuotes = text.unicodeScalars.contains {
      $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r"
    }
    return needsQuotes ? "\"" + text.replacingAll("\"", with: "\"\"") + "\"" : text
  }
}
