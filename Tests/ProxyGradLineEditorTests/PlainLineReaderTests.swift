import Foundation
import Testing

@testable import ProxyGradLineEditor

/// A pipe whose write end is filled and closed up front, standing in for piped stdin.
private func pipe(containing bytes: [UInt8]) throws -> Int32 {
  var ends: [Int32] = [0, 0]
  try #require(pipe(&ends) == 0)
  var remaining = bytes[...]
  while !remaining.isEmpty {
    let written = remaining.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
    try #require(written > 0)
    remaining = remaining.dropFirst(written)
  }
  close(ends[1])
  return ends[0]
}

/// What `count` calls of `readLine(prompt:)` give on a plain reader of `bytes` piped in.
private func reads(_ count: Int, of bytes: [UInt8], prompt: String = "") throws -> [LineReadResult] {
  let input = try pipe(containing: bytes)
  defer { close(input) }
  let reader = PlainLineReader(fileDescriptor: input)
  return (0..<count).map { _ in reader.readLine(prompt: prompt) }
}

@Suite struct PlainLineReaderTests {
  @Test func readsPipedInputLineByLine() throws {
    #expect(
      try reads(4, of: Array("x = 1\n\nprint(x)\n".utf8), prompt: "pgs> ")
        == [.line("x = 1"), .line(""), .line("print(x)"), .endOfInput])
  }

  @Test func returnsALastLineWithoutNewline() throws {
    #expect(try reads(3, of: Array("a\nb".utf8)) == [.line("a"), .line("b"), .endOfInput])
  }

  @Test func dropsCarriageReturnsAndRepairsInvalidUTF8() throws {
    let bytes = Array("π = 1\r\n".utf8) + [0x61, 0xFF, 0x62, 0x0A]
    #expect(try reads(2, of: bytes) == [.line("π = 1"), .line("a\u{FFFD}b")])
  }

  @Test func handlesLinesLongerThanOneRead() throws {
    let long = String(repeating: "0123456789", count: 1000)
    #expect(try reads(2, of: Array((long + "\nend\n").utf8)) == [.line(long), .line("end")])
  }

  @Test func writesPromptsOnlyWhenAskedTo() throws {
    let input = try pipe(containing: Array("a\n".utf8))
    defer { close(input) }
    var promptEnds: [Int32] = [0, 0]
    try #require(pipe(&promptEnds) == 0)
    defer { close(promptEnds[0]) }
    let reader = PlainLineReader(fileDescriptor: input, promptFileDescriptor: promptEnds[1])
    #expect(reader.readLine(prompt: "pgs> ") == .line("a"))
    close(promptEnds[1])
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = read(promptEnds[0], &buffer, buffer.count)
    #expect(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) == "pgs> ")
  }
}
