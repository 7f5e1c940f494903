import Foundation
import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradSyntax

/// Runs a notebook's sweeps: finds finished runs in the cache, computes the others in this
/// process or in worker processes, and writes `sweeps/NAME/` into the output folder:
///
/// ```
/// sweeps/NAME/runs.csv        tidy: the sweep variables and recorded values, one row per record
/// sweeps/NAME/summary.csv     per group of runs differing only in `seed`: runs, failed, and
///                             mean, sample std (n − 1) and n of every recorded number
/// sweeps/NAME/VALUE.svg       each recorded number against the first sweep variable, mean ± std
/// sweeps/NAME/runs/NNN/       one folder per run (see `SweepRunFolder`)
/// ```
///
/// A run's cache key hashes the tool version, the seed and `-p` values, the notebook's code up to
/// the end of the sweep (every earlier cell and the running cell up to the statement), the
/// sweep's name and the run's configuration. The cell shows the summary table and the plots.
package final class NotebookSweepHost: SweepHost {
  let options: SweepOptions
  let notebook: Notebook
  /// The tool version, seed and parameters, as text for the keys.
  var context = ""
  /// The output folder as the user sees it, and where its files go now.
  let outputFolder: String?
  let write: ((ReportFile) throws(NotebookError) -> Void)?
  let progress: ProgressSink?
  /// Index of the running cell; the session sets it.
  package var cellIndex = 0
  private var usedNames: Set<String> = []
  private var unnamedInCell: [Int: Int] = [:]
  /// In a worker: its task is done, and the notebook may stop.
  private(set) var workerFinished = false
  /// Every finished sweep, for the manifest.
  package var summaries: [SweepSummary] = []

  package init(
    options: SweepOptions, notebook: Notebook, outputFolder: String?,
    write: ((ReportFile) throws(NotebookError) -> Void)?, progress: ProgressSink?
  ) {
    self.options = options
    self.notebook = notebook
    self.outputFolder = outputFolder
    self.write = write
    self.progress = progress
  }

  // MARK: - Names and keys

  /// The sweep's folder name: its own name, or `cellNN` (`cellNN-2` for the second unnamed
  /// sweep of a cell); a name used before gets `-2`, `-3`, ….
  func folderName(_ sweep: SweepExecution) -> String {
    var base: String
    if let name = sweep.name {
      base = name
    } else {
      let number = String(cellIndex + 1)
      base = "cell" + String(repeating: "0", count: max(0, 2 - number.count)) + number
      let count = (unnamedInCell[cellIndex] ?? 0) + 1
      unnamedInCell[cellIndex] = count
      if count > 1 { base += "-\(count)" }
    }
    var name = base
    var suffix = 2
    while usedNames.contains(name) {
      name = "\(base)-\(suffix)"
      suffix += 1
    }
    usedNames.insert(name)
    return name
  }

  /// The code a run depends on: every executable cell before the running one, and the running
  /// cell up to the end of the sweep (all of it when the sweep is written elsewhere, in a
  /// function).
  func codeBefore(_ sweep: SweepExecution) -> String {
    var text = ""
    for index in 0..<min(cellIndex, notebook.cells.count) where notebook.cells[index].kind.isExecutable {
      text += notebook.sourceFile(ofCell: index).text + "\n# %%\n"
    }
    let cell = notebook.cells.indices.contains(cellIndex) ? notebook.sourceFile(ofCell: cellIndex).text : ""
    let file = sweep.span.file
    if file.text == cell {
      text += String(decoding: file.bytes[..<min(sweep.span.end, file.bytes.count)], as: UTF8.self)
    } else {
      text += cell + "\n# %%\n" + file.text
    }
    return text
  }

  func keys(_ sweep: SweepExecution, name: String) -> [String] {
    let shared = "pgs sweep run 1\n" + context + "\n" + codeBefore(sweep) + "\nsweep " + name + "\n"
    return sweep.keys.map { SweepCache.key(shared + $0) }
  }

  // MARK: - Running

  package func execute(_ sweep: SweepExecution, interpreter: Interpreter) throws(RuntimeError) {
    let name = folderName(sweep)
    let keys = self.keys(sweep, name: name)
    if let task = options.task {
      guard task.sweep == name else { return }
      try runAsWorker(sweep, name: name, keys: keys, points: task.points)
      workerFinished = true
      throw RuntimeError(.stopped, "the worker's runs are done", at: sweep.span)
    }
    options.cache?.removeStaleEntries(sweep: name)
    if options.fresh, let cache = options.cache {
      for key in Set(keys) { cache.remove(sweep: name, key: key) }
    }
    var computed: [Int: [ReportFile]] = [:]
    let total = sweep.configurations.count
    let missing = (0..<total).filter { !(options.cache?.contains(sweep: name, key: keys[$0]) ?? false) }
    progress?.begin("sweep", total: total)
    var done = total - missing.count
    defer { progress?.end(completed: done, detail: "") }
    if let slurm = options.slurm, let launcher = options.launcher, let cache = options.cache {
      let runner = SlurmSweepRunner(
        settings: slurm, cache: cache, launcher: launcher, notebook: notebook, write: write, progress: progress)
      try runner.run(sweep, name: name, keys: keys, interpreter: interpreter) { done = $0 }
    } else if options.jobs > 1, missing.count > 1, let launcher = options.launcher, let cache = options.cache {
      try runInWorkers(name: name, keys: keys, missing: missing, launcher: launcher, cache: cache, interpreter: interpreter) {
        done = $0
      }
    } else {
      for index in missing {
        if interpreter.stops.isRequested { throw RuntimeError(.interrupted, "interrupted", at: sweep.span) }
        let files = try compute(sweep, index: index, name: name)
        if let cache = options.cache {
          do throws(NotebookError) { try cache.store(sweep: name, key: keys[index], files: files) } catch {
            throw RuntimeError(.unsupported, "sweep \(name): cannot store a finished run: \(error)", at: sweep.span)
          }
        } else {
          computed[index] = files
        }
        done += 1
        progress?.update(completed: done, detail: "")
        if sweep.stopOnError, Self.failed(files) { break }
      }
    }
    try finish(sweep, name: name, keys: keys, computed: computed, interpreter: interpreter)
  }

  /// Runs one point here and renders its run folder.
  func compute(_ sweep: SweepExecution, index: Int, name: String) throws(RuntimeError) -> [ReportFile] {
    let collector = NotebookOutputCollector()
    let scratch = options.cache.map { $0.folder + "/jobs/\(FileSystem.processTag)/run" }
    var files: FileAccess?
    if let scratch, let outputFolder {
      try? FileManager.default.removeItem(atPath: scratch)
      files = NotebookFileAccess(
        confinement: WriteConfinement(
          outputFolder: outputFolder + "/sweeps/\(name)/runs/" + Self.runNumber(index, of: sweep),
          stagingFolder: scratch, reservedNames: Self.runReservedNames))
    }
    let run = sweep.run(index, output: collector, files: files)
    if run.interrupted { throw RuntimeError(.interrupted, "interrupted", at: sweep.span) }
    let (outputs, failure) = collector.take()
    let folder = SweepRunFolder(
      configuration: sweep.configurations[index].map { ($0.name, $0.value.missingIfEmpty) },
      rows: run.rows.map { row in row.map { ($0.name, $0.value.missingIfEmpty) } },
      error: run.error ?? failure.map(\.description), outputs: outputs)
    do throws(NotebookError) {
      var rendered = try folder.files()
      if let scratch { rendered += Self.savedFiles(in: scratch) }
      return rendered
    } catch {
      throw RuntimeError(.io, "sweep \(name): cannot write the run \(sweep.label(of: index)): \(error)", at: sweep.span)
    }
  }

  static let runReservedNames: Set<String> = [
    "config.json", "result.json", "output.txt", "images", "plots", "tables", SweepRunFolder.recordName,
  ]

  /// Files a run saved into its folder.
  static func savedFiles(in folder: String) -> [ReportFile] {
    guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
    var files: [ReportFile] = []
    while let relative = enumerator.nextObject() as? String {
      var isDirectory: ObjCBool = false
      let path = folder + "/" + relative
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
        let data = FileManager.default.contents(atPath: path)
      else { continue }
      files.append(ReportFile(path: relative, bytes: [UInt8](data)))
    }
    try? FileManager.default.removeItem(atPath: folder)
    return files.sorted { $0.path < $1.path }
  }

  static func failed(_ files: [ReportFile]) -> Bool {
    guard let record = files.first(where: { $0.path == SweepRunFolder.recordName }) else { return true }
    return SweepRunFolder.record(from: record.bytes)?.error != nil
  }

  /// `007`: the run's folder name, padded to the width of the largest run number.
  static func runNumber(_ index: Int, of sweep: SweepExecution) -> String {
    let width = max(3, String(sweep.configurations.count).count)
    let number = String(index + 1)
    return String(repeating: "0", count: max(0, width - number.count)) + number
  }

  // MARK: - Workers

  func runAsWorker(_ sweep: SweepExecution, name: String, keys: [String], points: [Int]) throws(RuntimeError) {
    guard let cache = options.cache else { return }
    let parent = getppid()
    for index in points where keys.indices.contains(index) {
      // A worker whose parent is gone (killed) stops: the next run computes the rest.
      if getppid() != parent { break }
      if cache.contains(sweep: name, key: keys[index]) { continue }
      let files = try compute(sweep, index: index, name: name)
      do throws(NotebookError) { try cache.store(sweep: name, key: keys[index], files: files) } catch {
        throw RuntimeError(.unsupported, "sweep \(name): cannot store a finished run: \(error)", at: sweep.span)
      }
    }
  }

  func runInWorkers(
    name: String, keys: [String], missing: [Int], launcher: SweepWorkerLauncher, cache: SweepCache,
    interpreter: Interpreter, progressed: (Int) -> Void
  ) throws(RuntimeError) {
    let source: String
    do throws(NotebookError) { source = try cache.spool(text: notebook.text, name: "notebook.pgs") } catch {
      throw RuntimeError(.unsupported, "sweep \(name): cannot prepare the worker processes: \(error)")
    }
    defer { cache.removeJobs() }
    let workers = SweepWorkers(launcher: launcher, cache: cache, sourcePath: source)
    let total = keys.count
    let failures = try workers.run(sweep: name, points: missing, jobs: options.jobs) {
      let finished = missing.filter { cache.contains(sweep: name, key: keys[$0]) }.count
      progressed(total - missing.count + finished)
      progress?.update(completed: total - missing.count + finished, detail: "")
      return interpreter.stops.isRequested
    }
    let unfinished = missing.filter { !cache.contains(sweep: name, key: keys[$0]) }
    guard unfinished.isEmpty else {
      throw RuntimeError(
        .unsupported,
        "sweep \(name): \(unfinished.count) run\(unfinished.count == 1 ? " was" : "s were") not finished by the worker processes"
          + (failures.isEmpty ? "" : "; " + failures.joined(separator: "; ")))
    }
  }
}
