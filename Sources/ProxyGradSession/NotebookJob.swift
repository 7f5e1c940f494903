import ProxyGradNotebook
import ProxyGradSyntax

/// One `pgs run` of a notebook, from checked script to committed output folder. This is the one
/// place where a notebook run touches the disk: the folder is staged, scripts' writes go into the
/// staging folder, and the finished report is swapped into place atomically (see `OutputFolder`).
package struct NotebookJob {
  package var notebook: Notebook
  /// The output folder, e.g. `runs/nb.out`.
  package var outputFolder: String
  /// `--allow-write` paths: `save(...)` may write there too.
  package var allowedWrites: [String]
  /// Runs the cells; its `files` store is set by the job.
  package var runner: NotebookRunner

  package init(
    notebook: Notebook, outputFolder: String? = nil, allowedWrites: [String] = [],
    runner: NotebookRunner
  ) {
    self.notebook = notebook
    self.outputFolder = outputFolder ?? Self.defaultOutputFolder(forScript: notebook.path)
    self.allowedWrites = allowedWrites
    self.runner = runner
  }

  /// `DIR/NAME.out` for the script `DIR/NAME.pgs`.
  package static func defaultOutputFolder(forScript path: String) -> String {
    let name = NotebookRun(scriptPath: path, scriptSHA256: "", toolVersion: "", cells: []).name
    let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
    return folder + name + ".out"
  }

  /// What the command line reports.
  package struct Result {
    /// 0, 65 (syntax or name errors), 70 (a cell failed) or 73 (the folder could not be written).
    package var exitStatus: ExitStatus
    /// `OUT/index.html` when a report was written.
    package var indexPath: String?
    /// Diagnostics or the failing cell's error, rendered for standard error, after the
    /// warnings of the cells that ran (`warning: ...`, one per warning output).
    package var errorText: String
    /// The run, when cells ran.
    package var outcome: NotebookOutcome?
  }

  /// Checks the notebook (nothing is written when it has syntax or name errors), runs it into a
  /// staging folder and commits the folder, also when a cell failed.
  package func execute() -> Result {
    let diagnostics = NotebookRunner.check(notebook)
    guard diagnostics.isEmpty else {
      return Result(
        exitStatus: .invalidScript, indexPath: nil, errorText: DiagnosticRenderer().render(diagnostics))
    }
    let folder: OutputFolder
    do {
      folder = try OutputFolder.begin(target: outputFolder)
    } catch {
      return Result(exitStatus: .cannotCreate, indexPath: nil, errorText: "error: \(error)\n")
    }
    let name = NotebookRun(scriptPath: notebook.path, scriptSHA256: "", toolVersion: "", cells: [])
      .name
    let files = NotebookFileAccess(
      confinement: folder.confinement(
        allowedPaths: allowedWrites,
        reservedNames: NotebookReport.reservedNames(notebookName: name)))
    var runner = self.runner
    runner.files = files
    runner.outputFolder = folder.target
    runner.writeFile = { (file) throws(NotebookError) in try folder.write(file) }
    if runner.sweepOptions.cache == nil { runner.sweepOptions.cache = SweepCache(outputFolder: folder.target) }
    runner.reuse.stagingFolder = folder.staging
    let outcome = runner.run(notebook)
    // Scratch folders of runs an interrupt stopped midway.
    runner.sweepOptions.cache?.removeJobs()
    do {
      try folder.finish(with: try NotebookReport(run: outcome.run))
    } catch {
      folder.abandon()
      return Result(
        exitStatus: .cannotCreate, indexPath: nil,
        errorText: Self.warningText(outcome.run) + (outcome.errorText ?? "") + "error: \(error)\n", outcome: outcome)
    }
    return Result(
      exitStatus: outcome.exitStatus, indexPath: folder.target + "/index.html",
      errorText: Self.warningText(outcome.run) + (outcome.errorText ?? ""), outcome: outcome)
  }

  /// The warnings of every cell, in order, as standard error shows them.
  package static func warningText(_ run: NotebookRun) -> String {
    run.cells.flatMap(\.outputs).compactMap { output -> String? in
      guard case .warning = output else { return nil }
      return output.plainText
    }.joined()
  }
}
