import Foundation
import ProxyGradRuntime
import ProxyGradSyntax
import Testing

/// The `sweep` statement without a front end: the grid, fresh scopes, `record`, failures and the
/// summary statistics.
@Suite struct SweepTests {
  /// Runs a script; returns its output events and the error it stopped with.
  func run(_ text: String) throws -> (events: [OutputEvent], text: String, error: RuntimeError?) {
    let buffer = OutputBuffer()
    let interpreter = Interpreter(output: buffer)
    let (program, diagnostics) = interpreter.check(SourceFile(path: "t.pgs", text: text))
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
    let resolved = try #require(program)
    let error = Interpreter.onLargeStack { () -> RuntimeError? in
      do throws(RuntimeError) {
        try interpreter.run(resolved)
        return nil
      } catch { return error }
    }
    return (buffer.events, buffer.text, error)
  }

  func tables(_ events: [OutputEvent]) -> [(title: String?, columns: [String], rows: [[TableCell]])] {
    events.compactMap { event in
      if case .table(let title, let columns, let rows, _) = event { return (title, columns, rows) }
      return nil
    }
  }

  func diagnostics(_ text: String) -> [String] {
    Interpreter().check(SourceFile(path: "t.pgs", text: text)).diagnostics.map(\.message)
  }

  @Test func theGridRunsEveryCombinationWithTheFirstVariableOutermost() throws {
    let (events, _, error) = try run(
      "sweep a in [1, 2], b in [\"x\", \"y\"], c in 0..<2 { record(v: a) }")
    #expect(error == nil)
    let runs = try #require(tables(events).first)
    #expect(runs.columns == ["a", "b", "c", "v"])
    let configurations = runs.rows.map { $0.prefix(3).map(\.description).joined(separator: " ") }
    #expect(configurations == [
      "1 x 0", "1 x 1", "1 y 0", "1 y 1", "2 x 0", "2 x 1", "2 y 0", "2 y 1",
    ])
  }

  @Test func aRunMayRecordSeveralRows() throws {
    let (events, _, _) = try run("sweep a in [1, 2] { record(v: a)\n record(v: a * 10) }")
    let runs = try #require(tables(events).first)
    #expect(runs.rows == [[.number(1), .number(1)], [.number(1), .number(10)], [.number(2), .number(2)], [.number(2), .number(20)]])
  }

  @Test func theSummaryIsTheMeanSampleStdAndCountOverSeeds() throws {
    // slope 1: values 1, 2, 4 → mean 7/3, sample variance ((4/3)² + (1/3)² + (5/3)²) / 2 = 7/3.
    // slope 2: values 3, 3, 3 → mean 3, std 0.
    let (events, _, _) = try run("""
      values = {a: [1, 2, 4], b: [3, 3, 3]}
      sweep slope in [1, 2], seed in 0...2 {
        list = if slope == 1 { values.a } else { values.b }
        record(v: list[seed])
      }
      """)
    let summary = try #require(tables(events).last)
    #expect(summary.title == "summary over seed: 6 runs, 0 failed")
    #expect(summary.columns == ["slope", "runs", "failed", "v_mean", "v_std", "v_n"])
    guard case .number(let mean) = summary.rows[0][3], case .number(let std) = summary.rows[0][4] else {
      Issue.record("expected numbers")
      return
    }
    #expect(abs(mean - 7.0 / 3.0) < 1e-12)
    #expect(abs(std - (7.0 / 3.0).squareRoot()) < 1e-12)
    #expect(summary.rows[0][5] == .number(3))
    #expect(summary.rows[1] == [.number(2), .number(3), .number(0), .number(3), .number(0), .number(3)])
  }

  @Test func statisticsOfOneValueHaveNoStd() {
    let s = SweepResults.statistics([5])
    #expect(s.mean == 5 && s.std == nil && s.n == 1)
    let t = SweepResults.statistics([2, 4, 4, 4, 5, 5, 7, 9])
    #expect(t.mean == 5)
    #expect(abs(t.std! - (32.0 / 7.0).squareRoot()) < 1e-12)
  }

  @Test func eachRunStartsFromTheStateBeforeTheSweep() throws {
    let (events, text, error) = try run("""
      items = [1]
      count = 0
      bump = fn() { count = count + 1 }
      sweep a in [1, 2, 3] {
        append(items, a)
        bump()
        local = a
        record(n: items.count, count: count)
      }
      print(items.count, count)
      """)
    #expect(error == nil)
    let runs = try #require(tables(events).first)
    #expect(runs.rows.map { $0[1] } == [.number(2), .number(2), .number(2)])
    #expect(runs.rows.map { $0[2] } == [.number(1), .number(1), .number(1)])
    #expect(text.hasSuffix("1 0\n"))
  }

  @Test func sweepVariablesAndLocalsDoNotOutliveTheSweep() {
    #expect(diagnostics("sweep a in [1] { b = a }\nprint(a)\nprint(b)") == [
      "undefined name 'a'", "undefined name 'b'",
    ])
  }

  @Test func breakAndReturnCannotLeaveASweep() {
    #expect(diagnostics("sweep a in [1] { break }").first?.contains("'break' cannot stop a sweep") == true)
    #expect(diagnostics("f = fn() { sweep a in [1] { return 1 } }") == ["'return' cannot leave a sweep's run"])
    #expect(diagnostics("sweep a in [1] { for i in [1] { break } }").isEmpty)
    #expect(diagnostics("sweep a in [1], retries: 2 { }").first?.contains("no option named 'retries'") == true)
  }

  @Test func aFailingRunIsRecordedAndTheSweepGoesOn() throws {
    let (events, _, error) = try run("sweep a in [1, 2, 3] {\n  i = if a == 2 { 6 } else { a - 1 }\n  record(x: [10, 20, 30][i])\n}")
    #expect(error == nil)
    let tables = tables(events)
    #expect(tables[0].columns == ["a", "x", "error"])
    #expect(tables[0].rows[1] == [.number(2), .string(""), .string("3:13: index 6 is out of range for a list of 3 items")])
    #expect(tables[1].title == "summary: 3 runs, 1 failed")
  }

  @Test func stopOnErrorFailsTheSweepAtTheFirstFailingRun() throws {
    let (events, _, error) = try run(
      "sweep \"s\": a in [1, 2, 3], stop_on_error: true {\n  record(x: [10][a - 1])\n}")
    let failure = try #require(error)
    #expect(failure.message == "sweep stopped: the run a=2 failed: 2:13: index 1 is out of range for a list of 1 items")
    #expect(tables(events)[0].rows.count == 2)
    #expect(tables(events)[1].title == "summary: 2 runs, 1 failed")
  }

  @Test func aNameMustBeAFolderName() throws {
    let (_, _, error) = try run("sweep \"../x\": a in [1] { }")
    #expect(error?.message.contains("a folder name") == true)
  }

  @Test func theParserReadsNamesAndOptions() {
    let (program, diagnostics) = Parser.parse(
      SourceFile(path: "t", text: "sweep \"ab\": s in [1], stop_on_error: true { record(a: s) }"))
    #expect(diagnostics.isEmpty)
    #expect(program.statements.first?.description == "(sweep \"ab\" s [1] stop_on_error: true {(call record a: s)})")
  }
}
