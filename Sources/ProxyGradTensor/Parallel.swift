import CBLAS
import Dispatch
import Synchronization

/// How many threads the engine uses, and a deterministic parallel loop.
///
/// Work is split into chunks whose boundaries depend only on the problem size, never on the
/// thread count or on timing, and each output element is written by exactly one chunk: results
/// are bit-identical from run to run. GEMMs run on OpenBLAS's own threads.
public enum Parallel {
  private static let threadCount = Atomic<Int>(1)

  /// The number of threads used by kernels and by OpenBLAS.
  public static var threads: Int { threadCount.load(ordering: .relaxed) }

  /// Sets the number of threads for kernels and OpenBLAS (at least 1).
  public static func setThreads(_ n: Int) {
    let n = max(1, n)
    threadCount.store(n, ordering: .relaxed)
    openblas_set_num_threads(Int32(n))
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
    let work = count * max(1, costPerItem)
    guard threads > 1, count > 1, work >= 32_768 else {
      if count > 0 { body(0..<count) }
      return
    }
    // Fixed chunking: about 4 chunks per thread so uneven items balance out.
    let chunks = min(count, threads * 4)
    let size = (count + chunks - 1) / chunks
    let n = (count + size - 1) / size
    withoutActuallyEscaping(body) { body in
      let box = UncheckedBox(body)
      DispatchQueue.concurrentPerform(iterations: n) { chunk in
        let start = chunk * size
        box.value(start..<min(count, start + size))
      }
    }
  }
}

/// Carries a value into a concurrent loop whose safety is established by the caller (disjoint
/// writes).
struct UncheckedBox<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
