import ProxyGradNN

/// The gradient rules other feature-visualization libraries use against dead ReLUs, as values
/// like `plain()`, `swap(b)` and `proxy(b)`.
enum RuleBuiltins {
  static let all: [Builtin] = [
    Builtin(
      "redirect(steps: 16)",
      help: "Lucid's redirected ReLU (lucid/optvis/overrides/redirected_relu_grad.py): for the first `steps` steps of a run, every ReLU whose ordinary gradient is zero for a whole batch item passes the incoming gradient instead, except where it would push an input that is already negative lower. After `steps` steps, plain. Leaky ReLUs keep their own gradient, as in Lucid. Values are always the original network's. A single gradient (grad) is step 0.",
      example: "maximize(channel(net.feat, 5), grad: redirect(steps: 16))"
    ) { args, _ throws(RuntimeError) in
      .rule(.redirect(steps: try args.integer("steps", min: 0)))
    },
    Builtin(
      "open_relu(steps: 16)",
      help: "Xplique's warm-up (warmup_steps with open_relu_policy): for the first `steps` steps of a run, the backward pass of every ReLU is the identity; after them, plain. Leaky ReLUs keep their own gradient, as in Xplique. Values are always the original network's. A single gradient (grad) is step 0.",
      example: "maximize(logit(net, 3), grad: open_relu(steps: 32))"
    ) { args, _ throws(RuntimeError) in
      .rule(.openReLU(steps: try args.integer("steps", min: 0)))
    },
  ]
}
