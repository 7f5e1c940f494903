import Foundation
import ProxyGradNotebook
import ProxyGradRuntime

/// Draws the runtime's progress reports (`ProgressSink`) as text: on a terminal a bar with ETA, redrawn in place
/// at most ten times a second and replaced by a summary line at the end; elsewhere only the
/// summary line. Only the outermost work is shown (a sweep, not each run inside it), since its
/// ETA is the one a user waits for.
///
/// Terminal-free: the text goes to `write` (the command line passes standard error).
package final class ProgressDisplay: ProgressSink {
  private let isTerminal: Bool
  private let write: (String) -> Void
  private let clock: () -> Double
  private var depth = 0
  private var reporter: ProgressReporter?
  private var start = 0.0
  private var completed = 0
  private var drewBar = false
  /// Work shorter than this leaves no summary line unless a bar was drawn: a notebook of many
  /// quick `maximize` calls should not print a line for each.
  private let minimumSummarySeconds: Double

  /// - Parameters:
  ///   - isTerminal: whether `write` reaches a terminal (bars need `\r`).
  ///   - write: receives the text.
  ///   - clock: seconds on a monotonic clock.
  ///   - minimumSummarySeconds: the shortest work that gets a summary line without a bar.
  package init(
    isTerminal: Bool, write: @escaping (String) -> Void,
    clock: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime },
    minimumSummarySeconds: Double = 1
  ) {
    self.isTerminal = isTerminal
    self.write = write
    self.clock = clock
    self.minimumSummarySeconds = minimumSummarySeconds
  }

  package func begin(_ label: String, total: Int) {
    depth += 1
    guard depth == 1 else { return }
    reporter = ProgressReporter(label: label, total: total)
    start = clock()
    completed = 0
    drewBar = false
    update(completed: 0, detail: "")
  }

  package func update(completed: Int, detail: String) {
    guard depth == 1, var reporter else { return }
    self.completed = completed
    guard isTerminal else { return }
    if let bar = reporter.update(completed: completed, elapsed: clock() - start) {
      write("\r" + bar + (detail.isEmpty ? "" : "  " + detail) + "\u{1B}[K")
      drewBar = true
    }
    self.reporter = reporter
  }

  package func end(completed: Int, detail: String) {
    depth -= 1
    guard depth == 0, let reporter else { return }
    defer { self.reporter = nil }
    guard drewBar || clock() - start >= minimumSummarySeconds else { return }
    let summary =
      reporter.summary(completed: completed, elapsed: clock() - start)
      + (detail.isEmpty ? "" : ", " + detail)
    write((drewBar ? "\r" : "") + summary + (drewBar ? "\u{1B}[K" : "") + "\n")
  }
}
