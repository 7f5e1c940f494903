import Synchronization

/// The slots of one function call. Closures keep their defining frame alive.
final class Frame {
  let slots: UnsafeMutablePointer<Value>
  let count: Int
  let parent: Frame?

  init(count: Int, parent: Frame?) {
    self.count = count
    self.parent = parent
    slots = .allocate(capacity: max(count, 1))
    slots.initialize(repeating: .unset, count: max(count, 1))
  }

  deinit {
    slots.deinitialize(count: max(count, 1))
    slots.deallocate()
  }

  @inline(__always)
  func ancestor(_ depth: Int) -> Frame {
    var frame = self
    for _ in 0..<depth {
      guard let parent = frame.parent else { break }
      frame = parent
    }
    return frame
  }
}

/// Global slots of a session, at fixed addresses so compiled code reads them without lookups.
final class GlobalSlots {
  static let capacity = 1 << 16
  let values: UnsafeMutablePointer<Value>

  init() {
    values = .allocate(capacity: Self.capacity)
    values.initialize(repeating: .unset, count: Self.capacity)
  }

  deinit {
    values.deinitialize(count: Self.capacity)
    values.deallocate()
  }
}

/// Set from another thread (a Ctrl-C handler) to stop a running script at the next loop turn
/// or call.
public final class InterruptFlag: Sendable {
  let raised = Atomic<Bool>(false)
  public init() {}
  public func raise() { raised.store(true, ordering: .relaxed) }
  public func clear() { raised.store(false, ordering: .relaxed) }
  @inline(__always)
  public var isRaised: Bool { raised.load(ordering: .relaxed) }
}
