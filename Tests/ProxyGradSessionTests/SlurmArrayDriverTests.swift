import Foundation
import Testing

@testable import ProxyGradSession

/// A cluster that answers from a script: each command pops its next answer (the last one
/// repeats), and every call is recorded.
final class ScriptedSlurm: SlurmCommands, @unchecked Sendable {
  private let lock = NSLock()
  private var answers: [String: [SlurmCommandResult]]
  private(set) var calls: [(String, [String])] = []
  /// Runs on every `squeue` call: lets a test finish points while the array "runs".
  var onPoll: (Int) -> Void = { _ in }
  private var polls = 0
  var missing: Set<String> = []

  init(_ answers: [String: [SlurmCommandResult]]) { self.answers = answers }

  func run(_ command: String, _ arguments: [String]) throws(SlurmError) -> SlurmCommandResult {
    if missing.contains(command) { throw .commandMissing(command) }
    let (result, poll): (SlurmCommandResult, Int?) = lock.withLock {
      calls.append((command, arguments))
      var list = answers[command] ?? [SlurmCommandResult(status: 0, output: "")]
      let result = list.count > 1 ? list.removeFirst() : list[0]
      answers[command] = list
      if command == "squeue" { polls += 1; return (result, polls) }
      return (result, nil)
    }
    if let poll { onPoll(poll) }
    return result
  }

  func count(_ command: String) -> Int { lock.withLock { calls.filter { $0.0 == command }.count } }
}

/// Points whose run folders exist.
final class FinishedPoints: @unchecked Sendable {
  private let lock = NSLock()
  private var set: Set<Int>
  init(_ set: Set<Int>) { self.set = set }
  func contains(_ index: Int) -> Bool { lock.withLock { set.contains(index) } }
  func insert(_ index: Int) { _ = lock.withLock { set.insert(index) } }
}

@Suite struct SlurmArrayDriverTests {
  func folder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-slurm-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  func driver(_ slurm: ScriptedSlurm, folder: String, total: Int, finished: FinishedPoints) -> SlurmArrayDriver {
    var driver = SlurmArrayDriver(
      cluster: SlurmCluster(commands: slurm), folder: folder, total: total,
      makeScript: { indices in
        SlurmBatchScript(
          jobName: "t", indices: indices, options: SlurmOptions(), logFolder: folder + "/logs",
          workingDirectory: folder, command: [.literal("pgs"), .taskIndex])
      },
      isFinished: finished.contains)
    driver.sleep = { _ in }
    return driver
  }

  static func ok(_ output: String) -> SlurmCommandResult { SlurmCommandResult(status: 0, output: output) }
  static let unknownJob = SlurmCommandResult(
    status: 1, output: "", errorOutput: "slurm_load_jobs error: Invalid job id specified\n")

  @Test func nothingIsSubmittedWhenEveryPointFinished() throws {
    let slurm = ScriptedSlurm([:])
    let outcome = try driver(slurm, folder: try folder(), total: 3, finished: FinishedPoints([0, 1, 2])).run(.submitAndWait)
    #expect(outcome == .finished(jobID: nil))
    #expect(slurm.count("sbatch") == 0)
  }

  @Test func onlyUnfinishedPointsAreSubmittedAndWaitedFor() throws {
    let folder = try folder()
    let finished = FinishedPoints([0, 2])
    let slurm = ScriptedSlurm([
      "sbatch": [Self.ok("41\n")],
      "squeue": [Self.ok("41|1|RUNNING|None|n1\n41|3|PENDING|Resources|\n"), Self.ok("41|3|RUNNING|None|n2\n"), Self.ok("")],
    ])
    slurm.onPoll = { poll in if poll == 2 { finished.insert(1) } else if poll == 3 { finished.insert(3) } }
    var seen: [(Int, String)] = []
    var driver = self.driver(slurm, folder: folder, total: 4, finished: finished)
    driver.progress = { seen.append(($0, $1)) }
    #expect(try driver.run(.submitAndWait) == .finished(jobID: "41"))
    let script = try String(contentsOfFile: folder + "/sweep.sbatch", encoding: .utf8)
    #expect(script.contains("#SBATCH --array=1,3\n"))
    #expect(SlurmJobRecord.load(from: folder + "/job.json") == SlurmJobRecord(jobID: "41", indices: [1, 3], scriptPath: folder + "/sweep.sbatch", logFolder: folder + "/logs"))
    #expect(FileManager.default.fileExists(atPath: folder + "/logs"))
    #expect(seen.map(\.0) == [2, 3, 4])
    #expect(seen.map(\.1) == ["job 41: 1 running, 1 pending", "job 41: 1 running", "job 41: done"])
  }

