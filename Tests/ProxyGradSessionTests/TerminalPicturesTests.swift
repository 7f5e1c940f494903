import Foundation
import ProxyGradNN
import ProxyGradRuntime
import Testing

@testable import ProxyGradNotebook
@testable import ProxyGradSession

@Suite struct TerminalPicturesTests {
  @Test func detectionFollowsTheSettingThenTheRepliesThenTheEnvironment() {
    let kittyReply = "\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?62;22c"
    #expect(TerminalGraphics.detect(environment: [:], reply: kittyReply) == .kitty)
    #expect(TerminalGraphics.detect(environment: [:], reply: "\u{1B}[?63;1;2;4;6;22c") == .sixel)
    #expect(TerminalGraphics.detect(environment: [:], reply: "\u{1B}[?62;22c") == .halfblock)
    #expect(TerminalGraphics.detect(environment: [:], reply: "\u{1B}[?64;14;22c") == .halfblock)
    #expect(TerminalGraphics.detect(environment: [:], reply: "") == .halfblock)
    #expect(TerminalGraphics.detect(environment: ["LC_TERMINAL": "iTerm2"], reply: "\u{1B}[?64;1;2;4;6c") == .iterm2)
    #expect(TerminalGraphics.detect(environment: ["PGS_GRAPHICS": "halfblock"], reply: kittyReply) == .halfblock)
    #expect(TerminalGraphics.detect(environment: ["PGS_GRAPHICS": "none"], reply: nil) == .none)
    #expect(TerminalGraphics.detect(environment: ["PGS_GRAPHICS": "auto"], reply: kittyReply) == .kitty)
    #expect(TerminalGraphics.isChosen(environment: ["PGS_GRAPHICS": "SIXEL"]))
    #expect(!TerminalGraphics.isChosen(environment: ["PGS_GRAPHICS": "auto"]))
    #expect(TerminalGraphics.query(insideTmux: true).hasPrefix("\u{1B}Ptmux;\u{1B}\u{1B}_Gi=31"))
  }

  /// A 2×3 image: red, green / blue, white / black, grey.
  static let image = try! NotebookImage(
    width: 2, height: 3, channels: 3,
    pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128])

  @Test func halfBlocksPairRowsAsForegroundAndBackground() {
    let text = TerminalPictures.halfBlocks(Self.image, columns: 80)
    let lines = text.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[0] == "\u{1B}[38;2;255;0;0m\u{1B}[48;2;0;0;255m▀\u{1B}[38;2;0;255;0m\u{1B}[48;2;255;255;255m▀\u{1B}[0m")
    // The last, unpaired row keeps the terminal's background.
    #expect(lines[1] == "\u{1B}[38;2;0;0;0m\u{1B}[49m▀\u{1B}[38;2;128;128;128m\u{1B}[49m▀\u{1B}[0m")
    // Wider than the columns: sampled down.
    let wide = try! NotebookImage(width: 8, height: 2, channels: 1, pixels: [UInt8](repeating: 9, count: 16))
    #expect(TerminalPictures.halfBlocks(wide, columns: 4).components(separatedBy: "▀").count - 1 == 4)
  }

  @Test func sixelEncodesBandsOfSixRows() {
    let grey = try! NotebookImage(width: 3, height: 2, channels: 1, pixels: [255, 255, 255, 0, 0, 0])
    // Colour 215 = white (5, 5, 5) in row 0: bit value 1, "@" (63 + 1); colour 0 = black in
    // row 1: bit value 2, "A" (63 + 2). "$" returns to the left margin, "-" ends the band.
    #expect(TerminalPictures.sixel(grey) == "\u{1B}Pq\"1;1;3;2#0;2;0;0;0#215;2;100;100;100#0AAA$#215@@@-\u{1B}\\")
  }

  @Test func kittySendsChunksOfAtMost4096Bytes() {
    let pictures = TerminalPictures(graphics: .kitty, folder: URL(fileURLWithPath: "/nonexistent"))
    let png = [UInt8](repeating: 7, count: 7000)  // 9336 base64 bytes: three chunks
    let text = pictures.kitty(png)
    let chunks = text.components(separatedBy: "\u{1B}_G").dropFirst()
    #expect(chunks.count == 3)
    #expect(chunks[1].hasPrefix("a=T,f=100,q=2,m=1;"))
    #expect(chunks[2].hasPrefix("m=1;") && chunks[3].hasPrefix("m=0;"))
    for chunk in chunks { #expect(chunk.split(separator: ";", maxSplits: 1)[1].count <= 4096 + 2) }
    let payload = chunks.map { String($0.split(separator: ";", maxSplits: 1)[1].dropLast(2)) }.joined()
    #expect(Data(base64Encoded: payload) == Data(png))
  }

  @Test func everyPictureIsAlsoAFileWhosePathIsPrinted() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-pictures-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let transcript = REPLTranscript()
    let session = REPLSession(console: transcript)
    session.pictures = TerminalPictures(graphics: .none, folder: folder)
    session.feed("show(ones([3, 2, 2]))")
    session.feed("plot([{a: 1, b: 2}, {a: 2, b: 1}], x: \"a\", y: \"b\")")
    let output = transcript.take().output
    let image = folder.appendingPathComponent("image-001.png").path
    let plot = folder.appendingPathComponent("plot-002.svg").path
    #expect(output.contains("image: \(image)\n") && output.contains("plot: \(plot)\n"))
    let png = try #require(FileManager.default.contents(atPath: image))
    #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    #expect(try String(contentsOfFile: plot, encoding: .utf8).contains("<svg"))
  }
}
