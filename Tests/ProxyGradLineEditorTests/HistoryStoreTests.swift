import Foundation
import Testing

@testable import ProxyGradLineEditor

@Suite struct HistoryStoreTests {
  @Test func onlyConsecutiveDuplicatesAreDropped() throws {
    var store = HistoryStore(fileURL: nil)
    try store.add("a = 1")
    try store.add("b = 2")
    try store.add("a = 1")
    #expect(try store.add("a = 1") == false)
    // Replaying "a = 1; b = 2; a = 1" from history gives the same sequence.
    #expect(store.entries == ["a = 1", "b = 2", "a = 1"])
  }

  @Test func continuationLinesJoinTheirStatementsEntry() throws {
    var recorder = HistoryRecorder(store: HistoryStore(fileURL: nil), continuationPrompt: "...> ")
    try recorder.record("x = 1", prompt: "pgs> ")
    try recorder.record("net = network(input: [4]) {", prompt: "pgs> ")
    try recorder.record("  linear(3)", prompt: "...> ")
    try recorder.record("}", prompt: "...> ")
    try recorder.record("f = fn(a) {", prompt: "pgs> ")
    try recorder.record("a }", prompt: "...> ")
    #expect(recorder.store.entries == ["x = 1", "net = network(input: [4]) {\n  linear(3)\n}", "f = fn(a) {\na }"])
    // The same block entered twice in a row is one entry; a single line equal to the entry
    // before it still starts a block of its own.
    try recorder.record("f = fn(a) {", prompt: "pgs> ")
    try recorder.record("a }", prompt: "...> ")
    #expect(recorder.store.entries.count == 3)
    try recorder.record("x = 1", prompt: "pgs> ")
    try recorder.record("x = 1", prompt: "pgs> ")
    #expect(recorder.store.entries == ["x = 1", "net = network(input: [4]) {\n  linear(3)\n}", "f = fn(a) {\na }", "x = 1"])
  }

  @Test func multiLineEntriesSurviveTheFile() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = folder.url.appendingPathComponent("history")
    var recorder = HistoryRecorder(store: HistoryStore(fileURL: file), continuationPrompt: "...> ")
    try recorder.load()
    try recorder.record("g = fn(x) {", prompt: "pgs> ")
    try recorder.record("  x * 2", prompt: "...> ")
    try recorder.record("}", prompt: "...> ")
    try recorder.record("g(2)", prompt: "pgs> ")
    #expect(try String(contentsOf: file, encoding: .utf8) == "g = fn(x) {\\n  x * 2\\n}\ng(2)\n")
    var second = HistoryStore(fileURL: file)
    try second.load()
    #expect(second.entries == ["g = fn(x) {\n  x * 2\n}", "g(2)"])
  }

  @Test func blankLinesAreNotRecorded() throws {
    var store = HistoryStore(fileURL: nil)
    #expect(try store.add("   ") == false)
    #expect(try store.add("") == false)
    #expect(store.entries.isEmpty)
  }

  @Test func oldestEntriesAreDroppedPastTheCapacity() throws {
    var store = HistoryStore(fileURL: nil, capacity: 3)
    for index in 1...5 { try store.add("line \(index)") }
    #expect(store.entries == ["line 3", "line 4", "line 5"])
  }

  @Test func historySurvivesIntoASecondInstance() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = folder.url.appendingPathComponent("state/pgs/history")
    var first = HistoryStore(fileURL: file)
    try first.load()
    try first.add("x = 1")
    try first.add("print(x)")
    try first.add("x = 1")

    var second = HistoryStore(fileURL: file)
    try second.load()
    #expect(second.entries == ["x = 1", "print(x)", "x = 1"])
  }

  @Test func loadingDeduplicatesAndCapsTheFile() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try folder.file("history", contents: "a\nb\na\nc\nc\nd\nc\n")
    var store = HistoryStore(fileURL: folder.url.appendingPathComponent("history"), capacity: 4)
    try store.load()
    #expect(store.entries == ["a", "c", "d", "c"])
  }

  @Test func aMissingFileIsAnEmptyHistory() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    var store = HistoryStore(fileURL: folder.url.appendingPathComponent("none/history"))
    try store.load()
    #expect(store.entries.isEmpty)
  }

  @Test func saveReplacesTheFileWholeAndLeavesNoTemporaryFile() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = folder.url.appendingPathComponent("history")
    try folder.file("history", contents: "old 1\nold 2\nold 3\n")
    var store = HistoryStore(fileURL: file)
    try store.add("new")
    try store.save()
    #expect(try String(contentsOf: file, encoding: .utf8) == "new\n")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
    #expect(names == ["history"])
    let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
  }

  @Test func theFileIsCompactedWhenItGrowsToTwiceTheCapacity() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = folder.url.appendingPathComponent("history")
    var store = HistoryStore(fileURL: file, capacity: 3)
    for line in ["a", "b", "a", "c", "d", "e"] { try store.add(line) }
    #expect(try String(contentsOf: file, encoding: .utf8) == "c\nd\ne\n")
    #expect(store.entries == ["c", "d", "e"])
    for line in ["e", "d", "e"] { try store.add(line) }
    #expect(store.entries == ["e", "d", "e"])
  }

  @Test func twoSessionsAppendingToOneFileKeepEachOthersLines() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = folder.url.appendingPathComponent("history")
    var first = HistoryStore(fileURL: file)
    var second = HistoryStore(fileURL: file)
    try first.load()
    try second.load()
    try first.add("from first")
    try second.add("from second")
    var third = HistoryStore(fileURL: file)
    try third.load()
    #expect(third.entries == ["from first", "from second"])
  }

  @Test func entriesWithBackslashesAndNewlinesRoundTrip() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = folder.url.appendingPathComponent("history")
    let entries = [#"print("a\nb")"#, "two\nlines", "crlf\r\nend", #"trailing\"#]
    var store = HistoryStore(fileURL: file)
    for entry in entries { try store.add(entry) }
    var reloaded = HistoryStore(fileURL: file)
    try reloaded.load()
    #expect(reloaded.entries == entries)
  }

  @Test func theDefaultFileFollowsXDGStateHome() {
    let xdg = HistoryStore.defaultFileURL(environment: [
      "XDG_STATE_HOME": "/tmp/state", "HOME": "/home/ada",
    ])
    #expect(xdg?.path == "/tmp/state/pgs/history")
    let fallback = HistoryStore.defaultFileURL(environment: ["HOME": "/home/ada"])
    #expect(fallback?.path == "/home/ada/.local/state/pgs/history")
    let relative = HistoryStore.defaultFileURL(environment: [
      "XDG_STATE_HOME": "state", "HOME": "/home/ada",
    ])
    #expect(relative?.path == "/home/ada/.local/state/pgs/history")
    #expect(HistoryStore.defaultFileURL(environment: [:]) == nil)
  }

  @Test func anUnwritableFileThrowsButKeepsTheEntryInMemory() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try folder.file("blocker", contents: "a file where a folder is needed")
    var store = HistoryStore(fileURL: folder.url.appendingPathComponent("blocker/history"))
    #expect(throws: HistoryFileError.self) { try store.add("x = 1") }
    #expect(store.entries == ["x = 1"])
  }
}
