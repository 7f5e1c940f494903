import Foundation
import ProxyGradFormat
import ProxyGradNN
import ProxyGradNotebook
import ProxyGradRuntime
import ProxyGradSyntax
import ProxyGradTensor
import Testing

@testable import ProxyGradSession

/// Incremental reruns (docs/notebooks.md, "Caching and incremental reruns"): a rerun restores
/// the unchanged prefix and gives the same report, byte for byte, as a run of every cell.
@Suite struct IncrementalRunTests {
  static let badge = "<span class=\"badge reused\" title=\"restored from the cache of an earlier run\">reused</span>"

  static let notebook = """
    # %% [markdown]
    # # Incremental
    # %% parameters
    steps = 6
    seed = 2
    # %%
    data = synthetic(count: 48, classes: 3, size: 8, seed: seed)
    big = normal([150, 120])
    net = network(input: [1, 8, 8], seed: seed) {
      conv(4, 3, pad: 1)
      batchnorm()
      relu()
      flatten()
      linear(3)
    }
    h = train(net, data.train, epochs: 1, batch: 16, optimizer: adam(lr: 0.01), seed: seed)
    metric("accuracy", accuracy(net, data.test))
    # %%
    r = maximize(logit(net, 0...2), steps: steps, seed: seed)
    show(r.image, title: "am")
    save(r.image[0], "am0.png")
    # %%
    table(h, title: "history")
    noise = normal([2, 3])
    print(noise)
    metric("steps", steps)
    """

  struct Run {
    var result: NotebookJob.Result
    var folder: String
    var notes: [String] { result.outcome?.cacheNotes ?? [] }
    var reused: [Int] {
      (result.outcome?.run.cells ?? []).enumerated().filter(\.element.reused).map { $0.offset + 1 }
    }
  }

  func run(
    _ script: String, text: String, out: String, fresh: Bool = false, cache: (any CellCache)? = nil,
    seed: UInt64? = nil, overrides: [(name: String, value: ParameterValue)] = []
  ) -> Run {
    var runner = NotebookRunner(seed: seed, overrides: overrides, toolVersion: "test", clock: { 0 })
    runner.reuse = CellReuseOptions(cache: cache ?? DiskCellCache(outputFolder: out), fresh: fresh)
    let result = NotebookJob(notebook: Notebook(path: script, text: text), outputFolder: out, runner: runner).execute()
    return Run(result: result, folder: out)
  }

