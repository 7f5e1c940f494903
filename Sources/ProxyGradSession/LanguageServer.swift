import Foundation
import ProxyGradRuntime
import ProxyGradSyntax

/// `pgs lsp`: a language server (LSP 3.17) for `.pgs` scripts and notebooks, on the same parser,
/// resolver, builtin registry and completion as the REPL (docs/editors.md). It never runs code.
///
/// The transport is the caller's: it feeds each message body to ``handle(_:)`` and writes back
/// the bodies it returns, each framed by ``LSPFraming``. Nothing a client sends can crash it:
/// malformed JSON gets a parse error, unknown requests `MethodNotFound`, unknown notifications
/// are ignored, and positions are clamped to the document.
public final class LanguageServer {
  /// Set by the `exit` notification: 0 when `shutdown` came first, else 1.
  public private(set) var exitStatus: Int32?
  /// Whether `shutdown` was received.
  public private(set) var isShutDown = false
  private var isInitialized = false
  private var documents: [String: LSPDocument] = [:]
  /// Completion and help, against globals that stay empty: documents are checked, never run.
  let session = Session { Interpreter() }

  public init() {}

  /// JSON-RPC error codes.
  enum ErrorCode: Int {
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case serverNotInitialized = -32002
  }

  /// Handles one message body.
  /// - Returns: the bodies to send back, in order: the response to a request, and any
  ///   notifications (diagnostics) it caused.
  public func handle(_ body: [UInt8]) -> [[UInt8]] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
      let message = object as? [String: Any]
    else {
      return [Self.encode(Self.errorResponse(id: NSNull(), .parseError, "the message is not a JSON object"))]
    }
    let id = message["id"]
    guard let method = message["method"] as? String else {
      // A response to a request of ours (the server sends none), or garbage.
      if id == nil || message["result"] != nil || message["error"] != nil { return [] }
      return [Self.encode(Self.errorResponse(id: id!, .invalidRequest, "the message has no method"))]
    }
    let params = message["params"] as? [String: Any] ?? [:]
    guard let id else { return notification(method, params).map(Self.encode) }
    return request(method, params, id: id).map(Self.encode)
  }

  // MARK: - Requests

  private func request(_ method: String, _ params: [String: Any], id: Any) -> [[String: Any]] {
    if method == "initialize" {
      isInitialized = true
      return [Self.response(id: id, Self.initializeResult)]
    }
    guard isInitialized else { return [Self.errorResponse(id: id, .serverNotInitialized, "initialize first")] }
    guard !isShutDown else { return [Self.errorResponse(id: id, .invalidRequest, "the server is shut down")] }
    if method == "shutdown" {
      isShutDown = true
      return [Self.response(id: id, NSNull())]
    }
    guard let answer = Self.requests[method] else {
      return [Self.errorResponse(id: id, .methodNotFound, "unknown method '\(method)'")]
    }
    guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String else {
      return [Self.errorResponse(id: id, .invalidParams, "textDocument.uri is missing")]
    }
    guard let document = documents[uri] else { return [Self.response(id: id, NSNull())] }
    let position = Self.position(params["position"])
    return [Self.response(id: id, answer(self)(document, uri, position))]
  }

  private static var requests: [String: (LanguageServer) -> (LSPDocument, String, LSPPosition) -> Any] {
    [
    "textDocument/completion": { $0.completion },
    "textDocument/hover": { $0.hover },
    "textDocument/definition": { $0.definition },
    "textDocument/documentSymbol": { $0.documentSymbols },
    ]
  }

  private static var initializeResult: [String: Any] {
    [
    "capabilities": [
      "positionEncoding": "utf-16",
      "textDocumentSync": ["openClose": true, "change": 1] as [String: Any],
      "completionProvider": ["triggerCharacters": [".", "("], "resolveProvider": false] as [String: Any],
      "hoverProvider": true,
      "definitionProvider": true,
      "documentSymbolProvider": true,
    ] as [String: Any],
    "serverInfo": ["name": "pgs lsp", "version": "0.1.0"],
    ]
  }

  // MARK: - Notifications

  private func notification(_ method: String, _ params: [String: Any]) -> [[String: Any]] {
    if method == "exit" {
      exitStatus = isShutDown ? 0 : 1
      return []
    }
    guard isInitialized, !isShutDown else { return [] }
    let textDocument = params["textDocument"] as? [String: Any] ?? [:]
    guard let uri = textDocument["uri"] as? String else { return [] }
    switch method {
    case "textDocument/didOpen":
      guard let text = textDocument["text"] as? String else { return [] }
      return open(uri, text: text, version: textDocument["version"])
    case "textDocument/didChange":
      guard var text = documents[uri]?.text else { return [] }
      for change in params["contentChanges"] as? [[String: Any]] ?? [] {
        guard let newText = change["text"] as? String else { continue }
        if let range = change["range"] as? [String: Any] {
          text = LSPText(text).replacing(
            LSPRange(start: Self.position(range["start"]), end: Self.position(range["end"])), with: newText)
        } else {
          text = newText
        }
      }
      return open(uri, text: text, version: textDocument["version"])
    case "textDocument/didClose":
      documents[uri] = nil
      return [Self.notification("textDocument/publishDiagnostics", ["uri": uri, "diagnostics": [Any]()])]
    default:
      return []
    }
  }

  private func open(_ uri: String, text: String, version: Any?) -> [[String: Any]] {
    let document = LSPDocument(path: Self.path(of: uri), text: text)
    documents[uri] = document
    var params: [String: Any] = ["uri": uri, "diagnostics": document.diagnostics().map(Self.json)]
    if let version = version as? Int { params["version"] = version }
    return [Self.notification("textDocument/publishDiagnostics", params)]
  }

  /// The file path of a `file:` URI (shown in diagnostics), or the URI itself.
  static func path(of uri: String) -> String {
    guard let url = URL(string: uri), url.isFileURL else { return uri }
    return url.lastPathComponent
  }

  // MARK: - JSON

  static func response(id: Any, _ result: Any) -> [String: Any] {
    ["jsonrpc": "2.0", "id": id, "result": result]
  }

  static func errorResponse(id: Any, _ code: ErrorCode, _ message: String) -> [String: Any] {
    ["jsonrpc": "2.0", "id": id, "error": ["code": code.rawValue, "message": message] as [String: Any]]
  }

  static func notification(_ method: String, _ params: [String: Any]) -> [String: Any] {
    ["jsonrpc": "2.0", "method": method, "params": params]
  }

  static func encode(_ message: [String: Any]) -> [UInt8] {
    let data = (try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys])) ?? Data("{}".utf8)
    return Array(data)
  }

  /// A position from JSON; anything malformed reads as the start, negative numbers as 0.
  static func position(_ json: Any?) -> LSPPosition {
    let object = json as? [String: Any] ?? [:]
    return LSPPosition(
      line: max(0, (object["line"] as? Int) ?? 0), character: max(0, (object["character"] as? Int) ?? 0))
  }

  static func json(_ position: LSPPosition) -> [String: Any] {
    ["line": position.line, "character": position.character]
  }

  static func json(_ range: LSPRange) -> [String: Any] {
    ["start": json(range.start), "end": json(range.end)]
  }

  /// An LSP diagnostic: the code, the range in UTF-16 columns, the message with its notes.
  static func json(_ diagnostic: Diagnostic) -> [String: Any] {
    let severity: Int
    switch diagnostic.severity {
    case .error: severity = 1
    case .warning: severity = 2
    case .note: severity = 3
    }
    let message = ([diagnostic.message] + diagnostic.notes.map(\.message)).joined(separator: "\n")
    return [
      "range": json(LSPRange(diagnostic.span)), "severity": severity, "code": diagnostic.code.rawValue,
      "source": "pgs", "message": message,
    ]
  }
}
