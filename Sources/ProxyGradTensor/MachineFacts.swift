import CBLAS
import Foundation

/// What makes the last digits of results differ between machines: the CPU, and the BLAS library
/// with the kernel it chose for that CPU (OpenBLAS picks its GEMM kernel at run time). Results
/// are byte-identical for the same script, parameters, seed and thread count on the same CPU and
/// BLAS kernel; another kernel sums in another order.
public enum MachineFacts {
  /// The CPU's model name (`/proc/cpuinfo`'s first `model name`), or `unknown`.
  public static let cpuModel: String = {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return "unknown"
  }()

  /// OpenBLAS's build configuration (`OpenBLAS 0.3.26 DYNAMIC_ARCH NO_AFFINITY Haswell ...`).
  /// Read once: OpenBLAS builds this text in a static buffer on every call, so two threads
  /// calling it at once can see `MAX_THREADS=64` appended twice.
  public static let blasLibrary: String =
    openblas_get_config().map { String(cString: $0).trimmingCharacters(in: .whitespaces) } ?? "unknown"

  /// The GEMM kernel OpenBLAS chose for this CPU (`Haswell`, `SkylakeX`, `Zen`).
  public static var blasKernel: String {
    openblas_get_corename().map { String(cString: $0) } ?? "unknown"
  }
}
