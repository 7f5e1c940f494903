import Foundation
import ProxyGradNN
import ProxyGradRuntime

/// How every front end shows a value as text (the REPL at its terminal's width, notebooks and
/// Jupyter at ``reportWidth``): numbers compactly, small tensors in full and large ones as shape
/// and statistics, networks as a table of layers, records and lists nested (one line when they
/// fit, indented otherwise), lists of like records as a table.
public enum ValueDisplay {
  /// Tensors with at most this many elements are shown in full (wrapped to the width when they
  /// do not fit one line); larger ones as shape and statistics.
  public static let fullTensorLimit = 64
  /// Lists (and tables of records) longer than this show their head and tail only; shorter ones
  /// are shown whole, wrapped to the width.
  public static let listLimit = 100
  /// The line width of results in notebooks and Jupyter, where no terminal sets one.
  public static let reportWidth = 80

  /// The text the REPL echoes for `value`, without a final newline.
  /// - Parameters:
  ///   - value: the value to show.
  ///   - width: the line width nested values try to fit in.
  /// - Returns: one or more lines.
  public static func render(_ value: Value, width: Int = 80) -> String {
    lines(value, width: width, depth: 0).joined(separator: "\n")
  }

  // MARK: - Blocks

  static func lines(_ value: Value, width: Int, depth: Int) -> [String] {
    if let line = inline(value, depth: depth), line.count <= width { return [line] }
    switch value {
    case .tensor(let t): return tensorLines(t, width: width)
    case .network(let network): return networkLines(network)
    case .list(let list):
      if let table = recordTable(list.items) { return table }
      if let wrapped = scalarList(list.items, width: width) { return wrapped }
      return nested(open: "[", close: "]", items: list.items.map { (nil, $0) }, width: width, depth: depth)
    case .record(let record):
      return nested(open: "{", close: "}", items: record.fields.map { ($0.0, $0.1) }, width: width, depth: depth)
    default:
      return [inline(value, depth: depth) ?? Format.describe(value)]
    }
  }

  /// Items one per line, indented two spaces; long lists keep their head and tail.
  static func nested(open: String, close: String, items: [(String?, Value)], width: Int, depth: Int) -> [String] {
    guard depth < 6 else { return [open + "..." + close] }
    var out = [open]
    let shown = elided(items)
    for (index, item) in shown.enumerated() {
      guard let (key, value) = item else {
        out.append("  ... \(items.count - listLimit) more")
        continue
      }
      if let key, case .list(let list) = value, let table = recordTable(list.items) {
        // A table under its key, indented as a block, so its columns line up.
        var block = table.map { "  " + $0 }
        if index < shown.count - 1 { block[block.count - 1] += "," }
        out += ["  " + key + ":"] + block.map { "  " + $0 }
        continue
      }
      var block = lines(value, width: width - 2 - (key.map { $0.count + 2 } ?? 0), depth: depth + 1)
      if let key { block[0] = key + ": " + block[0] }
      if index < shown.count - 1 { block[block.count - 1] += "," }
      out += block.map { "  " + $0 }
    }
    out.append(close)
    return out
  }

  /// The first `listLimit - 2` items, a gap (nil), and the last two, when there are too many.
  static func elided<T>(_ items: [T]) -> [T?] {
    guard items.count > listLimit else { return items.map { $0 } }
    return items.prefix(listLimit - 2).map { $0 } + [nil] + items.suffix(2).map { $0 }
  }

  /// A list of numbers, bools and short strings, wrapped to the width with continuation lines
  /// indented by one space; a list longer than `listLimit` keeps its head and tail. Nil when an
  /// item is not such a scalar.
  static func scalarList(_ items: [Value], width: Int) -> [String]? {
    var texts: [String] = []
    for item in elided(items) {
      switch item {
      case .number?, .bool?, .none?: texts.append(Format.describe(item!, readable: true))
      case .string(let s)? where s.count <= 40: texts.append(Format.describe(item!))
      case nil: texts.append("...")
      default: return nil
      }
    }
    let suffix = items.count > listLimit ? " (\(items.count) items)" : ""
    return wrapped(texts, open: "[", close: "]" + suffix, width: width)
  }

  /// Items joined by `, ` inside `open` and `close`, broken into lines of at most `width`
  /// characters where possible; continuation lines are indented to follow the bracket.
  static func wrapped(_ texts: [String], open: String, close: String, width: Int) -> [String] {
    var lines: [String] = []
    var line = open
    let indent = String(repeating: " ", count: open.count)
    for (index, text) in texts.enumerated() {
      let piece = text + (index == texts.count - 1 ? close : ",")
      if index == 0 {
        line += piece
      } else if line.count + 1 + piece.count > width {
        lines.append(line)
        line = indent + piece
      } else {
        line += " " + piece
      }
    }
    if texts.isEmpty { line += close }
    lines.append(line)
    return lines
  }

  // MARK: - One line

