import ProxyGradTensor

/// Global average pooling: `[C, H, W]` → `[C]`, the mean of every channel.
public final class GlobalAveragePool: Layer {
  public let name: String
  public let kind = "gap"
  public let inputShape: [Int]
  public var outputShape: [Int] { [inputShape[0]] }
  public var summary: String { "gap()" }

  /// - Parameters:
  ///   - inputShape: `[C, H, W]` of one item.
  public init(name: String, inputShape: [Int]) {
    precondition(inputShape.count == 3, "global average pooling needs [C, H, W]")
    self.name = name
    self.inputShape = inputShape
  }

  public func callAsFunction(_ x: Tensor, policy: SlopePolicy) -> Tensor { globalAveragePool(x) }
}
