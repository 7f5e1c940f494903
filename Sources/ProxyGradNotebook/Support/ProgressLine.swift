import ProxyGradFormat

/// Terminal-free progress text: the caller decides where (and whether) to write it, e.g.
/// `\r` + `bar(...)` on a terminal's stderr and `summary(...)` once otherwise.
package enum ProgressLine {
  /// A one-line bar: `train [#########...............]  37%  370/1000  0:12 eta 0:20`.
  /// - Parameters:
  ///   - label: what is being done.
  ///   - completed: units done (clamped to `0...total`).
  ///   - total: all units; 0 shows an empty bar.
  ///   - elapsed: seconds since the start.
  ///   - width: characters between the brackets.
  package static func bar(
    label: String, completed: Int, total: Int, elapsed: Double, width: Int = 24
  ) -> String {
    let total = max(0, total)
    let done = min(max(0, completed), total)
    let fraction = total > 0 ? Double(done) / Double(total) : 0
    let filled = min(width, Int((fraction * Double(width)).rounded(.down)))
    let bar =
      String(repeating: "#", count: filled) + String(repeating: ".", count: max(0, width - filled))
    let percent = String(Int((fraction * 100).rounded(.down)))
    let paddedPercent = String(repeating: " ", count: max(0, 3 - percent.count)) + percent
    return
      "\(label) [\(bar)] \(paddedPercent)%  \(done)/\(total)  \(duration(elapsed)) eta \(eta(completed: done, total: total, elapsed: elapsed))"
  }

  /// The final line: `train: 1000/1000 in 0:32 (31.2/s)`.
  package static func summary(label: String, completed: Int, total: Int, elapsed: Double) -> String
  {
    let rate =
      elapsed > 0 ? "\(Format.fixed(Double(completed) / elapsed, decimals: 1))/s" : "-"
    return "\(label): \(completed)/\(total) in \(duration(elapsed)) (\(rate))"
  }

  /// Remaining time estimated from the mean pace so far; `--:--` before the first unit.
  package static func eta(completed: Int, total: Int, elapsed: Double) -> String {
    guard completed > 0, elapsed.isFinite, elapsed >= 0 else { return "--:--" }
    let remaining = elapsed / Double(completed) * Double(max(0, total - completed))
    return duration(remaining)
  }

  /// Seconds as `m:ss`, or `h:mm:ss` from an hour on (rounded down to whole seconds).
  package static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "--:--" }
    let whole = Int(min(seconds, 359_999_999).rounded(.down))
    let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
  }
}

/// Decides when a progress bar is worth redrawing: at most once per `interval` seconds, and
/// (unless told otherwise) always for the last unit. Holds no clock; the caller passes elapsed time.
package struct ProgressReporter: Sendable {
  package let label: String
  package let total: Int
  package let interval: Double
  private var lastDrawn: Double
  private var lastCompleted = -1

  /// - Parameter drawsAtStart: whether the first update may draw at once; otherwise the first
  ///   bar waits one interval.
  package init(label: String, total: Int, interval: Double = 0.1, drawsAtStart: Bool = true) {
    self.label = label
    self.total = total
    self.interval = interval
    lastDrawn = drawsAtStart ? -.infinity : 0
  }

  /// The bar to draw now, or `nil` when the last one is recent enough.
  /// - Parameter drawsFinal: draw the last unit at once (a terminal's bar reaching 100 %); a log
  ///   skips it, since the summary line follows.
  package mutating func update(completed: Int, elapsed: Double, drawsFinal: Bool = true) -> String? {
    let final = drawsFinal && completed >= total && lastCompleted < total
    guard final || elapsed - lastDrawn >= interval else { return nil }
    lastDrawn = elapsed
    lastCompleted = completed
    return ProgressLine.bar(label: label, completed: completed, total: total, elapsed: elapsed)
  }

  /// The summary line for the end of the work.
  package func summary(completed: Int, elapsed: Double) -> String {
    ProgressLine.summary(label: label, completed: completed, total: total, elapsed: elapsed)
  }
}
