/// An ONNX file that cannot be read or written, naming the file and, where they are known, the
/// node, its op and the byte offset at fault.
public struct ONNXError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The model file.
  public var file: String
  /// The ONNX node's name (as in the file), when one node is at fault.
  public var node: String?
  /// The node's op type.
  public var op: String?
  /// The byte offset in the file where it stops being well-formed protobuf.
  public var offset: Int?
  /// What is wrong and what was expected.
  public var message: String

  public init(file: String, node: String? = nil, op: String? = nil, offset: Int? = nil, _ message: String) {
    self.file = file
    self.node = node
    self.op = op
    self.offset = offset
    self.message = message
  }

  public var description: String {
    var s = file
    if let offset { s += " at byte \(offset)" }
    if let node {
      s += ", node '\(node)'"
      if let op { s += " (\(op))" }
    } else if let op {
      s += ", op \(op)"
    }
    return s + ": " + message
  }
}
