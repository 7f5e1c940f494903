/// A problem with a data or weight file, saying which file, where in it, and what was expected.
public struct DataError: Error, CustomStringConvertible, Equatable {
  public var path: String
  /// The byte offset where the problem was found, when it is about the file's contents.
  public var offset: Int?
  public var message: String
  /// Whether the file could not be opened, read or written at all (rather than holding the
  /// wrong contents).
  public var isAccess: Bool

  public init(path: String, offset: Int? = nil, _ message: String, isAccess: Bool = false) {
    self.path = path
    self.offset = offset
    self.message = message
    self.isAccess = isAccess
  }

  public var description: String {
    if let offset { return "\(path): at byte \(offset): \(message)" }
    return "\(path): \(message)"
  }
}
