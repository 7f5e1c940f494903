import Testing

@testable import ProxyGradSession

/// Parsing output recorded from Debian's Slurm 22.05 (scripts/slurm-local).
@Suite struct SlurmOutputParserTests {
  @Test func sbatchParsableGivesTheJobID() {
    #expect(SlurmOutputParser.submittedJobID("12\n") == "12")
    #expect(SlurmOutputParser.submittedJobID("431;cluster\n") == "431")
    #expect(SlurmOutputParser.submittedJobID("sbatch: error: Batch job submission failed\n") == nil)
    #expect(SlurmOutputParser.submittedJobID("") == nil)
  }

  @Test func squeueLinesGiveOneStatePerTask() {
    let text = """
      5|2|PENDING|Resources|
      5|3|PENDING|Resources|
      5|0|RUNNING|None|localhost
      5|1|RUNNING|None|n2
      """
    let tasks = SlurmOutputParser.parseQueue(text)
    #expect(
      tasks == [
        SlurmTaskState(arrayJobID: "5", index: 2, state: "PENDING", reason: "Resources"),
        SlurmTaskState(arrayJobID: "5", index: 3, state: "PENDING", reason: "Resources"),
        SlurmTaskState(arrayJobID: "5", index: 0, state: "RUNNING", node: "localhost"),
        SlurmTaskState(arrayJobID: "5", index: 1, state: "RUNNING", node: "n2"),
      ])
    #expect(tasks.allSatisfy { $0.isActive })
  }

  @Test func aPendingRangeStandsForEachOfItsTasks() {
    let tasks = SlurmOutputParser.parseQueue("7|2-4%2|PENDING|JobArrayTaskLimit|\n")
    #expect(tasks.map(\.index) == [2, 3, 4])
    #expect(tasks.allSatisfy { $0.reason == "JobArrayTaskLimit" })
  }

  @Test(arguments: [
    ("3", [3]), ("0-3", [0, 1, 2, 3]), ("1,3,7-9", [1, 3, 7, 8, 9]), ("[2-5%2]", [2, 3, 4, 5]),
    ("x", []), ("5-2", []),
  ] as [(String, [Int])])
  func taskIdListsExpand(text: String, expected: [Int]) {
    #expect(SlurmOutputParser.taskIndices(text) == expected)
  }

  static let scontrol = """
    JobId=3 ArrayJobId=1 ArrayTaskId=1 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState=COMPLETED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:02 TimeLimit=UNLIMITED TimeMin=N/A StartTime=2026-11-29T09:57:52 EndTime=2026-11-29T09:57:54 Partition=debug AllocNode:Sid=localhost:32400 NodeList=localhost BatchHost=localhost NumNodes=1 NumCPUs=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* Command=(null) WorkDir=/tmp/my runs StdErr=/tmp/my runs/logs/1_1.log StdIn=/dev/null StdOut=/tmp/my runs/logs/1_1.log Power=
    JobId=4 ArrayJobId=1 ArrayTaskId=2 JobName=wrap JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 NodeList=n2 StdOut=/tmp/logs/1_2.log Power=
    JobId=5 ArrayJobId=1 ArrayTaskId=4 JobName=wrap JobState=FAILED Reason=NonZeroExitCode ExitCode=70:0 NodeList=n1 StdOut=/tmp/logs/1_4.log Power=
    JobId=1 ArrayJobId=1 ArrayTaskId=5-6 ArrayTaskThrottle=3 JobState=PENDING Reason=None ExitCode=0:0 NodeList= StdOut=/tmp/logs/1_4294967294.log Power=
    JobId=9 JobName=plain JobState=RUNNING Reason=None NodeList=n1
    """

  @Test func scontrolRecordsGiveFinalStatesExitCodesAndLogFiles() {
    let tasks = SlurmOutputParser.parseJobRecords(Self.scontrol)
    #expect(tasks.map(\.index) == [1, 2, 4, 5, 6])
    #expect(
      tasks[0]
        == SlurmTaskState(
          arrayJobID: "1", index: 1, state: "COMPLETED", node: "localhost", exitCode: "0:0",
          logPath: "/tmp/my runs/logs/1_1.log"))
    #expect(tasks[1].state == "TIMEOUT" && tasks[1].reason == "TimeLimit" && tasks[1].isFailed)
    #expect(tasks[2].exitCode == "70:0" && tasks[2].explanation == "exited with an error (exit code 70:0)")
    // The pending remainder names no real log file and no node yet.
    #expect(tasks[3].logPath == nil && tasks[3].node == nil && tasks[3].isActive)
  }

  @Test func stateSuffixesAreIgnoredForClassification() {
    let cancelled = SlurmTaskState(arrayJobID: "1", index: 0, state: "CANCELLED by 0")
    #expect(cancelled.baseState == "CANCELLED")
    #expect(cancelled.isFailed && !cancelled.isActive)
    #expect(SlurmTaskState(arrayJobID: "1", index: 0, state: "NODE_FAIL").explanation == "its node failed")
    #expect(SlurmTaskState(arrayJobID: "1", index: 0, state: "COMPLETING").isActive)
  }
}
