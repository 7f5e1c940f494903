import Foundation
import Testing

@testable import ProxyGradLineEditor

@Suite struct InterruptFlagTests {
  @Test func setResetAndConsume() {
    let flag = InterruptFlag()
    #expect(!flag.isSet)
    #expect(flag.set() == 1)
    #expect(flag.set() == 2)
    #expect(flag.isSet && flag.pendingCount == 2)
    #expect(flag.consume())
    #expect(!flag.isSet && !flag.consume())
    flag.set()
    flag.reset()
    #expect(!flag.isSet)
  }

  @Test func concurrentSetsAreAllCounted() async {
    let flag = InterruptFlag()
    await withTaskGroup(of: Void.self) { group in
      for _ in 0..<8 {
        group.addTask { for _ in 0..<1000 { flag.set() } }
      }
    }
    #expect(flag.pendingCount == 8000)
  }
}

/// Runs `body` with SIGINT unblocked on the calling thread. Test threads (libdispatch
/// workers) block asynchronous signals, unlike the REPL's main thread.
private func withInterruptsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
  var interrupt = sigset_t()
  sigemptyset(&interrupt)
  sigaddset(&interrupt, SIGINT)
  var saved = sigset_t()
  pthread_sigmask(SIG_UNBLOCK, &interrupt, &saved)
  defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
  return try body()
}

/// These tests change the process's SIGINT disposition, so they run one at a time and are
/// the only tests that touch ``InterruptController``.
@Suite(.serialized) struct InterruptControllerTests {
  @Test func sigintRaisesTheFlagWhileInstalled() throws {
    let controller = InterruptController.shared
    try #require(controller.install())
    defer { controller.uninstall() }
    #expect(controller.isInstalled)
    controller.flag.reset()
    withInterruptsUnblocked { _ = raise(SIGINT) }
    #expect(controller.flag.consume())
  }

  @Test func uninstallRestoresThePreviousDisposition() throws {
    let controller = InterruptController.shared
    var ignore = sigaction()
    #if canImport(Glibc)
      ignore.__sigaction_handler.sa_handler = SIG_IGN
    #else
      ignore.__sigaction_u.__sa_handler = SIG_IGN
    #endif
    var original = sigaction()
    sigaction(SIGINT, &ignore, &original)
    defer { sigaction(SIGINT, &original, nil) }

    try #require(controller.install())
    controller.uninstall()
    #expect(!controller.isInstalled)
    var current = sigaction()
    sigaction(SIGINT, nil, &current)
    #if canImport(Glibc)
      let handler = unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
      #expect(handler == unsafeBitCast(SIG_IGN, to: Int.self))
    #endif
  }

  @Test func ctrlCWhileWaitingForInputReturnsInterrupted() throws {
    let controller = InterruptController.shared
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    defer {
      close(ends[0])
      close(ends[1])
    }
    let reader = PlainLineReader(fileDescriptor: ends[0], interrupts: controller)
    defer { controller.uninstall() }

    // Send SIGINT to the process, as the terminal does, until the read returns; the
    // kernel may pick any thread, and the handler forwards it to the waiting one. Never
    // leave three interrupts pending (which ends the process by design), and wait for the
    // sender to stop before the handler is removed.
    let done = InterruptFlag()
    let stopped = DispatchSemaphore(value: 0)
    let flag = controller.flag
    Thread {
      for _ in 0..<100 where !done.isSet {
        usleep(50_000)
        if !done.isSet && flag.pendingCount < 2 { kill(getpid(), SIGINT) }
      }
      stopped.signal()
    }.start()
    let result = reader.readLine(prompt: "")
    done.set()
    stopped.wait()
    #expect(result == .interrupted)

    // The reader reads on after an interrupt.
    var bytes = Array("after\n".utf8)
    _ = write(ends[1], &bytes, bytes.count)
    #expect(reader.readLine(prompt: "") == .line("after"))
    controller.flag.reset()
  }
}
