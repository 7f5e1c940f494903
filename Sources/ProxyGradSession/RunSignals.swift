import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// A signal handler cannot capture context: the count and the first signal are process-wide,
// like signal dispositions. Both are lock-free atomics, safe to touch in a handler; `install`
// touches them first, since a global's lazy initialisation is not.
private let signalCount = Atomic<Int>(0)
private let firstSignal = Atomic<Int32>(0)

private func handleRunSignal(_ number: Int32) {
  let (previous, _) = signalCount.add(1, ordering: .sequentiallyConsistent)
  if previous == 0 {
    firstSignal.store(number, ordering: .sequentiallyConsistent)
  } else {
    // The second signal stops at once: the default action is restored and the signal,
    // blocked while its handler runs, is delivered again when the handler returns.
    signal(number, SIG_DFL)
    raise(number)
  }
}

/// SIGINT (Ctrl-C) and SIGTERM during `pgs run`: the first one asks the run to stop at the
/// next safe point (the interpreter's interrupt, see `NotebookRunner.shouldStop`), so that the
/// report of every finished cell is still written and the process exits with 130; a second one
/// ends the process at once, as the default action does.
///
/// Handled (not ignored) signals go back to their default action in processes started with
/// `exec`, so worker processes get the ordinary dispositions until they install their own.
package enum RunSignals {
  /// Installs the handler for SIGINT and SIGTERM.
  package static func install() {
    signalCount.store(0, ordering: .sequentiallyConsistent)
    firstSignal.store(0, ordering: .sequentiallyConsistent)
    for number in [SIGINT, SIGTERM] {
      // A SIGINT ignored by the parent (a background job of a shell script, `nohup`) stays
      // ignored, as the parent meant.
      var current = sigaction()
      sigaction(number, nil, &current)
      #if canImport(Glibc)
        let ignored = unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
      #else
        let ignored = unsafeBitCast(current.__sigaction_u.__sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
      #endif
      if number == SIGINT && ignored { continue }
      var action = sigaction()
      #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handleRunSignal
        action.sa_flags = Int32(SA_RESTART)
      #else
        action.__sigaction_u.__sa_handler = handleRunSignal
        action.sa_flags = SA_RESTART
      #endif
      sigemptyset(&action.sa_mask)
      sigaction(number, &action, nil)
    }
    // A parent may have started this process with the signals blocked (the mask is inherited
    // across exec); threads started from here on inherit the unblocked mask.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }

  /// Whether a signal arrived since `install()`.
  package static var received: Bool { signalCount.load(ordering: .sequentiallyConsistent) > 0 }

  /// `SIGINT` or `SIGTERM`: the first signal received, nil before one arrived.
  package static var name: String? {
    switch firstSignal.load(ordering: .sequentiallyConsistent) {
    case 0: return nil
    case SIGINT: return "SIGINT"
    case SIGTERM: return "SIGTERM"
    case let other: return "signal \(other)"
    }
  }
}
