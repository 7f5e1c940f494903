import ArgumentParser
import ProxyGradSession
import Testing

@testable import pgs

@Suite struct SlurmArgumentsTests {
  @Test func everyOptionReachesTheSlurmSettings() throws {
    let arguments = try SlurmArguments.parse([
      "--slurm", "--partition", "short", "--time", "0:30:00", "--cpus-per-task", "2",
      "--max-parallel", "4", "--sbatch-arg", "--mem=2G", "--sbatch-arg=--account=lab", "--no-wait",
    ])
    #expect(
      arguments.options
        == SlurmOptions(
          partition: "short", time: "0:30:00", cpusPerTask: 2, maxParallel: 4,
          extraArguments: ["--mem=2G", "--account=lab"], wait: false))
  }

  @Test func withoutSlurmThereAreNoSettings() throws {
    #expect(try SlurmArguments.parse([]).options == nil)
  }

  @Test func slurmOptionsWithoutSlurmAreUsageErrors() {
    #expect(throws: (any Error).self) { try SlurmArguments.parse(["--partition", "short"]) }
    #expect(throws: (any Error).self) { try SlurmArguments.parse(["--no-wait"]) }
    #expect(throws: (any Error).self) { try SlurmArguments.parse(["--slurm", "--max-parallel", "0"]) }
    #expect(throws: (any Error).self) { try SlurmArguments.parse(["--slurm", "--sbatch-arg", "mem=2G"]) }
  }
}

@Suite struct CollectTests {
  @Test func collectRunsTheNotebookAsSubmittedWithoutSubmitting() throws {
    let invocation = SlurmInvocation(
      scriptPath: "nb.pgs", scriptText: "", outputFolder: "runs/nb.out", parameters: ["work=5"], seed: 2,
      allowedWrites: ["/tmp/x"], workingDirectory: "/w",
      options: SlurmOptions(partition: "short", maxParallel: 3, extraArguments: ["--mem=1G"], wait: false))
    let run = try #require(
      try PGSCommand.parseAsRoot(["run"] + PGSCommand.Collect.arguments(invocation)) as? PGSCommand.Run)
    #expect(run.file == "nb.pgs")
    #expect(run.out == "runs/nb.out")
    #expect(run.parameters == ["work=5"])
    #expect(run.seedOption == 2)
    #expect(run.allowWrite == ["/tmp/x"])
    #expect(run.slurmArguments.collect)
    #expect(run.slurmArguments.options == SlurmOptions(partition: "short", maxParallel: 3, extraArguments: ["--mem=1G"]))
  }

  @Test func collectTakesAFolder() throws {
    let collect = try #require(try PGSCommand.parseAsRoot(["collect", "nb.out"]) as? PGSCommand.Collect)
    #expect(collect.folder == "nb.out")
  }
}

@Suite struct SlurmSubmitCommandTests {
  @Test func collectNamesTheCommandThatSubmitsTheMissingPoints() throws {
    let run = try #require(
      try PGSCommand.parseAsRoot([
        "run", "my nb.pgs", "-p", "work=5", "--slurm", "--slurm-collect", "--max-parallel", "2",
        "--sbatch-arg", "--mem=1G", "--out", "o.out",
      ]) as? PGSCommand.Run)
    #expect(
      run.submitCommand(outputFolder: "o.out")
        == "pgs run 'my nb.pgs' -p work=5 --slurm --max-parallel 2 --sbatch-arg=--mem=1G --out o.out")
  }
}
