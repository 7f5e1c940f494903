/// A problem with a data or weight file, saying which file, where in it, and what was expected.
public struct DataError: Error, CustomStringConvertible, Equatable {
  public var path: String
  /// The byte offset where the problem was found, when it is about the file's contents.
  public var offset: Int?
  public var message: String

  public init(path: String, offset: Int? = nil, _ message: String) {
    self.path = path
    self.offset = offset
    self.message = message
  }

  public var description: String {
    if let offset { return "\(path): at byte \(offset): \(message)" }
    return "\(path): \(message)"
  }
}
