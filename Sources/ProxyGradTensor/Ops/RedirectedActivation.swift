/// Leaky ReLU (clipped at `upper` from above) whose backward pass is the redirected ReLU of
/// Lucid (`lucid/optvis/overrides/redirected_relu_grad.py`), item by item along the first axis.
///
/// ```
/// forward:  y = min(x, upper)  if x > 0,  slope · x   otherwise
/// backward, item n: the ordinary derivative of that line, unless it is zero for every element
///   of item n; then dx = dy, except 0 where x < 0 and dy would push x lower, or where
///   x > upper and dy would push x higher (dy > 0 pushes up when `ascending`).
/// ```
/// ReLU is `slope: 0, upper: .infinity`; ReLU6 is `slope: 0, upper: 6`. A rank-0 or rank-1
/// tensor is one item.
/// - Saves: input (its elements pick the branch in backward).
public func redirectedReLU(
  _ x: Tensor, slope: Float = 0, upper: Float = .infinity, ascending: Bool = true
) -> Tensor {
  let input = x.values
  let y = input.map { $0 > 0 ? min($0, upper) : slope * $0 }
  let items = x.rank >= 2 ? x.shape[0] : 1
  return Tensor(shape: x.shape, values: y, op: "redirectedReLU", parents: [x]) { g in
    x.writeGradient { gradient, assign in
      RedirectedReLUKernel.backward(
        input, gradOutput: g, gradInput: gradient, items: items, slope: slope, upper: upper,
        ascending: ascending, assign: assign)
    }
  }
}
