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
    x.writeGradient { gradient, assign in
      LeakyReLUKernel.backward(input, gradOutput: g, gradInput: gradient, slope: backwardSlope, assign: assign)
    }
  }
}

/// ReLU (slope 0 in both passes).
public func relu(_ x: Tensor) -> Tensor { leakyReLU(x, forwardSlope: 0, backwardSlope: 0) }

/// Clip to `[low, high]` whose part below `low` may be a line of another slope in each pass,
/// so that gradient rules reach it as they reach a ReLU (ReLU6 is `low: 0, high: 6`). Above
/// `high` the slope stays 0 in both passes.
///
/// ```
/// forward:  y = min(x, high)              if x > low,  low + forwardSlope · (x − low)  otherwise
/// backward: dx = dy if low < x < high,  0 if x ≥ high,  backwardSlope · dy            otherwise
/// ```
/// With both slopes 0 this is the ordinary clip (`low: -.infinity` clips from above only).
/// - Saves: input.
public func clip(
  _ x: Tensor, low: Float, high: Float, forwardSlope: Float = 0, backwardSlope: Float = 0
) -> Tensor {
  precondition(low <= high, "clip needs low <= high, got [\(low), \(high)]")
  let y = ClipKernel.forward(x.values, low: low, high: high, slope: forwardSlope)
  let input = x.values
  return Tensor(shape: x.shape, values: y, op: "clip", parents: [x]) { g in
    x.writeGradient { gradient, assign in
      ClipKernel.backward(
        input, gradOutput: g, gradInput: gradient, low: low, high: high, slope: backwardSlope,
        assign: assign)
    }
  }
}
