import CZlib
import Foundation

/// Reads whole files, inflating gzip transparently (zlib's gzread passes plain files through).
enum FileBytes {
  static func read(_ path: String) throws(DataError) -> [UInt8] {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw DataError(path: path, "is a folder, not a file", isAccess: true)
    }
    guard let file = gzopen(path, "rb") else {
      throw DataError(path: path, "cannot open the file (does it exist and is it readable?)", isAccess: true)
    }
    defer { gzclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
      if n < 0 {
        var code: Int32 = 0
        let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
        throw DataError(path: path, offset: bytes.count, "cannot read: \(message) (a truncated or corrupt gzip file?)")
      }
      if n == 0 { break }
      bytes.append(contentsOf: chunk[0..<Int(n)])
    }
    return bytes
  }

  /// Big-endian 32-bit integer at `offset`.
  static func uint32BE(_ bytes: [UInt8], _ offset: Int) -> Int {
    (Int(bytes[offset]) << 24) | (Int(bytes[offset + 1]) << 16) | (Int(bytes[offset + 2]) << 8)
      | Int(bytes[offset + 3])
  }
}
