extension Workloads {
  /// W4: a 10⁶-iteration scalar loop in the PGS language. Available once the language runtime is
  /// linked in.
  static func interpreterLoop() throws -> () -> Void {
    throw BenchError("W4 needs the language runtime")
  }
}
