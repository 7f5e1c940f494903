import Foundation
import Testing

/// The graph is released after every backward: resident memory stays flat over 10,000 training
/// steps. Measured in a process of its own, so other tests cannot disturb the number.
@Suite struct EngineMemoryTests {
  @Test func residentMemoryStaysFlatOverTenThousandSteps() throws {
    let outcome = try BuiltBinary.run(["memory", "--steps", "10000"], executable: BuiltBinary.bench)
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    let growth = try #require(json["growth_kb"] as? Int)
    // A graph kept alive per step would cost at least ~1 KiB a step: 9 MiB over 9,000 steps.
    #expect(growth < 512, "resident memory grew by \(growth) KiB between step 1,000 and 10,000")
  }
}
