"""Writes the PyTorch golden files that Tests/ProxyGradNNTests/CrossCheckTests.swift compares with.

For each network (W1 and a reduced-width W3 of docs/performance.md "Workloads", W1 with Leaky ReLU slope 0.01
so that a nonzero forward slope is covered, and a small residual network with batch norm in
evaluation mode, `resbn`, whose modules follow pgs's nested names: res1.conv1, res2.skip, ...)
and each gradient rule (plain, swap(0.3),
proxy(0.3), swap({<first activation>: 0.5}), proxy({<first activation>: 0.5})) it stores:

  <net>-weights.safetensors     the weights, with pgs's parameter names (conv1.weight, ...;
                                for resbn also the running statistics and counters)
  <net>-<rule>.safetensors      input, labels (F32), logits and loss of the ORIGINAL network,
                                input_grad  = d/d input of sum over the batch of logit 3 (rule),
                                grad.<name> = d/d weight of the mean softmax cross-entropy (rule)

The reference is computed in float64 from the float32 weights and inputs that are stored, so
the goldens are more accurate than any float32 implementation. A seed is accepted only when no
pre-activation lies within MARGIN (relative to its layer's largest magnitude) of the kink at 0 and
no max-pooling window has two candidates closer than MARGIN, in every pass of every rule: then
float32 rounding in the engine cannot flip a ReLU or a pooling choice, and the comparison is
stable.

Usage: python make_goldens.py OUTPUT_DIR
"""

import json
import os
import sys
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

# Relative distance from a ReLU kink or a max-pooling tie that every pass must keep: ten times
# the largest float32 rounding error of a pre-activation measured for these networks (5e-7).
MARGIN = 5e-6
LOGIT = 3  # the unit of the input-gradient objective
CLASSES = 10


