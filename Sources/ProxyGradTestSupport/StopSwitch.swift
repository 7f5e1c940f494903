import Synchronization

/// A stop request a test raises from another thread, read by an interpreter's stop check
/// (`interpreter.stops.check = stop.check`), as Ctrl-C or a kernel's interrupt would.
public final class StopSwitch: Sendable {
  private let raised = Atomic<Bool>(false)
  public init() {}
  public func raise() { raised.store(true, ordering: .relaxed) }
  public func clear() { raised.store(false, ordering: .relaxed) }
  public var isRaised: Bool { raised.load(ordering: .relaxed) }
  /// The check to inject.
  public var check: @Sendable () -> Bool { { [self] in isRaised } }
}
