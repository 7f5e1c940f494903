import Foundation
import ProxyGradNotebook
import ProxyGradRuntime

/// How a terminal can draw a picture.
public enum TerminalGraphics: String, Sendable, CaseIterable {
  /// kitty's graphics protocol (APC `ESC _ G ... ESC \`), also spoken by Ghostty and WezTerm.
  case kitty
  /// iTerm2's inline images (OSC 1337 `File=`), also spoken by WezTerm.
  case iterm2
  /// DEC sixel graphics (DCS `ESC P q ... ESC \`).
  case sixel
  /// Unicode upper half blocks in true colour: two pixels per cell, any modern terminal.
  case halfblock
  /// No drawing: only the file is written and its path printed.
  case none

  /// The query sent to learn what the terminal speaks: a kitty graphics query (which stores
  /// nothing) followed by DA1, whose reply ends the exchange. Inside tmux the kitty query is
  /// wrapped for passthrough.
  public static func query(insideTmux: Bool) -> String {
    let kitty = "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\"
    return (insideTmux ? TerminalPictures.tmuxWrapped(kitty) : kitty) + "\u{1B}[c"
  }

  /// The protocol to use. The setting `PGS_GRAPHICS` (`kitty`, `iterm2`, `sixel`, `halfblock`,
  /// `none`) wins; with `auto` or unset: kitty when the terminal answered the kitty query,
  /// iTerm2 when the environment names iTerm2 or WezTerm, sixel when the DA1 reply lists 4,
  /// otherwise half blocks.
  /// - Parameters:
  ///   - environment: the process environment.
  ///   - reply: what the terminal answered to ``query(insideTmux:)``; nil when it was not asked.
  public static func detect(environment: [String: String], reply: String?) -> TerminalGraphics {
    if let setting = environment["PGS_GRAPHICS"]?.lowercased(), let chosen = TerminalGraphics(rawValue: setting) {
      return chosen
    }
    let reply = reply ?? ""
    if reply.contains("\u{1B}_Gi=31;OK") { return .kitty }
    if environment["TERM_PROGRAM"] == "iTerm.app" || environment["LC_TERMINAL"] == "iTerm2"
      || environment["TERM_PROGRAM"] == "WezTerm"
    {
      return .iterm2
    }
    if let da1 = reply.range(of: "\u{1B}[?") {
      let body = reply[da1.upperBound...].prefix { $0 != "c" }
      if body.split(separator: ";").contains("4") { return .sixel }
    }
    return .halfblock
  }

  /// Whether the setting asks to skip the query (any value but `auto`).
  public static func isChosen(environment: [String: String]) -> Bool {
    guard let setting = environment["PGS_GRAPHICS"]?.lowercased() else { return false }
    return TerminalGraphics(rawValue: setting) != nil
  }
}

/// Draws `show(...)` images and `plot(...)` plots in the REPL: inline in the terminal's graphics
/// protocol (or half blocks), and always also as a file in a folder (PNG for images, SVG for
/// plots, plus a PNG of the plot when it is drawn), whose path is printed.
public final class TerminalPictures {
  public let graphics: TerminalGraphics
  /// Where picture files go (created when the first one is written).
  public let folder: URL
  /// Whether escape sequences must be wrapped for tmux's passthrough.
  public let insideTmux: Bool
  /// The width available for half-block drawings, in cells.
  public var columns: Int
  private var count = 0

  public init(graphics: TerminalGraphics, folder: URL, insideTmux: Bool = false, columns: Int = 80) {
    self.graphics = graphics
    self.folder = folder
    self.insideTmux = insideTmux
    self.columns = columns
  }

