import Testing

import ProxyGradFormat
@testable import ProxyGradNotebook

@Suite struct NotebookTableTests {
  static let table = try! Table(
    columns: ["name", "value", "ok"],
    rows: [
      [.string("plain"), .number(1), .bool(true)],
      [.string("with, comma"), .number(0.25), .bool(false)],
      [.string("say \"hi\""), .missing],
      [.string("two\nlines"), .number(-3.5), .missing],
    ])

  @Test func csvQuotesAsRFC4180() {
    let expected =
      "name,value,ok\r\n" + "plain,1,true\r\n" + "\"with, comma\",0.25,false\r\n"
      + "\"say \"\"hi\"\"\",,\r\n" + "\"two\nlines\",-3.5,\r\n"
    #expect(Self.table.csv() == expected)
  }

  @Test func plainTextAlignsNumbersRight() {
    let table = try! Table(
      columns: ["slope", "activation"],
      rows: [[.number(0), .number(12.5)], [.number(0.3), .number(3)]])
    #expect(
      table.plainText() == """
        slope  activation
        -----  ----------
            0        12.5
          0.3           3

        """)
  }

  @Test func markdownEscapesPipesAndAlignsNumbers() {
    let table = try! Table(columns: ["a|b", "n"], rows: [[.string("x|y"), .number(2)]])
    #expect(table.markdown() == "| a\\|b | n |\n| --- | ---: |\n| x\\|y | 2 |\n")
  }

  @Test func htmlEscapesAndMarksNumbers() {
    let table = try! Table(
      columns: ["<k>"], rows: [[.string("a&b")], [.number(1)], [.missing]])
    let html = table.html()
    #expect(html.contains("<th>&lt;k&gt;</th>"))
    #expect(html.contains("<td>a&amp;b</td>"))
    #expect(html.contains("<td class=\"num\">1</td>"))
    #expect(html.contains("<td class=\"missing\"></td>"))
  }

  @Test func recordsUnionColumnsInFirstSeenOrder() throws {
    let table = Table(records: [
      [("step", .number(1)), ("loss", .number(0.5))],
      [("step", .number(2)), ("lr", .number(0.1))],
    ])
    #expect(table.columns == ["step", "loss", "lr"])
    #expect(table.rows[1] == [.number(2), .missing, .number(0.1)])
    #expect(try table.column(named: "lr") == [.missing, .number(0.1)])
    #expect(throws: TableError.unknownColumn("acc", available: ["step", "loss", "lr"])) {
      try table.column(named: "acc")
    }
  }

  @Test func rowsWiderThanColumnsAreRefusedAndShortRowsPadded() throws {
    #expect(throws: TableError.rowTooWide(row: 1, columns: 1, cells: 2)) {
      try Table(columns: ["a"], rows: [[.number(1), .number(2)]])
    }
    #expect(
      try Table(columns: ["a", "b"], rows: [[.number(1)]]).rows == [[.number(1), .missing]])
  }

  @Test func numbersFormatWithoutLocale() {
    #expect(Format.number(3) == "3")
    #expect(Format.number(-0.0) == "0")
    #expect(Format.number(0.1) == "0.1")
    #expect(Format.number(1e-5) == "1e-05")
    #expect(Format.number(.infinity) == "inf")
    #expect(Format.fixed(2.5, decimals: 0) == "3")
    #expect(Format.fixed(-0.004, decimals: 2) == "0.00")
    #expect(Format.fixed(-1.005, decimals: 1) == "-1.0")
    #expect(Format.fixed(0.05, decimals: 3) == "0.050")
    #expect(Format.fixed(123.456, decimals: 2) == "123.46")
  }
}
