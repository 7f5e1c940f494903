import Foundation
import ProxyGradNotebook
import ProxyGradRuntime

/// What `kernel_info_reply` says about this kernel and its language.
package enum KernelInfo {
  package static let version = "0.1.0"

  package static var content: JSONValue {
    .object([
      ("status", .string("ok")),
      ("protocol_version", .string(MessageWriter.protocolVersion)),
      ("implementation", .string("pgs")),
      ("implementation_version", .string(version)),
      (
        "language_info",
        .object([
          ("name", .string("pgs")), ("version", .string(version)),
          ("mimetype", .string("text/x-pgs")), ("file_extension", .string(".pgs")),
          ("pygments_lexer", .string("text")), ("codemirror_mode", .string("text/plain")),
        ])
      ),
      (
        "banner",
        .string("ProxyGrad (pgs) \(version): activation maximization with proxy gradients")
      ),
      ("help_links", .array([])),
      ("debugger", .bool(false)),
    ])
  }
}

/// The shell channel's loop, on the thread that runs code. Each request is bracketed by IOPub
/// `status` busy and idle.
struct ShellLoop {
  let server: KernelServer
  let engine: KernelEngine
  let state: KernelState

  func serve() {
    while !state.stopping.load(ordering: .relaxed) {
      guard let request = server.receive(server.shell, channel: "shell", timeout: 100) else {
        continue
      }
      handle(request)
    }
  }

  func handle(_ request: KernelMessage) {
    let iopub = server.iopub
    iopub.status("busy", parent: request)
    defer { iopub.status("idle", parent: request) }
    let content = request.content
    switch request.type {
    case "kernel_info_request":
      reply(request, "kernel_info_reply", KernelInfo.content)
    case "execute_request":
      execute(request)
    case "is_complete_request":
      let (status, indent) = engine.isComplete(content["code"]?.stringValue ?? "")
      var members: [(String, JSONValue)] = [("status", .string(status))]
      if let indent { members.append(("indent", .string(indent))) }
      reply(request, "is_complete_reply", .object(members))
    case "complete_request":
      let code = content["code"]?.stringValue ?? ""
      let cursor = content["cursor_pos"]?.intValue ?? code.unicodeScalars.count
      let (matches, start, end) = engine.complete(code, cursor: cursor)
      reply(
        request, "complete_reply",
        .object([
          ("status", .string("ok")), ("matches", .array(matches.map(JSONValue.string))),
          ("cursor_start", .int(start)), ("cursor_end", .int(end)), ("metadata", .object([])),
        ]))
    case "inspect_request":
      let code = content["code"]?.stringValue ?? ""
      let cursor = content["cursor_pos"]?.intValue ?? code.unicodeScalars.count
      let text = engine.inspect(code, cursor: cursor)
      reply(
        request, "inspect_reply",
        .object([
          ("status", .string("ok")), ("found", .bool(text != nil)),
          ("data", .object(text.map { [("text/plain", .string($0))] } ?? [])),
          ("metadata", .object([])),
        ]))
    case "history_request":
      reply(request, "history_reply", history(content))
    case "comm_info_request":
      reply(request, "comm_info_reply", .object([("status", .string("ok")), ("comms", .object([]))]))
    case "shutdown_request":
      server.shutdown(request, on: server.shell, state)
    default:
      server.log("pgs kernel: ignored \(request.type) on shell")
    }
  }

  func reply(_ request: KernelMessage, _ type: String, _ content: JSONValue) {
    server.reply(server.shell, to: request, type: type, content)
  }

  // MARK: - Execute

  func execute(_ request: KernelMessage) {
    let content = request.content
    let code = content["code"]?.stringValue ?? ""
    let silent = content["silent"]?.boolValue ?? false
    let storeHistory = content["store_history"]?.boolValue ?? !silent
    let iopub = server.iopub
    engine.publish = { message in iopub.publish(message.type, message.content, parent: request) }
    if !silent {
      iopub.publish(
        "execute_input",
        .object([("code", .string(code)), ("execution_count", .int(engine.nextExecutionCount))]),
        parent: request)
    }
    state.interruptRequested.store(false, ordering: .relaxed)
    state.executing.store(true, ordering: .sequentiallyConsistent)
    let outcome = engine.execute(code, silent: silent, storeHistory: storeHistory)
    state.executing.store(false, ordering: .sequentiallyConsistent)
    state.interruptRequested.store(false, ordering: .relaxed)
    let count = JSONValue.int(engine.executionCount)
    switch outcome {
    case .ok:
      reply(
        request, "execute_reply",
        .object([
          ("status", .string("ok")), ("execution_count", count),
          ("user_expressions", .object([])), ("payload", .array([])),
        ]))
    case .error(let error):
      // Requests that were already waiting are aborted before the reply goes out: a client
      // that waits for the reply before sending more is never affected.
      if content["stop_on_error"]?.boolValue ?? true { abortQueuedExecutions() }
      guard case .object(let fields) = MIMEBundle.errorContent(error) else { return }
      reply(
        request, "execute_reply",
        .object([("status", .string("error")), ("execution_count", count)] + fields))
    }
  }

  /// After an error, execute requests already waiting are answered `aborted` without running,
  /// as ipykernel does, so a notebook's later cells do not run on a broken state.
  func abortQueuedExecutions() {
    while let next = server.receive(server.shell, channel: "shell", timeout: 0) {
      guard next.type == "execute_request" else {
        handle(next)
        continue
      }
      server.iopub.status("busy", parent: next)
      reply(
        next, "execute_reply",
        .object([("status", .string("aborted")), ("execution_count", .int(engine.executionCount))]))
      server.iopub.status("idle", parent: next)
    }
  }

  // MARK: - History

  func history(_ content: JSONValue) -> JSONValue {
    let output = content["output"]?.boolValue ?? false
    let entries: [KernelEngine.HistoryEntry]
    switch content["hist_access_type"]?.stringValue ?? "tail" {
    case "range":
      entries = engine.historyRange(
        session: content["session"]?.intValue ?? 0, start: content["start"]?.intValue ?? 1,
        stop: content["stop"]?.intValue ?? 0)
    case "search":
      entries = engine.historySearch(
        pattern: content["pattern"]?.stringValue ?? "*", n: content["n"]?.intValue ?? 0,
        unique: content["unique"]?.boolValue ?? false)
    default:
      entries = engine.historyTail(content["n"]?.intValue ?? 10)
    }
    let items: [JSONValue] = entries.map { entry in
      let input = JSONValue.string(entry.input)
      let item = output ? .array([input, entry.output.map(JSONValue.string) ?? .null]) : input
      return .array([.int(KernelEngine.historySession), .int(entry.line), item])
    }
    return .object([("status", .string("ok")), ("history", .array(items))])
  }
}