  @Test func tasksThatEndWithoutARunFolderAreReportedWithStateAndLog() throws {
    let folder = try folder()
    let slurm = ScriptedSlurm([
      "sbatch": [Self.ok("7")],
      "squeue": [Self.ok("")],
      "scontrol": [Self.ok("JobId=8 ArrayJobId=7 ArrayTaskId=1 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 NodeList=n2 StdOut=/x/7_1.log\n")],
    ])
    let outcome = try driver(slurm, folder: folder, total: 3, finished: FinishedPoints([0])).run(.submitAndWait)
    guard case .incomplete(let jobID, let failures) = outcome else {
      Issue.record("expected failures, got \(outcome)")
      return
    }
    #expect(jobID == "7")
    #expect(failures.map(\.index) == [1, 2])
    #expect(failures[0].message == "point 1: TIMEOUT (reached its time limit (--time)) on n2; log: /x/7_1.log")
    // Slurm forgot task 2: the log file is where the script put it.
    #expect(failures[1].message == "point 2: no run folder, and Slurm no longer knows its task; log: \(folder)/logs/7_2.log")
  }

  @Test func aCompletedTaskWithoutRunFolderPointsAtTheSharedFilesystem() {
    let failure = SlurmTaskFailure(
      index: 0, state: SlurmTaskState(arrayJobID: "1", index: 0, state: "COMPLETED", node: "n1"), logPath: "/l")
    #expect(failure.message.contains("COMPLETED on n1 but wrote no run folder"))
    #expect(failure.message.contains("shares"))
  }

  @Test func anArrayStillRunningIsWaitedForInsteadOfSubmittedAgain() throws {
    let folder = try folder()
    try SlurmJobRecord(jobID: "5", indices: [0, 1], scriptPath: folder + "/sweep.sbatch", logFolder: folder + "/logs")
      .save(to: folder + "/job.json")
    let finished = FinishedPoints([])
    let slurm = ScriptedSlurm(["squeue": [Self.ok("5|0|RUNNING|None|n1\n5|1|RUNNING|None|n1\n"), Self.ok("5|0|RUNNING|None|n1\n5|1|RUNNING|None|n1\n"), Self.ok("")]])
    slurm.onPoll = { poll in if poll == 3 { finished.insert(0); finished.insert(1) } }
    let driver = self.driver(slurm, folder: folder, total: 2, finished: finished)
    #expect(try driver.run(.submitOnly) == .submitted(jobID: "5", indices: [0, 1], isNew: false))
    #expect(try driver.run(.submitAndWait) == .finished(jobID: "5"))
    #expect(slurm.count("sbatch") == 0)
  }

  @Test func noWaitSubmitsAndReturnsTheJobID() throws {
    let slurm = ScriptedSlurm(["sbatch": [Self.ok("99;cluster\n")]])
    let outcome = try driver(slurm, folder: try folder(), total: 2, finished: FinishedPoints([])).run(.submitOnly)
    #expect(outcome == .submitted(jobID: "99", indices: [0, 1], isNew: true))
    #expect(slurm.count("squeue") == 0)
  }

