/// Finds where a file stops being a well-formed ONNX protobuf message, so that a corrupt or
/// truncated model is reported with a byte offset.
///
/// Walks the wire format (tags, varints, lengths) of `ModelProto` and of the messages inside it
/// that hold the model (graph, nodes, attributes, tensors, value infos); other length-delimited
/// fields are checked to fit in their message and skipped.
enum WireCheck {
  /// The message type of each length-delimited field worth descending into.
  private enum Kind { case model, graph, node, attribute, tensor, valueInfo }

  private static func child(_ kind: Kind, field: UInt64) -> Kind? {
    switch (kind, field) {
    case (.model, 7): return .graph
    case (.graph, 1): return .node
    case (.graph, 5): return .tensor
    case (.graph, 11), (.graph, 12), (.graph, 13): return .valueInfo
    case (.node, 5): return .attribute
    case (.attribute, 5), (.attribute, 10): return .tensor
    case (.attribute, 6), (.attribute, 11): return .graph
    default: return nil
    }
  }

  /// The first fault: its byte offset and what is wrong there; nil when the file is well-formed.
  static func firstFault(_ bytes: [UInt8]) -> (offset: Int, message: String)? {
    if bytes.isEmpty { return (0, "the file is empty") }
    return walk(bytes, from: 0, to: bytes.count, kind: .model, depth: 0)
  }

  private static func walk(_ b: [UInt8], from start: Int, to end: Int, kind: Kind, depth: Int)
    -> (offset: Int, message: String)?
  {
    guard depth < 64 else { return (start, "messages nested more than 64 deep") }
    var i = start
    while i < end {
      let fieldStart = i
      guard let tag = varint(b, &i, end) else {
        return (fieldStart, "a field tag runs past the end of its message (truncated or corrupt)")
      }
      let field = tag >> 3
      guard field > 0 else { return (fieldStart, "field number 0 (corrupt data)") }
      switch tag & 7 {
      case 0:
        guard varint(b, &i, end) != nil else {
          return (fieldStart, "field \(field): a number runs past the end of its message (truncated or corrupt)")
        }
      case 1:
        guard end - i >= 8 else { return (fieldStart, "field \(field): 8 bytes expected, \(end - i) left (truncated)") }
        i += 8
      case 5:
        guard end - i >= 4 else { return (fieldStart, "field \(field): 4 bytes expected, \(end - i) left (truncated)") }
        i += 4
      case 2:
        guard let length = varint(b, &i, end) else {
          return (fieldStart, "field \(field): a length runs past the end of its message (truncated or corrupt)")
        }
        guard length <= UInt64(end - i) else {
          return (
            fieldStart,
            "field \(field) claims \(length) bytes but only \(end - i) are left in its message (truncated or corrupt)"
          )
        }
        let stop = i + Int(length)
        if let inner = child(kind, field: field),
          let fault = walk(b, from: i, to: stop, kind: inner, depth: depth + 1)
        {
          return fault
        }
        i = stop
      default:
        return (fieldStart, "field \(field) has wire type \(tag & 7), which ONNX never writes (corrupt data)")
      }
    }
    return nil
  }

  /// Reads a varint at `i`, moving `i` past it; nil when it does not end before `end` or is
  /// longer than 10 bytes.
  private static func varint(_ b: [UInt8], _ i: inout Int, _ end: Int) -> UInt64? {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while i < end {
      let byte = b[i]
      i += 1
      if shift < 64 { value |= UInt64(byte & 0x7F) << shift }
      if byte & 0x80 == 0 { return value }
      shift += 7
      if shift >= 70 { return nil }
    }
    return nil
  }
}
