import ProxyGradNN

/// What `save(value, path)` writes.
public enum SavedContent {
  /// UTF-8 text.
  case text(String)
  /// A tensor; the store picks the format from the path's extension.
  case tensor(Tensor)
}

/// Where `save(...)` writes. The runtime decides nothing about paths or formats: a notebook run
/// confines writes to its output folder, and a session without a store refuses to write.
public protocol FileStore: AnyObject {
  /// Writes `content` to `path` as the script gave it.
  /// - Returns: the path written, as the user should see it.
  /// - Throws: a message saying why the write was refused or failed.
  func save(_ content: SavedContent, to path: String) throws(FileStoreError) -> String
}

/// Why a `save(...)` failed: lowercase, names the path and what was expected.
public struct FileStoreError: Error, Equatable, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
