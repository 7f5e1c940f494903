import CEditLine
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The one flag the process's SIGINT handler raises. A signal handler cannot capture
/// context, so this is the single piece of process-wide state the REPL keeps; signal
/// dispositions are process-wide anyway.
private let processInterruptFlag = InterruptFlag()

/// Pending interrupts at which the handler gives up on cooperation and lets SIGINT
/// terminate the process, so code that never polls the flag can still be stopped.
private let forcedExitThreshold: Int = 3

private func handleInterruptSignal(_ signalNumber: Int32) {
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
/// - At the prompt, ``EditLineReader`` and ``PlainLineReader`` make the pending read fail
///   with `EINTR` (see ``withInterruptibleSystemCalls(_:)``), discard the partly typed
///   line and return ``LineReadResult/interrupted``, clearing the flag.
///
/// Outside the prompt the handler is installed with `SA_RESTART`, so file and terminal
/// I/O done by running code is not disturbed by an interrupt.
public final class InterruptController: @unchecked Sendable {
  /// The controller of this process's SIGINT disposition.
  public static let shared = InterruptController()

  private let lock = NSLock()
  private var previousAction: sigaction?
  private var restartsSystemCalls = true

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
      processInterruptFlag.reset()  // touch the global before any signal can need it
      var previous = sigaction()
      guard setHandler(restarting: true, previous: &previous) else { return false }
      previousAction = previous
      restartsSystemCalls = true
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

  /// Runs `body` with the handler installed without `SA_RESTART`, so a blocking `read`
  /// interrupted by Ctrl-C fails with `EINTR` instead of waiting on. Line readers wrap
  /// their wait for input in it. When the handler is not installed, `body` just runs.
  /// - Parameter body: the code that waits for input.
  /// - Returns: what `body` returns.
  public func withInterruptibleSystemCalls<T>(_ body: () throws -> T) rethrows -> T {
    let changed = lock.withLock { () -> Bool in
      guard previousAction != nil, restartsSystemCalls else { return false }
      var ignored = sigaction()
      restartsSystemCalls = !setHandler(restarting: false, previous: &ignored)
      return !restartsSystemCalls
    }
    defer {
      if changed {
        lock.withLock {
          var ignored = sigaction()
          if previousAction != nil, setHandler(restarting: true, previous: &ignored) {
            restartsSystemCalls = true
          }
        }
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
