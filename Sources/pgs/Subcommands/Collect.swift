import ArgumentParser
import Foundation
import ProxyGradNotebook
import ProxyGradSession

extension PGSCommand {
  struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Gather the finished points of a notebook's Slurm sweeps and finish its report.",
      discussion: """
        For a notebook run with 'pgs run NB --slurm' (usually with --no-wait): runs the notebook \
        again as it was submitted (the same text, parameters and seed, from the folder it was run \
        in), takes every sweep point from its finished run, and writes the report. Submits \
        nothing; an array still queued or running is waited for. Points whose tasks failed are \
        listed with their Slurm state and log file; 'pgs run NB --slurm' submits only them.

        Exit status: 0 when the report is complete, 70 when points are missing, 66 when the \
        folder has no Slurm run.
        """)

    @ArgumentParser.Argument(help: "The output folder of 'pgs run --slurm', e.g. nb.out.")
    var folder: String

    func run() throws {
      let cache = SweepCache(outputFolder: folder).folder
      guard let invocation = SlurmInvocation.load(cacheFolder: cache) else {
        StandardError.write(
          "error: '\(folder)' has no Slurm run to collect (no \(SlurmInvocation.path(cacheFolder: cache))); run 'pgs run NB --slurm --out \(folder)' first\n")
        throw ExitCode(ExitStatus.noInput.rawValue)
      }
      guard FileManager.default.changeCurrentDirectoryPath(invocation.workingDirectory) else {
        StandardError.write("error: cannot enter '\(invocation.workingDirectory)', where the notebook was run\n")
        throw ExitCode(ExitStatus.noInput.rawValue)
      }
      let run = try PGSCommand.Run.parse(Self.arguments(invocation))
      try run.runNotebook(Notebook(path: invocation.scriptPath, text: invocation.scriptText))
    }

    /// The `pgs run` arguments that run the notebook as it was submitted, collecting.
    static func arguments(_ invocation: SlurmInvocation) -> [String] {
      var arguments = [invocation.scriptPath, "--out", invocation.outputFolder]
      for parameter in invocation.parameters { arguments += ["-p", parameter] }
      if let seed = invocation.seed { arguments += ["--seed", String(seed)] }
      for path in invocation.allowedWrites { arguments += ["--allow-write", path] }
      let options = invocation.options
      arguments += ["--slurm", "--slurm-collect"]
      if let partition = options.partition { arguments += ["--partition", partition] }
      if let time = options.time { arguments += ["--time", time] }
      if let cpus = options.cpusPerTask { arguments += ["--cpus-per-task", String(cpus)] }
      if let parallel = options.maxParallel { arguments += ["--max-parallel", String(parallel)] }
      for argument in options.extraArguments { arguments += ["--sbatch-arg", argument] }
      return arguments
    }
  }
}
