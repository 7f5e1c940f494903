import ProxyGradTensor

/// Lucid's Laplacian-pyramid image parameterization (`lucid/optvis/param/spatial.py`,
/// `laplacian_pyramid_image`): the sum of `levels` tensors, level k of size
/// `⌊H/2ᵏ⌋ × ⌊W/2ᵏ⌋`, each resized bilinearly to `H × W` as Lucid's `lowres_tensor` resizes
/// (TensorFlow 1's `resize_bilinear`, see `resizeBilinear`).
///
/// ```
/// x = Σ_{k < levels} resize(Lₖ, H, W),   Lₖ : [N, C, ⌊H/2ᵏ⌋, ⌊W/2ᵏ⌋]
/// ```
/// Coarse levels move large regions at once, so steps on them act like low frequencies.
public struct LaplacianPyramid: Equatable, Sendable {
  public var channels: Int
  public var height: Int
  public var width: Int
  public var levels: Int

  public init(channels: Int, height: Int, width: Int, levels: Int = 4) {
    precondition(channels > 0 && levels > 0 && height >> (levels - 1) > 0 && width >> (levels - 1) > 0, "pyramid sizes")
    (self.channels, self.height, self.width, self.levels) = (channels, height, width, levels)
  }

  /// The most levels an image of `height`×`width` allows: the coarsest keeps at least one pixel
  /// per side.
  public static func maxLevels(height: Int, width: Int) -> Int {
    var n = 0
    while height >> n > 0 && width >> n > 0 { n += 1 }
    return n
  }

  /// The shape of one image's level k, `[C, ⌊H/2ᵏ⌋, ⌊W/2ᵏ⌋]`, for k in 0..<levels.
  public var levelShapes: [[Int]] {
    (0..<levels).map { [channels, height >> $0, width >> $0] }
  }

  /// The sum `[N, C, H, W]` of the levels `[N] + levelShapes[k]`, each resized to full size.
  public func sum(_ tensors: [Tensor]) -> Tensor {
    precondition(tensors.count == levels, "pyramid levels")
    var total = tensors[0]
    for level in tensors.dropFirst() { total = total + resizeBilinear(level, height: height, width: width) }
    return total
  }
}
