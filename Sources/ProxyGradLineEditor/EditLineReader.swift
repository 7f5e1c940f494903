import CEditLine
import Foundation

/// A ``LineReader`` for an interactive terminal, built on libedit.
///
/// - Editing: emacs key bindings, plus the user's `~/.editrc` (`pgs:` lines apply to pgs
///   only).
/// - History: Up/Down walk it and Ctrl-R searches it incrementally; it is kept in a
///   ``HistoryStore`` whose file gets every non-blank line as soon as it is entered.
/// - Completion: Tab asks the ``CompletionProvider`` and applies ``CompletionEdit``: one
///   candidate is inserted, several insert their common prefix and are listed below the
///   prompt.
/// - Ctrl-C at the prompt discards the line and returns ``LineReadResult/interrupted``
///   (see ``InterruptController``); Ctrl-D on an empty line returns
///   ``LineReadResult/endOfInput``.
///
/// Use it only when standard input and output are terminals; ``makeLineReader(_:)``
/// decides.
public final class EditLineReader: LineReader {
  private let editLine: OpaquePointer
  private let editHistory: OpaquePointer
  private let context: EditLineContext
  private let interrupts: InterruptController?
  private var history: HistoryRecorder
  private var reportedHistoryError = false

  /// Sets up libedit on the standard streams and loads the history file.
  /// - Parameters:
  ///   - history: the history to load and append to.
  ///   - continuationPrompt: the prompt of continuation lines, which join the entry of the
  ///     line before them; nil makes every line its own entry.
  ///   - completion: what Tab asks for candidates, or `nil` to make Tab ring the bell.
  ///   - interrupts: the SIGINT controller to install and cooperate with, or `nil` to
  ///     leave SIGINT alone (Ctrl-C then ends the process as usual).
  ///   - programName: the name `~/.editrc` lines are prefixed with.
  /// - Returns: `nil` when libedit cannot be initialised.
  public init?(
    history: HistoryStore,
    continuationPrompt: String? = nil,
    completion: (any CompletionProvider)? = nil,
    interrupts: InterruptController? = .shared,
    programName: String = "pgs"
  ) {
    Self.useCharacterLocale()
    guard let editLine = el_init(programName, pgs_stdin(), pgs_stdout(), pgs_stderr()) else {
      return nil
    }
    guard let editHistory = history_init() else {
      el_end(editLine)
      return nil
    }
    self.editLine = editLine
    self.editHistory = editHistory
    self.context = EditLineContext(completion: completion)
    self.interrupts = interrupts
    self.history = HistoryRecorder(store: history, continuationPrompt: continuationPrompt)
    configure(programName: programName)
    interrupts?.install()
    loadHistory()
  }

  deinit {
    el_end(editLine)
    history_end(editHistory)
  }

  private func configure(programName: String) {
    pgs_history_set_size(editHistory, Int32(clamping: history.store.capacity))
    pgs_history_set_unique(editHistory, 1)
    pgs_el_set_editor(editLine, "emacs")
    pgs_el_set_history(editLine, editHistory)
    pgs_el_set_clientdata(editLine, Unmanaged.passUnretained(context).toOpaque())
    pgs_el_set_prompt(editLine, editLinePrompt)
    pgs_el_use_interruptible_reads(editLine)
    pgs_el_add_function(
      editLine, "pgs-complete", "Complete the word before the cursor", editLineComplete)
    pgs_el_bind(editLine, "^I", "pgs-complete")
    pgs_el_bind(editLine, "^R", "em-inc-search-prev")
    el_source(editLine, nil)  // the user's ~/.editrc overrides the bindings above
  }

  /// libedit decodes input with the C library's locale; a process starts in the "C"
  /// locale, where any non-ASCII key would be dropped.
  private static func useCharacterLocale() {
    guard let current = setlocale(LC_CTYPE, nil) else { return }
    let name = String(cString: current)
    guard name == "C" || name == "POSIX" else { return }
    if let chosen = setlocale(LC_CTYPE, ""), String(cString: chosen).contains("UTF-8") {
      return
    }
    if setlocale(LC_CTYPE, "C.UTF-8") == nil { setlocale(LC_CTYPE, name) }
  }

  // MARK: - Reading

  /// Shows `prompt`, lets the user edit a line and returns it.
  public func readLine(prompt: String) -> LineReadResult {
    context.setPrompt(prompt)
    interrupts?.flag.reset()  // an interrupt that came before the prompt is spent
    var count: Int32 = 0
    let (text, error) = readEditedLine(count: &count)
    if let text, count > 0 {
      let bytes = UnsafeRawBufferPointer(start: text, count: Int(count))
      var line = String(decoding: bytes, as: UTF8.self)
      // "\r\n" is a single Character in Swift.
      if let last = line.last, last == "\n" || last == "\r\n" { line.removeLast() }
      record(line, prompt: prompt)
      return .line(line)
    }
    if count < 0 && error == EINTR {
      interrupts?.flag.reset()  // the interrupt was for the prompt, not for the next run
      write("^C\n")
      return .interrupted
    }
    write("\n")  // Ctrl-D leaves the cursor after the prompt
    return .endOfInput
  }

