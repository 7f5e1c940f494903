/// Receives the progress of long work: sweeps, and training or maximization when they run as
/// builtins. Front ends draw it (a bar with ETA on a terminal, a summary line otherwise); the
/// runtime only counts.
///
/// Work nests (the runs of a sweep may report their own steps): `begin` and `end` come in pairs,
/// and `update` refers to the innermost work that has begun and not ended.
public protocol ProgressObserver: AnyObject {
  /// Work named `label` of `total` units starts.
  func begin(_ label: String, total: Int)
  /// `completed` units of the innermost work are done.
  func update(completed: Int)
  /// The innermost work ended: finished, failed or interrupted.
  func end()
}

extension Interpreter {
  /// Reports `body` as work of `total` units; `body` receives a function to call with the units
  /// done. `end` is reported even when `body` throws.
  func reportingProgress<T, E: Error>(
    _ label: String, total: Int, _ body: ((Int) -> Void) throws(E) -> T
  ) throws(E) -> T {
    guard let observer = progress else { return try body { _ in } }
    observer.begin(label, total: total)
    defer { observer.end() }
    return try body { observer.update(completed: $0) }
  }
}