  /// The value on one line, or nil when it only reads well as a block (networks, large
  /// tensors inside containers are summarised instead).
  static func inline(_ value: Value, depth: Int) -> String? {
    switch value {
    case .network: return depth == 0 ? nil : Format.describe(value)
    case .tensor(let t):
      if t.count <= fullTensorLimit { return Format.describe(value, readable: true) }
      return depth == 0 ? nil : tensorSummary(t)
    case .list(let list):
      guard depth < 6 else { return "[...]" }
      let parts = elided(list.items).map { item in item.map { inline($0, depth: depth + 1) ?? "..." } ?? "..." }
      let more = list.items.count > listLimit ? " (\(list.items.count) items)" : ""
      return "[" + parts.joined(separator: ", ") + "]" + more
    case .record(let record):
      guard depth < 6 else { return "{...}" }
      let parts = record.fields.map { "\($0.0): \(inline($0.1, depth: depth + 1) ?? "...")" }
      return "{" + parts.joined(separator: ", ") + "}"
    default:
      return Format.describe(value, readable: true)
    }
  }

  // MARK: - Tensors

  /// `tensor [64, 1, 28, 28]  min -1  max 1  mean 0.0123  std 0.5`.
  static func tensorSummary(_ t: Tensor) -> String {
    let values = t.values
    var finite: [Float] = []
    finite.reserveCapacity(values.count)
    for x in values where x.isFinite { finite.append(x) }
    var text = "tensor \(Format.shape(t.shape))"
    if let low = finite.min(), let high = finite.max() {
      let mean = finite.reduce(0.0) { $0 + Double($1) } / Double(finite.count)
      let variance = finite.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(finite.count)
      text += "  min \(compact(Double(low)))  max \(compact(Double(high)))"
      text += "  mean \(compact(mean))  std \(compact(variance.squareRoot()))"
    }
    let bad = values.count - finite.count
    if bad > 0 { text += "  (\(bad) not finite)" }
    return text
  }

  /// A small tensor too wide for one line: a header with the shape, then its rows (the last
  /// axis), each wrapped to the width and, above rank 2, led by its index; a large one: its
  /// summary.
  static func tensorLines(_ t: Tensor, width: Int) -> [String] {
    guard t.count <= fullTensorLimit, t.rank >= 1 else { return [tensorSummary(t)] }
    let cells = t.values.map { Format.readable(Format.double($0)) }
    let cellWidth = cells.map(\.count).max() ?? 1
    let padded = cells.map { String(repeating: " ", count: cellWidth - $0.count) + $0 }
    let columns = t.shape[t.rank - 1]
    var out = ["tensor \(Format.shape(t.shape))"]
    for row in 0..<(t.count / max(columns, 1)) {
      var prefix = "  "
      if t.rank > 2 {
        var index: [Int] = []
        var rest = row
        for axis in stride(from: t.rank - 2, through: 0, by: -1) {
          index.insert(rest % t.shape[axis], at: 0)
          rest /= t.shape[axis]
        }
        prefix += "[" + index.map(String.init).joined(separator: ", ") + "] "
      }
      let items = Array(padded[row * columns..<(row + 1) * columns])
      out += wrapped(items, open: prefix + "[", close: "]", width: width)
    }
    return out
  }

  /// Four significant digits; integers as they are.
  static func compact(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e6 { return Format.number(x) }
    let magnitude = abs(x)
    if magnitude >= 1e-3 && magnitude < 1e6 {
      let text = String(format: "%.4g", x)
      return text
    }
    return String(format: "%.3e", x)
  }

  // MARK: - Networks and tables

  /// A header line and a table of layers: name, layer, output shape, parameters.
  static func networkLines(_ network: Network) -> [String] {
    let header =
      "network: input \(Format.shape(network.inputShape)) -> output \(Format.shape(network.outputShape)), "
      + "\(network.layers.count) layers, \(grouped(network.parameterCount)) parameters"
    let rows: [[TableCell]] = network.layers.map { layer in
      [.string(layer.name), .string(layer.summary), .string(Format.shape(layer.outputShape)),
       .number(Double(layer.parameterCount))]
    }
    return [header] + lines(of: table(columns: ["name", "layer", "output", "parameters"], rows: rows)).map { "  " + $0 }
  }

  /// A list of records with the same keys and one-line values, as a table; long ones keep
  /// their head and tail, with a line `...` between. Nil for anything else.
  static func recordTable(_ items: [Value]) -> [String]? {
    guard items.count >= 2, case .record(let first) = items[0], !first.keys.isEmpty else { return nil }
    var rows: [[TableCell]] = []
    var gap: Int?
    for item in elided(items) {
      guard let item else {
        gap = rows.count
        continue
      }
      guard case .record(let record) = item, record.keys == first.keys else { return nil }
      rows.append(record.values.map { value in
        // As `table(...)` shows cells: numbers for people, strings without quotes.
        switch value {
        case .number(let x): return .number(x)
        case .string(let s): return .string(s)
        default: return .string(inline(value, depth: 1) ?? "...")
        }
      })
    }
    var out = lines(of: table(columns: first.keys, rows: rows))
    if let gap { out.insert("...", at: gap + 2) }
    if items.count > listLimit { out.append("(\(items.count) rows)") }
    return out
  }

  /// `1234567` as `1,234,567`.
  static func grouped(_ n: Int) -> String {
    let digits = String(abs(n))
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return n < 0 ? "-" + out : out
  }

  /// The one text form of tables (``Table/plainText()``): a header, a rule, numeric columns
  /// right-aligned, numbers for people.
  public static func table(columns: [String], rows: [[TableCell]]) -> String {
    do throws(TableError) {
      return try Table(columns: columns, rows: rows).plainText()
    } catch {
      return "[table: \(error)]\n"
    }
  }

  /// The lines of a text block, without the final newline.
  static func lines(of text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
  }
}
