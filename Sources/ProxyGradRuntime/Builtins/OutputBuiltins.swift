import Foundation
import ProxyGradNN

/// Outputs beyond text: images, metrics, tables, plots, and sweep rows.
enum OutputBuiltins {
  /// `digits:`: decimal places for showing numbers, 0...15, or nil.
  static func digits(_ args: Arguments) throws(RuntimeError) -> Int? {
    guard args["digits"] != nil else { return nil }
    let d = try args.integer("digits", in: 0...15)
    return d
  }

  static let all: [Builtin] = [
    Builtin(
      "metric(name, value, digits: nil)",
      help: "A named scalar output (a number, or a one-element tensor), kept by notebooks in metrics.json with every digit. It is shown with `digits` decimal places, or to six significant digits. A NaN or infinite value also gives a warning (metrics.json stores it as null).",
      example: "metric(\"test accuracy\", 0.912345, digits: 3)"
    ) { args, interpreter throws(RuntimeError) in
      let name = try args.string(0)
      let value: Double
      switch args.positional[1] {
      case .number(let x): value = x
      case .tensor(let t) where t.count == 1: value = Format.double(t.values[0])
      case let other: throw args.error(.type, "expects a number as argument 2, got \(other.typeDescription)", at: 1)
      }
      if !value.isFinite {
        interpreter.output.emit(.warning("\(args.span): metric \"\(name)\" is \(Format.number(value))\n"))
      }
      interpreter.output.emit(.metric(name: name, value: value, digits: try digits(args)))
      return .none
    },
    Builtin(
      "show(image, labels: nil, title: nil, cmap: nil, over: nil, alpha: 0.8, am: nil)",
      help: "An image output: a tensor [C, H, W] (or [H, W]), or a batch [N, C, H, W] shown as a grid, with optional labels for the items. With cmap: (\"diverging\" for signed maps, \"magnitude\") or over: (an input image), the tensor is an attribution map drawn as heatmap(...) draws it. The record of top_activating is shown as one row per unit, its AM image (am:, one per unit) first.",
      example: "show(uniform([1, 8, 8], -1, 1), title: \"noise\")"
    ) { args, interpreter throws(RuntimeError) in
      if try DatasetExampleBuiltins.show(args.positional[0], args, interpreter) { return .none }
      var t = try args.tensor(0)
      if args["cmap"] != nil || args["over"] != nil || args["alpha"] != nil {
        t = try AttributionBuiltins.heatmap(t, args, at: 0)
      }
      guard (2...4).contains(t.rank) else {
        throw args.error(.shape, "expects an image [H, W], [C, H, W] or a batch [N, C, H, W], got shape \(Format.shape(t.shape))", at: 0)
      }
      let channels = t.rank == 2 ? 1 : t.shape[t.rank - 3]
      guard channels == 1 || channels == 3 else {
        throw args.error(.shape, "expects 1 (gray) or 3 (RGB) channels, got \(channels) in shape \(Format.shape(t.shape))", at: 0)
      }
      var labels: [String]?
      if let value = args["labels"] {
        guard case .list(let list) = value else {
          throw args.error(.type, "expects labels: a list, got \(value.typeDescription)", label: "labels")
        }
        let images = t.rank == 4 ? t.shape[0] : 1
        guard list.items.count == images else {
          throw args.error(.value, "expects \(images) labels, one per image, got \(list.items.count)", label: "labels")
        }
        labels = list.items.map(Format.display)
      }
      interpreter.output.emit(.image(t.detached(), labels: labels, title: try args.string("title")))
      return .none
    },
    Builtin(
      "table(rows, title: nil, digits: nil)",
      help: "A table output from a list of records (one row each; columns are the fields, in order of first appearance). Numbers are shown with `digits` decimal places (whole numbers stay whole), or to six significant digits; the notebook's CSV file keeps every digit.",
      example: "table([{slope: 0, value: 0.1}, {slope: 0.3, value: 0.5}])"
    ) { args, interpreter throws(RuntimeError) in
      let (columns, rows) = try tabulate(args.positional[0], args)
      interpreter.output.emit(.table(title: try args.string("title"), columns: columns, rows: rows, digits: try digits(args)))
      return .none
    },
    Builtin(
      "plot(rows, x: column, y: column or [columns], title: nil)",
      help: "A line plot output of one column (or several, one line each) against another, from a list of records such as a training history.",
      example: "plot([{step: 1, loss: 2.3}, {step: 2, loss: 1.9}], x: \"step\", y: \"loss\")"
    ) { args, interpreter throws(RuntimeError) in
      let (columns, rows) = try tabulate(args.positional[0], args)
      guard let x = try args.string("x"), let yValue = args["y"] else {
        throw args.error(.arity, "expects x: and y: column names")
      }
      var ys: [String] = []
      switch yValue {
      case .string(let name): ys = [name]
      case .list(let list) where !list.items.isEmpty:
        for item in list.items {
          guard case .string(let name) = item else {
            throw args.error(.type, "expects y: a column name or a list of names, got \(Format.brief(item))", label: "y")
          }
          ys.append(name)
        }
      default:
        throw args.error(.type, "expects y: a column name or a list of names, got \(yValue.typeDescription)", label: "y")
      }
      for name in [x] + ys where !columns.contains(name) {
        throw args.error(.value, "no column named '\(name)'; columns: \(columns.joined(separator: ", "))")
      }
      interpreter.output.emit(.plot(title: try args.string("title"), columns: columns, rows: rows, x: x, y: ys))
      return .none
    },
    Builtin(
      "save(value, path)",
      help: "Writes a tensor or a string to a file: a tensor as an image (.png: one image at its own size, a batch as the grid show draws), CSV (.csv, rank 1 or 2) or safetensors (.safetensors, one tensor named tensor); a string as UTF-8 text. In a notebook, paths are relative to the output folder, and a path leading outside it (with .., absolute, or through a symbolic link) is refused unless pgs run was given --allow-write for it; a plain script run writes only beneath its working directory, with the same rules.",
      example: "save(uniform([1, 8, 8], -1, 1), \"noise.png\")"
    ) { args, interpreter throws(RuntimeError) in
      let given = try args.string(1)
      let path = try args.writablePath(1, interpreter.files)
      let bytes: [UInt8]
      switch args.positional[0] {
      case .string(let text):
        bytes = Array(text.utf8)
      case .tensor(let t):
        bytes = try fileBytes(of: t.detached(), path: given, args, encoder: interpreter.files as? ImageFileEncoder)
      case let other:
        throw args.error(.type, "expects a tensor or a string as argument 1, got \(other.typeDescription)", at: 0)
      }
      do {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
      } catch {
        throw args.error(.io, "cannot write '\(given)': \(error.localizedDescription)", at: 1)
      }
      return .none
    },
    Builtin(
      "record(name: value, ...)",
      help: "Inside a sweep: records one row of results for the current run; the row also holds the sweep variables. A run may record several rows. When the sweep ends, its rows are shown as a table with a summary (mean, std and n of every recorded number over seeds).",
      example: "sweep slope in [0, 0.3], seed in 1...3 { record(value: slope * seed) }"
    ) { args, interpreter throws(RuntimeError) in
      guard let sweep = interpreter.sweeps.last else {
        throw args.error(.value, "record(...) is only available inside a sweep")
      }
      guard !args.named.isEmpty else { throw args.error(.arity, "expects named values, such as record(activation: a)") }
      sweep.rows.append(args.named.map { SweepField($0.0, cell($0.1)) })
      return .none
    },
  ]

