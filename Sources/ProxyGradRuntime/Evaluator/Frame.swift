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

/// How running code learns that it should stop: the front end injects a check (Ctrl-C in the
/// REPL, SIGINT or SIGTERM in `pgs run`, an `interrupt_request` in the kernel). Long builtins
/// (`train`, `maximize`, sweeps) ask ``isRequested`` once per step; loops and calls ask
/// ``isRequestedSoon``, which consults the check every ``loopInterval``-th time, so the hottest
/// loop pays a decrement, not a call. A builtin that must finish its result after a stop
/// (`maximize`) evaluates it inside ``holding(_:)``.
public final class StopCheck: @unchecked Sendable {
  /// Polled from the thread that runs code; true asks the run to stop.
  public var check: @Sendable () -> Bool
  /// How many ``holding(_:)`` calls are running (only the running thread changes it).
  private var held = 0
  /// Loop turns and calls left before ``isRequestedSoon`` consults the check again.
  private var countdown = 0
  /// At most this many loop turns or calls run between two consultations of the check (a few
  /// microseconds of the fastest loop).
  public static let loopInterval = 256

  public init(_ check: @escaping @Sendable () -> Bool = { false }) { self.check = check }

  /// Whether the run should stop at this safe point.
  @inline(__always)
  public var isRequested: Bool { held == 0 && check() }

  /// ``isRequested`` for loops and calls: consults the check every ``loopInterval``-th time.
  @inline(__always)
  public var isRequestedSoon: Bool {
    countdown -= 1
    guard countdown <= 0 else { return false }
    countdown = Self.loopInterval
    return isRequested
  }

  /// Runs `body` as if no stop were requested; a stop asked for meanwhile is seen after it.
  public func holding<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
    held += 1
    defer { held -= 1 }
    return try body()
  }
}
