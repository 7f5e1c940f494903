import Foundation
import ProxyGradSyntax
import Testing

@testable import ProxyGradSession

@Suite struct LanguageServerTests {
  // MARK: - Framing

  @Test func framingSplitsChunksAndJoinsPieces() {
    let first = LSPFraming.frame(Array(#"{"a":1}"#.utf8))
    let second = LSPFraming.frame(Array(#"{"b":"é"}"#.utf8))
    var framing = LSPFraming()
    framing.append(first.prefix(10))
    #expect(framing.nextMessage() == nil)
    framing.append(first.dropFirst(10) + second)
    #expect(framing.nextMessage().map { String(decoding: $0, as: UTF8.self) } == #"{"a":1}"#)
    #expect(framing.nextMessage().map { String(decoding: $0, as: UTF8.self) } == #"{"b":"é"}"#)
    #expect(framing.nextMessage() == nil)
  }

  @Test func framingCountsBytesAndSkipsHeadersWithoutLength() {
    #expect(String(decoding: LSPFraming.frame(Array("é".utf8)), as: UTF8.self) == "Content-Length: 2\r\n\r\né")
    var framing = LSPFraming()
    framing.append(Array("X-Nothing: 1\r\n\r\ncontent-length: 2\r\nContent-Type: x\r\n\r\n{}".utf8))
    #expect(framing.nextMessage() == Array("{}".utf8))
  }

  // MARK: - Positions

  @Test func utf16ColumnsOfAccentsAndEmoji() {
    // `é` is one UTF-16 unit and two UTF-8 bytes; `🙂` is two units and four bytes.
    let text = "x = 1\ncafé = \"🙂\" + y"
    let lines = LSPText(text)
    // `y` is character 13 of its line and UTF-16 unit 14.
    #expect(lines.utf16Column(line: 1, characters: 13) == 14)
    #expect(lines.characterOffset(line: 1, utf16: 14) == 13)
    #expect(lines.utf16Column(line: 1, characters: 5) == 5)
    #expect(lines.characterOffset(line: 1, utf16: 99) == 14)
    #expect(lines.characterOffset(line: 7, utf16: 3) == 0)
    let file = SourceFile(path: "t.pgs", text: text)
    let y = Array(text.utf8).count - 1
    #expect(LSPText.position(ofByte: y, in: file) == LSPPosition(line: 1, character: 14))
    #expect(LSPText.position(ofByte: 10_000, in: file) == LSPPosition(line: 1, character: 15))
  }

  @Test func incrementalChangesReplaceUTF16Ranges() {
    let text = LSPText("a = \"🙂\"\nb = 2")
    let range = LSPRange(start: LSPPosition(line: 0, character: 5), end: LSPPosition(line: 0, character: 7))
    #expect(text.replacing(range, with: "ok") == "a = \"ok\"\nb = 2")
  }

  // MARK: - Diagnostics

  @Test func undefinedNameHasItsCodeAndUTF16Range() throws {
    let document = LSPDocument(path: "t.pgs", text: "s = \"🙂\"\nprint(s, undefined_thing)\n")
    let diagnostic = try #require(document.diagnostics().first)
    #expect(diagnostic.code == .undefinedName)
    #expect(LSPRange(diagnostic.span) == LSPRange(start: LSPPosition(line: 1, character: 9), end: LSPPosition(line: 1, character: 24)))
  }

  @Test func notebooksAreCheckedAsOneProgram() {
    let text = "# %% setup\nx = 1\n# %% [markdown]\n# y is *fine* here\n# %% use\nprint(x + y)\n"
    let diagnostics = LSPDocument(path: "nb.pgs", text: text).diagnostics()
    #expect(diagnostics.map(\.code) == [.undefinedName])
    #expect(diagnostics.map { LSPRange($0.span).start } == [LSPPosition(line: 5, character: 10)])
    let syntax = LSPDocument(path: "nb.pgs", text: "# %%\nx = (1\n# %%\ny = ]\n").diagnostics()
    #expect(syntax.map { LSPRange($0.span).start.line } == [1, 3])
  }

  // MARK: - Symbols and definitions

  @Test func symbolsAreCellsWithTheirFunctionsAndNetworks() {
    let text = """
      helper = fn(a) { a }
      # %% Model
      net = network(input: [4]) {
        linear(2, name: "out")
      }
      square = fn(x, y) { x * y }
      # %% [markdown]
      # Notes
      """
    let symbols = LSPDocument(path: "nb.pgs", text: text).symbols()
    #expect(symbols.map(\.name) == ["helper", "Model", "cell 2"])
    #expect(symbols[1].kind == .cell)
    #expect(symbols[1].range == LSPRange(start: LSPPosition(line: 1, character: 0), end: LSPPosition(line: 5, character: 27)))
    #expect(symbols[1].children.map(\.name) == ["net", "square"])
    #expect(symbols[1].children.map(\.kind) == [.network, .function])
    #expect(symbols[1].children[1].detail == "fn(x, y)")
    #expect(symbols[2].detail == "markdown")
  }

  @Test func definitionIsTheFirstTopLevelAssignment() throws {
    let document = LSPDocument(path: "t.pgs", text: "f = fn(x) { x }\nf = 2\ny = f(1)\n")
    let definition = try #require(document.definition(of: "f"))
    #expect(LSPRange(definition.span) == LSPRange(start: LSPPosition(line: 0, character: 0), end: LSPPosition(line: 0, character: 1)))
    #expect(document.word(at: LSPPosition(line: 2, character: 5))?.name == "f")
    #expect(document.literalFields(of: "f").isEmpty)
  }

  // MARK: - The server

  static func call(_ server: LanguageServer, _ json: String) -> [[String: Any]] {
    server.handle(Array(json.utf8)).compactMap {
      try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
    }
  }

  static func initialized() -> LanguageServer {
    let server = LanguageServer()
    _ = call(server, #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
    _ = call(server, #"{"jsonrpc":"2.0","method":"initialized","params":{}}"#)
    return server
  }

  @Test func badMessagesGetErrorsNotCrashes() {
    let server = LanguageServer()
    let early = Self.call(server, #"{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{}}"#)
    #expect((early.first?["error"] as? [String: Any])?["code"] as? Int == -32002)
    _ = Self.call(server, #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
    #expect((Self.call(server, "{not json").first?["error"] as? [String: Any])?["code"] as? Int == -32700)
    #expect((Self.call(server, "[1, 2]").first?["error"] as? [String: Any])?["code"] as? Int == -32700)
    let unknown = Self.call(server, #"{"jsonrpc":"2.0","id":"x","method":"textDocument/rename","params":{}}"#)
    #expect((unknown.first?["error"] as? [String: Any])?["code"] as? Int == -32601)
    #expect(unknown.first?["id"] as? String == "x")
    #expect(Self.call(server, #"{"jsonrpc":"2.0","method":"$/setTrace","params":{}}"#).isEmpty)
  }

  @Test func openPublishesDiagnosticsAndPositionsOutOfRangeAreClamped() throws {
    let server = Self.initialized()
    let open = Self.call(
      server,
      #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///t.pgs","languageId":"pgs","version":1,"text":"x = nope\n"}}}"#
    )
    let params = try #require(open.first?["params"] as? [String: Any])
    let diagnostics = try #require(params["diagnostics"] as? [[String: Any]])
    #expect(diagnostics.map { $0["code"] as? String } == ["E0201"])
    for position in [#"{"line":99,"character":99}"#, #"{"line":-3,"character":-1}"#, #""nowhere""#] {
      for method in ["completion", "hover", "definition"] {
        let reply = Self.call(
          server,
          #"{"jsonrpc":"2.0","id":2,"method":"textDocument/\#(method)","params":{"textDocument":{"uri":"file:///t.pgs"},"position":\#(position)}}"#
        )
        #expect(reply.first?["error"] == nil)
      }
    }
    let shutdown = Self.call(server, #"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#)
    #expect(shutdown.first?["result"] is NSNull)
    _ = Self.call(server, #"{"jsonrpc":"2.0","method":"exit"}"#)
    #expect(server.exitStatus == 0)
  }
}

extension LanguageServerTests {
  @Test func fieldsOfLiteralRecordsAndNetworks() {
    let text = """
      r = {alpha: 1, beta: 2}
      net = network(input: [4]) {
        linear(2, name: "fc")
      }
      twice = 1
      twice = 2
      """
    let document = LSPDocument(path: "t.pgs", text: text)
    #expect(document.literalFields(of: "r") == ["alpha", "beta"])
    #expect(document.literalFields(of: "net") == ["fc", "input_shape", "output_shape", "parameter_count"])
    #expect(document.literalFields(of: "twice").isEmpty)
  }
}
