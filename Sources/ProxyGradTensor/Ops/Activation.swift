/// Leaky ReLU whose backward pass may use another negative slope than its forward pass: the
/// primitive behind proxy gradients.
///
/// ```
/// forward:  y = x          if x > 0,  forwardSlope · x   otherwise
/// backward: dx = dy        if x > 0,  backwardSlope · dy otherwise
/// ```
/// ReLU is `forwardSlope: 0`. With equal slopes this is the ordinary Leaky ReLU.
/// - Saves: input (the sign of each element picks the slope in backward).
public func leakyReLU(_ x: Tensor, forwardSlope: Float, backwardSlope: Float) -> Tensor {
  let y = LeakyReLUKernel.forward(x.values, slope: forwardSlope)
  let input = x.values
  return Tensor(shape: x.shape, values: y, op: "leakyReLU", parents: [x]) { g in
    x.contributeGradient(
      assign: { LeakyReLUKernel.backward(input, gradOutput: g, gradInput: $0, slope: backwardSlope, assign: true) },
      accumulate: { LeakyReLUKernel.backward(input, gradOutput: g, gradInput: $0, slope: backwardSlope) })
  }
}

/// ReLU (slope 0 in both passes).
public func relu(_ x: Tensor) -> Tensor { leakyReLU(x, forwardSlope: 0, backwardSlope: 0) }
