import Crypto

/// SHA-256 digests (swift-crypto) for the script digest in the manifest and the keys of the
/// sweep cache.
package enum Digest {
  /// The lowercase hexadecimal SHA-256 digest of `bytes`.
  package static func sha256Hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
    Crypto.SHA256.hash(data: Array(bytes)).map { byte in
      let hex = String(byte, radix: 16)
      return byte < 16 ? "0" + hex : hex
    }.joined()
  }

  /// The lowercase hexadecimal SHA-256 digest of the UTF-8 bytes of `text`.
  package static func sha256Hex(of text: String) -> String { sha256Hex(of: Array(text.utf8)) }
}

extension Digest {
  /// The 32 bytes of the SHA-256 digest of `bytes`.
  package static func sha256Bytes(of bytes: [UInt8]) -> [UInt8] {
    Array(Crypto.SHA256.hash(data: bytes))
  }
}