  func files(_ folder: String) -> [String: [UInt8]] {
    var found: [String: [UInt8]] = [:]
    let enumerator = FileManager.default.enumerator(atPath: folder)
    while let relative = enumerator?.nextObject() as? String {
      var isDirectory: ObjCBool = false
      FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isDirectory)
      if !isDirectory.boolValue { found[relative] = FileManager.default.contents(atPath: folder + "/" + relative).map { Array($0) } }
    }
    return found
  }

  /// The notebook's JSON without the `reused` marks.
  func unmarked(_ ipynb: [UInt8]) throws -> NSDictionary {
    let json = try #require(try JSONSerialization.jsonObject(with: Data(ipynb)) as? [String: Any])
    var cells = try #require(json["cells"] as? [[String: Any]])
    for index in cells.indices {
      var metadata = cells[index]["metadata"] as? [String: Any] ?? [:]
      if (metadata["pgs"] as? [String: Any])?["reused"] as? Bool == true { metadata["pgs"] = nil }
      cells[index]["metadata"] = metadata
    }
    var copy = json
    copy["cells"] = cells
    return copy as NSDictionary
  }

  /// Every file of the incremental run equals the fresh run's: byte for byte, the report after
  /// removing the `reused` badges, the notebook after removing the `reused` metadata.
  func expectSameOutputs(_ incremental: Run, _ fresh: Run, _ context: String) throws {
    let a = files(incremental.folder)
    let b = files(fresh.folder)
    #expect(Set(a.keys) == Set(b.keys), "\(context): file names")
    for (name, bytes) in b {
      guard let mine = a[name] else { continue }
      if name == "index.html" {
        let text = String(decoding: mine, as: UTF8.self).replacingOccurrences(of: Self.badge, with: "")
        #expect(text == String(decoding: bytes, as: UTF8.self), "\(context): index.html")
      } else if name.hasSuffix(".ipynb") {
        #expect(try unmarked(mine) == unmarked(bytes), "\(context): \(name)")
      } else {
        let same = mine == bytes
        #expect(same, "\(context): \(name)")
      }
    }
    var cells = incremental.result.outcome?.run.cells ?? []
    for index in cells.indices { cells[index].reused = false }
    #expect(cells == fresh.result.outcome?.run.cells, "\(context): records")
  }

  @Test func editingEachCellInTurnGivesTheReportOfAFullRun() throws {
    let (folder, script) = try notebookWorkspace(Self.notebook, prefix: "pgs-incremental")
    var text = Self.notebook
    let first = run(script, text: text, out: folder + "/nb.out")
    #expect(first.result.exitStatus == .ok)
    #expect(first.reused.isEmpty)
    let again = run(script, text: text, out: folder + "/nb.out")
    #expect(again.reused == [2, 3, 4, 5])
    #expect(again.notes.first == "cache: reused 4 of 4 cells (through cell 5) from the last run")
    try expectSameOutputs(again, run(script, text: text, out: folder + "/full.out", fresh: true), "unchanged")
    #expect(String(decoding: files(again.folder)["index.html"] ?? [], as: UTF8.self).components(separatedBy: Self.badge).count == 5)

    // (edit, the cells a rerun reuses)
    let edits: [(String, String, [Int])] = [
      ("steps = 6", "steps = 7", []),
      ("conv(4, 3, pad: 1)", "conv(5, 3, pad: 1)", [2]),
      ("title: \"am\"", "title: \"AM\"", [2, 3]),
      ("metric(\"steps\", steps)", "metric(\"steps\", steps * 2)", [2, 3, 4]),
    ]
    for (old, new, expected) in edits {
      text = text.replacingOccurrences(of: old, with: new)
      let incremental = run(script, text: text, out: folder + "/nb.out")
      #expect(incremental.result.exitStatus == .ok)
      #expect(incremental.reused == expected, "after \(new)")
      let fresh = run(script, text: text, out: folder + "/fresh-\(expected.count).out", fresh: true)
      #expect(fresh.reused.isEmpty)
      try expectSameOutputs(incremental, fresh, "after \(new)")
    }
  }

  @Test func freshRunsEveryCellAndParametersSeedsAndThreadsChangeTheKeys() throws {
    let (folder, script) = try notebookWorkspace(Self.notebook, prefix: "pgs-incremental")
    let out = folder + "/nb.out"
    _ = run(script, text: Self.notebook, out: out)
    #expect(run(script, text: Self.notebook, out: out, fresh: true).reused.isEmpty)
    #expect(run(script, text: Self.notebook, out: out).reused == [2, 3, 4, 5])
    let overridden = run(script, text: Self.notebook, out: out, overrides: [("steps", .number(9))])
    #expect(overridden.reused.isEmpty)
    let fresh = run(script, text: Self.notebook, out: folder + "/p.out", fresh: true, overrides: [("steps", .number(9))])
    try expectSameOutputs(overridden, fresh, "-p steps=9")
    #expect(run(script, text: Self.notebook, out: out, seed: 5).reused.isEmpty)
    #expect(run(script, text: Self.notebook, out: out, seed: 5).reused == [2, 3, 4, 5])
    // The thread count is part of every key.
    let notebook = Notebook(path: script, text: Self.notebook)
    let runner = NotebookRunner(toolVersion: "test")
    let one = Parallel.withThreads(1) { CellReuse(options: CellReuseOptions(), notebook: notebook, runner: runner).nextKey(1) }
    let two = Parallel.withThreads(2) { CellReuse(options: CellReuseOptions(), notebook: notebook, runner: runner).nextKey(1) }
    let again = Parallel.withThreads(1) { CellReuse(options: CellReuseOptions(), notebook: notebook, runner: runner).nextKey(1) }
    #expect(one != two)
    #expect(one == again)
  }

  @Test func damagedEntriesAreDroppedAndRecomputed() throws {
    let (folder, script) = try notebookWorkspace(Self.notebook, prefix: "pgs-incremental")
    let out = folder + "/nb.out"
    let first = run(script, text: Self.notebook, out: out)
    let full = run(script, text: Self.notebook, out: folder + "/full.out", fresh: true)
    let cache = DiskCellCache(outputFolder: out)
    let cells = cache.folder + "/cells/"
    func entry(ofCell index: Int) throws -> String {
      // The key chain of the first run, found by loading each entry: the one whose outputs are
      // the cell's.
      let names = try FileManager.default.contentsOfDirectory(atPath: cells)
      let outputs = first.result.outcome?.run.cells[index - 1].outputs
      return try #require(names.first { name in
        if case .hit(let entry) = cache.load(name) { return entry.outputs == outputs }
        return false
      })
    }
    // Corrupt: flip a byte of cell 3's payload.
    let third = try entry(ofCell: 3)
    var bytes = try #require(FileManager.default.contents(atPath: cells + third).map { Array($0) })
    bytes[bytes.count - 3] ^= 0x40
    try Data(bytes).write(to: URL(fileURLWithPath: cells + third))
    let corrupt = run(script, text: Self.notebook, out: out)
    #expect(corrupt.reused == [2])
    #expect(corrupt.notes.contains("cache: dropped the entry of cell 3 (checksum mismatch); running it again"))
    try expectSameOutputs(corrupt, full, "corrupt")

    // Truncated.
    let fourth = try entry(ofCell: 4)
    bytes = try #require(FileManager.default.contents(atPath: cells + fourth).map { Array($0) })
    try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: cells + fourth))
    let truncated = run(script, text: Self.notebook, out: out)
    #expect(truncated.reused == [2, 3])
    #expect(truncated.notes.contains { $0.hasPrefix("cache: dropped the entry of cell 4 (truncated") })
    try expectSameOutputs(truncated, full, "truncated")

    // Another format version.
    let second = try entry(ofCell: 2)
    bytes = try #require(FileManager.default.contents(atPath: cells + second).map { Array($0) })
    bytes[DiskCellCache.magic.count] = 99
    try Data(bytes).write(to: URL(fileURLWithPath: cells + second))
    let versioned = run(script, text: Self.notebook, out: out)
    #expect(versioned.reused.isEmpty)
    #expect(versioned.notes.contains("cache: dropped the entry of cell 2 (format version 99, this pgs reads 1); running it again"))
    try expectSameOutputs(versioned, full, "version")

    // Stale: an entry stored under another cell's key (a renamed file) is not trusted.
    let fifth = try entry(ofCell: 5)
    try FileManager.default.removeItem(atPath: cells + fifth)
    try FileManager.default.copyItem(atPath: cells + (try entry(ofCell: 4)), toPath: cells + fifth)
    let stale = run(script, text: Self.notebook, out: out)
    #expect(stale.reused == [2, 3, 4])
    #expect(stale.notes.contains("cache: dropped the entry of cell 5 (entry of another key); running it again"))
    try expectSameOutputs(stale, full, "stale")

    // A damaged blob (the data set's images): its snapshot is not used.
    for name in try FileManager.default.contentsOfDirectory(atPath: cache.folder + "/blobs") {
      try Data([1, 2, 3]).write(to: URL(fileURLWithPath: cache.folder + "/blobs/" + name))
    }
    let blobs = run(script, text: Self.notebook, out: out)
    #expect(blobs.reused == [2])
    #expect(blobs.notes.contains("cache: dropped the snapshot after cell 5 (a missing or damaged blob); running from an earlier cell"))
    try expectSameOutputs(blobs, full, "blobs")
  }

  @Test func aChangedDataFileRerunsTheCellsAfterItsReader() throws {
    let (folder, script) = try notebookWorkspace("", prefix: "pgs-incremental")
    let weights = folder + "/w.safetensors"
    let setup = """
      # %%
      net0 = network(input: [2], seed: 1) {
        linear(2)
      }
      # %%
      load_weights(net0, "\(weights)")
      # %%
      print(net0(ones([1, 2])))
      """
    let a = try Network(inputShape: [2], layers: [.linear(outFeatures: 2)], seed: 7)
    try SafeTensors.save(a, to: weights)
    let out = folder + "/nb.out"
    #expect(run(script, text: setup, out: out).result.exitStatus == .ok)
    #expect(run(script, text: setup, out: out).reused == [1, 2, 3])
    let b = try Network(inputShape: [2], layers: [.linear(outFeatures: 2)], seed: 8)
    try SafeTensors.save(b, to: weights)
    let changed = run(script, text: setup, out: out)
    #expect(changed.reused == [1])
    let fresh = run(script, text: setup, out: folder + "/fresh.out", fresh: true)
    try expectSameOutputs(changed, fresh, "new weights")
    #expect(run(script, text: setup, out: out).reused == [1, 2, 3])
  }

  @Test func topLevelFunctionsAreKeptAndClosuresOverCallsAreNot() throws {
    let text = """
      # %%
      x = 2
      # %%
      scale = 3
      twice = fn(v) {
        scale * v
      }
      # %%
      print(twice(x))
      """
    let (folder, script) = try notebookWorkspace(text, prefix: "pgs-incremental")
    let out = folder + "/nb.out"
    let first = run(script, text: text, out: out)
    #expect(first.notes.isEmpty)
    // The restored function runs in the next cell, with its errors at the original lines.
    let edited = text.replacingOccurrences(of: "print(twice(x))", with: "print(twice(x))\nprint(twice(\"a\"))")
    let again = run(script, text: edited, out: out)
    #expect(again.reused == [1, 2])
    #expect(again.result.exitStatus == .runtimeError)
    let full = run(script, text: edited, out: folder + "/full.out", fresh: true)
    try expectSameOutputs(again, full, "function")

    let closure = """
      # %%
      x = 2
      # %%
      make = fn(k) {
        fn(v) { k * v }
      }
      twice = make(2)
      # %%
      print(twice(x))
      """
    let closed = run(script, text: closure, out: out)
    #expect(closed.notes.contains("cache: no snapshot after cell 2: 'twice' holds a function made inside another function, which a snapshot cannot keep; a rerun runs it again"))
    let rerun = run(script, text: closure, out: out)
    #expect(rerun.reused == [1])
    try expectSameOutputs(rerun, run(script, text: closure, out: folder + "/closure.out", fresh: true), "closure")
  }

  @Test func aReusedSweepCellRestoresItsFolderAndSummary() throws {
    let text = """
      # %%
      sweep "s": b in [1, 2, 3] {
        record(v: b * 2)
      }
      # %%
      print("after")
      """
    let (folder, script) = try notebookWorkspace(text, prefix: "pgs-incremental")
    let out = folder + "/nb.out"
    #expect(run(script, text: text, out: out).result.exitStatus == .ok)
    let edited = text.replacingOccurrences(of: "\"after\"", with: "\"later\"")
    let incremental = run(script, text: edited, out: out)
    #expect(incremental.reused == [1])
    #expect(files(out).keys.contains("sweeps/s/runs.csv"))
    #expect(incremental.result.outcome?.run.sweeps == [SweepSummary(name: "s", runs: 3, failed: 0)])
    let fresh = run(script, text: edited, out: folder + "/fresh.out", fresh: true)
    try expectSameOutputs(incremental, fresh, "sweep")
  }

  @Test func aMemoryCacheServesALoopInOneProcess() throws {
    let (folder, script) = try notebookWorkspace(Self.notebook, prefix: "pgs-incremental")
    let cache = MemoryCellCache()
    _ = run(script, text: Self.notebook, out: folder + "/a.out", cache: cache)
    let full = run(script, text: Self.notebook, out: folder + "/full.out", fresh: true, cache: MemoryCellCache())
    #expect(cache.keys.count == 4)
    let again = run(script, text: Self.notebook, out: folder + "/a.out", cache: cache)
    #expect(again.reused == [2, 3, 4, 5])
    try expectSameOutputs(again, full, "memory")
    #expect(!FileManager.default.fileExists(atPath: folder + "/a.out.cache/cells"))
  }
}

