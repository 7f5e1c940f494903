import Foundation
import ProxyGradNN

/// How many threads tensor work uses: the command line's `--threads`, else `PGS_THREADS`, else
/// every core. Results are bit-identical for a given count, and notebooks record it.
package enum EngineThreads {
  /// Applies the thread count and returns it.
  @discardableResult
  package static func configure(_ requested: Int?) -> Int {
    let fromEnvironment = ProcessInfo.processInfo.environment["PGS_THREADS"].flatMap { Int($0) }
    let count = min(max(requested ?? fromEnvironment ?? ProcessInfo.processInfo.activeProcessorCount, 1), 64)
    Engine.configure(threads: count)
    return count
  }
}
