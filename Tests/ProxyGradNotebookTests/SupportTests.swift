import Testing

@testable import ProxyGradNotebook

@Suite struct SupportTests {
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
  ])
  func sha256MatchesFIPSVectors(input: String, digest: String) {
    #expect(Digest.sha256Hex(of: input) == digest)
  }

  @Test func sha256OfAMillionAs() {
    let bytes = [UInt8](repeating: 0x61, count: 1_000_000)
    #expect(
      Digest.sha256Hex(of: bytes)
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func jsonWriterKeepsOrSortsKeysAndEscapes() {
    let value: JSONValue = .object([
      ("b", .array([.int(1), .double(0.1), .double(.nan), .bool(true), .null])),
      ("a", .string("q\"\\\n\u{1}é")),
      ("c", .object([])),
    ])
    #expect(
      value.serialized(indent: 0)
        == "{\"b\":[1,0.1,null,true,null],\"a\":\"q\\\"\\\\\\n\\u0001é\",\"c\":{}}")
    #expect(
      value.serialized(indent: 1, sortedKeys: true) == """
        {
         "a": "q\\"\\\\\\n\\u0001é",
         "b": [
          1,
          0.1,
          null,
          true,
          null
         ],
         "c": {}
        }

        """)
  }

  @Test func progressBarShowsPercentAndETA() {
    let line = ProgressLine.bar(label: "train", completed: 250, total: 1000, elapsed: 10, width: 8)
    #expect(line == "train [##......]  25%  250/1000  0:10 eta 0:30")
    #expect(
      ProgressLine.bar(label: "x", completed: 0, total: 5, elapsed: 0, width: 4)
        == "x [....]   0%  0/5  0:00 eta --:--")
    #expect(
      ProgressLine.summary(label: "train", completed: 1000, total: 1000, elapsed: 32)
        == "train: 1000/1000 in 0:32 (31.3/s)")
    #expect(ProgressLine.duration(3725) == "1:02:05")
    #expect(ProgressLine.duration(-1) == "--:--")
  }

  @Test func progressReporterThrottlesButAlwaysDrawsTheEnd() {
    var reporter = ProgressReporter(label: "steps", total: 3, interval: 1)
    #expect(reporter.update(completed: 1, elapsed: 0.0) != nil)
    #expect(reporter.update(completed: 2, elapsed: 0.5) == nil)
    #expect(reporter.update(completed: 3, elapsed: 0.6)?.contains("100%") == true)
    #expect(reporter.update(completed: 3, elapsed: 0.7) == nil)
    #expect(reporter.summary(completed: 3, elapsed: 2).hasPrefix("steps: 3/3 in 0:02"))
  }
}
