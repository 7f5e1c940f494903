import ArgumentParser
import Foundation
import ProxyGradNotebook
import ProxyGradSession
import ProxyGradSyntax
import ProxyGradWatch

/// `pgs run --watch nb.pgs [--port N]`: runs the notebook, then again each time the file is
/// saved, each time through `executeNotebook` as `pgs run` does, and serves the report on
/// 127.0.0.1 with a page that reloads itself when a run finishes (docs/notebooks.md, "Watch
/// mode").
extension PGSCommand.Run {
  /// How often the file is polled, in seconds; a run starts once the file has stayed the same
  /// for `ChangeDetector.quietPeriod` after a change.
  static let watchPollInterval = 0.1

  func validateWatch() throws {
    guard watch else {
      if port != nil { throw ValidationError("--port goes with --watch") }
      return
    }
    if let port, !(1...65535).contains(port) {
      throw ValidationError("--port expects a number from 1 to 65535, got \(port)")
    }
    if file == "-" {
      throw ValidationError("--watch needs a file to watch; standard input ('-') cannot be watched")
    }
    if slurmArguments.slurm || slurmArguments.collect {
      throw ValidationError("--watch and --slurm do not go together: watch mode runs the notebook on this machine")
    }
    if sweepWorker != nil {
      throw ValidationError("--watch and --sweep-worker do not go together")
    }
  }

  /// Serves the report, runs the notebook, and runs it again on every save until SIGINT or
  /// SIGTERM; then closes the server and exits with 130.
  func watchNotebook(_ path: String) throws {
    let outputFolder = out ?? NotebookJob.defaultOutputFolder(forScript: path)
    let name = URL(fileURLWithPath: path).lastPathComponent
    let report = LiveReport(
      title: name, earlierPage: FileManager.default.contents(atPath: outputFolder + "/index.html"))
    let server: LiveReportServer
    let chosen: UInt16
    do {
      server = try LiveReportServer(report: report, outputFolder: outputFolder, port: UInt16(port ?? 0))
      chosen = try server.startWaiting()
    } catch {
      guard let port else {
        // No port was asked for: nothing the user gave is wrong.
        StandardError.write("error: cannot serve the report on 127.0.0.1: \(error)\n")
        throw ExitCode(ExitStatus.cannotCreate.rawValue)
      }
      StandardError.write(
        "error: cannot serve the report on 127.0.0.1:\(port): \(error); give another --port, or none to let pgs choose one\n")
      throw ExitCode(ExitStatus.usage.rawValue)
    }
    print("http://127.0.0.1:\(chosen)/")
    fflush(nil)
    StandardError.write("watching \(path): every save runs it again; Ctrl-C stops\n")

    var watcher = NotebookWatcher(path: path, report: report)
    var detector = ChangeDetector(ran: nil)
    // The cells' snapshots and outputs stay in memory between runs: each save runs again from
    // its first changed cell (docs/notebooks.md, "Caching and incremental reruns").
    let cells = MemoryCellCache()
    var seen = FileSnapshot.read(path)
    if let first = seen {
      watcher.run(first) { try executeWatched($0, cache: cells) }
      detector = ChangeDetector(ran: first)
    }
    while !RunSignals.received {
      seen = FileSnapshot.read(path, previous: seen)
      switch detector.observe(seen, at: ProcessInfo.processInfo.systemUptime) {
      case .run(let snapshot):
        watcher.run(snapshot) { try executeWatched($0, cache: cells) }
      case .missing:
        StandardError.write("\(NotebookWatcher.clock()) \(path) is missing; waiting for it to come back\n")
      case .wait:
        break
      }
      // A signal ends the sleep early, and the loop's condition sees it.
      usleep(UInt32(Self.watchPollInterval * 1_000_000))
    }
    server.stopWaiting()
    StandardError.write("\(NotebookWatcher.clock()) stopped by \(RunSignals.name ?? "a signal"); the server is closed\n")
    throw ExitCode(ExitStatus.interrupted.rawValue)
  }

  /// One run of the watched file's `contents`, as `pgs run` runs it.
  func executeWatched(_ contents: Data, cache: any CellCache) throws -> WatchedRunResult {
    let source: SourceFile
    do {
      source = try ScriptSource.text(contents, path: file)
    } catch {
      return WatchedRunResult(exitStatus: .usage, indexPath: nil, errorText: "error: \(error)\n")
    }
    let notebook = Notebook(path: source.path, text: source.text)
    switch checkedOverrides(notebook) {
    case .failure(let error):
      return WatchedRunResult(exitStatus: .usage, indexPath: nil, errorText: error.text)
    case .success(let overrides):
      let result = try executeNotebook(notebook, overrides: overrides, cache: cache).result
      return WatchedRunResult(exitStatus: result.exitStatus, indexPath: result.indexPath, errorText: result.errorText)
    }
  }
}

/// How one run of a watched file ended: `pgs run`'s exit status, report and error text.
struct WatchedRunResult {
  var exitStatus: ExitStatus
  var indexPath: String?
  var errorText: String
}

/// The runs of one watch: numbers them, tells the live report and the terminal how each ended.
struct NotebookWatcher {
  let path: String
  let report: LiveReport
  private(set) var runs = 0
  /// The number of the last run that succeeded.
  private(set) var lastGood: Int?

  init(path: String, report: LiveReport) {
    self.path = path
    self.report = report
  }

  mutating func run(_ snapshot: FileSnapshot, execute: (Data) throws -> WatchedRunResult) {
    runs += 1
    report.runStarted()
    StandardError.write("\(Self.clock()) run \(runs): \(path)\n")
    let start = ProcessInfo.processInfo.systemUptime
    let result: WatchedRunResult
    do {
      result = try execute(snapshot.contents)
    } catch {
      result = WatchedRunResult(exitStatus: .usage, indexPath: nil, errorText: "error: \(error)\n")
    }
    let seconds = ProcessInfo.processInfo.systemUptime - start
    let succeeded = result.exitStatus == .ok
    let page = result.indexPath.flatMap { FileManager.default.contents(atPath: $0) }
    let time = Self.clock()
    report.runFinished(
      WatchRun(number: runs, succeeded: succeeded, page: page, errorText: succeeded ? "" : result.errorText, time: time))
    StandardError.write(result.errorText)
    var line = "\(time) run \(runs): "
    if succeeded {
      line += String(format: "ok in %.2f s", seconds)
      lastGood = runs
    } else if result.exitStatus == .interrupted {
      line += "interrupted"
    } else {
      line += "failed (exit status \(result.exitStatus.rawValue))"
      line += lastGood.map { "; the page keeps the outputs of run \($0), marked stale" } ?? ""
    }
    StandardError.write(line + "\n")
  }

  /// The wall-clock time, `16:50:09`.
  static func clock() -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "HH:mm:ss"
    return formatter.string(from: Date())
  }
}
