/// Layer specs are `Codable` so that a snapshot of a session (incremental reruns of notebooks,
/// docs/notebooks.md) can rebuild a network from the layers it was written with.
extension Elementwise.Function: Codable {}
extension ConstantOp: Codable {}
