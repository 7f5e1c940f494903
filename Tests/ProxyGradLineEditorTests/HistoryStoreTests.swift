import Foundation
import Testing

@testable import ProxyGradLineEditor

@Suite struct HistoryStoreTests {
  /// Runs `body` with a fresh folder and the URL of `path` in it, and removes the folder.
  static func inFolder(_ path: String, _ body: (TemporaryFolder, URL) throws -> Void) throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try body(folder, folder.url.appendingPathComponent(path))
  }

  /// A store of `file`, loaded.
  static func loaded(_ file: URL) throws -> HistoryStore {
    var store = HistoryStore(fileURL: file)
    try store.load()
    return store
  }

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
    try Self.inFolder("history") { _, file in
      var recorder = HistoryRecorder(store: HistoryStore(fileURL: file), continuationPrompt: "...> ")
      try recorder.load()
      try recorder.record("g = fn(x) {", prompt: "pgs> ")
      try recorder.record("  x * 2", prompt: "...> ")
      try recorder.record("}", prompt: "...> ")
      try recorder.record("g(2)", prompt: "pgs> ")
      #expect(try String(contentsOf: file, encoding: .utf8) == "g = fn(x) {\\n  x * 2\\n}\ng(2)\n")
      let second = try Self.loaded(file)
      #expect(second.entries == ["g = fn(x) {\n  x * 2\n}", "g(2)"])
    }
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
    try Self.inFolder("state/pgs/history") { _, file in
      var first = try Self.loaded(file)
      for line in ["x = 1", "print(x)", "x = 1"] { try first.add(line) }

      let second = try Self.loaded(file)
      #expect(second.entries == ["x = 1", "print(x)", "x = 1"])
    }
  }

  @Test func loadingDeduplicatesAndCapsTheFile() throws {
    try Self.inFolder("history") { folder, file in
      try folder.file("history", contents: "a\nb\na\nc\nc\nd\nc\n")
      var store = HistoryStore(fileURL: file, capacity: 4)
      try store.load()
      #expect(store.entries == ["a", "c", "d", "c"])
    }
  }

  @Test func aMissingFileIsAnEmptyHistory() throws {
    try Self.inFolder("none/history") { _, file in
      let store = try Self.loaded(file)
      #expect(store.entries.isEmpty)
    }
  }

  @Test func saveReplacesTheFileWholeAndLeavesNoTemporaryFile() throws {
    try Self.inFolder("history") { folder, file in
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
  }

  @Test func theFileIsCompactedWhenItGrowsToTwiceTheCapacity() throws {
    try Self.inFolder("history") { _, file in
      var store = HistoryStore(fileURL: file, capacity: 3)
      for line in ["a", "b", "a", "c", "d", "e"] { try store.add(line) }
      #expect(try String(contentsOf: file, encoding: .utf8) == "c\nd\ne\n")
      #expect(store.entries == ["c", "d", "e"])
      for line in ["e", "d", "e"] { try store.add(line) }
      #expect(store.entries == ["e", "d", "e"])
    }
  }

  @Test func twoSessionsAppendingToOneFileKeepEachOthersLines() throws {
    try Self.inFolder("history") { _, file in
      var first = try Self.loaded(file)
      var second = try Self.loaded(file)
      try first.add("from first")
      try second.add("from second")
      let third = try Self.loaded(file)
      #expect(third.entries == ["from first", "from second"])
    }
  }

  @Test func entriesWithBackslashesAndNewlinesRoundTrip() throws {
    try Self.inFolder("history") { _, file in
      let entries = [#"print("a\nb")"#, "two\nlines", "crlf\r\nend", #"trailing\"#]
      var store = HistoryStore(fileURL: file)
      for entry in entries { try store.add(entry) }
      let reloaded = try Self.loaded(file)
      #expect(reloaded.entries == entries)
    }
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
    try Self.inFolder("blocker/history") { folder, file in
      try folder.file("blocker", contents: "a file where a folder is needed")
      var store = HistoryStore(fileURL: file)
      #expect(throws: HistoryFileError.self) { try store.add("x = 1") }
      #expect(store.entries == ["x = 1"])
    }
  }
}
