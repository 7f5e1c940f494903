import Foundation

/// The array a sweep was last submitted as, kept beside its batch script (`slurm/job.json`), so
/// that a rerun or `pgs collect` finds a job that is still running instead of submitting the same
/// points twice.
package struct SlurmJobRecord: Codable, Equatable, Sendable {
  /// The array's job id.
  package var jobID: String
  /// The points it runs (array task ids).
  package var indices: [Int]
  /// The batch script it was submitted from.
  package var scriptPath: String
  /// The tasks' log folder.
  package var logFolder: String

  package init(jobID: String, indices: [Int], scriptPath: String, logFolder: String) {
    self.jobID = jobID
    self.indices = indices
    self.scriptPath = scriptPath
    self.logFolder = logFolder
  }

  /// The record at `path`, or nil when there is none or it cannot be read.
  package static func load(from path: String) -> SlurmJobRecord? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONDecoder().decode(SlurmJobRecord.self, from: data)
  }

  /// Writes the record atomically (temporary file and rename).
  package func save(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// The log file of one task, as the batch script names it.
  package func logPath(index: Int) -> String {
    "\(logFolder)/\(jobID)_\(index).log"
  }
}
