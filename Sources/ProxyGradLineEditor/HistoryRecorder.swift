/// Turns the lines a line editor reads into history entries: a line read at the
/// continuation prompt joins the entry of the line before it, so a multi-line statement (a
/// network block, a function) is one entry, recalled whole by Up and Ctrl-R.
public struct HistoryRecorder: Sendable {
  public private(set) var store: HistoryStore
  /// The prompt of continuation lines (`...> `); nil makes every line its own entry.
  public let continuationPrompt: String?
  /// The lines of the entry being entered.
  private var pending: [String] = []
  /// Whether `pending` is already the store's newest entry (its first line may have been a
  /// duplicate of the entry before and not added).
  private var pendingIsStored = false

  public init(store: HistoryStore, continuationPrompt: String?) {
    self.store = store
    self.continuationPrompt = continuationPrompt
  }

  /// Records a line read at `prompt`.
  /// - Returns: whether the store's entries changed.
  @discardableResult
  public mutating func record(_ line: String, prompt: String) throws -> Bool {
    if let continuationPrompt, prompt == continuationPrompt, !pending.isEmpty {
      pending.append(line)
      let entry = pending.joined(separator: "\n")
      if pendingIsStored {
        try store.replaceLast(with: entry)
      } else {
        pendingIsStored = try store.add(entry)
      }
      return true
    }
    pending = [line]
    pendingIsStored = false
    pendingIsStored = try store.add(line)
    return pendingIsStored
  }

  /// Loads the store's file.
  public mutating func load() throws { try store.load() }
}
