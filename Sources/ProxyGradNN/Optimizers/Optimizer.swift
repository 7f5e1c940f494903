import ProxyGradTensor

/// Updates parameters from their gradients. The optimizer keeps one state per parameter,
/// matched by position, so it must always be given the same parameters in the same order.
public protocol Optimizer {
  /// Applies one update to every parameter that has a gradient, in place.
  mutating func step(_ parameters: [Tensor])
  /// The current learning rate (schedules change it between steps).
  var learningRate: Double { get set }
}
