import Dispatch
import Synchronization

/// How many threads the engine uses, and a deterministic parallel loop.
///
/// Work is split into chunks whose boundaries depend only on the problem size, never on the
/// thread count or on timing, and each output element is written by exactly one chunk: results
/// are bit-identical from run to run.
///
/// GEMMs run on single-threaded OpenBLAS (see `openBLASSingleThreaded`): the engine's loops own
/// the cores, and a large GEMM called on its own is split into blocks they share.
public enum Parallel {
  private static let threadCount = Atomic<Int>(1)
  @TaskLocal private static var threadOverride: Int?

  /// The number of threads the engine's loops use (for this task, if overridden).
  public static var threads: Int { threadOverride ?? threadCount.load(ordering: .relaxed) }

  /// Runs `body` with the engine's loops using `n` threads, without changing the process-wide
  /// setting. For tests that compare thread counts side by side.
  public static func withThreads<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
    try $threadOverride.withValue(max(1, n)) { try body() }
  }

  /// Sets the number of threads for the engine's loops (at least 1).
  public static func setThreads(_ n: Int) {
    threadCount.store(max(1, n), ordering: .relaxed)
    _ = openBLASSingleThreaded
  }

  /// Calls `body` with consecutive ranges covering `0..<count`, in parallel when there is enough
  /// work (`count * costPerItem` above about 32k operations) and more than one thread.
  /// - Parameters:
  ///   - count: the number of items.
  ///   - costPerItem: a rough number of operations per item, to decide whether to split.
  ///   - body: processes one range; it must write only outputs owned by its items.
  @inline(__always)
  public static func forEachRange(
    _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
  ) {
    let threads = self.threads
    let work = count * costPerItem
    guard threads > 1, count > 1, work >= 32_768 else {
      if count > 0 { body(0..<count) }
      return
    }
    // Fixed chunking: about 4 chunks per thread so uneven items balance out.
    let chunks = min(count, threads * 4)
    let size = (count + chunks - 1) / chunks
    let n = (count + size - 1) / size
    runTasks(n, threads: threads) { chunk in
      let start = chunk * size
      body(start..<min(count, start + size))
    }
  }

  /// Runs `body(0..<count)` on at most `threads` threads (the caller's among them), each taking
  /// the next task until none is left.
  private static func runTasks(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    let next = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
      let box = UncheckedBox(body)
      DispatchQueue.concurrentPerform(iterations: Swift.min(threads, count)) { _ in
        while true {
          let task = next.wrappingAdd(1, ordering: .relaxed).oldValue
          guard task < count else { return }
          box.value(task)
        }
      }
    }
  }
}

extension Parallel {
  /// Runs `body(i)` for every `i` in `0..<count`: in order on one thread, or taken one at a time
  /// by the threads, so that a thread the system holds back leaves its share to the others.
  /// Each task must write only outputs (and scratch, partial sums) of its own.
  public static func forEachTask(_ count: Int, _ body: (Int) -> Void) {
    let threads = self.threads
    guard threads > 1, count > 1 else {
      for i in 0..<count { body(i) }
      return
    }
    runTasks(count, threads: threads, body)
  }
}

/// Carries a value into a concurrent loop whose safety is established by the caller (disjoint
/// writes).
struct UncheckedBox<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
