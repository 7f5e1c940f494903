import Foundation
import ProxyGradFormat

/// The folder of one run of a sweep (`sweeps/NAME/runs/007/`), which is also its entry in the
/// sweep cache:
///
/// ```
/// config.json     the run's configuration: {"slope": 0.3, "seed": 2}
/// result.json     status ("ok" or "failed"), error, and the recorded rows
/// output.txt      everything the run showed, as text, in order (when it showed anything)
/// images/N.png    the N-th image it showed;  plots/N.svg  the N-th plot;  tables/N.csv
/// files/...       what the run saved with save(...) inside the output folder
/// .record.json    the rows with exact numbers, read back when the sweep is assembled
/// ```
///
/// Rendering is pure, so a run computed in a worker process and one computed in place give the
/// same bytes.
package struct SweepRunFolder: Equatable, Sendable {
  package var configuration: [(String, TableCell)]
  package var rows: [[(String, TableCell)]]
  package var error: String?
  package var outputs: [CellOutput]

  package init(
    configuration: [(String, TableCell)], rows: [[(String, TableCell)]], error: String?,
    outputs: [CellOutput] = []
  ) {
    self.configuration = configuration
    self.rows = rows
    self.error = error
    self.outputs = outputs
  }

  package static func == (lhs: SweepRunFolder, rhs: SweepRunFolder) -> Bool {
    lhs.error == rhs.error && lhs.outputs == rhs.outputs
      && Self.same(lhs.configuration, rhs.configuration)
      && lhs.rows.count == rhs.rows.count && zip(lhs.rows, rhs.rows).allSatisfy { Self.same($0, $1) }
  }

  private static func same(_ a: [(String, TableCell)], _ b: [(String, TableCell)]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
  }

  /// The name of the hidden file that holds the exact rows.
  package static let recordName = ".record.json"

  /// The folder's files, in a fixed order.
  /// - Throws: `NotebookError.pngEncodingFailed` if an image cannot be encoded.
  package func files() throws(NotebookError) -> [ReportFile] {
    var files = [
      ReportFile(path: "config.json", text: JSONValue.object(configuration.map { ($0, Self.json($1)) }).serialized()),
      ReportFile(path: "result.json", text: resultJSON()),
    ]
    var text = ""
    var counts = (images: 0, plots: 0, tables: 0)
    for output in outputs {
      switch output {
      case .stream(let s), .result(let s):
        text += s.hasSuffix("\n") || s.isEmpty ? s : s + "\n"
      case .image(let image, let caption):
        counts.images += 1
        let path = "images/\(counts.images).png"
        files.append(ReportFile(path: path, bytes: try PNGCodec.encode(image)))
        text += "[image\(caption.map { " " + $0 } ?? ""): \(path)]\n"
      case .metric(let name, let value, _):
        text += "\(name): \(Format.number(value))\n"
      case .table(let table):
        counts.tables += 1
        files.append(ReportFile(path: "tables/\(counts.tables).csv", text: table.csv()))
        text += (table.title.map { $0 + "\n" } ?? "") + table.plainText()
      case .plot(let plot):
        counts.plots += 1
        let path = "plots/\(counts.plots).svg"
        files.append(ReportFile(path: path, text: plot.svg()))
        text += "[plot: \(path)]\n"
      case .error(let error):
        text += "\(error.name): \(error.message)\n"
      case .warning:
        text += output.plainText
      }
    }
    if !text.isEmpty { files.append(ReportFile(path: "output.txt", text: text)) }
    files.append(ReportFile(path: Self.recordName, text: recordJSON()))
    return files
  }

  func resultJSON() -> String {
    JSONValue.object([
      ("status", .string(error == nil ? "ok" : "failed")),
      ("error", .optional(error)),
      ("rows", .array(rows.map { row in .object(row.map { ($0, Self.json($1)) }) })),
    ]).serialized()
  }

  static func json(_ cell: TableCell) -> JSONValue {
    switch cell {
    case .number(let x): return x == x.rounded() && abs(x) < 1e15 ? .int(Int(x)) : .double(x)
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .missing: return .null
    }
  }

  // MARK: - The exact record

  /// Rows as `[name, kind, text]` triples; numbers in their shortest round-trip form, so NaN and
  /// the infinities survive.
  func recordJSON() -> String {
    func triple(_ name: String, _ cell: TableCell) -> JSONValue {
      switch cell {
      case .number(let x): return .array([.string(name), .string("n"), .string("\(x)")])
      case .string(let s): return .array([.string(name), .string("s"), .string(s)])
      case .bool(let b): return .array([.string(name), .string("b"), .string(b ? "true" : "false")])
      case .missing: return .array([.string(name), .string("m"), .string("")])
      }
    }
    return JSONValue.object([
      ("error", .optional(error)),
      ("rows", .array(rows.map { row in .array(row.map(triple)) })),
    ]).serialized(indent: 0) + "\n"
  }

  /// Reads back what `recordJSON` wrote: the rows and the error; nil when the text is not a
  /// record (a damaged cache entry, which is then computed again).
  package static func record(from bytes: [UInt8]) -> (rows: [[(String, TableCell)]], error: String?)? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
      let rowList = object["rows"] as? [[[String]]]
    else { return nil }
    var rows: [[(String, TableCell)]] = []
    for row in rowList {
      var fields: [(String, TableCell)] = []
      for triple in row {
        guard triple.count == 3 else { return nil }
        switch triple[1] {
        case "n":
          guard let x = Double(triple[2]) else { return nil }
          fields.append((triple[0], .number(x)))
        case "s": fields.append((triple[0], .string(triple[2])))
        case "b": fields.append((triple[0], .bool(triple[2] == "true")))
        default: fields.append((triple[0], .missing))
        }
      }
      rows.append(fields)
    }
    return (rows, object["error"] as? String)
  }
}
