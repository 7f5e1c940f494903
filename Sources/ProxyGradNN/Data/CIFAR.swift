import ProxyGradTensor

/// The CIFAR-10 binary format: records of 1 label byte and 3072 pixel bytes (3×32×32, channel
/// planes in order R, G, B).
public enum CIFAR10 {
  public static let classes = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
  ]
  static let recordSize = 1 + 3 * 32 * 32

  /// Loads one or more batch files into one set.
  public static func load(files: [String]) throws(DataError) -> LabelledImages {
    var values: [Float] = []
    var labels: [Int] = []
    for path in files {
      let bytes = try FileBytes.read(path)
      guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
        throw DataError(
          path: path, offset: bytes.count - bytes.count % recordSize,
          "expected whole CIFAR-10 records of \(recordSize) bytes; the file has \(bytes.count) bytes (truncated?)")
      }
      let count = bytes.count / recordSize
      values.reserveCapacity(values.count + count * 3072)
      for r in 0..<count {
        let base = r * recordSize
        let label = Int(bytes[base])
        guard label < classes.count else {
          throw DataError(path: path, offset: base, "label \(label) is out of range 0..<10")
        }
        labels.append(label)
        for i in 1...3072 { values.append(Float(bytes[base + i]) / 127.5 - 1) }
      }
    }
    return LabelledImages(
      images: Tensor(shape: [labels.count, 3, 32, 32], values: values), labels: labels, classes: classes)
  }

  /// The training (`data_batch_1…5.bin`) and test (`test_batch.bin`) sets of a
  /// `cifar-10-batches-bin` folder.
  public static func load(folder: String) throws(DataError) -> (train: LabelledImages, test: LabelledImages) {
    let train = (1...5).map { "\(folder)/data_batch_\($0).bin" }
    for path in train + ["\(folder)/test_batch.bin"] where !fileExists(path) {
      throw DataError(path: path, "not found; expected the CIFAR-10 binary version (cifar-10-batches-bin)")
    }
    return (try load(files: train), try load(files: ["\(folder)/test_batch.bin"]))
  }
}
