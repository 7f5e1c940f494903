import Foundation
import ProxyGradNotebook

/// One Jupyter message as it travels over ZeroMQ:
/// `[identities…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers…]`.
///
/// Incoming dictionaries are kept as the bytes that were signed; the header is also parsed so
/// the kernel can dispatch on `msg_type`, and it is sent back verbatim as the parent header of
/// every reply and output it causes.
package struct KernelMessage: Sendable {
  static let delimiter = Array("<IDS|MSG>".utf8)

  /// The ROUTER identities of the sender; replies go back to them.
  package var identities: [[UInt8]]
  package var header: JSONValue
  /// The header's serialized bytes, as received.
  package var rawHeader: [UInt8]
  package var parentHeader: JSONValue
  package var metadata: JSONValue
  package var content: JSONValue
  package var buffers: [[UInt8]]

  package var type: String { header["msg_type"]?.stringValue ?? "" }
  package var id: String { header["msg_id"]?.stringValue ?? "" }

  /// Why frames are not a message.
  package enum DecodingFailure: Error, Equatable, CustomStringConvertible {
    case noDelimiter
    case missingFrames
    case badSignature
    case badJSON(String)

    package var description: String {
      switch self {
      case .noDelimiter: return "no <IDS|MSG> delimiter"
      case .missingFrames: return "fewer than five frames after the delimiter"
      case .badSignature: return "bad signature"
      case .badJSON(let part): return "the \(part) is not a JSON object"
      }
    }
  }

  /// Parses frames received on a ROUTER socket and checks their signature before anything
  /// else is read.
  package static func decode(
    _ frames: [[UInt8]], signer: HMACSigner
  ) throws(DecodingFailure) -> KernelMessage {
    guard let split = frames.firstIndex(of: delimiter) else { throw .noDelimiter }
    let rest = Array(frames[(split + 1)...])
    guard rest.count >= 5 else { throw .missingFrames }
    let parts = Array(rest[1...4])
    guard signer.verify(signature: rest[0], parts: parts) else { throw .badSignature }
    func object(_ bytes: [UInt8], _ name: String) throws(DecodingFailure) -> JSONValue {
      guard let value = JSONValue.parse(bytes), case .object = value else { throw .badJSON(name) }
      return value
    }
    return KernelMessage(
      identities: Array(frames[..<split]),
      header: try object(parts[0], "header"), rawHeader: parts[0],
      parentHeader: try object(parts[1], "parent header"),
      metadata: try object(parts[2], "metadata"), content: try object(parts[3], "content"),
      buffers: Array(rest.dropFirst(5)))
  }
}

/// Builds the frames of the kernel's own messages.
package struct MessageWriter: Sendable {
  package let signer: HMACSigner
  /// The kernel's session id, the same in every header it writes.
  package let session: String
  package static let protocolVersion = "5.3"

  package init(signer: HMACSigner, session: String = UUID().uuidString.lowercased()) {
    self.signer = signer
    self.session = session
  }

  /// The frames of a message of type `type` answering (or caused by) `parent`.
  package func frames(
    type: String, content: JSONValue, parent: KernelMessage?, identities: [[UInt8]],
    metadata: JSONValue = .object([])
  ) -> [[UInt8]] {
    let header: JSONValue = .object([
      ("msg_id", .string(UUID().uuidString.lowercased())), ("msg_type", .string(type)),
      ("username", .string("pgs")), ("session", .string(session)),
      ("date", .string(Self.timestamp())), ("version", .string(Self.protocolVersion)),
    ])
    let parts: [[UInt8]] = [
      Array(header.serialized(indent: 0).utf8),
      parent?.rawHeader ?? Array("{}".utf8),
      Array(metadata.serialized(indent: 0).utf8),
      Array(content.serialized(indent: 0).utf8),
    ]
    return identities + [KernelMessage.delimiter, Array(signer.signature(parts).utf8)] + parts
  }

  /// ISO 8601 with microseconds, in UTC, as Jupyter writes dates.
  static func timestamp(_ date: Date = Date()) -> String {
    let seconds = date.timeIntervalSince1970
    var whole = time_t(seconds.rounded(.down))
    let micros = Int((seconds - Double(whole)) * 1_000_000)
    var parts = tm()
    gmtime_r(&whole, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    let micro = String(micros)
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
      + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
      + String(repeating: "0", count: max(0, 6 - micro.count)) + micro + "Z"
  }
}

// MARK: - Reading JSON

extension JSONValue {
  /// Parses JSON text; nil when it is not JSON.
  package static func parse(_ bytes: [UInt8]) -> JSONValue? {
    try? JSONDecoder().decode(DecodedJSON.self, from: Data(bytes)).value
  }

  package subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.last { $0.0 == key }?.1
  }

  package var stringValue: String? {
    if case .string(let text) = self { return text }
    return nil
  }

  package var intValue: Int? {
    switch self {
    case .int(let value): return value
    case .double(let value) where value == value.rounded() && abs(value) < 1e15: return Int(value)
    default: return nil
    }
  }

  package var boolValue: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }
}

/// Decodes any JSON document into a `JSONValue`, keeping the distinction between integers,
/// doubles and booleans.
struct DecodedJSON: Decodable {
  let value: JSONValue

  init(from decoder: any Decoder) throws {
    if var array = try? decoder.unkeyedContainer() {
      var items: [JSONValue] = []
      while !array.isAtEnd { items.append(try array.decode(DecodedJSON.self).value) }
      value = .array(items)
      return
    }
    if let object = try? decoder.container(keyedBy: AnyKey.self) {
      var members: [(String, JSONValue)] = []
      for key in object.allKeys {
        members.append((key.stringValue, try object.decode(DecodedJSON.self, forKey: key).value))
      }
      value = .object(members)
      return
    }
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      value = .null
    } else if let bool = try? single.decode(Bool.self) {
      value = .bool(bool)
    } else if let int = try? single.decode(Int.self) {
      value = .int(int)
    } else if let double = try? single.decode(Double.self) {
      value = .double(double)
    } else {
      value = .string(try single.decode(String.self))
    }
  }

  struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }
}
