"""PyTorch goldens for the layers of real CNNs (docs/engine.md, "Layers of real CNNs").

Each case writes <out>/<case>.safetensors holding the input `x`, the parameters (`weight`,
`bias`, ...), a fixed random weighting `r` of the output, the output `y`, and the gradients of
sum(y * r) with respect to the input and every parameter (`grad_x`, `grad_weight`, ...).
Tests/ProxyGradNNTests/LayerGoldenTests.swift runs the same cases in pgs and compares.

Usage: python make_layer_goldens.py OUTPUT_DIR   (torch 2.13 CPU; no other package needed)
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.use_deterministic_algorithms(True)


def save(path, tensors):
    """Writes F32 tensors in the safetensors format (names sorted, no padding needed for F32)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def case(out, name, shape, f, params=None, low=None, high=None):
    """Runs f(x, **params), weights the output with a random r and backpropagates."""
    if low is None:
        x = torch.randn(*shape)
    else:
        x = torch.rand(*shape) * (high - low) + low
    x.requires_grad_(True)
    params = {k: v.clone().requires_grad_(True) for k, v in (params or {}).items()}
    y = f(x, **params)
    r = torch.rand(*y.shape) * 2 - 1
    (y * r).sum().backward()
    tensors = {"x": x, "y": y, "r": r, "grad_x": x.grad}
    for k, v in params.items():
        tensors[k] = v
        tensors["grad_" + k] = v.grad
    save(os.path.join(out, name + ".safetensors"), tensors)


