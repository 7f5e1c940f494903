/// Where the end of a piece of source text stands, for completion: in code, inside a string
/// literal, or in a `#` comment. The REPL's name completion and its file-path completion ask it.
public enum TextEnd: Equatable, Sendable {
  case code
  /// Inside a string literal whose text starts `contentStart` characters into the text (just
  /// after its opening quote).
  case string(contentStart: Int)
  /// After a `#` outside a string: the rest of the line is a comment.
  case comment

  /// Scans `text` for string literals (with `\` escapes) and comments.
  public init<Text: Collection<Character>>(of text: Text) {
    var openedAt: Int?
    var escaped = false
    for (offset, character) in text.enumerated() {
      if openedAt != nil {
        if escaped {
          escaped = false
        } else if character == "\\" {
          escaped = true
        } else if character == "\"" {
          openedAt = nil
        }
      } else if character == "\"" {
        openedAt = offset + 1
      } else if character == "#" {
        self = .comment
        return
      }
    }
    self = openedAt.map { .string(contentStart: $0) } ?? .code
  }
}
