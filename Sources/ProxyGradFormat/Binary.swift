/// The one binary form of the cache of incremental reruns (docs/notebooks.md, "Caching and
/// incremental reruns"): little-endian integers, IEEE 754 bit patterns for numbers (so every
/// value, NaN payloads included, comes back bit for bit), length-prefixed UTF-8 strings, and
/// arrays of floats as their raw bytes, copied without formatting.
package struct BinaryWriter {
  package private(set) var bytes: [UInt8] = []

  package init() {}

  package mutating func byte(_ value: UInt8) { bytes.append(value) }

  package mutating func uint64(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  package mutating func int(_ value: Int) { uint64(UInt64(bitPattern: Int64(value))) }

  package mutating func bool(_ value: Bool) { byte(value ? 1 : 0) }

  package mutating func double(_ value: Double) { uint64(value.bitPattern) }

  package mutating func string(_ value: String) {
    let utf8 = Array(value.utf8)
    int(utf8.count)
    bytes.append(contentsOf: utf8)
  }

  package mutating func optionalString(_ value: String?) {
    bool(value != nil)
    if let value { string(value) }
  }

  package mutating func optionalInt(_ value: Int?) {
    bool(value != nil)
    if let value { int(value) }
  }

  package mutating func raw(_ value: [UInt8]) {
    int(value.count)
    bytes.append(contentsOf: value)
  }

  /// A count, then each value as `element` writes it (read back by `BinaryReader.array`).
  package mutating func array<T>(_ values: [T], _ element: (inout BinaryWriter, T) -> Void) {
    int(values.count)
    for value in values { element(&self, value) }
  }

  package mutating func ints(_ values: [Int]) { array(values) { $0.int($1) } }

  package mutating func doubles(_ values: [Double]) { array(values) { $0.double($1) } }

  package mutating func strings(_ values: [String]) { array(values) { $0.string($1) } }

  /// Floats as their little-endian bytes, in one copy.
  package mutating func floats(_ values: [Float]) {
    int(values.count)
    bytes.append(contentsOf: Self.floatBytes(values))
  }

  /// The little-endian bytes of `values` (the machine's own order on every supported CPU).
  package static func floatBytes(_ values: [Float]) -> [UInt8] {
    precondition(UInt32(1).littleEndian == 1, "a little-endian machine")
    return values.withUnsafeBytes { Array($0) }
  }
}

/// Why bytes could not be read back: truncated, or not what the writer wrote.
package struct BinaryFormatError: Error, Equatable, CustomStringConvertible {
  package var description: String
  package init(_ description: String) { self.description = description }
}

/// Reads what ``BinaryWriter`` wrote; every read checks the bounds and throws on bytes that end
/// early or hold impossible sizes, never crashes.
package struct BinaryReader {
  private let bytes: [UInt8]
  package private(set) var offset: Int

  package init(_ bytes: [UInt8], offset: Int = 0) {
    self.bytes = bytes
    self.offset = offset
  }

  package var isAtEnd: Bool { offset == bytes.count }

  private mutating func take(_ count: Int) throws(BinaryFormatError) -> Range<Int> {
    guard count >= 0, count <= bytes.count - offset else {
      throw BinaryFormatError("truncated at byte \(offset): \(count) more bytes expected, \(bytes.count - offset) left")
    }
    defer { offset += count }
    return offset..<(offset + count)
  }

  package mutating func byte() throws(BinaryFormatError) -> UInt8 { bytes[try take(1).lowerBound] }

  package mutating func uint64() throws(BinaryFormatError) -> UInt64 {
    let range = try take(8)
    var value: UInt64 = 0
    for index in range.reversed() { value = value << 8 | UInt64(bytes[index]) }
    return value
  }

  package mutating func int() throws(BinaryFormatError) -> Int { Int(Int64(bitPattern: try uint64())) }

  /// A count of items of at least `width` bytes each, checked against the bytes left.
  package mutating func count(width: Int = 1) throws(BinaryFormatError) -> Int {
    let value = try int()
    guard value >= 0, value <= (bytes.count - offset) / max(width, 1) else {
      throw BinaryFormatError("impossible count \(value) at byte \(offset - 8)")
    }
    return value
  }

  package mutating func bool() throws(BinaryFormatError) -> Bool {
    switch try byte() {
    case 0: return false
    case 1: return true
    case let other: throw BinaryFormatError("expected a bool at byte \(offset - 1), got \(other)")
    }
  }

  package mutating func double() throws(BinaryFormatError) -> Double { Double(bitPattern: try uint64()) }

  package mutating func string() throws(BinaryFormatError) -> String {
    let range = try take(try count())
    return String(decoding: bytes[range], as: UTF8.self)
  }

  package mutating func optionalString() throws(BinaryFormatError) -> String? {
    try bool() ? try string() : nil
  }

  package mutating func optionalInt() throws(BinaryFormatError) -> Int? {
    try bool() ? try int() : nil
  }

  package mutating func raw() throws(BinaryFormatError) -> [UInt8] {
    Array(bytes[try take(try count())])
  }

  /// A count, then that many values read by `element` (each at least `width` bytes long).
  package mutating func array<T>(
    width: Int, _ element: (inout BinaryReader) throws(BinaryFormatError) -> T
  ) throws(BinaryFormatError) -> [T] {
    let n = try count(width: width)
    var values: [T] = []
    values.reserveCapacity(n)
    for _ in 0..<n { values.append(try element(&self)) }
    return values
  }

  package mutating func ints() throws(BinaryFormatError) -> [Int] {
    try array(width: 8) { r throws(BinaryFormatError) in try r.int() }
  }

  package mutating func doubles() throws(BinaryFormatError) -> [Double] {
    try array(width: 8) { r throws(BinaryFormatError) in try r.double() }
  }

  package mutating func strings() throws(BinaryFormatError) -> [String] {
    try array(width: 8) { r throws(BinaryFormatError) in try r.string() }
  }

  package mutating func floats() throws(BinaryFormatError) -> [Float] {
    let n = try count(width: 4)
    let range = try take(n * 4)
    return Self.floats(bytes[range])
  }

  /// Floats from their little-endian bytes, in one copy (a trailing partial float is ignored;
  /// callers check the count).
  package static func floats(_ bytes: ArraySlice<UInt8>) -> [Float] {
    let n = bytes.count / 4
    return [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
      bytes.withUnsafeBytes { source in
        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<(n * 4)]))
      }
      initialized = n
    }
  }
}
