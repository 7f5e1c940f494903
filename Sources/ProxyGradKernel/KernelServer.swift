import Foundation
import ProxyGradNotebook
import ProxyGradRuntime
import Synchronization

/// Set by the SIGINT handler; the control thread turns it into an interrupt of running code.
/// An atomic store is all a signal handler may do.
let signalInterrupt = Atomic<Bool>(false)

/// Flags shared by the kernel's threads.
final class KernelState: Sendable {
  /// Set once `shutdown_request` is answered: every loop ends.
  let stopping = Atomic<Bool>(false)
  /// Whether a cell is running, so an interrupt between cells is ignored.
  let executing = Atomic<Bool>(false)
  /// Whether the running cell was asked to stop: the engine's stop check.
  let interruptRequested = Atomic<Bool>(false)

  /// Stops the running cell, if any.
  func interruptExecution() {
    if executing.load(ordering: .sequentiallyConsistent) { interruptRequested.store(true, ordering: .relaxed) }
  }
}

/// The IOPub socket, shared by the shell and control threads behind a lock.
final class IOPubChannel: @unchecked Sendable {
  private let socket: ZMQSocket
  private let writer: MessageWriter
  private let lock = NSLock()

  init(socket: ZMQSocket, writer: MessageWriter) {
    self.socket = socket
    self.writer = writer
  }

  func publish(_ type: String, _ content: JSONValue, parent: KernelMessage?) {
    let frames = writer.frames(
      type: type, content: content, parent: parent, identities: [Array("kernel.\(type)".utf8)])
    lock.lock()
    defer { lock.unlock() }
    try? socket.send(frames)
  }

  func status(_ state: String, parent: KernelMessage?) {
    publish("status", .object([("execution_state", .string(state))]), parent: parent)
  }

  func close() {
    lock.lock()
    defer { lock.unlock() }
    socket.close()
  }
}

