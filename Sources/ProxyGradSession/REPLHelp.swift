import Foundation
import ProxyGradRuntime

/// Help the REPL gives beyond builtins: what each keyword's statement does, the hint for
/// `exit`/`quit`, and word wrapping to the terminal's width.
public enum REPLHelp {
  /// `?keyword`: the statement or operator a keyword starts, with an example.
  public static let keywords: [String: String] = [
    "sweep": """
      sweep a in X, b in Y { body }
      Runs the body once for every combination of the values (the first variable outermost), each run in a fresh scope that starts from the state the sweep began with, so runs are independent and may run in any process. record(name: value, ...) adds a row that also holds the sweep variables; when the sweep ends the rows and a summary (mean, std and n of every recorded number, grouped by the sweep variables except seed) are shown, and a notebook writes them to sweeps/NAME/. sweep "name": ... names the sweep; stop_on_error: true among the variables makes the first failing run fail the sweep.
      example: sweep slope in [0, 0.3], seed in 1...3 { record(value: slope * seed) }
      """,
    "for": """
      for name in sequence { body }
      Runs the body for every item of a list, a range, a string (its characters) or a tensor (its rows along the first axis). break leaves the loop, continue goes to the next item.
      example: for i in 0..<3 { print(i) }
      """,
    "while": """
      while condition { body }
      Runs the body while the condition is true (a tensor condition must hold one element; use any(...) or all(...) otherwise).
      example: while n > 1 { n = n / 2 }
      """,
    "if": """
      if condition { ... } else { ... }
      An expression: the value of the taken branch (nil without else). else if chains. A tensor condition must hold exactly one element; use any(t), all(t) or item(t).
      example: label = if x > 0 { "pos" } else { "neg" }
      """,
    "else": "See ?if.",
    "in": "Part of for name in sequence { ... } and sweep a in X { ... }; see ?for and ?sweep.",
    "fn": """
      fn(a, b) { body }
      A function: the value of the body's last statement is its result; return leaves early. Functions close over the variables around them.
      example: square = fn(x) { x * x }
      """,
    "return": "return value (or bare return, giving nil) leaves the enclosing function; see ?fn.",
    "break": "break leaves the innermost for or while loop.",
    "continue": "continue goes to the next turn of the innermost loop, or ends the current run of a sweep.",
    "and": "a and b: b when a is true, otherwise a (b is not evaluated then). Also written &&.",
    "or": "a or b: a when a is true, otherwise b (b is not evaluated then). Also written ||.",
    "not": "not a: true when a is false or nil. Also written !.",
    "true": "The bool true.",
    "false": "The bool false; with nil, the only false values in conditions.",
    "nil": "The value of nothing: of statements, of functions that return nothing, of if without else.",
  ]

  /// What `exit`, `quit`, `exit()` and `quit()` at the prompt say.
  public static let leaveHint = "to leave, type :quit (or :q, or press Ctrl-D)\n"

  /// Whether a line is an attempt to leave that the language does not know.
  static func isLeaveAttempt(_ trimmed: String) -> Bool {
    ["exit", "quit", "exit()", "quit()", "bye"].contains(trimmed)
  }

  /// Text wrapped to `width` columns at spaces; lines already shorter stay as they are, and a
  /// word longer than the width gets a line of its own. Continuation lines keep the leading
  /// spaces of the line they continue.
  public static func wrap(_ text: String, width: Int) -> String {
    let width = max(width, 20)
    var out: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      guard line.count > width else {
        out.append(String(line))
        continue
      }
      let indent = String(line.prefix { $0 == " " })
      var current = ""
      for word in line.dropFirst(indent.count).split(separator: " ", omittingEmptySubsequences: false) {
        if current.isEmpty {
          current = indent + word
        } else if current.count + 1 + word.count > width {
          out.append(current)
          current = indent + word
        } else {
          current += " " + word
        }
      }
      out.append(current)
    }
    return out.joined(separator: "\n")
  }

  /// The terminal's width in columns: `COLUMNS` when set, otherwise the size of the terminal on
  /// standard output, otherwise 80.
  public static func terminalWidth() -> Int {
    if let text = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(text), n >= 20 { return n }
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 20 { return Int(size.ws_col) }
    return 80
  }
}