  @Test func collectingSubmitsNothingAndNamesWhatIsMissing() throws {
    let folder = try folder()
    try SlurmJobRecord(jobID: "5", indices: [1], scriptPath: "s", logFolder: "/l").save(to: folder + "/job.json")
    let slurm = ScriptedSlurm(["squeue": [Self.unknownJob], "scontrol": [Self.unknownJob]])
    let outcome = try driver(slurm, folder: folder, total: 3, finished: FinishedPoints([0])).run(.collect)
    #expect(slurm.count("sbatch") == 0)
    #expect(outcome == .incomplete(jobID: "5", failures: [
      SlurmTaskFailure(index: 1, state: nil, logPath: "/l/5_1.log"),
      SlurmTaskFailure(index: 2, state: nil, logPath: nil),
    ]))
  }

  @Test func aMissingSbatchAndARefusedJobAreClearErrors() throws {
    let absent = ScriptedSlurm([:])
    absent.missing = ["sbatch"]
    #expect(throws: SlurmError.commandMissing("sbatch")) {
      try driver(absent, folder: try folder(), total: 1, finished: FinishedPoints([])).run(.submitAndWait)
    }
    #expect(SlurmError.commandMissing("sbatch").description.contains("sbatch"))
    let refusing = ScriptedSlurm([
      "sbatch": [SlurmCommandResult(status: 1, output: "", errorOutput: "sbatch: error: Batch job submission failed: Invalid partition name specified\n")]
    ])
    #expect(throws: SlurmError.submissionRefused("sbatch: error: Batch job submission failed: Invalid partition name specified")) {
      try driver(refusing, folder: try folder(), total: 1, finished: FinishedPoints([])).run(.submitAndWait)
    }
  }

  @Test func aControllerThatTimesOutForAWhileIsWaitedOut() throws {
    let finished = FinishedPoints([])
    let timeout = SlurmCommandResult(status: 1, output: "", errorOutput: "squeue: error: slurm_load_jobs error: Socket timed out on send/recv operation\n")
    let slurm = ScriptedSlurm(["sbatch": [Self.ok("3")], "squeue": [timeout, timeout, Self.ok("")]])
    slurm.onPoll = { poll in if poll == 3 { finished.insert(0) } }
    #expect(try driver(slurm, folder: try folder(), total: 1, finished: finished).run(.submitAndWait) == .finished(jobID: "3"))
    let failing = ScriptedSlurm(["sbatch": [Self.ok("4")], "squeue": [timeout]])
    var impatient = driver(failing, folder: try folder(), total: 1, finished: FinishedPoints([]))
    impatient.toleratedQueryFailures = 2
    #expect(throws: SlurmError.queryFailed(command: "squeue", message: "squeue: error: slurm_load_jobs error: Socket timed out on send/recv operation")) {
      try impatient.run(.submitAndWait)
    }
  }

  @Test func interruptingStopsWaitingButLeavesTheArray() throws {
    let slurm = ScriptedSlurm(["sbatch": [Self.ok("3")], "squeue": [Self.ok("3|0|RUNNING|None|n1\n")]])
    var driver = self.driver(slurm, folder: try folder(), total: 1, finished: FinishedPoints([]))
    driver.isInterrupted = { true }
    #expect(try driver.run(.submitAndWait) == .interrupted(jobID: "3"))
    #expect(slurm.count("scancel") == 0)
  }

  @Test func processCommandsReportAMissingCommand() {
    let commands = ProcessSlurmCommands(environment: ["PATH": "/nonexistent"])
    #expect(throws: SlurmError.commandMissing("sbatch")) { try commands.run("sbatch", []) }
  }

  @Test func processCommandsCaptureOutputAndStatus() throws {
    let commands = ProcessSlurmCommands(environment: ["PATH": "/usr/bin:/bin"])
    let result = try commands.run("sh", ["-c", "echo out; echo err >&2; exit 3"])
    #expect(result == SlurmCommandResult(status: 3, output: "out\n", errorOutput: "err\n"))
    #expect(result.message == "err")
  }
}

@Suite struct SlurmFailureTextTests {
  @Test func missingPointsAreListedOnePerLine() {
    let outcome = SlurmArrayOutcome.incomplete(
      jobID: "12",
      failures: [
        SlurmTaskFailure(
          index: 3, state: SlurmTaskState(arrayJobID: "12", index: 3, state: "NODE_FAIL", node: "n9"),
          logPath: "out/logs/12_3.log")
      ])
    #expect(
      outcome.failureText(sweep: "grid", total: 6, rerun: "rerun the same command to submit only these points")
        == """
        sweep 'grid': 1 of 6 points did not finish (job 12):
          point 3: NODE_FAIL (its node failed) on n9; log: out/logs/12_3.log
        rerun the same command to submit only these points
        """)
    #expect(SlurmArrayOutcome.finished(jobID: "1").failureText(sweep: "g", total: 1, rerun: "") == nil)
  }
}

@Suite struct SlurmInvocationTests {
  @Test func anInvocationSurvivesTheRoundTripThroughItsFile() throws {
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("pgs-inv-\(UUID().uuidString)").path
    let invocation = SlurmInvocation(
      scriptPath: "nb.pgs", scriptText: "# %%\nx = 1\n", outputFolder: "nb.out", parameters: ["work=10"],
      seed: 3, allowedWrites: [], workingDirectory: "/shared/project",
      options: SlurmOptions(partition: "short", maxParallel: 2, extraArguments: ["--mem=1G"], wait: false))
    try invocation.save(cacheFolder: cache)
    #expect(SlurmInvocation.load(cacheFolder: cache) == invocation)
    #expect(SlurmInvocation.load(cacheFolder: cache + "-missing") == nil)
  }
}
