import Foundation
import Testing

/// `pgs run` with sweeps: `--jobs 2` gives the same files as `--jobs 1`, and a run killed in the
/// middle of a sweep loses no finished run and recomputes none.
@Suite struct SweepCommandTests {
  let helper = NotebookCommandTests()

  static let text = """
    # %% parameters
    spin = 0
    # %%
    offset = 0.5
    sweep "s": slope in [0, 0.5, 1], seed in 1...3 {
      i = 0
      while i < spin { i += 1 }
      print("slope", slope)
      show(uniform([1, 4, 4], -1, 1) * slope, title: "noise")
      record(value: slope * seed + offset, other: seed)
      if slope == 1 and seed == 3 { y = [1][2] }
    }
    """

  /// Every file under the report folder except manifest.json (the only one holding timings).
  func files(_ folder: String) -> [String: Data] {
    helper.snapshot(folder).filter { $0.key != "manifest.json" }
  }

  @Test(.timeLimit(.minutes(2)))
  func twoJobsGiveTheSameFilesAsOne() throws {
    let (folder, script) = try helper.notebook(Self.text)
    let one = try helper.run(["run", script, "--out", folder + "/one"])
    #expect(one.status == 0, "\(one.stderr)")
    let two = try helper.run(["run", script, "--out", folder + "/two", "--jobs", "2"])
    #expect(two.status == 0, "\(two.stderr)")
    let a = files(folder + "/one")
    let b = files(folder + "/two")
    #expect(a.keys.sorted() == b.keys.sorted())
    #expect(a == b)
    #expect(a["sweeps/s/runs/009/images/1.png"] != nil)
    #expect(!FileManager.default.fileExists(atPath: folder + "/two.cache/jobs"))
  }

  /// Modification time and inode of every cached run.
  func entries(_ cache: String) -> [String: String] {
    let folder = cache + "/sweeps/s"
    var result: [String: String] = [:]
    for key in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where !key.contains(".tmp-") {
      var info = stat()
      guard stat(folder + "/" + key + "/config.json", &info) == 0 else { continue }
      result[key] = "\(info.st_ino) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }
    return result
  }

  @Test(.timeLimit(.minutes(2)), arguments: [1, 2])
  func aKilledRunKeepsFinishedRunsAndTheNextFinishesTheRest(jobs: Int) throws {
    let (folder, script) = try helper.notebook(Self.text)
    let reference = try helper.run(["run", script, "--out", folder + "/ref"])
    #expect(reference.status == 0)

    let out = folder + "/nb.out"
    let (process, _, _) = try helper.process(["run", script, "--jobs", String(jobs), "-p", "spin=300000"])
    var waited = 0
    while entries(out + ".cache").count < 3 && waited < 1200 {
      usleep(20_000)
      waited += 1
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    usleep(300_000)  // orphaned workers notice and stop
    let survivors = entries(out + ".cache")
    #expect(survivors.count >= 3 && survivors.count < 9, "killed midway, with finished runs")

    let again = try helper.run(["run", script, "--jobs", String(jobs), "-p", "spin=300000"])
    #expect(again.status == 0, "\(again.stderr)")
    let finished = entries(out + ".cache")
    #expect(finished.count == 9)
    for (key, stamp) in survivors { #expect(finished[key] == stamp, "run \(key) was not recomputed") }
    let expected = files(folder + "/ref")
    let resumed = files(out)
    for (path, data) in expected where path.hasPrefix("sweeps/") { #expect(resumed[path] == data, "\(path)") }
  }
}
