// MARK: - Binary operators with NumPy broadcasting

/// Applies a binary operator elementwise, broadcasting the shapes.
///
/// ```
/// forward:  y = a op b                      (both broadcast to the output's shape)
/// backward: da += Σ_broadcast dy · ∂(a op b)/∂a,  db += Σ_broadcast dy · ∂(a op b)/∂b
/// ```
/// - Saves: both inputs, broadcast (only for multiply and divide, whose derivatives need them).
public func elementwise(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) -> Tensor {
  guard let shape = Shape.broadcast(a.shape, b.shape) else {
    preconditionFailure(
      "shapes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) do not broadcast")
  }
  let av = ElementwiseKernel.expand(a.values, shape: a.shape, to: shape)
  let bv = ElementwiseKernel.expand(b.values, shape: b.shape, to: shape)
  let out = ElementwiseKernel.forward(op, av, bv)
  let (first, second) = op == .multiply || op == .divide ? (av, bv) : ([], [])
  return Tensor(shape: shape, values: out, op: "\(op)", parents: [a, b]) { g in
    if a.requiresGrad {
      let ga = ElementwiseKernel.backwardFirst(op, gradOutput: g, second: second)
      a.accumulateGradient { ElementwiseKernel.reduce(ga, from: shape, to: a.shape, into: $0) }
    }
    if b.requiresGrad {
      let gb = ElementwiseKernel.backwardSecond(op, gradOutput: g, first: first, second: second)
      b.accumulateGradient { ElementwiseKernel.reduce(gb, from: shape, to: b.shape, into: $0) }
    }
  }
}

/// Applies a binary operator between a tensor and a number.
///
/// ```
/// forward:  y = a op s   (s op a when `scalarFirst`)
/// backward: da += dy · ∂y/∂a
/// ```
/// - Saves: the number, and the output for `s / a` (its derivative is −y²/s).
public func elementwise(_ op: BinaryOp, _ a: Tensor, scalar s: Float, scalarFirst: Bool = false)
  -> Tensor
{
  let out = ElementwiseKernel.forward(op, a.values, scalar: s, scalarFirst: scalarFirst)
  let y = op == .divide && scalarFirst ? out : []
  return Tensor(shape: a.shape, values: out, op: "\(op)Scalar", parents: [a]) { g in
    a.accumulateGradient {
      ElementwiseKernel.backward(
        op, scalar: s, scalarFirst: scalarFirst, output: y, gradOutput: g, gradInput: $0)
    }
  }
}

public func + (a: Tensor, b: Tensor) -> Tensor { elementwise(.add, a, b) }
public func - (a: Tensor, b: Tensor) -> Tensor { elementwise(.subtract, a, b) }
public func * (a: Tensor, b: Tensor) -> Tensor { elementwise(.multiply, a, b) }
public func / (a: Tensor, b: Tensor) -> Tensor { elementwise(.divide, a, b) }
public func + (a: Tensor, s: Float) -> Tensor { elementwise(.add, a, scalar: s) }
public func - (a: Tensor, s: Float) -> Tensor { elementwise(.subtract, a, scalar: s) }
public func * (a: Tensor, s: Float) -> Tensor { elementwise(.multiply, a, scalar: s) }
public func / (a: Tensor, s: Float) -> Tensor { elementwise(.divide, a, scalar: s) }
public func + (s: Float, a: Tensor) -> Tensor { elementwise(.add, a, scalar: s, scalarFirst: true) }
public func - (s: Float, a: Tensor) -> Tensor {
  elementwise(.subtract, a, scalar: s, scalarFirst: true)
}
public func * (s: Float, a: Tensor) -> Tensor {
  elementwise(.multiply, a, scalar: s, scalarFirst: true)
}
public func / (s: Float, a: Tensor) -> Tensor { elementwise(.divide, a, scalar: s, scalarFirst: true) }
public prefix func - (a: Tensor) -> Tensor { unary(.negate, a) }

// MARK: - Unary functions

/// Applies a unary function elementwise.
/// - Saves: input and output (the input's values as they were at the forward pass, even if the
///   tensor's values are replaced before the backward pass).
public func unary(_ op: UnaryOp, _ x: Tensor) -> Tensor {
  let xv = x.values
  let y = ElementwiseKernel.forward(op, xv)
  return Tensor(shape: x.shape, values: y, op: "\(op)", parents: [x]) { g in
    x.accumulateGradient { ElementwiseKernel.backward(op, x: xv, y: y, gradOutput: g, gradInput: $0) }
  }
}

/// eˣ elementwise.
public func exp(_ x: Tensor) -> Tensor { unary(.exp, x) }
/// Natural logarithm elementwise.
public func log(_ x: Tensor) -> Tensor { unary(.log, x) }
/// Hyperbolic tangent elementwise.
public func tanh(_ x: Tensor) -> Tensor { unary(.tanh, x) }
/// Logistic sigmoid `1 / (1 + e⁻ˣ)` elementwise.
public func sigmoid(_ x: Tensor) -> Tensor { unary(.sigmoid, x) }
/// Absolute value elementwise (gradient 0 at 0).
public func abs(_ x: Tensor) -> Tensor { unary(.abs, x) }
/// `x^p` elementwise.
public func pow(_ x: Tensor, _ p: Float) -> Tensor { p == 2 ? unary(.square, x) : unary(.power(p), x) }
/// Arctangent elementwise, in (−π/2, π/2): `d atan(x)/dx = 1 / (1 + x²)`.
public func atan(_ x: Tensor) -> Tensor { unary(.atan, x) }
/// Square root elementwise.
public func sqrt(_ x: Tensor) -> Tensor { unary(.sqrt, x) }
/// Clamps to `[min, max]`; the gradient is 1 inside the interval (ends included), 0 outside.
public func clamp(_ x: Tensor, min: Float, max: Float) -> Tensor {
  unary(.clamp(min: min, max: max), x)
}
