import Foundation
import ProxyGradNotebook
import ProxyGradRuntime

/// Draws the runtime's progress reports (`ProgressSink`) as text. Only the outermost work is
/// shown (a sweep, not each run inside it), since its ETA is the one a user waits for.
///
/// - `.bar`: a terminal. A bar with ETA, redrawn in place (`\r`) at most ten times a second and
///   replaced by a summary line at the end.
/// - `.lines(every:)`: a file or a batch job's log. A plain line (no `\r`, no escape codes) at
///   most once per interval, then the summary line.
/// - `.display(every:)`: one display that is replaced each time (a Jupyter `display_id`); `write`
///   receives the whole text of the display, ending in the summary.
///
/// Work shorter than `minimumSummarySeconds` that drew nothing leaves no summary line: a
/// notebook of many quick `maximize` calls should not print a line for each.
///
/// Terminal-free: the text goes to `write` (the command line passes standard error).
package final class ProgressDisplay: ProgressSink {
  package enum Style: Equatable, Sendable {
    case bar
    case lines(every: Double)
    case display(every: Double)

    /// A bar on a terminal; elsewhere plain lines every ten seconds, or every
    /// `PGS_PROGRESS_INTERVAL` seconds when that is set to a positive number.
    package static func forStream(
      isTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Style {
      if isTerminal { return .bar }
      let interval = environment["PGS_PROGRESS_INTERVAL"].flatMap(Double.init).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
      return .lines(every: interval ?? 10)
    }
  }

  private let style: Style
  private let write: (String) -> Void
  private let clock: () -> Double
  private var depth = 0
  private var reporter: ProgressReporter?
  private var start = 0.0
  private var drewSomething = false
  private let minimumSummarySeconds: Double

  /// - Parameters:
  ///   - style: how the progress is drawn.
  ///   - write: receives the text (with `.display`, the whole display each time).
  ///   - clock: seconds on a monotonic clock.
  ///   - minimumSummarySeconds: the shortest work that gets a summary line without a bar.
  package init(
    style: Style, write: @escaping (String) -> Void,
    clock: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime },
    minimumSummarySeconds: Double = 1
  ) {
    self.style = style
    self.write = write
    self.clock = clock
    self.minimumSummarySeconds = minimumSummarySeconds
  }

  /// A bar on a terminal, plain lines elsewhere.
  package convenience init(
    isTerminal: Bool, write: @escaping (String) -> Void,
    clock: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime }
  ) {
    self.init(style: .forStream(isTerminal: isTerminal), write: write, clock: clock)
  }

  package func begin(_ label: String, total: Int) {
    depth += 1
    guard depth == 1 else { return }
    let interval: Double
    switch style {
    case .bar: interval = 0.1
    case .lines(let every), .display(let every): interval = every
    }
    // Plain lines and displays start after one interval: quick work draws nothing.
    reporter = ProgressReporter(label: label, total: total, interval: interval, drawsAtStart: style == .bar)
    start = clock()
    drewSomething = false
    update(completed: 0, detail: "")
  }

  package func update(completed: Int, detail: String) {
    guard depth == 1, var reporter else { return }
    defer { self.reporter = reporter }
    let elapsed = clock() - start
    guard let bar = reporter.update(completed: completed, elapsed: elapsed, drawsFinal: style == .bar) else { return }
    let text = bar + (detail.isEmpty ? "" : "  " + detail)
    switch style {
    case .bar: write("\r" + text + "\u{1B}[K")
    case .lines: write(text + "\n")
    case .display: write(text)
    }
    drewSomething = true
  }

  package func end(completed: Int, detail: String) {
    depth -= 1
    guard depth == 0, let reporter else { return }
    defer { self.reporter = nil }
    guard drewSomething || clock() - start >= minimumSummarySeconds else { return }
    let summary =
      reporter.summary(completed: completed, elapsed: clock() - start)
      + (detail.isEmpty ? "" : ", " + detail)
    switch style {
    case .bar: write((drewSomething ? "\r" : "") + summary + (drewSomething ? "\u{1B}[K" : "") + "\n")
    case .lines: write(summary + "\n")
    case .display: write(summary)
    }
  }
}
