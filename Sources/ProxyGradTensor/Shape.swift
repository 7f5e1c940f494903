/// Shape arithmetic shared by the ops.
public enum Shape {
  /// The number of elements of a shape.
  @inline(__always)
  public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

  /// The NumPy broadcast of two shapes, or nil when they do not broadcast.
  public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      if da == db || db == 1 {
        result[i] = da
      } else if da == 1 {
        result[i] = db
      } else {
        return nil
      }
    }
    return result
  }

  /// Row-major strides of `shape` aligned to `rank` axes, with 0 on broadcast axes.
  static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let offset = target.count - shape.count
    var strides = [Int](repeating: 0, count: target.count)
    var stride = 1
    for i in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
      strides[i + offset] = shape[i] == 1 && target[i + offset] != 1 ? 0 : stride
      stride *= shape[i]
    }
    return strides
  }

  /// A human-readable shape: `[2, 3]`.
  public static func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }
}
