import Foundation

/// Why talking to Slurm failed.
package enum SlurmError: Error, Equatable, CustomStringConvertible {
  /// A Slurm command is not on the PATH (no Slurm client on this machine).
  case commandMissing(String)
  /// `sbatch` refused the job; `message` is what it printed.
  case submissionRefused(String)
  /// A query (`squeue`, `scontrol`) failed; `message` is what it printed.
  case queryFailed(command: String, message: String)

  package var description: String {
    switch self {
    case .commandMissing(let command):
      return "'\(command)' was not found on the PATH: --slurm needs the Slurm client commands "
        + "(sbatch, squeue, scontrol) on this machine; run pgs on a cluster's login node, or "
        + "install Debian's slurm-client and set SLURM_CONF"
    case .submissionRefused(let message):
      return "the cluster refused the job: \(message)"
    case .queryFailed(let command, let message):
      return "\(command) failed: \(message)"
    }
  }
}

/// What a Slurm command printed and how it exited.
package struct SlurmCommandResult: Equatable, Sendable {
  package var status: Int32
  package var output: String
  package var errorOutput: String

  package init(status: Int32, output: String, errorOutput: String = "") {
    self.status = status
    self.output = output
    self.errorOutput = errorOutput
  }

  /// Standard error, else standard output, on one line: what to show when the command failed.
  package var message: String {
    let text = errorOutput.isEmpty ? output : errorOutput
    let lines = text.split(whereSeparator: \.isNewline).map(String.init)
    return lines.isEmpty ? "exit status \(status)" : lines.joined(separator: "; ")
  }
}

/// Runs Slurm's client commands. Tests replace it with recorded answers.
package protocol SlurmCommands: Sendable {
  /// Runs `command` (e.g. `sbatch`) with `arguments`.
  /// - Throws: `SlurmError.commandMissing` when the command is not installed.
  func run(_ command: String, _ arguments: [String]) throws(SlurmError) -> SlurmCommandResult
}

/// Runs the commands found on the PATH as child processes.
package struct ProcessSlurmCommands: SlurmCommands {
  package var environment: [String: String]

  package init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    self.environment = environment
  }

  /// The command's path on the PATH, if it is there.
  package func locate(_ command: String) -> String? {
    let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for folder in path.split(separator: ":") {
      let candidate = "\(folder)/\(command)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  package func run(_ command: String, _ arguments: [String]) throws(SlurmError) -> SlurmCommandResult {
    guard let path = locate(command) else { throw .commandMissing(command) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = environment
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw .commandMissing(command)
    }
    // Read both pipes before waiting, so a chatty command cannot fill one and block.
    let errorData = LockedData()
    let done = DispatchSemaphore(value: 0)
    Thread {
      errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
      done.signal()
    }.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    process.waitUntilExit()
    return SlurmCommandResult(
      status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
      errorOutput: String(decoding: errorData.value, as: UTF8.self))
  }
}

/// Data handed from a reader thread.
private final class LockedData: @unchecked Sendable {
  private let lock = NSLock()
  private var data: Data?

  func set(_ data: Data) { lock.withLock { self.data = data } }
  var value: Data { lock.withLock { data ?? Data() } }
}
