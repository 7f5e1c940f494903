import Foundation
import Testing

@testable import ProxyGradNotebook

@Suite struct SweepCacheTests {
  func cache() throws -> SweepCache {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-cache-\(UUID().uuidString)").path
    return SweepCache(folder: folder)
  }

  @Test func pruningRemovesTheLeastRecentlyUsedRunsFirstAndNeverTheKeptOnes() throws {
    let cache = try cache()
    defer { try? FileManager.default.removeItem(atPath: cache.folder) }
    for (key, size) in [("a", 100), ("b", 200), ("c", 300), ("d", 400)] {
      try cache.store(sweep: "s", key: key, files: [ReportFile(path: "x.bin", bytes: [UInt8](repeating: 7, count: size))])
    }
    // Oldest first: b, d, a, c (set the times explicitly; stores within one second tie).
    for (key, seconds) in [("b", 10), ("d", 20), ("a", 30), ("c", 40)] {
      var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
      #expect(utimensat(AT_FDCWD, cache.entryPath(sweep: "s", key: key), &times, 0) == 0)
    }
    #expect(cache.entries().map(\.key) == ["b", "d", "a", "c"])
    #expect(cache.entries().map(\.bytes) == [200, 400, 100, 300])
    // 1000 bytes in all; at most 450 keeping d: b (200) goes, d is kept, a (100) goes, c (300)
    // goes, and 400 remain.
    let removed = cache.prune(toAtMost: 450, keeping: ["s/d"])
    #expect(removed.map(\.key) == ["b", "a", "c"])
    #expect(cache.entries().map(\.key) == ["d"])
    // Touching marks a run as used now.
    cache.touch(sweep: "s", keys: ["d"])
    #expect(cache.entries()[0].lastUsed > 1_000_000_000)
  }

  @Test func sizesAreReadWithBinaryUnits() {
    #expect(SweepCache.parseSize("1234") == 1234)
    #expect(SweepCache.parseSize("500K") == Int64(512_000))
    #expect(SweepCache.parseSize("1.5M") == 1_572_864)
    #expect(SweepCache.parseSize("2g") == 2 << 30)
    #expect(SweepCache.parseSize("2GB") == 2 << 30)
    #expect(SweepCache.parseSize("lots") == nil)
    #expect(SweepCache.parseSize("-1") == nil)
    #expect(SweepCache.parseSize("1e30") == nil)
    #expect(SweepCache.limit(environment: [:]) == 2 << 30)
    #expect(SweepCache.limit(environment: ["PGS_SWEEP_CACHE_LIMIT": "10M"]) == 10 << 20)
  }
}
