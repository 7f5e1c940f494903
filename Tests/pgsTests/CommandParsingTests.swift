import ArgumentParser
import Testing

@testable import pgs

/// In-process parsing of the command line, without running anything.
@Suite struct CommandParsingTests {
  @Test func runTakesAFileAndASeed() throws {
    let command = try PGSCommand.parseAsRoot(["run", "nb.pgs", "--seed", "7"])
    let run = try #require(command as? PGSCommand.Run)
    #expect(run.file == "nb.pgs")
    #expect(run.seed == 7)
  }

  @Test func runReadsStandardInputWithADash() throws {
    let run = try #require(try PGSCommand.parseAsRoot(["run", "-"]) as? PGSCommand.Run)
    #expect(run.file == "-")
    #expect(run.seed == 0)
  }

  @Test func checkTakesAFile() throws {
    let check = try #require(try PGSCommand.parseAsRoot(["check", "a.pgs"]) as? PGSCommand.Check)
    #expect(check.file == "a.pgs")
  }

  @Test func missingFileIsAUsageError() {
    #expect(throws: (any Error).self) { try PGSCommand.parseAsRoot(["run"]) }
    #expect(PGSCommand.exitCode(for: ValidationError("x")).rawValue == 64)
  }
}
