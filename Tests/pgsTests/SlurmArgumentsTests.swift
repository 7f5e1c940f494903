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