  /// A tensor in the file format its path's extension names.
  static func fileBytes(
    of t: Tensor, path: String, _ args: Arguments, encoder: ImageFileEncoder?
  ) throws(RuntimeError) -> [UInt8] {
    let lower = path.lowercased()
    if lower.hasSuffix(".png") {
      guard let encoder else {
        throw args.error(.unsupported, "this session cannot encode images; save .csv or .safetensors, or run a notebook", at: 1)
      }
      do throws(FileAccessDenied) { return try encoder.png(of: t) } catch {
        throw args.error(.value, error.message, at: 0)
      }
    }
    if lower.hasSuffix(".safetensors") {
      return SafeTensors.encode([(name: "tensor", shape: t.shape, values: t.values)])
    }
    guard lower.hasSuffix(".csv") else {
      throw args.error(.value, "a tensor is saved as .png, .csv or .safetensors; got '\(path)'", at: 1)
    }
    guard t.rank == 1 || t.rank == 2 else {
      throw args.error(.shape, "CSV holds a tensor of rank 1 or 2, got shape \(Format.shape(t.shape))", at: 0)
    }
    let width = t.shape.last ?? 0
    var out = ""
    if width > 0 {
      for row in stride(from: 0, to: t.count, by: width) {
        out += t.values[row..<(row + width)].map { Format.float($0) }.joined(separator: ",") + "\n"
      }
    }
    return Array(out.utf8)
  }

  static func cell(_ value: Value) -> TableCell {
    switch value {
    case .number(let x): return .number(x)
    case .tensor(let t) where t.count == 1: return .number(Format.double(t.values[0]))
    default: return .string(Format.display(value))
    }
  }

  static func tabulate(_ value: Value, _ args: Arguments) throws(RuntimeError) -> ([String], [[TableCell]]) {
    guard case .list(let list) = value else {
      throw args.error(.type, "expects a list of records, got \(value.typeDescription)", at: 0)
    }
    var columns: [String] = []
    var records: [RecordBox] = []
    for item in list.items {
      guard case .record(let record) = item else {
        throw args.error(.type, "expects a list of records; it holds \(item.typeDescription)", at: 0)
      }
      for key in record.keys where !columns.contains(key) { columns.append(key) }
      records.append(record)
    }
    let rows = records.map { record in columns.map { record[$0].map(cell) ?? .string("") } }
    return (columns, rows)
  }
}