class Swap(torch.autograd.Function):
    """ReLU, or ReLU6 when `six`, whose backward slope below 0 is b (the swap rule)."""

    @staticmethod
    def forward(ctx, x, b, six):
        ctx.save_for_backward(x)
        ctx.b, ctx.six = b, six
        return F.relu6(x) if six else F.relu(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        above = (x < 6).to(g.dtype) if ctx.six else torch.ones_like(g)
        return g * torch.where(x > 0, above, torch.full_like(g, ctx.b)), None, None


class Net(torch.nn.Module):
    """The network of LayerGoldenTests.networkMatchesPyTorch, layer for layer (same names)."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2), bias=False)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.conv3 = torch.nn.Conv2d(8, 12, 1)
        self.conv4 = torch.nn.Conv2d(12, 12, 3, padding=2, dilation=2, groups=3)
        self.linear1 = torch.nn.Linear(48, 5)

    def forward(self, x, rule, b):
        if rule == "plain":
            relu6, relu = F.relu6, F.relu
        elif rule == "swap":
            relu6, relu = (lambda t: Swap.apply(t, b, True)), (lambda t: Swap.apply(t, b, False))
        else:
            relu6 = lambda t: torch.where(t > 0, torch.clamp(t, max=6), b * t)
            relu = lambda t: F.leaky_relu(t, b)
        mean = torch.tensor([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
        x = (x - mean) / std
        x = relu6(self.conv1(x))
        x = relu6(self.conv2(x))
        x = self.conv3(x)
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        x = F.local_response_norm(x, 5, alpha=0.5, beta=0.75, k=1.0)
        x = relu(self.conv4(x))
        x = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        x = F.adaptive_avg_pool2d(x, 2)
        x = torch.sigmoid(x).flatten(1)
        x = F.dropout(x, 0.5, training=False)
        x = torch.tanh(self.linear1(x))
        return F.softmax(x, dim=1)


def randomized(out, name, net):
    """`net` in eval mode with weights drawn from N(0, 0.4^2), saved to <name>-weights."""
    net.eval()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn_like(p) * 0.4)
    save(os.path.join(out, name + "-weights.safetensors"), dict(net.state_dict()))
    return net


def rule_goldens(out, name, net, x, r, rules, forward):
    """For each rule, <name>-<rule> holds y = forward(x, rule) and the gradients of sum(y * r)
    with respect to x and every parameter of `net`."""
    for rule in rules:
        net.zero_grad()
        xi = x.clone().requires_grad_(True)
        y = forward(xi, rule)
        (y * r).sum().backward()
        tensors = {"x": x, "r": r, "y": y, "grad_x": xi.grad}
        for parameter, p in net.named_parameters():
            tensors["grad." + parameter] = p.grad
        save(os.path.join(out, "%s-%s.safetensors" % (name, rule)), tensors)


def network_goldens(out):
    net = randomized(out, "net", Net())
    x = torch.rand(2, 3, 16, 16) * 1.2 - 0.1
    r = torch.rand(2, 5) * 2 - 1
    rule_goldens(out, "net", net, x, r, ["plain", "swap", "proxy"], lambda xi, rule: net(xi, rule, 0.3))


def module(**children):
    m = torch.nn.Module()
    for name, child in children.items():
        setattr(m, name, child)
    return m


class Inception(torch.nn.Module):
    """The concat network of CNNLayerTests.inceptionBlockMatchesPyTorch (same names)."""

    def __init__(self):
        super().__init__()
        c = torch.nn.Conv2d
        self.conv1 = c(4, 8, 3, padding=1)
        self.cat1 = module(
            branch1=module(conv1=c(8, 4, 1)),
            branch2=module(conv1=c(8, 2, 1), conv2=c(2, 6, 3, padding=1)),
            branch3=module(conv1=c(8, 2, 1)))
        self.linear1 = torch.nn.Linear(20, 3)

    def forward(self, x, relu):
        x = relu(self.conv1(x))
        b = self.cat1
        x = torch.cat([
            relu(b.branch1.conv1(x)),
            relu(b.branch2.conv2(relu(b.branch2.conv1(x)))),
            b.branch3.conv1(F.max_pool2d(x, 3, 1, 1)),
            x,
        ], dim=1)
        return self.linear1(x.mean(dim=(2, 3)))


def inception_goldens(out):
    net = randomized(out, "inception", Inception())
    x = torch.randn(2, 4, 6, 6)
    r = torch.rand(2, 3) * 2 - 1
    relus = {"plain": F.relu, "swap": lambda t: Swap.apply(t, 0.3, False), "proxy": lambda t: F.leaky_relu(t, 0.3)}
    rule_goldens(out, "inception", net, x, r, relus, lambda xi, rule: net(xi, relus[rule]))


def main(out):
    os.makedirs(out, exist_ok=True)
    w = lambda *s: torch.randn(*s) * 0.5
    # Convolution.
    case(out, "conv-rect-dilated", [2, 3, 9, 10],
         lambda x, weight, bias: F.conv2d(x, weight, bias, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
         {"weight": w(4, 3, 3, 5), "bias": w(4)})
    case(out, "conv-grouped", [2, 4, 8, 8],
         lambda x, weight, bias: F.conv2d(x, weight, bias, stride=1, padding=1, groups=2),
         {"weight": w(6, 2, 3, 3), "bias": w(6)})
    case(out, "conv-depthwise", [2, 4, 17, 16],
         lambda x, weight: F.conv2d(x, weight, None, stride=2, padding=1, groups=4),
         {"weight": w(4, 1, 3, 3)})
    # Asymmetric padding (ONNX pads [top 1, left 2, bottom 0, right 0]), as an explicit pad.
    case(out, "conv-asymmetric-pad", [1, 2, 7, 8],
         lambda x, weight, bias: F.conv2d(F.pad(x, (2, 0, 1, 0)), weight, bias, stride=2),
         {"weight": w(3, 2, 3, 3), "bias": w(3)})
    # Pooling.
    case(out, "maxpool-k3-s2-p1", [2, 3, 9, 8], lambda x: F.max_pool2d(x, 3, 2, 1))
    case(out, "maxpool-k3-s2-ceil", [2, 3, 9, 10], lambda x: F.max_pool2d(x, 3, 2, 0, ceil_mode=True))
    case(out, "maxpool-k2x3-s1x2-p1-d2x1", [1, 2, 8, 9],
         lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 1), dilation=(2, 1)))
    case(out, "avgpool-k3-s2-p1-include", [2, 3, 9, 8], lambda x: F.avg_pool2d(x, 3, 2, 1))
    case(out, "avgpool-k3-s2-p1-exclude", [2, 3, 9, 8],
         lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False))
    case(out, "avgpool-k3-s2-p1-ceil-include", [2, 3, 10, 9],
         lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True))
    case(out, "avgpool-k3-s2-p1-ceil-exclude", [2, 3, 10, 9],
         lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False))
    case(out, "adaptive-avgpool-3x4", [2, 3, 7, 9], lambda x: F.adaptive_avg_pool2d(x, (3, 4)))
    case(out, "adaptive-avgpool-5x5", [1, 2, 13, 11], lambda x: F.adaptive_avg_pool2d(x, 5))
    # Joining and elementwise constants.
    case(out, "concat-channels", [2, 3, 4, 4],
         lambda x, other: torch.cat([x, other, x * 2], dim=1), {"other": torch.randn(2, 2, 4, 4)})
    mean = torch.tensor([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
    case(out, "normalize-constants", [2, 3, 4, 5],
         lambda x: ((x - mean) / std) * torch.tensor([2.0, 1.0, 0.5]).reshape(1, 3, 1, 1) + 0.25)
    # Activations.
    case(out, "relu6", [2, 3, 5, 5], F.relu6, low=-4, high=10)
    case(out, "clip-m1-2", [2, 3, 5, 5], lambda x: torch.clamp(x, -1, 2), low=-3, high=4)
    case(out, "relu6-swap-0.3", [2, 3, 5, 5], lambda x: Swap.apply(x, 0.3, True), low=-4, high=10)
    # Proxy: the same layer with slope 0.3 below 0 in both passes.
    case(out, "relu6-proxy-0.3", [2, 3, 5, 5],
         lambda x: torch.where(x > 0, torch.clamp(x, max=6), 0.3 * x), low=-4, high=10)
    case(out, "sigmoid", [2, 3, 4, 4], torch.sigmoid)
    case(out, "tanh", [2, 3, 4, 4], torch.tanh)
    case(out, "softmax-features", [3, 7], lambda x: F.softmax(x * 3, dim=1))
    case(out, "softmax-channels", [2, 4, 3, 3], lambda x: F.softmax(x, dim=1))
    case(out, "lrn-inception", [2, 8, 5, 5],
         lambda x: F.local_response_norm(x, 5, alpha=1e-4, beta=0.75, k=1.0), low=-20, high=20)
    case(out, "lrn-even-size", [2, 6, 3, 4],
         lambda x: F.local_response_norm(x, 4, alpha=0.5, beta=0.6, k=2.0))
    network_goldens(out)
    inception_goldens(out)


if __name__ == "__main__":
    main(sys.argv[1])
