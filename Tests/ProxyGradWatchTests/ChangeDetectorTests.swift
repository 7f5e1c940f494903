import Foundation
import Testing

@testable import ProxyGradWatch

/// When a watched file runs again: after a change, once it stayed the same for the quiet period.
@Suite struct ChangeDetectorTests {
  func snapshot(_ text: String, inode: UInt64 = 1, modified: Int64 = 100) -> FileSnapshot {
    FileSnapshot(
      device: 1, inode: inode, size: Int64(text.utf8.count), modified: modified, contents: Data(text.utf8))
  }

  @Test func anUnchangedFileNeverRuns() {
    let ran = snapshot("a")
    var detector = ChangeDetector(ran: ran, quietPeriod: 0.25)
    for step in 0..<50 {
      #expect(detector.observe(ran, at: Double(step) * 0.125) == .wait)
    }
  }

  @Test func aChangeRunsOnceTheFileSettled() {
    var detector = ChangeDetector(ran: snapshot("a"), quietPeriod: 0.25)
    let edited = snapshot("b", modified: 200)
    #expect(detector.observe(edited, at: 1.0) == .wait)  // first seen
    #expect(detector.observe(edited, at: 1.125) == .wait)  // 0.125 s < 0.25 s
    #expect(detector.observe(edited, at: 1.25) == .run(edited))
    #expect(detector.ran == edited)
    #expect(detector.observe(edited, at: 1.375) == .wait, "it ran: no second run")
  }

  @Test func aFileWrittenInStepsRunsOnceWithTheFinishedText() {
    var detector = ChangeDetector(ran: snapshot("a"), quietPeriod: 0.25)
    let partial = snapshot("print(", modified: 200)
    let finished = snapshot("print(1)", modified: 210)
    #expect(detector.observe(partial, at: 0.0) == .wait)
    #expect(detector.observe(partial, at: 0.125) == .wait)
    #expect(detector.observe(finished, at: 0.25) == .wait, "a new change restarts the quiet period")
    #expect(detector.observe(finished, at: 0.375) == .wait)
    #expect(detector.observe(finished, at: 0.5) == .run(finished))
  }

  @Test func aChangeUndoneBeforeItSettledDoesNotRun() {
    let ran = snapshot("a")
    var detector = ChangeDetector(ran: ran, quietPeriod: 0.25)
    #expect(detector.observe(snapshot("b", modified: 200), at: 0.0) == .wait)
    #expect(detector.observe(ran, at: 0.125) == .wait)
    #expect(detector.observe(ran, at: 0.5) == .wait)
  }

  @Test func aRenameSaveWithTheSameTextIsAChange() {
    var detector = ChangeDetector(ran: snapshot("a", inode: 1), quietPeriod: 0.25)
    let renamed = snapshot("a", inode: 2)
    #expect(detector.observe(renamed, at: 0) == .wait)
    #expect(detector.observe(renamed, at: 0.25) == .run(renamed))
  }

  @Test func aMissingFileIsReportedOnceAndRunsWhenItIsBack() {
    var detector = ChangeDetector(ran: snapshot("a"), quietPeriod: 0.25)
    #expect(detector.observe(nil, at: 0.0) == .wait, "an editor between removing and writing")
    #expect(detector.observe(nil, at: 0.125) == .wait)
    #expect(detector.observe(nil, at: 0.25) == .missing)
    #expect(detector.observe(nil, at: 0.375) == .wait, "said once")
    #expect(detector.observe(nil, at: 5.0) == .wait)
    let back = snapshot("b", inode: 3)
    #expect(detector.observe(back, at: 5.125) == .wait)
    #expect(detector.observe(back, at: 5.375) == .run(back))
    #expect(detector.observe(nil, at: 6.0) == .wait)
    #expect(detector.observe(nil, at: 6.25) == .missing, "gone again: said again")
  }

  @Test func theFirstRunWaitsForTheQuietPeriodWhenNothingRanYet() {
    var detector = ChangeDetector(ran: nil, quietPeriod: 0.25)
    let file = snapshot("a")
    #expect(detector.observe(file, at: 0) == .wait)
    #expect(detector.observe(file, at: 0.25) == .run(file))
  }
}

/// Snapshots of real files: each way of saving gives a snapshot unequal to the one before.
@Suite struct FileSnapshotTests {
  func folder() throws -> String {
    let path = NSTemporaryDirectory() + "pgs-watch-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func savesInPlaceAndByRenameAreSeen() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/nb.pgs"
    try "print(1)\n".write(toFile: path, atomically: false, encoding: .utf8)
    let first = try #require(FileSnapshot.read(path))
    #expect(first.contents == Data("print(1)\n".utf8))
    #expect(first.size == 9)
    #expect(FileSnapshot.read(path) == first, "nothing changed")

    // In place, the same size: the contents differ even where the time would not.
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.write(contentsOf: Data("print(2)\n".utf8))
    try handle.close()
    let inPlace = try #require(FileSnapshot.read(path))
    #expect(inPlace != first)
    #expect(inPlace.inode == first.inode)
    #expect(inPlace.size == first.size)

    // A new file renamed over the old one, with the same text: a new inode.
    try "print(2)\n".write(toFile: dir + "/nb.pgs.swp", atomically: false, encoding: .utf8)
    #expect(rename(dir + "/nb.pgs.swp", path) == 0)
    let renamed = try #require(FileSnapshot.read(path))
    #expect(renamed.contents == inPlace.contents)
    #expect(renamed.inode != inPlace.inode)
    #expect(renamed != inPlace)
  }

  @Test func aMissingFileOrAFolderHasNoSnapshot() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(FileSnapshot.read(dir + "/missing.pgs") == nil)
    #expect(FileSnapshot.read(dir) == nil)
  }
}
