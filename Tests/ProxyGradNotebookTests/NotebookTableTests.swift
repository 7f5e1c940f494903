import Testing

@testable import ProxyGradNotebook

@Suite struct NotebookTableTests {
  static let table = try! NotebookTable(
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
    let table = try! NotebookTable(
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
    let table = try! NotebookTable(columns: ["a|b", "n"], rows: [[.string("x|y"), .number(2)]])
    #expect(table.markdown() == "| a\\|b | n |\n| --- | ---: |\n| x\\|y | 2 |\n")
  }

  @Test func htmlEscapesAndMarksNumbers() {
    let table = try! NotebookTable(
      columns: ["<k>"], rows: [[.string("a&b")], [.number(1)], [.missing]])
    let html = table.html()
    #expect(html.contains("<th>&lt;k&gt;</th>"))
    #expect(html.contains("<td>a&amp;b</td>"))
    #expect(html.contains("<td class=\"num\">1</td>"))
    #expect(html.contains("<td class=\"missing\"></td>"))
  }

  @Test func recordsUnionColumnsInFirstSeenOrder() throws {
    let table = NotebookTable(records: [
      [("step", .number(1)), ("loss", .number(0.5))],
      [("step", .number(2)), ("lr", .number(0.1))],
    ])
    #expect(table.columns == ["step", "loss", "lr"])
    #expect(table.rows[1] == [.number(2), .missing, .number(0.1)])
    #expect(try table.column(named: "lr") == [.missing, .number(0.1)])
    #expect(throws: NotebookError.unknownColumn("acc", available: ["step", "loss", "lr"])) {
      try table.column(named: "acc")
    }
  }

  @Test func rowsWiderThanColumnsAreRefusedAndShortRowsPadded() throws {
    #expect(throws: NotebookError.tableRowTooWide(row: 1, columns: 1, cells: 2)) {
      try NotebookTable(columns: ["a"], rows: [[.number(1), .number(2)]])
    }
    #expect(
      try NotebookTable(columns: ["a", "b"], rows: [[.number(1)]]).rows == [[.number(1), .missing]])
  }

  @Test func numbersFormatWithoutLocale() {
    #expect(NumberFormat.display(3) == "3")
    #expect(NumberFormat.display(-0.0) == "0")
    #expect(NumberFormat.display(0.1) == "0.1")
    #expect(NumberFormat.display(1e-5) == "1e-05")
    #expect(NumberFormat.display(.infinity) == "inf")
    #expect(NumberFormat.fixed(2.5, decimals: 0) == "3")
    #expect(NumberFormat.fixed(-0.004, decimals: 2) == "0.00")
    #expect(NumberFormat.fixed(-1.005, decimals: 1) == "-1.0")
    #expect(NumberFormat.fixed(0.05, decimals: 3) == "0.050")
    #expect(NumberFormat.fixed(123.456, decimals: 2) == "123.46")
  }
}
