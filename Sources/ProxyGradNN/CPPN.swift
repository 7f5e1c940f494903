import ProxyGradTensor

/// Lucid's compositional pattern-producing network as an image parameterization
/// (`lucid/optvis/param/cppn.py`, `cppn`): a small network of 1×1 layers evaluated at every
/// pixel's coordinates, whose weights are the optimized variables.
///
/// ```
/// h₀ = (x, y),  x, y ∈ linspace(−√3, √3)  (each coordinate has unit variance)
/// zₗ = hₗ · Wₗ + bₗ                      (layers of `hidden` channels)
/// hₗ₊₁ = [atan(zₗ) / 0.67, atan(zₗ)² / 0.6]   (Lucid's biased composite activation)
/// image = σ(h · W_out + b_out)            (one output per image channel, in (0, 1))
/// ```
/// Lucid's initialization: every weight from a normal truncated at two standard deviations and
/// rescaled to the standard deviation √(1/fan_in) (TensorFlow's `variance_scaling()`), every bias
/// from N(0, 0.1²), and the output weights zero, so the first image is flat.
public struct CPPN: Equatable, Sendable {
  /// Image channels, height and width.
  public var channels: Int
  public var height: Int
  public var width: Int
  /// Channels of each hidden layer (Lucid's `num_hidden_channels`, 24).
  public var hidden: Int
  /// Hidden layers (Lucid's `num_layers`, 8).
  public var layers: Int

  public init(channels: Int, height: Int, width: Int, hidden: Int = 24, layers: Int = 8) {
    precondition(channels > 0 && height > 0 && width > 0 && hidden > 0 && layers > 0, "CPPN sizes")
    (self.channels, self.height, self.width, self.hidden, self.layers) = (channels, height, width, hidden, layers)
  }

  /// The shapes of one image's variables, in order: each hidden layer's weight `[in, hidden]`
  /// and bias `[hidden]` (in = 2 for the first, 2·hidden after it), then the output layer's
  /// weight `[2·hidden, channels]` and bias `[channels]`.
  public var variableShapes: [[Int]] {
    var shapes: [[Int]] = []
    for layer in 0..<layers { shapes += [[layer == 0 ? 2 : 2 * hidden, hidden], [hidden]] }
    return shapes + [[2 * hidden, channels], [channels]]
  }

  /// Lucid's initial values of one image's variables, drawn in order from `rng`.
  public func initialValues(rng: inout SplitMix64) -> [[Float]] {
    let shapes = variableShapes
    return shapes.enumerated().map { k, shape in
      let count = shape.reduce(1, *)
      if shape.count == 1 { return (0..<count).map { _ in 0.1 * rng.nextNormal() } }
      if k == shapes.count - 2 { return [Float](repeating: 0, count: count) }
      // TensorFlow's truncated normal: redraw beyond 2σ; 0.8796… is the std of N(0, 1) cut at ±2.
      let scale = (1 / Float(shape[0])).squareRoot() / 0.87962566103423978
      return (0..<count).map { _ in
        var z = rng.nextNormal()
        while Swift.abs(z) > 2 { z = rng.nextNormal() }
        return scale * z
      }
    }
  }

  /// The input `[H·W, 2]`: per pixel, row-major, its x (along the width) then its y, each
  /// evenly spaced over [−√3, √3] (0 along an axis of one pixel).
  public var coordinates: Tensor {
    let r = Float(3).squareRoot()
    func axis(_ n: Int) -> [Float] { (0..<n).map { n == 1 ? 0 : -r + 2 * r * Float($0) / Float(n - 1) } }
    let ys = axis(height), xs = axis(width)
    var values: [Float] = []
    values.reserveCapacity(height * width * 2)
    for y in ys { for x in xs { values += [x, y] } }
    return Tensor(shape: [height * width, 2], values: values)
  }

  /// The images `[N, C, H, W]`, in (0, 1), of N networks whose variables are stacked along a
  /// new first axis (`variables[k]` is `[N] + variableShapes[k]`).
  public func images(_ variables: [Tensor]) -> Tensor {
    precondition(variables.count == 2 * layers + 2, "CPPN variables")
    let input = coordinates
    let items = (0..<variables[0].shape[0]).map { item in
      var h = input
      for layer in 0...layers {
        let z = matmul(h, variables[2 * layer].index(item)) + variables[2 * layer + 1].index(item)
        if layer == layers { h = sigmoid(z); break }
        let a = atan(z)
        h = concat([a / 0.67, a * a / 0.6], axis: 1)
      }
      return h.transposed().reshaped(to: [channels, height, width])
    }
    return stack(items)
  }
}
