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
    #expect(Self.echo(["0.1 + 0.2"]) == "0.30000000000000004\n")
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

  @Test func longListsShowHeadAndTail() {
    let text = Self.echo(["xs = []", "for i in 0..<100 { append(xs, i) }", "xs"])
    #expect(text.hasPrefix("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,"))
    #expect(text.hasSuffix(", ..., 98, 99] (100 items)\n"))
    #expect(text.count <= 81)
  }

  @Test func listsOfLikeRecordsAsATable() {
    let text = Self.echo(["rows = []", "for i in 0..<30 { append(rows, {step: i, loss: 1 / (i + 1)}) }", "rows"])
    let lines = text.split(separator: "\n")
    #expect(lines.first == "step                 loss" || lines.first?.hasPrefix("step") == true)
    #expect(lines[1].hasPrefix("   0"))
    #expect(lines.contains { $0.contains("...") })
    #expect(lines.last == "(30 rows)")
    #expect(lines.count == 1 + (18 + 1 + 2) + 1)
  }

  @Test func tableAlignsNumbersRight() {
    let text = ValueDisplay.table(columns: ["name", "n"], rows: [["a", "1"], ["bb", "1,000"]])
    #expect(text == "name      n\na         1\nbb    1,000\n")
    #expect(ValueDisplay.table(columns: ["a", "b"], rows: [["x", "y"]]) == "a  b\nx  y\n")
  }
}
