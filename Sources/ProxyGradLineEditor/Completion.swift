/// The state of the input line when Tab is pressed.
public struct CompletionRequest: Equatable, Sendable {
  /// The whole line being edited.
  public var line: String
  /// The cursor position, counted in `Character`s from the start of ``line``.
  public var cursor: Int

  /// Creates a request; `cursor` is clamped into the line.
  /// - Parameters:
  ///   - line: the whole line being edited.
  ///   - cursor: the cursor position in `Character`s; defaults to the end of the line.
  public init(line: String, cursor: Int? = nil) {
    self.line = line
    self.cursor = min(max(0, cursor ?? line.count), line.count)
  }

  /// The part of the line before the cursor, which completion usually looks at.
  public var textBeforeCursor: Substring { line.prefix(cursor) }
}

/// What a ``CompletionProvider`` proposes: replace the text from ``wordStart`` up to the
/// cursor with one of ``candidates``.
public struct CompletionResult: Equatable, Sendable {
  /// Where the word being completed starts, in `Character`s from the start of the line;
  /// at most the cursor position.
  public var wordStart: Int
  /// Full replacements for the word, in the order to list them.
  public var candidates: [String]

  /// Creates a result.
  /// - Parameters:
  ///   - wordStart: where the replaced word starts, in `Character`s.
  ///   - candidates: full replacements for that word.
  public init(wordStart: Int, candidates: [String]) {
    self.wordStart = wordStart
    self.candidates = candidates
  }

  /// No completion.
  public static let none = CompletionResult(wordStart: 0, candidates: [])
}

/// Proposes completions for the word at the cursor. The session supplies one for names,
/// keywords and `:` commands and may combine it with ``FilePathCompleter`` through
/// ``FirstMatchCompletionProvider``.
public protocol CompletionProvider {
  /// Returns the completions for the word before the cursor.
  /// - Parameter request: the line and cursor position.
  /// - Returns: the word's start and the candidates, or ``CompletionResult/none``.
  func completions(for request: CompletionRequest) -> CompletionResult
}

/// A ``CompletionProvider`` made from a closure.
public struct ClosureCompletionProvider: CompletionProvider {
  private let body: (CompletionRequest) -> CompletionResult

  /// Wraps `body` as a provider.
  /// - Parameter body: computes the completions for a request.
  public init(_ body: @escaping (CompletionRequest) -> CompletionResult) {
    self.body = body
  }

  /// Returns `body(request)`.
  public func completions(for request: CompletionRequest) -> CompletionResult {
    body(request)
  }
}

/// Asks each provider in turn and returns the first answer with candidates, so a file
/// path completer (active inside strings and after `:load`) can sit before a name
/// completer.
public struct FirstMatchCompletionProvider: CompletionProvider {
  /// The providers, asked in order.
  public var providers: [any CompletionProvider]

  /// Creates a provider that tries `providers` in order.
  /// - Parameter providers: the providers to ask.
  public init(_ providers: [any CompletionProvider]) {
    self.providers = providers
  }

  /// Returns the first non-empty result, or ``CompletionResult/none``.
  public func completions(for request: CompletionRequest) -> CompletionResult {
    for provider in providers {
      let result = provider.completions(for: request)
      if !result.candidates.isEmpty { return result }
    }
    return .none
  }
}

// MARK: - What Tab does

/// The change Tab makes to the line, decided from a ``CompletionResult`` the way bash does
/// it: a single candidate is inserted; several insert their longest common prefix and are
/// listed below the prompt; none rings the bell.
public struct CompletionEdit: Equatable, Sendable {
  /// The text before the cursor to remove (the word being completed).
  public var replaced: String
  /// The text to insert in its place.
  public var insertion: String
  /// The candidates to list below the prompt; empty when nothing is listed.
  public var listing: [String]
  /// Whether to ring the terminal bell (no candidate at all).
  public var rings: Bool

  /// Decides what Tab does.
  /// - Parameters:
  ///   - request: the line and cursor when Tab was pressed.
  ///   - result: the provider's answer for that request.
  /// - Returns: the edit to apply.
  public static func forTab(_ request: CompletionRequest, result: CompletionResult) -> Self {
    let start = min(max(0, result.wordStart), request.cursor)
    let word = String(request.textBeforeCursor.dropFirst(start))
    var seen = Set<String>()
    let candidates = result.candidates.filter { seen.insert($0).inserted }
    switch candidates.count {
    case 0:
      return CompletionEdit(replaced: "", insertion: "", listing: [], rings: true)
    case 1:
      return CompletionEdit(replaced: word, insertion: candidates[0], listing: [], rings: false)
    default:
      let prefix = longestCommonPrefix(candidates)
      let grows = prefix.count > word.count
      return CompletionEdit(
        replaced: grows ? word : "", insertion: grows ? prefix : "",
        listing: candidates, rings: false)
    }
  }

  /// The longest string every one of `strings` starts with, compared by `Character`.
  /// - Parameter strings: the candidates.
  /// - Returns: their common prefix; empty for an empty list.
  public static func longestCommonPrefix(_ strings: [String]) -> String {
    guard let first = strings.first else { return "" }
    var prefix = Substring(first)
    for string in strings.dropFirst() {
      var length = 0
      for (a, b) in zip(prefix, string) {
        guard a == b else { break }
        length += 1
      }
      prefix = prefix.prefix(length)
      if prefix.isEmpty { break }
    }
    return String(prefix)
  }

  /// Lays out completion candidates in columns, filled top to bottom then left to right,
  /// like `ls` and bash do.
  /// - Parameters:
  ///   - items: the candidates.
  ///   - width: the terminal width in columns.
  /// - Returns: the lines to print, without trailing spaces.
  public static func columns(_ items: [String], width: Int) -> [String] {
    guard !items.isEmpty else { return [] }
    let columnWidth = (items.map(\.count).max() ?? 0) + 2
    let columns = max(1, max(width, 1) / columnWidth)
    let rows = (items.count + columns - 1) / columns
    return (0..<rows).map { row in
      var line = ""
      for column in 0..<columns {
        let index = row + column * rows
        guard index < items.count else { break }
        let item = items[index]
        line += item + String(repeating: " ", count: columnWidth - item.count)
      }
      while line.last == " " { line.removeLast() }
      return line
    }
  }
}
