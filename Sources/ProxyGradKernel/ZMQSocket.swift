import CZMQ
import Foundation

/// A ZeroMQ failure, with libzmq's own words.
package struct ZMQError: Error, CustomStringConvertible {
  package let description: String

  init(_ what: String) {
    let code = zmq_errno()
    description = "\(what): \(String(cString: zmq_strerror(code)))"
  }
}

/// One ZeroMQ context: the owner of every socket the kernel opens.
package final class ZMQContext: @unchecked Sendable {
  let handle: UnsafeMutableRawPointer

  package init() throws(ZMQError) {
    guard let handle = zmq_ctx_new() else { throw ZMQError("cannot create a ZeroMQ context") }
    self.handle = handle
  }

  /// Ends the context; every socket must be closed first.
  package func terminate() {
    zmq_ctx_term(handle)
  }
}

/// A ZeroMQ socket. Not thread-safe: each socket belongs to one thread at a time (the IOPub
/// socket is shared behind a lock).
package final class ZMQSocket: @unchecked Sendable {
  package enum Kind {
    case router, publisher, reply, dealer, subscriber, request

    var rawValue: Int32 {
      switch self {
      case .router: return ZMQ_ROUTER
      case .publisher: return ZMQ_PUB
      case .reply: return ZMQ_REP
      case .dealer: return ZMQ_DEALER
      case .subscriber: return ZMQ_SUB
      case .request: return ZMQ_REQ
      }
    }
  }

  private var handle: UnsafeMutableRawPointer?

  package init(_ context: ZMQContext, _ kind: Kind) throws(ZMQError) {
    guard let handle = zmq_socket(context.handle, kind.rawValue) else {
      throw ZMQError("cannot create a socket")
    }
    self.handle = handle
    // Closing never waits long for unsent messages.
    setOption(ZMQ_LINGER, 1000)
    if kind == .subscriber {
      zmq_setsockopt(handle, ZMQ_SUBSCRIBE, "", 0)
    }
  }

  deinit { close() }

  package func close() {
    if let handle { zmq_close(handle) }
    handle = nil
  }

  func setOption(_ option: Int32, _ value: Int32) {
    guard let handle else { return }
    var value = value
    zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size)
  }

  package func bind(_ endpoint: String) throws(ZMQError) {
    guard let handle, zmq_bind(handle, endpoint) == 0 else {
      throw ZMQError("cannot bind \(endpoint)")
    }
  }

  package func connect(_ endpoint: String) throws(ZMQError) {
    guard let handle, zmq_connect(handle, endpoint) == 0 else {
      throw ZMQError("cannot connect to \(endpoint)")
    }
  }

  /// Waits up to `timeout` milliseconds (-1: forever) for a message to read.
  package func waitForInput(timeout: Int) -> Bool {
    guard let handle else { return false }
    var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
    let ready = zmq_poll(&item, 1, timeout)
    return ready > 0 && (item.revents & Int16(ZMQ_POLLIN)) != 0
  }

  /// Receives every frame of one message; blocks until one arrives.
  package func receive() throws(ZMQError) -> [[UInt8]] {
    guard let handle else { throw ZMQError("the socket is closed") }
    var frames: [[UInt8]] = []
    while true {
      var message = zmq_msg_t()
      zmq_msg_init(&message)
      defer { zmq_msg_close(&message) }
      guard zmq_msg_recv(&message, handle, 0) >= 0 else { throw ZMQError("cannot receive") }
      let size = zmq_msg_size(&message)
      if size > 0, let data = zmq_msg_data(&message) {
        frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
      } else {
        frames.append([])
      }
      if zmq_msg_more(&message) == 0 { break }
    }
    return frames
  }

  /// Sends `frames` as one message.
  package func send(_ frames: [[UInt8]]) throws(ZMQError) {
    guard let handle else { throw ZMQError("the socket is closed") }
    for (index, frame) in frames.enumerated() {
      let flags = index == frames.count - 1 ? 0 : ZMQ_SNDMORE
      let sent = frame.withUnsafeBytes { bytes in
        zmq_send(handle, bytes.baseAddress, bytes.count, flags)
      }
      guard sent >= 0 else { throw ZMQError("cannot send") }
    }
  }
}
