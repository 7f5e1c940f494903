import CEditLine

/// A thread-safe, async-signal-safe flag that counts interrupts (Ctrl-C) not yet handled.
///
/// A signal handler raises it; the code running a statement polls ``isSet`` between steps
/// and stops when it is set; whoever handles the interrupt calls ``reset()`` or
/// ``consume()``. It is backed by a lock-free C atomic, so raising it from a signal
/// handler is safe.
public final class InterruptFlag: @unchecked Sendable {
  // Allocated once and never moved, so a signal handler may touch it at any time.
  private let storage: UnsafeMutablePointer<Int32>

  /// Creates a flag that is not set.
  public init() {
    storage = .allocate(capacity: 1)
    storage.initialize(to: 0)
  }

  deinit {
    storage.deallocate()
  }

  /// Whether an interrupt arrived since the last ``reset()`` or ``consume()``.
  public var isSet: Bool { pgs_atomic_load(storage) != 0 }

  /// How many interrupts arrived since the last ``reset()`` or ``consume()``.
  public var pendingCount: Int { Int(pgs_atomic_load(storage)) }

  /// Records one interrupt.
  /// - Returns: the number of interrupts now pending.
  @discardableResult
  public func set() -> Int {
    Int(pgs_atomic_add(storage, 1))
  }

  /// Clears the flag.
  public func reset() {
    pgs_atomic_store(storage, 0)
  }

  /// Clears the flag and tells whether it was set, in one atomic step.
  /// - Returns: `true` when at least one interrupt was pending.
  public func consume() -> Bool {
    pgs_atomic_exchange(storage, 0) != 0
  }
}
