import Foundation

/// The base protocol of the Language Server Protocol: JSON-RPC messages over a byte stream, each
/// behind a `Content-Length: <bytes>\r\n\r\n` header (docs/editors.md).
///
/// Bytes arrive in any chunks; ``nextMessage()`` hands back whole bodies. A header block without
/// a usable `Content-Length` is dropped, so a garbled header loses one message, not the stream.
package struct LSPFraming {
  private var buffer: [UInt8] = []
  private static let headerEnd: [UInt8] = Array("\r\n\r\n".utf8)
  /// A header longer than this with no blank line after it is garbage.
  private static let longestHeader = 8192

  package init() {}

  /// Adds bytes read from the stream.
  package mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

  /// The body of the next complete message, or nil when more bytes are needed.
  package mutating func nextMessage() -> [UInt8]? {
    while true {
      guard let end = Self.firstIndex(of: Self.headerEnd, in: buffer) else {
        if buffer.count > Self.longestHeader { buffer.removeAll() }
        return nil
      }
      let header = String(decoding: buffer[..<end], as: UTF8.self)
      let bodyStart = end + Self.headerEnd.count
      guard let length = Self.contentLength(header) else {
        buffer.removeFirst(bodyStart)
        continue
      }
      guard buffer.count - bodyStart >= length else { return nil }
      let body = Array(buffer[bodyStart..<bodyStart + length])
      buffer.removeFirst(bodyStart + length)
      return body
    }
  }

  /// `body` with its header, ready to write.
  package static func frame(_ body: [UInt8]) -> [UInt8] {
    Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
  }

  /// The value of the `Content-Length` field (any case), when it is a non-negative number.
  static func contentLength(_ header: String) -> Int? {
    for line in header.split(separator: "\r\n") {
      guard let colon = line.firstIndex(of: ":"),
        line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "content-length"
      else { continue }
      guard let length = Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)),
        length >= 0
      else { return nil }
      return length
    }
    return nil
  }

  private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
      if haystack[start..<start + needle.count].elementsEqual(needle) { return start }
    }
    return nil
  }
}
