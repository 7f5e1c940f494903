/// Switches graph recording off for a stretch of code: a value pass that needs no gradient
/// (the original network under the `proxy` rule, evaluation, optimizer updates) then costs no
/// pullbacks and keeps no graph.
public enum Autograd {
  @TaskLocal static var recordingDisabled = false

  /// Whether ops record pullbacks in the current context.
  public static var isRecording: Bool { !recordingDisabled }

  /// Runs `body` without recording the graph.
  public static func withoutRecording<T>(_ body: () throws -> T) rethrows -> T {
    try $recordingDisabled.withValue(true) { try body() }
  }
}