class SlopedLeakyReLU(torch.autograd.Function):
    """Leaky ReLU whose forward pass uses slope a_f and whose backward pass uses slope b:
    y = x if x > 0 else a_f * x;  dy/dx := 1 if x > 0 else b."""

    @staticmethod
    def forward(ctx, x, forward_slope, backward_slope):
        ctx.save_for_backward(x)
        ctx.backward_slope = backward_slope
        return torch.where(x > 0, x, forward_slope * x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.where(x > 0, grad, ctx.backward_slope * grad), None, None


class Activation(nn.Module):
    """A (Leaky) ReLU with its own forward slope; `mode` and `slope_b`, set before each pass,
    choose what a gradient rule does with it."""

    def __init__(self, name, forward_slope):
        super().__init__()
        self.layer_name = name
        self.forward_slope = forward_slope
        self.mode = "original"  # original | swap | proxy
        self.slope_b = None  # None: this layer is not listed, keeps its own slope
        self.margins = None  # list collecting (min |z| / max |z|) when not None
        self.last_slope = None  # the forward slope and input scale of the last pass, for
        self.last_scale = None  # the pooling layer after this one

    def forward(self, x):
        a = self.forward_slope
        b = self.slope_b
        if self.mode == "proxy" and b is not None:
            a = b
        self.last_slope = a
        self.last_scale = x.abs().max().item()
        if self.margins is not None:
            scale = self.last_scale
            self.margins.append((self.layer_name, x.abs().min().item() / scale if scale > 0 else 0.0))
        if self.mode == "swap" and b is not None:
            return SlopedLeakyReLU.apply(x, a, b)
        return F.leaky_relu(x, negative_slope=a)


class MaxPool(nn.MaxPool2d):
    def __init__(self, name, kernel, activation):
        super().__init__(kernel)
        self.layer_name = name
        self.margins = None
        self.activation = [activation]  # the activation before this pool (not a submodule)

    def forward(self, x):
        if self.margins is not None:
            k = self.kernel_size
            n, c, h, w = x.shape
            windows = x[:, :, : h // k * k, : w // k * k].unfold(2, k, k).unfold(3, k, k)
            windows = windows.reshape(n, c, h // k, w // k, k * k)
            top = windows.topk(2, dim=-1).values
            gap = top[..., 0] - top[..., 1]
            # Exact ties of zeros (ReLU outputs of negative pre-activations) are stable: the
            # kink margin already keeps those pre-activations negative. Any other tie is not.
            exact_zero = (gap == 0) & (top[..., 0] == 0)
            # Rounding errors scale with the pre-activations: a gap between two negative
            # outputs a*z1, a*z2 is measured as the gap between z1 and z2.
            act = self.activation[0]
            slope = act.last_slope
            if slope > 0:
                gap = torch.where(top[..., 0] < 0, gap / slope, gap)
            scale = act.last_scale
            gaps = gap[~exact_zero]
            rel = gaps.min().item() / scale if gaps.numel() > 0 and scale > 0 else 1.0
            self.margins.append((self.layer_name, rel))
        return super().forward(x)


class Net(nn.Module):
    """A sequential network whose submodules carry pgs's automatic names."""

    def __init__(self, in_channels, specs):
        super().__init__()
        self.order = []
        counters = {}
        channels = in_channels
        features = None
        for spec in specs:
            kind = spec[0]
            prefix = {"conv": "conv", "relu": "relu", "leaky": "leaky", "pool": "pool",
                      "flatten": "flatten", "linear": "linear"}[kind]
            if kind == "leaky" and spec[1] == 0:
                prefix = "relu"
            counters[prefix] = counters.get(prefix, 0) + 1
            name = f"{prefix}{counters[prefix]}"
            if kind == "conv":
                _, out, k, pad = spec
                module = nn.Conv2d(channels, out, k, padding=pad)
                channels = out
            elif kind in ("relu", "leaky"):
                module = Activation(name, float(spec[1]) if kind == "leaky" else 0.0)
                last_activation = module
            elif kind == "pool":
                module = MaxPool(name, spec[1], last_activation)
            elif kind == "flatten":
                module = nn.Flatten()
            elif kind == "linear":
                module = nn.Linear(spec[2], spec[1])
            setattr(self, name, module)
            self.order.append(name)

    def forward(self, x):
        for name in self.order:
            x = getattr(self, name)(x)
        return x

    def activations(self):
        return [m for m in self.modules() if isinstance(m, Activation)]

    def set_rule(self, mode, b):
        """b: a number for every activation, or a dict of layer name -> slope."""
        for m in self.activations():
            m.mode = mode
            m.slope_b = b.get(m.layer_name) if isinstance(b, dict) else b

    def collect_margins(self, on):
        for m in self.modules():
            if isinstance(m, (Activation, MaxPool)):
                m.margins = [] if on else None

    def margins(self):
        out = []
        for m in self.modules():
            if isinstance(m, (Activation, MaxPool)) and m.margins:
                out.extend(m.margins)
        return out


# The networks of docs/performance.md "Workloads". W3 keeps its layer structure with reduced widths
# (8/8/16/16/32 instead of 64/64/128/128/256) so that the goldens stay small.
def w1_specs(slope):
    act = ("leaky", slope)
    return [("conv", 16, 3, 0), act, ("pool", 2), ("conv", 32, 3, 0), act, ("pool", 2),
            ("flatten",), ("linear", CLASSES, 32 * 5 * 5)]


def w3_specs(widths=(8, 8, 16, 16, 32)):
    a, b, c, d, e = widths
    act = ("leaky", 0)
    return [("conv", a, 3, 1), act, ("conv", b, 3, 1), act, ("pool", 2),
            ("conv", c, 3, 1), act, ("conv", d, 3, 1), act, ("pool", 2),
            ("conv", e, 3, 1), act, ("pool", 2),
            ("flatten",), ("linear", CLASSES, e * 4 * 4)]


class Block(nn.Module):
    """A pgs residual block: output = layers(x) + skip(x), where skip is the identity or, when
    the block changes the shape, a 1×1 convolution with bias named `<block>.skip`."""

    def __init__(self, name, in_channels, out_channels, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu1 = Activation(f"{name}.relu1", 0.0)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.order = ["conv1", "bn1", "relu1", "conv2", "bn2"]
        if stride != 1 or in_channels != out_channels:
            self.skip = nn.Conv2d(in_channels, out_channels, 1, stride=stride)
            self.order.append("skip")
        else:
            self.skip = None

    def forward(self, x):
        h = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        return h + (self.skip(x) if self.skip is not None else x)


class ResNetBN(Net):
    """The residual network of the cross-check, with pgs's automatic names:

        conv1 bn1 relu1 res1{conv1 bn1 relu1 conv2 bn2} relu2
        res2{conv1(stride 2) bn1 relu1 conv2 bn2 | skip} relu3 gap1 linear1

    used in evaluation mode (running statistics, set to random values so that batch norm is
    not the identity)."""

    def __init__(self, in_channels, widths=(8, 16)):
        nn.Module.__init__(self)
        a, b = widths
        self.conv1 = nn.Conv2d(in_channels, a, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(a)
        self.relu1 = Activation("relu1", 0.0)
        self.res1 = Block("res1", a, a, 1)
        self.relu2 = Activation("relu2", 0.0)
        self.res2 = Block("res2", a, b, 2)
        self.relu3 = Activation("relu3", 0.0)
        self.linear1 = nn.Linear(b, CLASSES)
        self.order = ["conv1", "bn1", "relu1", "res1", "relu2", "res2", "relu3", "gap1", "linear1"]

    def forward(self, x):
        h = self.relu1(self.bn1(self.conv1(x)))
        h = self.relu2(self.res1(h))
        h = self.relu3(self.res2(h))
        return self.linear1(h.mean(dim=(2, 3)))


def randomize_batch_norms(net, generator):
    """Running statistics and affine parameters away from their initial values."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=generator) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=generator) + 0.5)
                m.weight.copy_(1 + 0.3 * torch.randn(c, generator=generator))
                m.bias.copy_(0.2 * torch.randn(c, generator=generator))
                m.num_batches_tracked.fill_(7)


NETWORKS = [
    # name, input shape, specs (None: the residual network), batch, the per-layer rules' layer
    ("w1", (1, 28, 28), w1_specs(0), 4, "relu1"),
    ("w1-leaky", (1, 28, 28), w1_specs(0.01), 4, "leaky1"),
    ("w3", (3, 32, 32), w3_specs(), 2, "relu1"),
    # A residual network with batch norm in evaluation mode; the per-layer rules name a ReLU
    # inside a block.
    ("resbn", (1, 12, 12), None, 4, "res1.relu1"),
]


def rules(first):
    # file suffix, mode, b, pgs description (metadata)
    return [
        ("plain", "original", None, "plain()"),
        ("swap-0.3", "swap", 0.3, "swap(0.3)"),
        ("proxy-0.3", "proxy", 0.3, "proxy(0.3)"),
        (f"swap-{first}-0.5", "swap", {first: 0.5}, f"swap({{{first}: 0.5}})"),
        (f"proxy-{first}-0.5", "proxy", {first: 0.5}, f"proxy({{{first}: 0.5}})"),
    ]


def build(shape, specs, batch, seed):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed + 1000)
    if specs is None:
        net = ResNetBN(shape[0])
        randomize_batch_norms(net, generator)
        net.eval()
    else:
        net = Net(shape[0], specs)
    x = torch.rand((batch,) + shape, generator=generator) * 2 - 1
    labels = torch.randint(0, CLASSES, (batch,), generator=generator)
    return net, x, labels


def compute(net, x, labels, mode, b):
    """Everything for one rule, in float64. Returns (tensors, smallest margin)."""
    net = net.double()
    x = x.double()
    params = dict(net.named_parameters())
    net.collect_margins(True)

    # Values: always the original network.
    net.set_rule("original", None)
    with torch.no_grad():
        logits = net(x)
        loss = F.cross_entropy(logits, labels)

    # (a) Input gradient of sum over the batch of logit LOGIT under the rule.
    net.set_rule(mode, b)
    xin = x.clone().requires_grad_(True)
    objective = net(xin)[:, LOGIT].sum()
    (input_grad,) = torch.autograd.grad(objective, xin)

    # (b) Weight gradients of the mean cross-entropy under the rule (proxy: through the proxy
    # network's own logits).
    rule_loss = F.cross_entropy(net(x), labels)
    names = list(params)
    grads = torch.autograd.grad(rule_loss, [params[n] for n in names])

    margin = min(m for _, m in net.margins())
    net.collect_margins(False)
    net.set_rule("original", None)

    out = {
        "input": x,
        "labels": labels.double(),
        "logits": logits,
        "loss": loss.reshape(()),
        "input_grad": input_grad,
    }
    for n, g in zip(names, grads):
        out["grad." + n] = g
    return {k: v.detach().float().contiguous() for k, v in out.items()}, margin


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(int(os.environ.get("CROSSCHECK_THREADS", "2")))
    summary = []
    for name, shape, specs, batch, first in NETWORKS:
        for seed in range(1, 200):
            net, x, labels = build(shape, specs, batch, seed)
            results = []
            worst = 1.0
            for suffix, mode, b, description in rules(first):
                tensors, margin = compute(net, x, labels, mode, b)
                worst = min(worst, margin)
                results.append((suffix, description, tensors))
            if worst >= MARGIN:
                break
        else:
            sys.exit(f"{name}: no seed below 200 keeps every kink and pooling tie {MARGIN} away")

        # Parameters and running statistics as F32; batch norm's counters stay I64, as
        # PyTorch's state_dict() holds them.
        weights = {k: (v.detach() if k.endswith("num_batches_tracked") else v.detach().float()).contiguous()
                   for k, v in net.state_dict().items()}
        meta = {"network": name, "seed": str(seed), "torch": torch.__version__,
                "layers": " ".join(net.order), "input_shape": json.dumps(list(shape)),
                "margin": f"{worst:.3g}"}
        # One metadata key holding sorted JSON: safetensors writes several keys in a random
        # order, and the files should come out byte for byte the same on every run.
        def packed(m):
            return {"crosscheck": json.dumps(m, sort_keys=True)}

        save_file(weights, os.path.join(out_dir, f"{name}-weights.safetensors"), metadata=packed(meta))
        for suffix, description, tensors in results:
            save_file(tensors, os.path.join(out_dir, f"{name}-{suffix}.safetensors"),
                      metadata=packed(dict(meta, rule=description)))
        summary.append(f"{name}: seed {seed}, batch {batch}, smallest relative margin {worst:.2e}, "
                       f"{sum(p.numel() for p in net.parameters())} parameters")
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