/// Snapshots of a session: every kind of value comes back equal, shared values stay shared.
@Suite struct SessionSnapshotTests {
  func roundTrip(_ source: String) throws -> (Interpreter, Interpreter) {
    let a = Interpreter(seed: 4)
    let (program, diagnostics) = a.check(SourceFile(path: "t.pgs", text: source))
    #expect(diagnostics.isEmpty)
    try a.run(try #require(program))
    let snapshot = try a.snapshot()
    let b = Interpreter(seed: 0)
    try b.restore(snapshot)
    return (a, b)
  }

  func shown(_ interpreter: Interpreter, _ expression: String) throws -> String {
    let (program, diagnostics) = interpreter.check(SourceFile(path: "e.pgs", text: "str(\(expression))"))
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    guard case .string(let text) = try interpreter.run(try #require(program)) else { return "?" }
    return text
  }

  @Test func everyKindOfValueRoundTrips() throws {
    let source = """
      n = 1.5
      big = 1e300
      b = true
      s = "héllo"
      z = nil
      l = [1, "a", [2, 3]]
      rec = {a: 1, b: [true, nil]}
      rg = 2..<7
      t = uniform([2, 3], -1, 1)
      big_t = normal([200, 100])
      net = network(input: [1, 6, 6]) {
        conv(2, 3)
        batchnorm()
        relu()
        dropout(0.5)
        flatten()
        linear(3, name: "out")
      }
      data = synthetic(count: 20, classes: 2, size: 6)
      h = train(net, data.train, epochs: 1, batch: 4, optimizer: sgd(lr: 0.1, momentum: 0.9))
      layer = net.out
      f = mean
      opt = adam(lr: 0.01)
      sched = cosine(floor: 0.1)
      alias = l
      g = fn(a) { a * n + len(l) }
      rules = [plain(), swap(0.3), proxy(anneal(0.6, 0.0)), proxy({relu1: 0.2, relu2: anneal(1, 0)}), redirect(steps: 7), open_relu(steps: 3)]
      sl = anneal(0.6, 0.1)
      same_g = g
      """
    let (a, b) = try roundTrip(source)
    #expect(try shown(b, "rules") == "[plain(), swap(0.3), proxy(anneal(0.6, 0)), proxy({relu1: 0.2, relu2: anneal(1, 0)}), redirect(steps: 7), open_relu(steps: 3)]")
    for name in ["n", "big", "b", "s", "z", "l", "rec", "rg", "t", "h", "f", "opt", "sched", "rules", "sl", "data.train.classes"] {
      #expect(try shown(a, name) == shown(b, name), "\(name)")
    }
    // Exact values, not their text.
    #expect(try shown(b, "g(2)") == "6")
    for expression in ["g(4)", "same_g(1)", "sum(t)", "sum(big_t * big_t)", "accuracy(net, data.test)", "sum(net(data.test.images))"] {
      #expect(try shown(a, expression) == shown(b, expression), "\(expression)")
    }
    guard case .tensor(let ta)? = a.global("big_t"), case .tensor(let tb)? = b.global("big_t") else {
      Issue.record("big_t")
      return
    }
    #expect(ta.values == tb.values)
    guard case .network(let na)? = a.global("net"), case .network(let nb)? = b.global("net") else {
      Issue.record("net")
      return
    }
    #expect(na.namedParameters.map(\.tensor.values) == nb.namedParameters.map(\.tensor.values))
    #expect(na.namedBuffers.map(\.tensor.values) == nb.namedBuffers.map(\.tensor.values))
    #expect(na.trainingStepCount == nb.trainingStepCount && na.trainingStepCount > 0)
    // The random stream and the network counter continue where they were.
    #expect(try shown(a, "normal([3])") == shown(b, "normal([3])"))
    let next = "network(input: [2]) {\n  linear(2)\n}(ones([1, 2]))"
    #expect(try shown(a, next) == shown(b, next))
    // Shared values stay shared: appending through one name shows through the other.
    _ = try shown(b, "append(alias, 9)")
    #expect(try shown(b, "len(l)") == "4")
    // Training continues identically (same dropout masks, same batch norm statistics).
    let more = "train(net, data.train, epochs: 1, batch: 4, optimizer: sgd(lr: 0.1))\naccuracy(net, data.test)"
    #expect(try shown(a, "[" + more.replacingOccurrences(of: "\n", with: ", ") + "]") == shown(b, "[" + more.replacingOccurrences(of: "\n", with: ", ") + "]"))
  }

  @Test func unsnapshottableValuesAreNamed() throws {
    let a = Interpreter()
    let (program, _) = a.check(SourceFile(path: "t.pgs", text: "x = 1\nterms = [tv()]\n"))
    try a.run(try #require(program))
    #expect(throws: SnapshotUnsupported(path: "terms[0]", what: "an objective")) { try a.snapshot() }
  }

  @Test func damagedSnapshotsAreErrorsThatChangeNothing() throws {
    let a = Interpreter()
    let (program, _) = a.check(SourceFile(path: "t.pgs", text: "x = [1, 2]\nt = ones([3])\n"))
    try a.run(try #require(program))
    let snapshot = try a.snapshot()
    let b = Interpreter()
    let (other, _) = b.check(SourceFile(path: "u.pgs", text: "y = 5\n"))
    try b.run(try #require(other))
    for cut in stride(from: 0, to: snapshot.bytes.count, by: 7) {
      var damaged = snapshot
      damaged.bytes = Array(snapshot.bytes.prefix(cut))
      #expect(throws: BinaryFormatError.self) { try b.restore(damaged) }
    }
    #expect(b.global("y").map { if case .number(5) = $0 { true } else { false } } == true)
    #expect(b.global("x") == nil)
  }
}