  private func readEditedLine(count: inout Int32) -> (UnsafePointer<CChar>?, Int32) {
    var localCount: Int32 = 0
    let body = { [editLine] () -> (UnsafePointer<CChar>?, Int32) in
      let text = el_gets(editLine, &localCount)
      return (text, errno)
    }
    let result = interrupts?.withInterruptibleSystemCalls(body) ?? body()
    count = localCount
    return result
  }

  private func write(_ text: String) {
    fputs(text, pgs_stdout())
    fflush(pgs_stdout())
  }

  // MARK: - History

  private func loadHistory() {
    do {
      try history.load()
    } catch {
      report(error)
    }
    syncEditHistory()
  }

  private func record(_ line: String, prompt: String) {
    do {
      guard try history.record(line, prompt: prompt) else { return }
    } catch {
      report(error)
    }
    syncEditHistory()
  }

  /// Rebuilds libedit's list from the store, which removed any older copy of the line.
  private func syncEditHistory() {
    pgs_history_clear(editHistory)
    for entry in history.store.entries { pgs_history_enter(editHistory, entry) }
  }

  /// Tells the user once that history is not being saved; editing goes on regardless.
  private func report(_ error: Error) {
    guard !reportedHistoryError else { return }
    reportedHistoryError = true
    fputs("pgs: history is not saved: \(error)\n", pgs_stderr())
  }
}

// MARK: - Callbacks

/// State the C callbacks reach through libedit's client data pointer.
final class EditLineContext {
  private(set) var prompt: UnsafeMutablePointer<CChar>?
  private var promptText = ""
  let completion: (any CompletionProvider)?

  init(completion: (any CompletionProvider)?) {
    self.completion = completion
    self.prompt = strdup("")
  }

  deinit {
    free(prompt)
  }

  func setPrompt(_ text: String) {
    guard text != promptText, let copy = strdup(text) else { return }
    free(prompt)
    prompt = copy
    promptText = text
  }

  /// Runs the completion provider on libedit's line and applies the result.
  func complete(in editLine: OpaquePointer) -> Int32 {
    guard let completion, let info = el_line(editLine)?.pointee,
      let start = info.buffer, let cursor = info.cursor, let end = info.lastchar
    else { return CC_ERROR }
    let bytes = UnsafeRawBufferPointer(start: start, count: max(0, end - start))
    let line = String(decoding: bytes, as: UTF8.self)
    let before = String(decoding: bytes.prefix(max(0, cursor - start)), as: UTF8.self)
    let request = CompletionRequest(line: line, cursor: before.count)
    let edit = CompletionEdit.forTab(request, result: completion.completions(for: request))
    if edit.rings { return CC_ERROR }
    apply(edit, in: editLine)
    guard !edit.listing.isEmpty else { return CC_REFRESH }
    list(edit.listing)
    return CC_REDISPLAY
  }

  private func apply(_ edit: CompletionEdit, in editLine: OpaquePointer) {
    var insertion = Substring(edit.insertion)
    if edit.insertion.hasPrefix(edit.replaced) {
      insertion = insertion.dropFirst(edit.replaced.count)
    } else if !edit.replaced.isEmpty {
      el_deletestr(editLine, Int32(clamping: edit.replaced.unicodeScalars.count))
    }
    if !insertion.isEmpty { el_insertstr(editLine, String(insertion)) }
  }

  /// Prints the candidates in columns below the line; libedit then redraws the prompt.
  private func list(_ candidates: [String]) {
    let shown = 400
    let columns = Int(pgs_terminal_columns(STDOUT_FILENO))
    var lines = CompletionEdit.columns(
      Array(candidates.prefix(shown)), width: columns > 0 ? columns : 80)
    if candidates.count > shown { lines.append("… and \(candidates.count - shown) more") }
    let output = pgs_stdout()
    fputs("\n" + lines.joined(separator: "\n") + "\n", output)
    fflush(output)
  }
}

private func editLineContext(_ editLine: OpaquePointer?) -> EditLineContext? {
  guard let editLine, let raw = pgs_el_clientdata(editLine) else { return nil }
  return Unmanaged<EditLineContext>.fromOpaque(raw).takeUnretainedValue()
}

/// libedit asks for the prompt on every redraw; it must stay valid until the next call.
private let editLinePrompt: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>? = {
  editLineContext($0)?.prompt
}

private let editLineComplete: @convention(c) (OpaquePointer?, Int32) -> UInt8 = {
  editLine, _ in
  guard let editLine, let context = editLineContext(editLine) else { return UInt8(CC_ERROR) }
  return UInt8(clamping: context.complete(in: editLine))
}
