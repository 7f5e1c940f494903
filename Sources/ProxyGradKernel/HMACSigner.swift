import Crypto
import Foundation

/// Signs and verifies Jupyter messages: HMAC-SHA256 over the four serialized dictionaries
/// (header, parent header, metadata, content), as a lowercase hex digest. An empty key turns
/// signing off, as the protocol says.
package struct HMACSigner: Sendable {
  /// The key's bytes; nil when signing is off.
  private let keyBytes: [UInt8]?

  /// - Parameter key: the connection file's `key`, as its UTF-8 bytes; empty means unsigned.
  package init(key: String) {
    keyBytes = key.isEmpty ? nil : Array(key.utf8)
  }

  private var key: SymmetricKey? { keyBytes.map { SymmetricKey(data: $0) } }

  /// Whether messages are signed at all.
  package var isSigning: Bool { keyBytes != nil }

  /// The hex signature of the four parts; empty when signing is off.
  package func signature(_ parts: [[UInt8]]) -> String {
    guard let key else { return "" }
    var mac = HMAC<SHA256>(key: key)
    for part in parts { mac.update(data: part) }
    return Self.hex(Array(mac.finalize()))
  }

  /// Whether `signature` (hex, as received) signs the four parts. Compared in constant time
  /// over the digest bytes. Any signature passes when signing is off.
  package func verify(signature: [UInt8], parts: [[UInt8]]) -> Bool {
    guard let key else { return true }
    guard let digest = Self.bytes(fromHex: signature), digest.count == SHA256.byteCount else {
      return false
    }
    return HMAC<SHA256>.isValidAuthenticationCode(digest, authenticating: Data(parts.joined()), using: key)
  }

  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Bytes of a hex string (either case); nil for odd lengths or non-hex characters.
  static func bytes(fromHex text: [UInt8]) -> [UInt8]? {
    guard text.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
      default: return nil
      }
    }
    var out: [UInt8] = []
    out.reserveCapacity(text.count / 2)
    var index = 0
    while index < text.count {
      guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return nil }
      out.append(high << 4 | low)
      index += 2
    }
    return out
  }
}