  /// The REPL's picture folder: `$XDG_STATE_HOME/pgs/pictures`, or
  /// `~/.local/state/pgs/pictures`, or `pgs-pictures` in the temporary folder.
  public static func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
    if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
      return URL(fileURLWithPath: state).appendingPathComponent("pgs/pictures")
    }
    if let home = environment["HOME"], !home.isEmpty {
      return URL(fileURLWithPath: home).appendingPathComponent(".local/state/pgs/pictures")
    }
    return FileManager.default.temporaryDirectory.appendingPathComponent("pgs-pictures")
  }

  /// The text to write for an image or plot event, or nil for other events.
  public func render(_ event: OutputEvent) -> String? {
    switch event {
    case .image(let tensor, let labels, let title):
      do throws(NotebookError) {
        let image = try NotebookImage.rendering(values: tensor.values, shape: tensor.shape, labels: labels)
        let png = try PNGCodec.encode(image)
        let path = try save(png, kind: "image", extension: "png")
        return (title.map { $0 + "\n" } ?? "") + draw(image, png: png) + "image: \(path)\n"
      } catch {
        return "cannot draw the image: \(error.description)\n"
      }
    case .plot(let title, let columns, let rows, let x, let y):
      do throws(NotebookError) {
        let table = try NotebookOutputCollector.tableOrError(columns, rows)
        let plot = try NotebookOutputCollector.plot(table, x: x, y: y, title: title)
        let path = try save(Array(plot.svg().utf8), kind: "plot", extension: "svg")
        var text = (title.map { $0 + "\n" } ?? "")
        if graphics != .none {
          let raster = PlotRaster.draw(plot, width: graphics == .halfblock ? min(self.columns, 100) : 480, height: graphics == .halfblock ? 40 : 300)
          text += draw(raster, png: graphics == .halfblock ? [] : try PNGCodec.encode(raster))
        }
        return text + "\(plot.summaryText)\nplot: \(path)\n"
      } catch {
        return "cannot draw the plot: \(error.description)\n"
      }
    default:
      return nil
    }
  }

  /// Writes `bytes` as the next numbered file of `kind` and returns its path.
  func save(_ bytes: [UInt8], kind: String, extension ext: String) throws(NotebookError) -> String {
    count += 1
    let url = folder.appendingPathComponent(String(format: "%@-%03d.%@", kind, count, ext))
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try Data(bytes).write(to: url)
    } catch {
      throw .fileSystem(path: url.path, operation: "write", message: "\(error)")
    }
    return url.path
  }

  /// The escape sequence (or half-block text) that draws `image`, ending with a newline.
  func draw(_ image: NotebookImage, png: [UInt8]) -> String {
    switch graphics {
    case .kitty: return kitty(png) + "\n"
    case .iterm2: return wrap(Self.iterm2(png)) + "\n"
    case .sixel: return wrap(Self.sixel(image)) + "\n"
    case .halfblock: return Self.halfBlocks(image, columns: columns)
    case .none: return ""
    }
  }

  func wrap(_ sequence: String) -> String { insideTmux ? Self.tmuxWrapped(sequence) : sequence }

  /// `ESC P tmux; <sequence with every ESC doubled> ESC \`: tmux's passthrough form.
  static func tmuxWrapped(_ sequence: String) -> String {
    "\u{1B}Ptmux;" + sequence.replacingOccurrences(of: "\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\"
  }

  /// kitty: PNG data (`f=100`), transmitted and shown (`a=T`), in base64 chunks of at most
  /// 4096 bytes, `m=1` on all but the last; only the first chunk carries the keys. Each chunk
  /// is wrapped separately inside tmux.
  func kitty(_ png: [UInt8]) -> String {
    let data = Data(png).base64EncodedString()
    var chunks: [Substring] = []
    var start = data.startIndex
    while start < data.endIndex {
      let end = data.index(start, offsetBy: 4096, limitedBy: data.endIndex) ?? data.endIndex
      chunks.append(data[start..<end])
      start = end
    }
    var out = ""
    for (i, chunk) in chunks.enumerated() {
      let more = i < chunks.count - 1 ? 1 : 0
      let keys = i == 0 ? "a=T,f=100,q=2,m=\(more)" : "m=\(more)"
      out += wrap("\u{1B}_G\(keys);\(chunk)\u{1B}\\")
    }
    return out
  }

  /// iTerm2: the PNG file inline, `ESC ] 1337 ; File=inline=1;size=N : base64 BEL`.
  static func iterm2(_ png: [UInt8]) -> String {
    "\u{1B}]1337;File=inline=1;size=\(png.count);preserveAspectRatio=1:" + Data(png).base64EncodedString() + "\u{07}"
  }

  /// Sixel: colours quantized to a 6×6×6 cube, bands of six rows, run-length encoded.
  static func sixel(_ image: NotebookImage) -> String {
    let (w, h) = (image.width, image.height)
    func level(_ v: UInt8) -> Int { (Int(v) * 5 + 127) / 255 }
    var colour = [Int](repeating: 0, count: w * h)
    for y in 0..<h {
      for x in 0..<w {
        let r = level(image.sample(x: x, y: y, channel: 0))
        let g = image.channels == 3 ? level(image.sample(x: x, y: y, channel: 1)) : r
        let b = image.channels == 3 ? level(image.sample(x: x, y: y, channel: 2)) : r
        colour[y * w + x] = (r * 6 + g) * 6 + b
      }
    }
    var out = "\u{1B}Pq\"1;1;\(w);\(h)"
    for c in Set(colour).sorted() {
      let (r, g, b) = (c / 36, (c / 6) % 6, c % 6)
      out += "#\(c);2;\(r * 20);\(g * 20);\(b * 20)"
    }
    for band in stride(from: 0, to: h, by: 6) {
      let used = Set((band..<min(band + 6, h)).flatMap { y in (0..<w).map { colour[y * w + $0] } }).sorted()
      for (k, c) in used.enumerated() {
        out += "#\(c)"
        var run: (Character, Int)? = nil
        func flush() {
          guard let (ch, n) = run else { return }
          out += n > 3 ? "!\(n)\(ch)" : String(repeating: ch, count: n)
        }
        for x in 0..<w {
          var bits = 0
          for dy in 0..<6 where band + dy < h && colour[(band + dy) * w + x] == c { bits |= 1 << dy }
          let ch = Character(UnicodeScalar(UInt8(63 + bits)))
          if let (current, n) = run, current == ch { run = (current, n + 1) } else { flush(); run = (ch, 1) }
        }
        flush()
        out += k < used.count - 1 ? "$" : "-"
      }
    }
    return out + "\u{1B}\\"
  }

  /// Half blocks: each cell is `▀` with the upper pixel as foreground and the lower as
  /// background colour (24-bit SGR), two rows of pixels per line; images wider than `columns`
  /// are sampled down (nearest pixel).
  static func halfBlocks(_ image: NotebookImage, columns: Int) -> String {
    let scale = max(1, (image.width + columns - 1) / max(columns, 1))
    let w = image.width / scale, h = image.height / scale
    func rgb(_ x: Int, _ y: Int) -> String {
      let (sx, sy) = (x * scale, y * scale)
      let r = image.sample(x: sx, y: sy, channel: 0)
      let g = image.channels == 3 ? image.sample(x: sx, y: sy, channel: 1) : r
      let b = image.channels == 3 ? image.sample(x: sx, y: sy, channel: 2) : r
      return "\(r);\(g);\(b)"
    }
    var out = ""
    for y in stride(from: 0, to: h, by: 2) {
      for x in 0..<w {
        out += "\u{1B}[38;2;\(rgb(x, y))m"
        out += y + 1 < h ? "\u{1B}[48;2;\(rgb(x, y + 1))m▀" : "\u{1B}[49m▀"
      }
      out += "\u{1B}[0m\n"
    }
    return out
  }
}

