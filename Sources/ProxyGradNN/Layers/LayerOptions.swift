import ProxyGradTensor

/// Two sizes of a 2-D window: a kernel, a stride or a dilation (`height` first, as PyTorch's
/// `(kh, kw)`).
public struct Size2d: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
  public var height: Int
  public var width: Int
  public init(_ height: Int, _ width: Int) { (self.height, self.width) = (height, width) }
  /// The same size both ways.
  public init(_ both: Int) { self.init(both, both) }
  public var isSquare: Bool { height == width }
  /// `(height, width)`, as the ops take it.
  public var pair: (Int, Int) { (height, width) }
  /// `3` for a square size, `[3, 5]` otherwise (the PGS spelling).
  public var description: String { isSquare ? "\(height)" : "[\(height), \(width)]" }
}

extension Padding2d {
  /// `1` when every side is the same, `[1, 2]` for (vertical, horizontal), else
  /// `[top, left, bottom, right]` (the PGS spelling).
  public var pgsDescription: String {
    if isUniform { return "\(top)" }
    if top == bottom && left == right { return "[\(top), \(left)]" }
    return "[\(top), \(left), \(bottom), \(right)]"
  }
}

/// The hyper-parameters of a convolution layer: PyTorch's `nn.Conv2d` and ONNX's `Conv`.
public struct ConvOptions: Equatable, Sendable, Codable {
  public var outChannels: Int
  public var kernel: Size2d
  public var stride: Size2d
  public var padding: Padding2d
  public var dilation: Size2d
  /// Channel groups; input and output channels are both divisible by it (depthwise: groups =
  /// input channels).
  public var groups: Int
  /// Whether the layer has a bias (PyTorch's `bias=True`).
  public var bias: Bool

  public init(
    outChannels: Int, kernel: Size2d, stride: Size2d = Size2d(1), padding: Padding2d = .zero,
    dilation: Size2d = Size2d(1), groups: Int = 1, bias: Bool = true
  ) {
    self.outChannels = outChannels
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
    self.bias = bias
  }

  /// Whether `LayerSpec.conv(outChannels:kernel:stride:padding:)` says the same: a square
  /// kernel, one stride, the same padding on every side, no dilation, one group, a bias.
  public var isSquare: Bool {
    kernel.isSquare && stride.isSquare && padding.isUniform && dilation == Size2d(1) && groups == 1
      && bias
  }

  /// The `conv(...)` call that makes this layer.
  public var pgsDescription: String {
    var s = "conv(\(outChannels), \(kernel)"
    if stride != Size2d(1) { s += ", stride: \(stride)" }
    if padding != .zero { s += ", pad: \(padding.pgsDescription)" }
    if dilation != Size2d(1) { s += ", dilation: \(dilation)" }
    if groups != 1 { s += ", groups: \(groups)" }
    if !bias { s += ", bias: false" }
    return s
  }
}

/// The hyper-parameters of a pooling layer: PyTorch's `MaxPool2d`/`AvgPool2d`, ONNX's
/// `MaxPool`/`AveragePool`.
public struct PoolOptions: Equatable, Sendable, Codable {
  public var mode: Pool2d.Mode
  public var kernel: Size2d
  public var stride: Size2d
  public var padding: Padding2d
  /// Max pooling only.
  public var dilation: Size2d
  /// Round the output size up (PyTorch's `ceil_mode`).
  public var ceilMode: Bool
  /// Average pooling only: whether the padding counts in the divisor (PyTorch's default).
  public var countIncludePad: Bool

  public init(
    mode: Pool2d.Mode, kernel: Size2d, stride: Size2d? = nil, padding: Padding2d = .zero,
    dilation: Size2d = Size2d(1), ceilMode: Bool = false, countIncludePad: Bool = true
  ) {
    self.mode = mode
    self.kernel = kernel
    self.stride = stride ?? kernel
    self.padding = padding
    self.dilation = dilation
    self.ceilMode = ceilMode
    self.countIncludePad = countIncludePad
  }

  /// Whether `LayerSpec.maxPool/avgPool(kernel:stride:)` says the same.
  public var isSquare: Bool {
    kernel.isSquare && stride.isSquare && padding == .zero && dilation == Size2d(1) && !ceilMode
      && countIncludePad
  }

  /// The `maxpool(...)` or `avgpool(...)` call that makes this layer.
  public var pgsDescription: String {
    var s = (mode == .max ? "maxpool(" : "avgpool(") + "\(kernel)"
    if stride != kernel { s += ", stride: \(stride)" }
    if padding != .zero { s += ", pad: \(padding.pgsDescription)" }
    if dilation != Size2d(1) { s += ", dilation: \(dilation)" }
    if ceilMode { s += ", ceil: true" }
    if !countIncludePad { s += ", count_include_pad: false" }
    return s
  }
}

/// The elementwise operation of a layer with a constant operand.
public enum ConstantOp: String, Equatable, Sendable {
  case add, sub, mul, div

  var binaryOp: BinaryOp {
    switch self {
    case .add: return .add
    case .sub: return .subtract
    case .mul: return .multiply
    case .div: return .divide
    }
  }
}
