import Foundation
import ProxyGradRuntime

/// A REPL command: a line starting with `:`, handled before the language sees it.
public struct MetaCommand: Sendable {
  /// The command's name with its colon: `:load`.
  public let name: String
  /// How it is written: `:load FILE`.
  public let usage: String
  /// One line for `:help`.
  public let summary: String
  /// Other spellings that run it (`:q`).
  public let aliases: [String]

  /// Every command, in the order `:help` lists them.
  public static let all: [MetaCommand] = [
    MetaCommand(name: ":help", usage: ":help", summary: "list these commands", aliases: [":h", ":?"]),
    MetaCommand(
      name: ":time", usage: ":time EXPR", summary: "run the statement and report its wall time", aliases: []),
    MetaCommand(
      name: ":load", usage: ":load FILE", summary: "run a .pgs file into the session", aliases: [":l"]),
    MetaCommand(
      name: ":vars", usage: ":vars", summary: "list the session's names with type and shape", aliases: []),
    MetaCommand(name: ":reset", usage: ":reset", summary: "forget every name and start afresh", aliases: []),
    MetaCommand(name: ":quit", usage: ":quit", summary: "leave (Ctrl-D also does)", aliases: [":q", ":exit"]),
  ]

  /// The command `word` names, by name or alias.
  /// - Parameter word: the first word of the line, with its colon.
  /// - Returns: the command, or nil.
  public static func named(_ word: String) -> MetaCommand? {
    all.first { $0.name == word || $0.aliases.contains(word) }
  }

  /// The text of `:help`.
  public static var helpText: String {
    let width = all.map(\.usage.count).max() ?? 0
    var out = "Commands:\n"
    for command in all {
      out += "  " + command.usage.padding(toLength: width + 2, withPad: " ", startingAt: 0) + command.summary + "\n"
    }
    out += "  " + "?name".padding(toLength: width + 2, withPad: " ", startingAt: 0)
      + "the help text of a builtin (also help(name)), or what a name holds\n"
    out += "Tab completes, Up/Down and Ctrl-R search history, Ctrl-C stops running code or clears\n"
    out += "the line, Ctrl-D leaves. A statement ending in ';' is not echoed; '_' holds the last value.\n"
    return out
  }
}

extension REPLSession {
  /// Runs a `:` command line.
  func runCommand(_ line: String) -> REPLStep {
    let word = String(line.prefix { !$0.isWhitespace })
    let argument = line.dropFirst(word.count).trimmingCharacters(in: .whitespaces)
    guard let command = MetaCommand.named(word) else {
      let close = MetaCommand.all.map(\.name).filter { $0.hasPrefix(word) }
      let hint = close.isEmpty ? "" : " (did you mean \(close.joined(separator: ", "))?)"
      report("unknown command '\(word)'\(hint); :help lists commands\n", status: .usage)
      return .failed(status: .usage)
    }
    switch command.name {
    case ":help":
      write(MetaCommand.helpText)
      return .succeeded
    case ":time": return time(argument)
    case ":load": return load(argument)
    case ":vars":
      write(variablesTable())
      return .succeeded
    case ":reset":
      reset()
      write("the session is reset\n")
      return .succeeded
    case ":quit":
      hasQuit = true
      return .quit
    default:
      // A command listed in `all` without a case here: say so rather than quit.
      report("the command \(command.name) is listed but not handled\n", status: .usage)
      return .failed(status: .usage)
    }
  }

  /// `:time EXPR`: runs and echoes like a typed statement, then reports the wall time.
  func time(_ source: String) -> REPLStep {
    guard !source.isEmpty else {
      report("usage: :time EXPR\n", status: .usage)
      return .failed(status: .usage)
    }
    let start = DispatchTime.now().uptimeNanoseconds
    let step = execute(source, path: Self.inputPath, echo: true)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    write("time: \(Self.duration(seconds))\n")
    return step
  }

  /// `:load FILE`: runs a file into the session; its errors name the file.
  func load(_ argument: String) -> REPLStep {
    var path = argument
    if path.count >= 2, path.hasPrefix("\""), path.hasSuffix("\"") { path = String(path.dropFirst().dropLast()) }
    guard !path.isEmpty else {
      report("usage: :load FILE\n", status: .usage)
      return .failed(status: .usage)
    }
    if path.hasPrefix("~/") {
      path = FileManager.default.homeDirectoryForCurrentUser.path + path.dropFirst(1)
    }
    let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      report("cannot read '\(argument)': no such file or not readable\n", status: .noInput)
      return .failed(status: .noInput)
    }
    return execute(String(decoding: data, as: UTF8.self), path: path, echo: false)
  }

  /// `?name`: a builtin's help text, or what a global holds.
  func showHelp(_ name: String) -> REPLStep {
    let name = name.trimmingCharacters(in: .whitespaces)
    if name.isEmpty {
      write(MetaCommand.helpText)
      return .succeeded
    }
    if let text = session.help(for: name, width: width) {
      write(text)
      return .succeeded
    }
    if MetaCommand.named(name) != nil || MetaCommand.named(":" + name) != nil {
      write(MetaCommand.helpText)
      return .succeeded
    }
    let close = Completer(interpreter: interpreter, pending: []).names(startingWith: String(name.prefix(2)))
    let hint = close.isEmpty ? "" : "; names starting with '\(name.prefix(2))': " + close.prefix(8).joined(separator: ", ")
    report("no builtin or name '\(name)'\(hint)\n", status: .invalidScript)
    return .failed(status: .invalidScript)
  }

  /// The `:vars` table: name, type and shape of every global.
  func variablesTable() -> String {
    let rows = interpreter.globalValues.filter { $0.0 != "_" }
    guard !rows.isEmpty else { return "no names yet\n" }
    let cells: [[TableCell]] = rows.map { name, value in
      [.string(name), .string(Session.typeName(value)), .string(Self.shapeText(value))]
    }
    return ValueDisplay.table(columns: ["name", "type", "shape"], rows: cells)
  }

  /// What `:vars` shows as a value's shape.
  static func shapeText(_ value: Value) -> String {
    switch value {
    case .tensor(let t): return Format.shape(t.shape)
    case .list(let list): return "\(list.items.count) items"
    case .record(let record): return "\(record.keys.count) fields"
    case .range(let r): return "\(r.count) items"
    case .network(let n): return "\(Format.shape(n.inputShape)) -> \(Format.shape(n.outputShape))"
    case .layer(let ref): return ref.layer.map { Format.shape($0.outputShape) } ?? ""
    case .string(let s): return "\(s.count) characters"
    default: return ""
    }
  }

  /// A wall time in readable units.
  static func duration(_ seconds: Double) -> String {
    if seconds < 1e-3 { return String(format: "%.0f µs", seconds * 1e6) }
    if seconds < 1 { return String(format: "%.1f ms", seconds * 1e3) }
    if seconds < 60 { return String(format: "%.2f s", seconds) }
    return String(format: "%dm %.1fs", Int(seconds) / 60, seconds.truncatingRemainder(dividingBy: 60))
  }
}