/// A line plot drawn into pixels for terminals: white background, grey axes, one colour per
/// series.
enum PlotRaster {
  static let palette: [(UInt8, UInt8, UInt8)] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]

  static func draw(_ plot: NotebookPlot, width: Int, height: Int) -> NotebookImage {
    let (w, h) = (max(width, 8), max(height, 8))
    var pixels = [UInt8](repeating: 255, count: w * h * 3)
    func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
      guard x >= 0, x < w, y >= 0, y < h else { return }
      let i = (y * w + x) * 3
      (pixels[i], pixels[i + 1], pixels[i + 2]) = c
    }
    let points = plot.series.flatMap { zip($0.x, $0.y).filter { $0.0.isFinite && $0.1.isFinite } }
    let xs = points.map(\.0), ys = points.map(\.1)
    let (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1)
    let (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
    let margin = 2
    func px(_ x: Double) -> Int { margin + Int(((x - x0) / max(x1 - x0, 1e-12)) * Double(w - 2 * margin - 1)) }
    func py(_ y: Double) -> Int { h - 1 - margin - Int(((y - y0) / max(y1 - y0, 1e-12)) * Double(h - 2 * margin - 1)) }
    for x in margin..<(w - margin) { set(x, h - 1 - margin, (160, 160, 160)) }
    for y in margin..<(h - margin) { set(margin, y, (160, 160, 160)) }
    for (k, series) in plot.series.enumerated() {
      let colour = palette[k % palette.count]
      var last: (Int, Int)?
      for (x, y) in zip(series.x, series.y) {
        guard x.isFinite, y.isFinite else {
          last = nil
          continue
        }
        let p = (px(x), py(y))
        if let (ax, ay) = last {
          let steps = max(abs(p.0 - ax), abs(p.1 - ay), 1)
          for s in 0...steps {
            set(ax + (p.0 - ax) * s / steps, ay + (p.1 - ay) * s / steps, colour)
          }
        } else {
          set(p.0, p.1, colour)
        }
        last = p
      }
    }
    // The size and pixel count are consistent by construction.
    return try! NotebookImage(width: w, height: h, channels: 3, pixels: pixels)
  }
}
