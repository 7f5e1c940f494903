import Foundation

/// The model zoo's definitions, in PGS. `pgs` ships them inside the binary; `ModelZoo` runs them
/// in an interpreter of their own and calls them with every argument by name. Shown by
/// `help("vgg")` and `help("resnet")`, and quoted in docs/language.md (a test keeps the two equal).
public enum ZooSource {
  public static let text = #"""
# A VGG-style plain CNN: depth 3×3 convolutions (padding 1) with ReLU, no batch norm, in
# stages of two; after each stage a 2×2 max pooling (while the image is at least 2 pixels
# wide) and the width doubles. Then flatten and one linear layer.
vgg = fn(depth, width, classes, input, seed) {
  network(input: input, seed: seed) {
    c = width
    size = min(input[1], input[2])
    for i in 1...depth {
      conv(c, 3, pad: 1)
      relu()
      if i % 2 == 0 or i == depth {
        if size >= 2 {
          maxpool(2)
          size = floor(size / 2)
        }
        c = c * 2
      }
    }
    flatten()
    linear(classes)
  }
}

# A ResNet for small images: a stem (3×3 conv, batch norm, ReLU), then one stage per entry of
# blocks with that many basic blocks (two 3×3 convs with batch norm, the identity or a 1×1
# projection on the skip path, ReLU after the sum). Every stage after the first halves the
# size with a stride-2 first conv and doubles the width. Then global average pooling and one
# linear layer.
resnet = fn(blocks, width, classes, input, seed) {
  network(input: input, seed: seed) {
    conv(width, 3, pad: 1)
    batchnorm()
    relu()
    c = width
    stage = 0
    for n in blocks {
      for i in 1...n {
        down = stage > 0 and i == 1
        if down { c = c * 2 }
        residual(project: down) {
          conv(c, 3, stride: if down { 2 } else { 1 }, pad: 1)
          batchnorm()
          relu()
          conv(c, 3, pad: 1)
          batchnorm()
        }
        relu()
      }
      stage += 1
    }
    gap()
    linear(classes)
  }
}
"""#

  /// The definition of one zoo function: its comment and its `name = fn ...` up to the next
  /// blank line.
  static func definition(of name: String) -> String {
    let paragraphs = text.components(separatedBy: "\n\n")
    return paragraphs.first { $0.contains("\n\(name) = fn(") || $0.hasPrefix("\(name) = fn(") } ?? ""
  }
}
