import CEditLine
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// A signal handler cannot capture context, so these two are the only process-wide state
// of the REPL; signal dispositions are process-wide anyway.

/// The flag every SIGINT raises.
private let processInterruptFlag = InterruptFlag()
/// The thread waiting for input at the prompt, or 0; SIGINT is forwarded to it.
private let waitingThread = AtomicThreadID()

/// Pending interrupts at which the handler gives up on cooperation and lets SIGINT
/// terminate the process, so code that never polls the flag can still be stopped.
private let forcedExitThreshold: Int = 3

private func handleInterruptSignal(_ signalNumber: Int32) {
  let waiting = waitingThread.load()
  if waiting != 0 && waiting != AtomicThreadID.current {
    // The kernel chose another thread; only a signal to the waiting thread interrupts
    // its read. That delivery is the one counted.
    pthread_kill(AtomicThreadID.thread(waiting), SIGINT)
    return
  }
  if processInterruptFlag.set() >= forcedExitThreshold {
    // Restore the default action; the signal is re-delivered once the handler returns.
    signal(SIGINT, SIG_DFL)
    raise(SIGINT)
  }
}

/// Owns the process's SIGINT (Ctrl-C) handler and the ``InterruptFlag`` it raises.
///
/// - While a statement runs, Ctrl-C only raises ``flag``; the evaluator polls it and stops
///   at the next safe point, keeping every variable. A third Ctrl-C that nobody handled
///   terminates the process, as a way out of code that never polls.
/// - At the prompt, ``EditLineReader`` and ``PlainLineReader`` wait for input inside
///   ``withInterruptibleSystemCalls(_:)``, so Ctrl-C makes the read fail with `EINTR`;
///   they discard the partly typed line, clear the flag and return
///   ``LineReadResult/interrupted``.
///
/// Outside the prompt the handler is installed with `SA_RESTART`, so file and terminal
/// I/O done by running code is not disturbed by an interrupt.
public final class InterruptController: @unchecked Sendable {
  /// The controller of this process's SIGINT disposition.
  public static let shared = InterruptController()

  private let lock = NSLock()
  private var previousAction: sigaction?

  private init() {}

  /// The flag raised by every SIGINT while the handler is installed.
  public var flag: InterruptFlag { processInterruptFlag }

  /// Whether the SIGINT handler is currently installed.
  public var isInstalled: Bool {
    lock.withLock { previousAction != nil }
  }

  /// Installs the SIGINT handler and clears ``flag``; does nothing when already installed.
  /// - Returns: `false` when the system refused the handler.
  @discardableResult
  public func install() -> Bool {
    lock.withLock {
      guard previousAction == nil else { return true }
      // Touch the globals before any signal can need them: their lazy initialisation is
      // not safe inside a signal handler.
      processInterruptFlag.reset()
      waitingThread.store(0)
      var previous = sigaction()
      guard setHandler(restarting: true, previous: &previous) else { return false }
      previousAction = previous
      return true
    }
  }

  /// Restores the SIGINT disposition found by ``install()``.
  public func uninstall() {
    lock.withLock {
      guard var previous = previousAction else { return }
      sigaction(SIGINT, &previous, nil)
      previousAction = nil
    }
  }

  /// Runs `body`, a wait for input, so that Ctrl-C interrupts it: the handler is
  /// installed without `SA_RESTART`, SIGINT is unblocked on the calling thread, and a
  /// SIGINT the kernel delivers to another thread is forwarded to this one, so a blocking
  /// `read` fails with `EINTR` whichever thread waits. When the handler is not installed,
  /// `body` just runs.
  /// - Parameter body: the code that waits for input.
  /// - Returns: what `body` returns.
  public func withInterruptibleSystemCalls<T>(_ body: () throws -> T) rethrows -> T {
    let active = lock.withLock { () -> Bool in
      guard previousAction != nil else { return false }
      var ignored = sigaction()
      return setHandler(restarting: false, previous: &ignored)
    }
    guard active else { return try body() }

    var interrupt = sigset_t()
    sigemptyset(&interrupt)
    sigaddset(&interrupt, SIGINT)
    var savedMask = sigset_t()
    pthread_sigmask(SIG_UNBLOCK, &interrupt, &savedMask)
    waitingThread.store(AtomicThreadID.current)
    defer {
      waitingThread.store(0)
      pthread_sigmask(SIG_SETMASK, &savedMask, nil)
      lock.withLock {
        var ignored = sigaction()
        if previousAction != nil { _ = setHandler(restarting: true, previous: &ignored) }
      }
    }
    return try body()
  }

  private func setHandler(restarting: Bool, previous: inout sigaction) -> Bool {
    var action = sigaction()
    #if canImport(Glibc)
      action.__sigaction_handler.sa_handler = handleInterruptSignal
      action.sa_flags = restarting ? Int32(SA_RESTART) : 0
    #else
      action.__sigaction_u.__sa_handler = handleInterruptSignal
      action.sa_flags = restarting ? SA_RESTART : 0
    #endif
    sigemptyset(&action.sa_mask)
    return sigaction(SIGINT, &action, &previous) == 0
  }
}

/// A thread identity (`pthread_t`, pointer-sized on every platform) in a lock-free
/// atomic word, readable from a signal handler.
private final class AtomicThreadID: @unchecked Sendable {
  private let storage: UnsafeMutablePointer<Int>

  init() {
    storage = .allocate(capacity: 1)
    storage.initialize(to: 0)
  }

  func load() -> Int { pgs_atomic_load_long(storage) }
  func store(_ value: Int) { pgs_atomic_store_long(storage, value) }

  static var current: Int { unsafeBitCast(pthread_self(), to: Int.self) }
  static func thread(_ id: Int) -> pthread_t { unsafeBitCast(id, to: pthread_t.self) }
}
