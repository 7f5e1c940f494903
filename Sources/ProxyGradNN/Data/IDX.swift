import ProxyGradTensor

/// The IDX format of MNIST and Fashion-MNIST (plain or gzip): images `[N, H, W]` of unsigned
/// bytes (magic 0x00000803) and labels `[N]` (magic 0x00000801).
public enum IDX {
  /// Loads an image file and a label file as images in [−1, 1] with their labels.
  /// - Parameters:
  ///   - classes: the class names; labels must be below their count.
  public static func load(images imagePath: String, labels labelPath: String, classes: [String])
    throws(DataError) -> LabelledImages
  {
    let imageBytes = try FileBytes.read(imagePath)
    let labelBytes = try FileBytes.read(labelPath)
    let (count, height, width) = try imageHeader(imageBytes, path: imagePath)
    let labelCount = try labelHeader(labelBytes, path: labelPath)
    guard count == labelCount else {
      throw DataError(
        path: labelPath, "\(labelCount) labels for \(count) images in \(imagePath): the counts must agree")
    }
    let plane = height * width
    var values = [Float](repeating: 0, count: count * plane)
    for i in 0..<(count * plane) { values[i] = Float(imageBytes[16 + i]) / 127.5 - 1 }
    var labels = [Int](repeating: 0, count: count)
    for i in 0..<count {
      let label = Int(labelBytes[8 + i])
      guard label < classes.count else {
        throw DataError(
          path: labelPath, offset: 8 + i, "label \(label) is out of range 0..<\(classes.count)")
      }
      labels[i] = label
    }
    return LabelledImages(
      images: Tensor(shape: [count, 1, height, width], values: values), labels: labels,
      classes: classes)
  }

  static func imageHeader(_ b: [UInt8], path: String) throws(DataError) -> (Int, Int, Int) {
    try checkHeader(b, path: path, size: 16, magic: 0x0803, kind: "image", other: "a label")
    let (n, h, w) = (FileBytes.uint32BE(b, 4), FileBytes.uint32BE(b, 8), FileBytes.uint32BE(b, 12))
    guard h > 0, w > 0, h <= 4096, w <= 4096 else {
      throw DataError(path: path, offset: 8, "image size \(h)×\(w) is not a plausible size (1...4096)")
    }
    guard b.count >= 16 + n * h * w else {
      throw DataError(
        path: path, offset: b.count,
        "truncated: the header announces \(n) images of \(h)×\(w) (\(16 + n * h * w) bytes), the file has \(b.count)")
    }
    return (n, h, w)
  }

  static func labelHeader(_ b: [UInt8], path: String) throws(DataError) -> Int {
    try checkHeader(b, path: path, size: 8, magic: 0x0801, kind: "label", other: "an image")
    let n = FileBytes.uint32BE(b, 4)
    guard b.count >= 8 + n else {
      throw DataError(
        path: path, offset: b.count, "truncated: the header announces \(n) labels, the file has \(b.count - 8)")
    }
    return n
  }

  /// Checks that a `kind` file ("image" or "label") holds its `size`-byte header and starts with
  /// its magic number; `other` names the kind of file a wrong magic number may belong to.
  private static func checkHeader(
    _ b: [UInt8], path: String, size: Int, magic expected: Int, kind: String, other: String
  ) throws(DataError) {
    guard b.count >= size else {
      throw DataError(path: path, offset: b.count, "the file ends inside its \(size)-byte IDX \(kind) header")
    }
    let magic = FileBytes.uint32BE(b, 0)
    guard magic == expected else {
      throw DataError(
        path: path, offset: 0,
        "expected the IDX \(kind) magic number 0x\(hex(expected)), found 0x\(hex(magic)) (is this \(other) file or not IDX?)")
    }
  }

  private static func hex(_ v: Int) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
  }
}

/// Fashion-MNIST from Debian's `dataset-fashion-mnist` package, and MNIST-layout folders.
public enum StandardDatasets {
  public static let fashionMNISTFolder = "/usr/share/datasets/fashion-mnist"
  public static let fashionMNISTClasses = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
    "Ankle boot",
  ]
  public static let digitClasses = (0..<10).map(String.init)

  /// The training and test sets of an MNIST-layout folder (`train-images-idx3-ubyte[.gz]`, …).
  public static func mnistLayout(folder: String, classes: [String], missingHint: String)
    throws(DataError) -> (train: LabelledImages, test: LabelledImages)
  {
    func file(_ stem: String) throws(DataError) -> String {
      for candidate in ["\(folder)/\(stem).gz", "\(folder)/\(stem)"] where fileExists(candidate) {
        return candidate
      }
      throw DataError(path: "\(folder)/\(stem)[.gz]", "not found; \(missingHint)", isAccess: true)
    }
    let train = try IDX.load(
      images: try file("train-images-idx3-ubyte"), labels: try file("train-labels-idx1-ubyte"),
      classes: classes)
    let test = try IDX.load(
      images: try file("t10k-images-idx3-ubyte"), labels: try file("t10k-labels-idx1-ubyte"),
      classes: classes)
    return (train, test)
  }

  /// Fashion-MNIST's training and test sets.
  public static func fashionMNIST(folder: String = fashionMNISTFolder)
    throws(DataError) -> (train: LabelledImages, test: LabelledImages)
  {
    try mnistLayout(
      folder: folder, classes: fashionMNISTClasses,
      missingHint: "install Debian's package: apt-get install dataset-fashion-mnist")
  }
}

func fileExists(_ path: String) -> Bool {
  guard let f = fopenRead(path) else { return false }
  fcloseFile(f)
  return true
}
