import Foundation
import Testing

/// The built `pgs` executable, found in the build products folder beside the test bundle, and
/// a way to run it.
enum BuiltBinary {
  /// What a finished run printed and returned.
  struct Outcome: Equatable {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static let pgs: URL? = locate("pgs")
  /// The engine benchmark and probe executable.
  static let bench: URL? = locate("pgs-bench")

  private static func locate(_ name: String) -> URL? {
    var candidates: [URL] = []
    if let argument = CommandLine.arguments.first {
      candidates.append(URL(fileURLWithPath: argument).deletingLastPathComponent())
    }
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
    candidates.append(Bundle.main.bundleURL)
    for folder in candidates {
      var url = folder
      for _ in 0..<4 {
        let candidate = url.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
          !isDirectory.boolValue
        {
          return candidate
        }
        url = url.deletingLastPathComponent()
      }
    }
    return nil
  }

  /// Starts `pgs` with `arguments`, in `directory` when given; standard input is `stdin` (closed
  /// after writing) or empty.
  static func start(
    _ arguments: [String], stdin: String? = nil, executable: URL? = pgs, environment: [String: String] = [:],
    directory: String? = nil
  ) throws -> (Process, Pipe, Pipe) {
    let process = Process()
    process.executableURL = try #require(executable, "the binary is built next to the tests")
    process.arguments = arguments
    if let directory {
      process.currentDirectoryURL = URL(fileURLWithPath: directory)
    }
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    if let stdin {
      let input = Pipe()
      process.standardInput = input
      try process.run()
      input.fileHandleForWriting.write(Data(stdin.utf8))
      try input.fileHandleForWriting.close()
    } else {
      process.standardInput = FileHandle.nullDevice
      try process.run()
    }
    return (process, out, err)
  }

  /// Runs `pgs` to the end.
  static func run(
    _ arguments: [String], stdin: String? = nil, executable: URL? = pgs, environment: [String: String] = [:],
    directory: String? = nil
  ) throws -> Outcome {
    let (process, out, err) = try start(
      arguments, stdin: stdin, executable: executable, environment: environment, directory: directory)
    return finish(process, out, err)
  }

  /// Reads what a started `process` prints until it ends, and its status.
  static func finish(_ process: Process, _ out: Pipe, _ err: Pipe) -> Outcome {
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(
      status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: stderr, as: UTF8.self))
  }
}
