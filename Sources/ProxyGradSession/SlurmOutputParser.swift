/// Reads what `sbatch`, `squeue` and `scontrol` print. Pure functions over text, so they are
/// tested with recorded output.
package enum SlurmOutputParser {
  /// The `squeue` format `parseQueue` reads: array job id, array task id, state, reason, node.
  package static let queueFormat = "%F|%K|%T|%r|%N"

  /// The job id that `sbatch --parsable` printed (`12` or `12;cluster`).
  package static func submittedJobID(_ text: String) -> String? {
    let line = text.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
    let id = String(line.prefix(while: { $0 != ";" })).trimmingWhitespace
    return !id.isEmpty && id.allSatisfy(\.isNumber) ? id : nil
  }

  /// `squeue -h -r -o '%F|%K|%T|%r|%N'` lines, one per array task; a line whose task id is still
  /// a range (`2-5%2`) stands for every task in it.
  package static func parseQueue(_ text: String) -> [SlurmTaskState] {
    var tasks: [SlurmTaskState] = []
    for line in text.split(whereSeparator: \.isNewline) {
      let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
        String($0).trimmingWhitespace
      }
      guard fields.count >= 3, !fields[0].isEmpty else { continue }
      let reason = fields.count > 3 ? nonEmpty(fields[3]) : nil
      let node = fields.count > 4 ? nonEmpty(fields[4]) : nil
      for index in taskIndices(fields[1]) {
        tasks.append(
          SlurmTaskState(
            arrayJobID: fields[0], index: index, state: fields[2],
            reason: reason == "None" ? nil : reason, node: node))
      }
    }
    return tasks
  }

  /// `scontrol show job -o JOB` records (one per line), one state per array task. Records of
  /// other jobs, or of jobs that are not arrays, are skipped.
  package static func parseJobRecords(_ text: String) -> [SlurmTaskState] {
    var tasks: [SlurmTaskState] = []
    for line in text.split(whereSeparator: \.isNewline) {
      let fields = jobFields(String(line))
      guard let arrayJobID = fields["ArrayJobId"], let taskIDs = fields["ArrayTaskId"],
        let state = fields["JobState"]
      else { continue }
      let indices = taskIndices(taskIDs)
      // A record of several pending tasks names no real log file yet.
      let single = indices.count == 1 && taskIDs.allSatisfy(\.isNumber)
      for index in indices {
        tasks.append(
          SlurmTaskState(
            arrayJobID: arrayJobID, index: index, state: state,
            reason: fields["Reason"].flatMap { $0 == "None" ? nil : nonEmpty($0) },
            node: fields["NodeList"].flatMap { $0 == "(null)" ? nil : nonEmpty($0) },
            exitCode: fields["ExitCode"],
            logPath: single ? fields["StdOut"] : nil))
      }
    }
    return tasks
  }

  /// The `Key=value` fields of one `scontrol -o` record. A word without `=` continues the
  /// previous value (values such as paths may hold spaces).
  package static func jobFields(_ line: String) -> [String: String] {
    var fields: [String: String] = [:]
    var lastKey: String?
    for word in line.split(separator: " ", omittingEmptySubsequences: true) {
      if let equals = word.firstIndex(of: "="), isKey(word[..<equals]) {
        let key = String(word[..<equals])
        fields[key] = String(word[word.index(after: equals)...])
        lastKey = key
      } else if let key = lastKey {
        fields[key, default: ""] += " " + word
      }
    }
    return fields
  }

  /// The indices in an array task id list: `3`, `0-5`, `1,3,7-9`, `[2-5%2]`.
  package static func taskIndices(_ text: String) -> [Int] {
    var list = text.trimmingWhitespace
    if list.hasPrefix("[") && list.hasSuffix("]") { list = String(list.dropFirst().dropLast()) }
    if let percent = list.firstIndex(of: "%") { list = String(list[..<percent]) }
    var indices: [Int] = []
    for part in list.split(separator: ",") {
      let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
      if bounds.count == 1, let value = Int(bounds[0]) {
        indices.append(value)
      } else if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high,
        high - low < 1_000_000
      {
        indices += Array(low...high)
      }
    }
    return indices
  }

  static func isKey(_ text: Substring) -> Bool {
    guard let first = text.first, first.isLetter else { return false }
    return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" || $0 == "/" }
  }

  static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }
}

extension String {
  fileprivate var trimmingWhitespace: String {
    var slice = Substring(self)
    while slice.first?.isWhitespace == true { slice.removeFirst() }
    while slice.last?.isWhitespace == true { slice.removeLast() }
    return String(slice)
  }
}
