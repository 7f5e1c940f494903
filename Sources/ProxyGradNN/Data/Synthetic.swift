import ProxyGradTensor

/// A labelled image set in memory: images `[N, C, H, W]` with pixels in [−1, 1] and one class
/// index per image.
public struct LabelledImages {
  public var images: Tensor
  public var labels: [Int]
  public var classes: [String]

  public init(images: Tensor, labels: [Int], classes: [String]) {
    precondition(images.rank == 4 && images.shape[0] == labels.count, "one label per image")
    self.images = images
    self.labels = labels
    self.classes = classes
  }

  public var count: Int { labels.count }
  /// The shape of one image, `[C, H, W]`.
  public var itemShape: [Int] { Array(images.shape.dropFirst()) }

  /// Images `range` with their labels.
  public func slice(_ range: Range<Int>) -> LabelledImages {
    LabelledImages(
      images: Autograd.withoutRecording { images.slice(range) }, labels: Array(labels[range]),
      classes: classes)
  }

  /// The images at `indices`, in that order (for shuffled batches).
  public func gathering(_ indices: [Int]) -> LabelledImages {
    let inner = images.count / max(count, 1)
    var values = [Float](repeating: 0, count: indices.count * inner)
    images.values.withUnsafeBufferPointer { src in
      values.withUnsafeMutableBufferPointer { dst in
        for (row, i) in indices.enumerated() {
          (dst.baseAddress! + row * inner).update(from: src.baseAddress! + i * inner, count: inner)
        }
      }
    }
    return LabelledImages(
      images: Tensor(shape: [indices.count] + itemShape, values: values),
      labels: indices.map { labels[$0] }, classes: classes)
  }
}

/// A seeded generator of simple labelled images: bars, diagonals, rings, crosses, blobs and
/// checkers, at random positions with noise. For tests and offline demos.
public enum SyntheticImages {
  /// The pattern of each class, in order.
  public static let patternNames = [
    "horizontal", "vertical", "diagonal", "antidiagonal", "ring", "cross", "blob", "checker",
    "corner", "dots",
  ]

  /// - Parameters:
  ///   - count: the number of images.
  ///   - classes: how many patterns (1...10) to use.
  ///   - size: height and width.
  ///   - channels: 1 (grey) or 3 (colour: each class has its own tint).
  ///   - noise: the standard deviation of added Gaussian noise.
  public static func make(
    count: Int, classes: Int = 4, size: Int = 12, channels: Int = 1, noise: Double = 0.1,
    seed: UInt64
  ) -> LabelledImages {
    precondition((1...patternNames.count).contains(classes) && size >= 4 && count >= 0)
    var rng = SplitMix64(seed: seed)
    let plane = size * size
    var values = [Float](repeating: -1, count: count * channels * plane)
    var labels = [Int](repeating: 0, count: count)
    var mask = [Float](repeating: 0, count: plane)
    for n in 0..<count {
      let label = n % classes
      labels[n] = label
      draw(pattern: label, size: size, into: &mask, rng: &rng)
      for c in 0..<channels {
        let tint: Float = channels == 1 ? 1 : 0.4 + 0.6 * Float((label + c) % 3) / 2
        for p in 0..<plane {
          let v = -1 + 2 * mask[p] * tint + Float(noise) * rng.nextNormal()
          values[(n * channels + c) * plane + p] = min(max(v, -1), 1)
        }
      }
    }
    return LabelledImages(
      images: Tensor(shape: [count, channels, size, size], values: values), labels: labels,
      classes: Array(patternNames.prefix(classes)))
  }

  private static func draw(pattern: Int, size s: Int, into mask: inout [Float], rng: inout SplitMix64) {
    for i in 0..<mask.count { mask[i] = 0 }
    let a = 1 + rng.nextInt(below: s - 2)  // a random line or centre
    let b = 1 + rng.nextInt(below: s - 2)
    func set(_ y: Int, _ x: Int) { if y >= 0 && y < s && x >= 0 && x < s { mask[y * s + x] = 1 } }
    switch pattern {
    case 0: for x in 0..<s { set(a, x); set(a + 1, x) }
    case 1: for y in 0..<s { set(y, a); set(y, a + 1) }
    case 2: for i in 0..<s { set(i, i + a - s / 2); set(i, i + a - s / 2 + 1) }
    case 3: for i in 0..<s { set(i, s - 1 - i + a - s / 2); set(i, s - i + a - s / 2) }
    case 4:
      let r = max(2, s / 4)
      for y in 0..<s {
        for x in 0..<s {
          let d = abs(y - a) + abs(x - b)
          if d == r || d == r - 1 { set(y, x) }
        }
      }
    case 5: for i in 0..<s { set(a, i); set(i, b) }
    case 6:
      for y in 0..<s { for x in 0..<s where (y - a) * (y - a) + (x - b) * (x - b) <= max(2, s / 6) * max(2, s / 6) { set(y, x) } }
    case 7: for y in 0..<s { for x in 0..<s where (y / 2 + x / 2 + a) % 2 == 0 { set(y, x) } }
    case 8: for i in 0..<(s / 2) { set(a / 2, a / 2 + i); set(a / 2 + i, a / 2) }
    default: for y in stride(from: a % 3, to: s, by: 3) { for x in stride(from: b % 3, to: s, by: 3) { set(y, x) } }
    }
  }
}
