import Testing

@testable import ProxyGradSession

@Suite struct SlurmBatchScriptTests {
  @Test(arguments: [
    ([0, 1, 2, 3, 4, 5], nil, "0-5"),
    ([5, 3, 0, 1, 1], nil, "0-1,3,5"),
    ([7], 2, "7%2"),
    ([0, 2, 3, 4, 9, 10], 3, "0,2-4,9-10%3"),
  ] as [([Int], Int?, String)])
  func arraySpecCompressesRunsOfIndices(indices: [Int], maxParallel: Int?, expected: String) {
    #expect(SlurmBatchScript.arraySpec(indices, maxParallel: maxParallel) == expected)
  }

  @Test func quotingLeavesPlainWordsAloneAndQuotesTheRest() {
    #expect(SlurmBatchScript.quoted("/usr/bin/pgs") == "/usr/bin/pgs")
    #expect(SlurmBatchScript.quoted("slope=0.5") == "slope=0.5")
    #expect(SlurmBatchScript.quoted("a b") == "'a b'")
    #expect(SlurmBatchScript.quoted("it's") == "'it'\\''s'")
    #expect(SlurmBatchScript.quoted("$HOME") == "'$HOME'")
    #expect(SlurmBatchScript.quoted("") == "''")
  }

  @Test func scriptHasOneDirectivePerOptionAndExecsTheTaskCommand() {
    let script = SlurmBatchScript(
      jobName: "pgs-nb-slopes", indices: [1, 4, 2],
      options: SlurmOptions(
        partition: "short", time: "0:10:00", cpusPerTask: 2, maxParallel: 2,
        extraArguments: ["--mem=2G", "--account=lab"]),
      logFolder: "/shared/nb.out/sweeps/slopes/slurm/logs", workingDirectory: "/shared/project",
      command: [.literal("/opt/pgs/bin/pgs"), .literal("run"), .literal("my nb.pgs"), .literal("--point"), .taskIndex],
      pointLabels: [1: "slope=0.1", 2: "slope=0.3", 4: "slope=1", 9: "unused"],
      description: ["Sweep 'slopes' of nb.pgs."])
    #expect(
      script.text == """
        #!/bin/bash
        # Sweep 'slopes' of nb.pgs.
        # One array task per sweep point; the task id is the point's index.
        # Resubmitting is safe: a task whose point already finished does nothing.
        #   task 1: slope=0.1
        #   task 2: slope=0.3
        #   task 4: slope=1
        #SBATCH --job-name=pgs-nb-slopes
        #SBATCH --array=1-2,4%2
        #SBATCH --output=/shared/nb.out/sweeps/slopes/slurm/logs/%A_%a.log
        #SBATCH --chdir=/shared/project
        #SBATCH --partition=short
        #SBATCH --time=0:10:00
        #SBATCH --cpus-per-task=2
        #SBATCH --mem=2G
        #SBATCH --account=lab
        set -eu
        exec /opt/pgs/bin/pgs run 'my nb.pgs' --point "$SLURM_ARRAY_TASK_ID"

        """)
    #expect(script.logPath(jobID: "12", index: 4) == "/shared/nb.out/sweeps/slopes/slurm/logs/12_4.log")
  }

  @Test func defaultsLeaveOutOptionalDirectivesAndQuotePathsWithSpaces() {
    let script = SlurmBatchScript(
      jobName: "j", indices: [0], options: SlurmOptions(), logFolder: "/a b/logs",
      workingDirectory: "/a b", command: [.literal("pgs")])
    #expect(!script.text.contains("--partition"))
    #expect(!script.text.contains("--time"))
    #expect(!script.text.contains("--cpus-per-task"))
    #expect(script.text.contains("#SBATCH --output=\"/a b/logs/%A_%a.log\"\n"))
    #expect(script.text.contains("#SBATCH --chdir=\"/a b\"\n"))
    #expect(script.text.contains("#SBATCH --array=0\n"))
  }

  @Test func optionsRejectWhatSbatchWouldRefuseLater() {
    #expect(SlurmOptions().problem() == nil)
    #expect(SlurmOptions(cpusPerTask: 0).problem() == "--cpus-per-task must be at least 1, got 0")
    #expect(SlurmOptions(maxParallel: 0).problem() == "--max-parallel must be at least 1, got 0")
    #expect(SlurmOptions(partition: "a b").problem() == "--partition expects one word, got 'a b'")
    #expect(
      SlurmOptions(extraArguments: ["mem=2G"]).problem()
        == "--sbatch-arg expects an sbatch option such as --mem=2G, got 'mem=2G'")
    #expect(SlurmOptions(extraArguments: ["--mem=2G\n--x"]).problem() != nil)
  }
}

@Suite struct SlurmSweepRunnerTests {
  @Test func theWorkersPointListBecomesTheArrayTaskID() {
    let command = SlurmSweepRunner.taskCommand([
      "/bin/pgs", "run", "nb.pgs", "--out", "nb.out", "--sweep-worker", "grid", "--sweep-points", "0",
      "--sweep-source", "/c/notebook.pgs",
    ])
    #expect(
      command == [
        .literal("/bin/pgs"), .literal("run"), .literal("nb.pgs"), .literal("--out"), .literal("nb.out"),
        .literal("--sweep-worker"), .literal("grid"), .literal("--sweep-points"), .taskIndex,
        .literal("--sweep-source"), .literal("/c/notebook.pgs"),
      ])
  }

  @Test func tasksGetTheDriversThreadCountUnlessTheCommandSetsOne() {
    let words = ["pgs", "run", "nb.pgs", "--sweep-worker", "g", "--sweep-points", "0"]
    #expect(
      SlurmSweepRunner.taskCommand(words, threads: 4)
        == [.literal("pgs"), .literal("run"), .literal("nb.pgs"), .literal("--threads"), .literal("4"),
            .literal("--sweep-worker"), .literal("g"), .literal("--sweep-points"), .taskIndex])
    let given = ["pgs", "run", "nb.pgs", "--threads", "2", "--sweep-worker", "g", "--sweep-points", "0"]
    #expect(SlurmSweepRunner.taskCommand(given, threads: 4).count == given.count)
  }
}