/// A Jupyter kernel for the PGS language over ZeroMQ (messaging protocol 5.3).
///
/// Five sockets bind where the connection file says: shell (ROUTER) and control (ROUTER) take
/// requests, IOPub (PUB) broadcasts status and outputs, stdin (ROUTER) is bound but unused
/// (scripts never read input), and heartbeat (REP) echoes. Every incoming message's
/// HMAC-SHA256 signature is checked first; a message that fails is logged to standard error and
/// dropped.
///
/// Threads: cells run on the shell thread, which has a large stack (`Interpreter.onLargeStack`);
/// the control and heartbeat channels have threads of their own, so `interrupt_request`,
/// `shutdown_request` and heartbeats are answered while a cell runs. SIGINT (Jupyter's signal
/// interrupt mode) and `interrupt_request` (message mode) both set the flag the interpreter's
/// stop check reads, which loops, `train` and `maximize` poll; the cell stops with an error and
/// the session keeps its state.
package final class KernelServer: @unchecked Sendable {
  let connection: ConnectionInfo
  let signer: HMACSigner
  let writer: MessageWriter
  let context: ZMQContext
  let shell: ZMQSocket
  let control: ZMQSocket
  let stdin: ZMQSocket
  let heartbeat: ZMQSocket
  let iopub: IOPubChannel
  let log: @Sendable (String) -> Void
  let seed: UInt64

  /// Opens and binds the five sockets.
  /// - Parameters:
  ///   - log: receives diagnostics (the command line passes standard error).
  package init(
    connection: ConnectionInfo, seed: UInt64 = 0,
    log: @escaping @Sendable (String) -> Void
  ) throws(KernelError) {
    self.connection = connection
    self.seed = seed
    self.log = log
    signer = HMACSigner(key: connection.key)
    writer = MessageWriter(signer: signer)
    do throws(ZMQError) {
      context = try ZMQContext()
      shell = try ZMQSocket(context, .router)
      control = try ZMQSocket(context, .router)
      stdin = try ZMQSocket(context, .router)
      heartbeat = try ZMQSocket(context, .reply)
      let publisher = try ZMQSocket(context, .publisher)
      iopub = IOPubChannel(socket: publisher, writer: writer)
      try shell.bind(connection.endpoint(connection.shellPort))
      try control.bind(connection.endpoint(connection.controlPort))
      try stdin.bind(connection.endpoint(connection.stdinPort))
      try heartbeat.bind(connection.endpoint(connection.heartbeatPort))
      try publisher.bind(connection.endpoint(connection.iopubPort))
    } catch {
      throw .socket(error.description)
    }
  }

  /// Serves until a `shutdown_request`; then closes every socket.
  package func run() {
    let state = KernelState()
    let engine = KernelEngine(seed: seed, shouldStop: { state.interruptRequested.load(ordering: .relaxed) })
    installSignalHandler()
    let threads = DispatchGroup()
    start("pgs-heartbeat", threads) { self.serveHeartbeat(state) }
    start("pgs-control", threads) { self.serveControl(state) }
    iopub.status("starting", parent: nil)
    Interpreter.onLargeStack { ShellLoop(server: self, engine: engine, state: state).serve() }
    threads.wait()
    for socket in [shell, control, stdin, heartbeat] { socket.close() }
    iopub.close()
    context.terminate()
  }

  private func start(_ name: String, _ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
    group.enter()
    let thread = Thread {
      body()
      group.leave()
    }
    thread.name = name
    thread.start()
  }

  private func installSignalHandler() {
    signal(SIGINT) { _ in signalInterrupt.store(true, ordering: .relaxed) }
  }

  // MARK: - Receiving

  /// The next message on `socket` within `timeout` ms, or nil. Messages that fail their
  /// signature or framing are logged and dropped here, before anything reads them.
  func receive(_ socket: ZMQSocket, channel: String, timeout: Int) -> KernelMessage? {
    guard socket.waitForInput(timeout: timeout) else { return nil }
    let frames: [[UInt8]]
    do throws(ZMQError) {
      frames = try socket.receive()
    } catch {
      log("pgs kernel: \(channel): \(error)")
      return nil
    }
    do throws(KernelMessage.DecodingFailure) {
      return try KernelMessage.decode(frames, signer: signer)
    } catch {
      log("pgs kernel: dropped a message on \(channel): \(error)")
      return nil
    }
  }

  /// Sends a reply to the sender of `request` on `socket`.
  func reply(
    _ socket: ZMQSocket, to request: KernelMessage, type: String, _ content: JSONValue
  ) {
    let frames = writer.frames(
      type: type, content: content, parent: request, identities: request.identities)
    do throws(ZMQError) {
      try socket.send(frames)
    } catch {
      log("pgs kernel: cannot send \(type): \(error)")
    }
  }

  // MARK: - Heartbeat and control

  private func serveHeartbeat(_ state: KernelState) {
    while !state.stopping.load(ordering: .relaxed) {
      guard heartbeat.waitForInput(timeout: 100), let frames = try? heartbeat.receive() else {
        continue
      }
      try? heartbeat.send(frames)
    }
  }

  private func serveControl(_ state: KernelState) {
    while !state.stopping.load(ordering: .relaxed) {
      if signalInterrupt.exchange(false, ordering: .relaxed) { state.interruptExecution() }
      guard let request = receive(control, channel: "control", timeout: 50) else { continue }
      iopub.status("busy", parent: request)
      switch request.type {
      case "shutdown_request":
        shutdown(request, on: control, state)
      case "interrupt_request":
        state.interruptExecution()
        reply(control, to: request, type: "interrupt_reply", .object([("status", .string("ok"))]))
      case "kernel_info_request":
        reply(control, to: request, type: "kernel_info_reply", KernelInfo.content)
      default:
        log("pgs kernel: ignored \(request.type) on control")
      }
      iopub.status("idle", parent: request)
    }
  }

  /// Answers a shutdown request and makes every loop end.
  func shutdown(_ request: KernelMessage, on socket: ZMQSocket, _ state: KernelState) {
    let restart = request.content["restart"]?.boolValue ?? false
    reply(
      socket, to: request, type: "shutdown_reply",
      .object([("status", .string("ok")), ("restart", .bool(restart))]))
    state.stopping.store(true, ordering: .sequentiallyConsistent)
    state.interruptExecution()
  }
}
