import Foundation
import ProxyGradNotebook
import ProxyGradRuntime

/// Worker processes running the uncached points of one sweep, each storing its finished runs
/// in the cache. Points are dealt out in turn (worker k gets the k-th, (k+N)-th, … missing
/// point), so each worker runs the notebook's code before the sweep once.
struct SweepWorkers {
  let launcher: SweepWorkerLauncher
  let cache: SweepCache
  let sourcePath: String

  struct Failure: Error {
    var message: String
  }

  /// Starts the workers and waits for them; `poll` is called about every 50 ms and returns
  /// whether to stop (an interrupt), which stops the workers too.
  /// - Returns: a note for each worker that failed (its exit status and the end of its log).
  func run(sweep: String, points: [Int], jobs: Int, poll: () -> Bool) throws(RuntimeError) -> [String] {
    let count = min(jobs, points.count)
    var processes: [(Process, String)] = []
    for worker in 0..<count {
      let assigned = stride(from: worker, to: points.count, by: count).map { points[$0] }
      let task = SweepWorkerTask(sweep: sweep, points: assigned)
      let command = launcher.command(task, sourcePath)
      guard let executable = command.first else { continue }
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = Array(command.dropFirst())
      let log = AtomicFileName.log(in: sourcePath, worker: worker)
      FileManager.default.createFile(atPath: log, contents: nil)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle(forWritingAtPath: log) ?? FileHandle.nullDevice
      process.standardInput = FileHandle.nullDevice
      do {
        try process.run()
      } catch {
        for (started, _) in processes { started.interrupt() }
        throw RuntimeError(.unsupported, "sweep: cannot start a worker process (\(executable)): \(error.localizedDescription)")
      }
      processes.append((process, log))
    }
    var stopped = false
    while processes.contains(where: { $0.0.isRunning }) {
      if !stopped && poll() {
        stopped = true
        for (process, _) in processes where process.isRunning { process.interrupt() }
      }
      usleep(50_000)
    }
    if stopped { throw RuntimeError(.interrupted, "interrupted") }
    return processes.enumerated().compactMap { index, entry in
      let (process, log) = entry
      guard process.terminationStatus != 0 || process.terminationReason != .exit else { return nil }
      let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
      let tail = text.split(separator: "\n").suffix(5).joined(separator: "\n")
      let how = process.terminationReason == .exit
        ? "exited with status \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
      return "worker \(index + 1) \(how)" + (tail.isEmpty ? "" : ":\n" + tail)
    }
  }
}

enum AtomicFileName {
  /// `jobs/PID/worker-K.log` beside the spooled notebook.
  static func log(in sourcePath: String, worker: Int) -> String {
    let folder = sourcePath.lastIndex(of: "/").map { String(sourcePath[..<$0]) } ?? "."
    return folder + "/worker-\(worker + 1).log"
  }
}
