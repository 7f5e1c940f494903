extension NotebookTable {
  /// Aligned plain text: the title (when set), a header, a rule of dashes, one line per row. Numeric columns are
  /// right-aligned, others left-aligned; columns are separated by two spaces and lines carry no
  /// trailing spaces. Newlines inside cells become `⏎`.
  package func plainText() -> String {
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

  private static func singleLine(_ text: String) -> String {
    text.replacingAll("\r\n", with: "⏎").replacingAll("\n", with: "⏎")
  }
}

extension String {
  /// Replaces every occurrence of `target` (non-empty) with `replacement`, without Foundation.
  func replacingAll(_ target: String, with replacement: String) -> String {
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
