import ProxyGradRuntime
import ProxyGradSession
import Testing

@Suite struct REPLValueDisplayTests {
  /// The echo of the last line of `lines`.
  static func echo(_ lines: [String]) -> String {
    let transcript = REPLTranscript()
    let session = REPLSession(console: transcript)
    for line in lines.dropLast() { session.feed(line) }
    _ = transcript.take()
    session.feed(lines.last ?? "")
    return transcript.take().output
  }

  @Test func numbersAreCompact() {
    // Numbers for people: six significant digits (print and files keep the round-trip form).
    #expect(Self.echo(["0.1 + 0.2"]) == "0.3\n")
    #expect(Self.echo(["0.5368108149999999"]) == "0.536811\n")
    #expect(Self.echo(["{mean: 28.160171508789062, tiny: 0.000000123456789}"]) == "{mean: 28.1602, tiny: 1.23457e-7}\n")
    #expect(Self.echo(["str(0.1 + 0.2)"]) == "\"0.30000000000000004\"\n")
    #expect(Self.echo(["1e3"]) == "1000\n")
    #expect(Self.echo(["[1.5, -2, true]"]) == "[1.5, -2, true]\n")
  }

  @Test func smallTensorsInFullLargeOnesSummarised() {
    #expect(Self.echo(["tensor([[1, 2], [3, 4]])"]) == "tensor([[1, 2], [3, 4]])\n")
    #expect(Self.echo(["ones([4, 8]) * 0.5"]) == """
      tensor [4, 8]
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]

      """)
    #expect(Self.echo(["full([2, 50], 3)"]) == "tensor [2, 50]  min 3  max 3  mean 3  std 0\n")
    let summary = Self.echo(["uniform([10, 10], -1, 1)"])
    #expect(summary.hasPrefix("tensor [10, 10]  min -0.9"))
    #expect(summary.contains("  max 0.9") && summary.contains("  mean ") && summary.contains("  std 0."))
  }

  @Test func networksAsATableOfLayers() {
    let text = Self.echo([
      "net = network(input: [1, 8, 8]) {", "conv(4, 3, pad: 1, name: \"feat\")", "relu()", "flatten()",
      "linear(3)", "}", "net",
    ])
    #expect(
      text == """
        network: input [1, 8, 8] -> output [3], 4 layers, 811 parameters
          name      layer               output     parameters
          --------  ------------------  ---------  ----------
          feat      conv(4, 3, pad: 1)  [4, 8, 8]          40
          relu1     relu()              [4, 8, 8]           0
          flatten1  flatten()           [256]               0
          linear1   linear(3)           [3]               771

        """)
  }

  @Test func recordsAndListsNestWhenTheyDoNotFit() {
    #expect(Self.echo(["{a: 1, b: [1, 2], c: \"x\"}"]) == "{a: 1, b: [1, 2], c: \"x\"}\n")
    let long = Self.echo(["{image: zeros([1, 28, 28]), value: 0.5, history: [1, 2, 3], note: \"a fairly long text here\"}"])
    #expect(
      long == """
        {
          image: tensor [1, 28, 28]  min 0  max 0  mean 0  std 0,
          value: 0.5,
          history: [1, 2, 3],
          note: "a fairly long text here"
        }

