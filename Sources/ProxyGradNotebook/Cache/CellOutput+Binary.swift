import ProxyGradFormat

/// Cell outputs and parameter values in the cache's binary form (``DiskCellCache``). A decoded
/// output equals the encoded one (`==`); the runner checks that before it stores an entry.
extension CellOutput {
  package func encode(into w: inout BinaryWriter) {
    switch self {
    case .stream(let text):
      w.byte(0)
      w.string(text)
    case .result(let text):
      w.byte(1)
      w.string(text)
    case .image(let image, let caption):
      w.byte(2)
      w.int(image.width)
      w.int(image.height)
      w.int(image.channels)
      w.raw(image.pixels)
      w.optionalString(caption)
    case .metric(let name, let value, let digits):
      w.byte(3)
      w.string(name)
      w.double(value)
      w.optionalInt(digits)
    case .table(let table):
      w.byte(4)
      w.strings(table.columns)
      w.int(table.rows.count)
      for row in table.rows {
        w.int(row.count)
        for cell in row { cell.encode(into: &w) }
      }
      w.optionalString(table.title)
      w.optionalInt(table.digits)
    case .plot(let plot):
      w.byte(5)
      w.optionalString(plot.title)
      w.string(plot.xLabel)
      w.string(plot.yLabel)
      w.array(plot.series) { w, series in
        w.string(series.name)
        w.doubles(series.x)
        w.doubles(series.y)
        w.bool(series.std != nil)
        if let std = series.std { w.doubles(std) }
      }
    case .error(let error):
      w.byte(6)
      w.string(error.name)
      w.string(error.message)
      w.strings(error.details)
    case .warning(let text):
      w.byte(7)
      w.string(text)
    }
  }

  package static func decode(from r: inout BinaryReader) throws(BinaryFormatError) -> CellOutput {
    switch try r.byte() {
    case 0: return .stream(try r.string())
    case 1: return .result(try r.string())
    case 2:
      let width = try r.int()
      let height = try r.int()
      let channels = try r.int()
      let pixels = try r.raw()
      let caption = try r.optionalString()
      do throws(NotebookError) {
        return .image(try NotebookImage(width: width, height: height, channels: channels, pixels: pixels), caption: caption)
      } catch {
        throw BinaryFormatError("a damaged image: \(error)")
      }
    case 3: return .metric(name: try r.string(), value: try r.double(), digits: try r.optionalInt())
    case 4:
      let columns = try r.strings()
      var rows: [[TableCell]] = []
      for _ in 0..<(try r.count()) {
        var row: [TableCell] = []
        for _ in 0..<(try r.count()) {
          let tag = try r.byte()
          guard let cell = try TableCell.decode(tag: tag, from: &r) else {
            throw BinaryFormatError("unknown table cell kind \(tag)")
          }
          row.append(cell)
        }
        rows.append(row)
      }
      var table: Table
      do throws(TableError) { table = try Table(columns: columns, rows: rows) } catch {
        throw BinaryFormatError("a damaged table: \(error)")
      }
      table.title = try r.optionalString()
      table.digits = try r.optionalInt()
      return .table(table)
    case 5:
      let title = try r.optionalString()
      let xLabel = try r.string()
      let yLabel = try r.string()
      var series: [PlotSeries] = []
      for _ in 0..<(try r.count()) {
        let name = try r.string()
        let x = try r.doubles()
        let y = try r.doubles()
        let std = try r.bool() ? try r.doubles() : nil
        do throws(NotebookError) { series.append(try PlotSeries(name: name, x: x, y: y, std: std)) } catch {
          throw BinaryFormatError("a damaged plot: \(error)")
        }
      }
      return .plot(NotebookPlot(title: title, xLabel: xLabel, yLabel: yLabel, series: series))
    case 6: return .error(CellError(name: try r.string(), message: try r.string(), details: try r.strings()))
    case 7: return .warning(try r.string())
    case let other: throw BinaryFormatError("unknown output kind \(other)")
    }
  }
}

extension TableCell {
  /// A tag (0 number, 1 string, 2 bool, 3 missing), then the value.
  package func encode(into w: inout BinaryWriter) {
    switch self {
    case .number(let x):
      w.byte(0)
      w.double(x)
    case .string(let s):
      w.byte(1)
      w.string(s)
    case .bool(let b):
      w.byte(2)
      w.bool(b)
    case .missing: w.byte(3)
    }
  }

  /// The cell of `tag`'s kind with its value read from `r`; nil for a tag of no cell kind.
  package static func decode(tag: UInt8, from r: inout BinaryReader) throws(BinaryFormatError) -> TableCell? {
    switch tag {
    case 0: return .number(try r.double())
    case 1: return .string(try r.string())
    case 2: return .bool(try r.bool())
    case 3: return .missing
    default: return nil
    }
  }
}

/// A parameter value: a number, string or bool as a table cell is (tags 0–2), a list as tag 4,
/// its count and its items.
extension ParameterValue {
  package func encode(into w: inout BinaryWriter) {
    switch self {
    case .number(let x): TableCell.number(x).encode(into: &w)
    case .string(let s): TableCell.string(s).encode(into: &w)
    case .bool(let b): TableCell.bool(b).encode(into: &w)
    case .list(let items):
      w.byte(4)
      w.int(items.count)
      for item in items { item.encode(into: &w) }
    }
  }

  package static func decode(from r: inout BinaryReader, depth: Int = 0) throws(BinaryFormatError) -> ParameterValue {
    guard depth < 64 else { throw BinaryFormatError("parameter lists nested too deeply") }
    let tag = try r.byte()
    if tag == 4 {
      var items: [ParameterValue] = []
      for _ in 0..<(try r.count()) { items.append(try decode(from: &r, depth: depth + 1)) }
      return .list(items)
    }
    switch try TableCell.decode(tag: tag, from: &r) {
    case .number(let x)?: return .number(x)
    case .string(let s)?: return .string(s)
    case .bool(let b)?: return .bool(b)
    case .missing?, nil: throw BinaryFormatError("unknown parameter kind \(tag)")
    }
  }
}
