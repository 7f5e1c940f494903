// MARK: - Binary operators with NumPy broadcasting

/// Applies a binary operator elementwise, broadcasting the shapes.
/// - Saves: both inputs (multiply and divide need the other operand).
public func elementwise(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) -> Tensor {
  guard let shape = Shape.broadcast(a.shape, b.shape) else {
    preconditionFailure(
      "shapes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) do not broadcast")
  }
  let av = ElementwiseKernel.expand(a.values, shape: a.shape, to: shape)
  let bv = ElementwiseKernel.expand(b.values, shape: b.shape, to: shape)
  let out = ElementwiseKernel.forward(op, av, bv)
  return Tensor(shape: shape, values: out, op: "\(op)", parents: [a, b]) { g in
    if a.requiresGrad {
      let ga: [Float]
      switch op {
      case .add, .subtract: ga = g
      case .multiply: ga = ElementwiseKernel.forward(.multiply, g, bv)  // d(a·b)/da = b
      case .divide: ga = ElementwiseKernel.forward(.divide, g, bv)  // d(a/b)/da = 1/b
      }
      a.accumulateGradient { ElementwiseKernel.reduce(ga, from: shape, to: a.shape, into: $0) }
    }
    if b.requiresGrad {
      var gb: [Float]
      switch op {
      case .add: gb = g
      case .subtract: gb = ElementwiseKernel.forward(.negate, g)
      case .multiply: gb = ElementwiseKernel.forward(.multiply, g, av)
      case .divide:  // d(a/b)/db = -a/b²
        gb = g
        for i in 0..<gb.count { gb[i] = -gb[i] * av[i] / (bv[i] * bv[i]) }
      }
      b.accumulateGradient { ElementwiseKernel.reduce(gb, from: shape, to: b.shape, into: $0) }
    }
  }
}

/// Applies a binary operator between a tensor and a number.
/// - Saves: nothing but the number.
public func elementwise(_ op: BinaryOp, _ a: Tensor, scalar s: Float, scalarFirst: Bool = false)
  -> Tensor
{
  let out = ElementwiseKernel.forward(op, a.values, scalar: s, scalarFirst: scalarFirst)
  let y = op == .divide && scalarFirst ? out : []
  return Tensor(shape: a.shape, values: out, op: "\(op)Scalar", parents: [a]) { g in
    a.accumulateGradient { ga in
      switch (op, scalarFirst) {
      case (.add, _): for i in 0..<g.count { ga[i] += g[i] }
      case (.subtract, false): for i in 0..<g.count { ga[i] += g[i] }
      case (.subtract, true): for i in 0..<g.count { ga[i] -= g[i] }
      case (.multiply, _): for i in 0..<g.count { ga[i] += g[i] * s }
      case (.divide, false): for i in 0..<g.count { ga[i] += g[i] / s }
      case (.divide, true): for i in 0..<g.count { ga[i] -= g[i] * y[i] * y[i] / s }  // d(s/a) = -s/a²
      }
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
