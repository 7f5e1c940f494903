import Testing

import ProxyGradFormat
@testable import ProxyGradNotebook

/// Numbers for people in tables and metric cards; full precision in files for machines.
@Suite struct NumberDisplayTests {
  @Test func readableKeepsSixSignificantDigits() {
    #expect(Format.readable(0.5368108149999999) == "0.536811")
    #expect(Format.readable(28.160171508789062) == "28.1602")
    #expect(Format.readable(3) == "3")
    #expect(Format.readable(0.000000123456789) == "1.23457e-7")
    #expect(Format.readable(1.5e20) == "150000000000000000000" || Format.readable(1.5e20) == "1.5e20")
    #expect(Format.readable(.nan) == "nan")
    #expect(Format.shown(0.5368108149999999, digits: 3) == "0.537")
    #expect(Format.shown(2, digits: 2) == "2")
    #expect(Format.shown(2.5, digits: 2) == "2.50")
  }

  @Test func tablesShowReadableNumbersAndCSVKeepsEveryDigit() throws {
    var table = try Table(columns: ["value"], rows: [[.number(0.5368108149999999)], [.number(28.160171508789062)]])
    #expect(table.html().contains("<td class=\"num\">0.536811</td>"))
    #expect(table.plainText().contains("28.1602"))
    #expect(table.markdown().contains("| 0.536811 |"))
    #expect(table.csv() == "value\r\n0.5368108149999999\r\n28.160171508789062\r\n")
    table.digits = 2
    #expect(table.html().contains("<td class=\"num\">0.54</td>") && table.html().contains("28.16"))
    #expect(table.csv() == "value\r\n0.5368108149999999\r\n28.160171508789062\r\n")
  }

  @Test func metricTextFollowsDigits() {
    #expect(CellOutput.metric(name: "acc", value: 0.912345678, digits: nil).plainText == "acc: 0.912346")
    #expect(CellOutput.metric(name: "acc", value: 0.912345678, digits: 2).plainText == "acc: 0.91")
  }
}
