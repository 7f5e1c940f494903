import Foundation
import ProxyGradNN
import ProxyGradTestSupport
import Testing

/// Loaders on files the tests build, including corrupt ones.
@Suite struct DataTests {
  let folder: String = {
    let path = NSTemporaryDirectory() + "pgs-data-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }()

  func write(_ name: String, _ bytes: [UInt8]) -> String {
    let path = "\(folder)/\(name)"
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
  }

  func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

  func idxImages(count: Int, h: Int = 2, w: Int = 3, magic: Int = 0x803) -> [UInt8] {
    be32(magic) + be32(count) + be32(h) + be32(w) + (0..<(count * h * w)).map { UInt8($0 * 50 % 256) }
  }

  func idxLabels(_ labels: [UInt8], magic: Int = 0x801) -> [UInt8] { be32(magic) + be32(labels.count) + labels }

  func expectError(_ expected: String, offset: Int? = nil, _ body: () throws -> Void) {
    do {
      try body()
      Issue.record("expected an error containing '\(expected)'")
    } catch let error as DataError {
      #expect(error.description.contains(expected), "\(error)")
      if let offset { #expect(error.offset == offset, "\(error)") }
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func idxPairLoadsScaledToPlusMinusOne() throws {
    let images = write("i", idxImages(count: 2))
    let labels = write("l", idxLabels([1, 0]))
    let set = try IDX.load(images: images, labels: labels, classes: ["a", "b"])
    #expect(set.images.shape == [2, 1, 2, 3])
    #expect(set.labels == [1, 0])
    let expected: [Double] = [-1, 50 / 127.5 - 1, 100 / 127.5 - 1]
    #expect(isApproximatelyEqual(Array(set.images.values[0..<3]), expected))
  }

  @Test func gzipFilesAreInflated() throws {
    let images = write("i", idxImages(count: 2))
    let labels = write("l", idxLabels([1, 0]))
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
    gzip.arguments = ["-k", images, labels]
    try gzip.run()
    gzip.waitUntilExit()
    let set = try IDX.load(images: images + ".gz", labels: labels + ".gz", classes: ["a", "b"])
    #expect(set.count == 2)
  }

  @Test func corruptIDXFilesAreClearErrors() {
    let labels = write("l", idxLabels([0, 1]))
    let wrongMagic = write("m", idxImages(count: 2, magic: 0x801))
    expectError("expected the IDX image magic number 0x00000803, found 0x00000801", offset: 0) {
      _ = try IDX.load(images: wrongMagic, labels: labels, classes: ["a", "b"])
    }
    let truncated = write("t", Array(idxImages(count: 2).dropLast(3)))
    expectError("truncated: the header announces 2 images of 2×3") {
      _ = try IDX.load(images: truncated, labels: labels, classes: ["a", "b"])
    }
    let short = write("s", [0, 0, 8])
    expectError("ends inside its 16-byte IDX image header", offset: 3) {
      _ = try IDX.load(images: short, labels: labels, classes: ["a", "b"])
    }
    let three = write("3", idxImages(count: 3))
    expectError("2 labels for 3 images") {
      _ = try IDX.load(images: three, labels: labels, classes: ["a", "b"])
    }
    let outOfRange = write("r", idxLabels([0, 7]))
    expectError("label 7 is out of range 0..<2", offset: 9) {
      _ = try IDX.load(images: write("i2", idxImages(count: 2)), labels: outOfRange, classes: ["a", "b"])
    }
    let zeroSize = write("z", be32(0x803) + be32(1) + be32(0) + be32(3))
    expectError("image size 0×3 is not a plausible size", offset: 8) {
      _ = try IDX.load(images: zeroSize, labels: write("l1", idxLabels([0])), classes: ["a"])
    }
    expectError("cannot open the file") {
      _ = try IDX.load(images: "\(folder)/missing", labels: labels, classes: ["a"])
    }
  }

  @Test func cifarRecordsAndErrors() throws {
    let record: [UInt8] = [3] + [UInt8](repeating: 255, count: 3072)
    let ok = write("c", record + record)
    let set = try CIFAR10.load(files: [ok])
    #expect(set.images.shape == [2, 3, 32, 32] && set.labels == [3, 3] && set.images.values[0] == 1)
    expectError("expected whole CIFAR-10 records of 3073 bytes") {
      _ = try CIFAR10.load(files: [write("c2", record + [1, 2])])
    }
    expectError("label 12 is out of range", offset: 3073) {
      _ = try CIFAR10.load(files: [write("c3", record + [12] + record.dropFirst())])
    }
  }

  @Test func fashionMNISTFromTheDebianPackage() throws {
    guard FileManager.default.fileExists(atPath: StandardDatasets.fashionMNISTFolder) else {
      Issue.record("dataset-fashion-mnist is not installed; scripts/setup installs it")
      return
    }
    let (train, test) = try StandardDatasets.fashionMNIST()
    #expect(train.images.shape == [60000, 1, 28, 28])
    #expect(test.count == 10000)
    #expect(Set(test.labels) == Set(0..<10))
    #expect(train.classes[9] == "Ankle boot")
  }

  @Test func missingDatasetNamesThePackage() {
    expectError("apt-get install dataset-fashion-mnist") {
      _ = try StandardDatasets.fashionMNIST(folder: "\(folder)/nothing-here")
    }
  }
}