        """)
  }

  @Test func listsUpToTheLimitShowEveryItemWrappedToTheWidth() {
    let text = Self.echo(["xs = []", "for i in 0..<100 { append(xs, i) }", "xs"])
    let lines = text.split(separator: "\n")
    #expect(lines.first?.hasPrefix("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,") == true)
    #expect(lines.allSatisfy { $0.count <= 80 })
    #expect(lines.last == " 96, 97, 98, 99]" || lines.last?.hasSuffix(" 98, 99]") == true)
    for i in 0..<100 { #expect(text.contains(" \(i),") || text.contains("[\(i),") || text.contains(" \(i)]")) }
    // Twelve numbers are never cut.
    let twelve = Self.echo(["[0.123456789, 1.23456789, 2.3456789, 3.456789, 4.56789, 5.6789, 6.789, 7.89, 8.9, 9.1, 10.2, 11.3]"])
    #expect(twelve == "[0.123457, 1.23457, 2.34568, 3.45679, 4.56789, 5.6789, 6.789, 7.89, 8.9, 9.1,\n 10.2, 11.3]\n")
  }

  @Test func longerListsShowHeadAndTail() {
    let text = Self.echo(["xs = []", "for i in 0..<150 { append(xs, i) }", "xs"])
    #expect(text.contains(" 97, ..., 148,"))
    #expect(text.hasSuffix(" 149] (150 items)\n"))
    #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
  }

  @Test func tensorsUpToTheLimitShowEveryElement() {
    // Ten logits show as ten numbers, wrapped when they do not fit one line.
    let text = Self.echo(["uniform([10], -5, 5, seed: 3)"])
    #expect(!text.contains("min"))
    let numbers = text.split(whereSeparator: { " ,[]\n".contains($0) }).dropFirst(2)
    #expect(numbers.count == 10, "\(text)")
    #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
    #expect(Self.echo(["reshape(tensor(0..<8), [2, 2, 2]) / 3"])
      == "tensor([[[0, 0.333333], [0.666667, 1]], [[1.33333, 1.66667], [2, 2.33333]]])\n")
    #expect(Self.echo(["reshape(tensor(0..<12), [2, 2, 3]) / 7"]) == """
      tensor [2, 2, 3]
        [0, 0] [       0, 0.142857, 0.285714]
        [0, 1] [0.428571, 0.571429, 0.714286]
        [1, 0] [0.857143,        1,  1.14286]
        [1, 1] [ 1.28571,  1.42857,  1.57143]

      """)
  }

  @Test func listsOfLikeRecordsAsATable() {
    let text = Self.echo(["rows = []", "for i in 0..<150 { append(rows, {step: i, loss: 1 / (i + 1)}) }", "rows"])
    let lines = text.split(separator: "\n")
    #expect(lines.first?.hasPrefix("step") == true)
    #expect(lines[1].hasPrefix("----"))
    #expect(lines[2].hasPrefix("   0"))
    #expect(lines[3].hasSuffix("0.5"))
    #expect(lines[2 + 98] == "...")
    #expect(lines[2 + 99].hasPrefix(" 148"))
    #expect(lines.last == "(150 rows)")
    #expect(lines.count == 2 + (98 + 1 + 2) + 1)
  }

  @Test func tablesInsideRecordsAreAlignedUnderTheirKey() {
    let text = Self.echo([
      "{loss: 0.5368108149999999, per_class: [{class: \"cat\", accuracy: 0.9, count: 10}, {class: \"dog\", accuracy: 0.75, count: 12}], note: \"a fairly long text here to force nesting of the record\"}"
    ])
    #expect(
      text == """
        {
          loss: 0.536811,
          per_class:
            class  accuracy  count
            -----  --------  -----
            cat         0.9     10
            dog        0.75     12,
          note: "a fairly long text here to force nesting of the record"
        }

        """)
  }

  @Test func tablesAreTheOneTableTextOfEveryFrontEnd() throws {
    let text = ValueDisplay.table(columns: ["name", "n"], rows: [[.string("a"), .number(1)], [.string("bb"), .number(1000.5)]])
    #expect(text == "name       n\n----  ------\na          1\nbb    1000.5\n")
    #expect(text == (try Table(columns: ["name", "n"], rows: [[.string("a"), .number(1)], [.string("bb"), .number(1000.5)]])).plainText())
    #expect(ValueDisplay.table(columns: ["a", "b"], rows: [[.string("x"), .string("y")]]) == "a  b\n-  -\nx  y\n")
  }
}
