import CBLAS
import Synchronization

/// Scratch buffers reused across ops and steps (im2col columns, GEMM products), so a training
/// or maximization step allocates and page-faults almost nothing after the first.
enum Workspace {
  /// A heap buffer owned by the pool while free and by one op while lent.
  private struct Slab: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Float>
  }
  private static let pool = Mutex<[Slab]>([])

  /// Lends a buffer of at least `count` floats (contents undefined) for the duration of `body`.
  static func withBuffer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
    let slab = take(count)
    defer { give(slab) }
    return body(slab.buffer.baseAddress!)
  }

  private static func take(_ count: Int) -> Slab {
    let found: Slab? = pool.withLock { free in
      // The smallest free buffer that fits.
      var best: Int?
      for (i, b) in free.enumerated() where b.buffer.count >= count {
        if best == nil || b.buffer.count < free[best!].buffer.count { best = i }
      }
      return best.map { free.remove(at: $0) }
    }
    return found ?? Slab(buffer: .allocate(capacity: max(count, 1)))
  }

  private static func give(_ slab: Slab) {
    let evicted: Slab? = pool.withLock { free in
      free.append(slab)
      // Keep a handful; drop the smallest beyond that.
      guard free.count > 8 else { return nil }
      let smallest = free.indices.min { free[$0].buffer.count < free[$1].buffer.count }!
      return free.remove(at: smallest)
    }
    evicted?.buffer.deallocate()
  }
}

extension Array where Element == Float {
  /// An array of `count` floats whose contents the caller overwrites entirely.
  @inline(__always)
  static func uninitialized(_ count: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      if count > 0 { fill(buffer.baseAddress!) }
      initialized = count
    }
  }
}

/// Engine-wide settings, applied once at start by the command-line tools.
public enum Engine {
  /// Sets the thread count and keeps freed tensor memory in the heap instead of returning it to
  /// the system each step (large buffers would otherwise be mapped and page-faulted anew).
  public static func configure(threads: Int) {
    Parallel.setThreads(threads)
    configureMemory()
  }

  /// Keeps freed tensor memory in the heap (idempotent; the rest of the settings unchanged).
  public static func configureMemory() {
    #if os(Linux)
      mallopt(M_MMAP_THRESHOLD, 1 << 30)
      mallopt(M_TRIM_THRESHOLD, 1 << 30)
    #endif
  }
}
