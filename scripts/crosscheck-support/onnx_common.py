"""Shared pieces of the ONNX cross-check: the gradient rules in PyTorch, export helpers and
golden files.

Rules (docs/crosscheck.md): plain is ordinary autograd; swap(b) replaces the derivative of every
ReLU / Leaky ReLU by 1 where the input is positive and b elsewhere (a custom autograd function,
the forward pass unchanged); proxy(b) runs the same weights with every ReLU and Leaky ReLU
replaced by LeakyReLU(b), forward and backward.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class _Swap(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, forward_slope, backward_slope):
        ctx.save_for_backward(x)
        ctx.b = backward_slope
        return F.leaky_relu(x, forward_slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * torch.where(x > 0, torch.ones_like(x), torch.full_like(x, ctx.b)), None, None


class RuleActivation(nn.Module):
    """A ReLU / Leaky ReLU (slope `a`) that follows the rule set on it."""

    def __init__(self, a=0.0):
        super().__init__()
        self.a = a
        self.rule = ("plain", None)

    def forward(self, x):
        kind, b = self.rule
        if kind == "swap":
            return _Swap.apply(x, self.a, b)
        if kind == "proxy":
            return F.leaky_relu(x, b)
        return F.leaky_relu(x, self.a)


def randomize(model, gen, bias_std):
    """Trained-like weights, drawn from the generator gen: batch norm statistics and affine
    parameters away from identity, and the biases of convolutions and linear layers (standard
    deviation bias_std). Returns the model."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.2, generator=gen)
                m.running_var.uniform_(0.5, 1.5, generator=gen)
                m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=gen))
                m.bias.normal_(0, 0.2, generator=gen)
            if isinstance(m, (nn.Conv2d, nn.Linear)) and m.bias is not None:
                m.bias.normal_(0, bias_std, generator=gen)
    return model


def replace_activations(module):
    """Replaces every nn.ReLU / nn.LeakyReLU / inplace ReLU by a RuleActivation (same names)."""
    for name, child in module.named_children():
        if isinstance(child, nn.ReLU):
            setattr(module, name, RuleActivation(0.0))
        elif isinstance(child, nn.LeakyReLU):
            setattr(module, name, RuleActivation(child.negative_slope))
        else:
            replace_activations(child)
    return module


def set_rule(module, kind, b=None):
    for m in module.modules():
        if isinstance(m, RuleActivation):
            m.rule = (kind, b)


RULES = [("plain", None), ("swap", 0.3), ("proxy", 0.3)]


def input_gradient(model, x, unit, kind, b):
    """Gradient of logit `unit` summed over the batch, under a rule; float64 reference."""
    set_rule(model, kind, b)
    xx = x.clone().double().requires_grad_(True)
    model(xx)[:, unit].sum().backward()
    set_rule(model, "plain")
    return xx.grad.float()


def rule_name(kind, b):
    return "plain" if kind == "plain" else f"{kind}-{b}"


def tensor_json(t):
    a = t.detach().float().numpy()
    return {"shape": list(a.shape), "values": [float(v) for v in a.reshape(-1)]}


def write_json(path, payload):
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))


def export(model, x, path, variant):
    """Exports with one of the variants: legacy, legacy-nofold, dynamo, dynamo-noopt."""
    kwargs = dict(input_names=["input"], output_names=["output"])
    if variant == "legacy":
        torch.onnx.export(model, (x,), path, dynamo=False, **kwargs)
    elif variant == "legacy-nofold":
        torch.onnx.export(model, (x,), path, dynamo=False, do_constant_folding=False, **kwargs)
    elif variant == "dynamo":
        torch.onnx.export(model, (x,), path, dynamo=True, **kwargs)
    elif variant == "dynamo-noopt":
        torch.onnx.export(model, (x,), path, dynamo=True, optimize=False, **kwargs)
    else:
        raise ValueError(variant)


def ort_logits(path, x):
    import onnxruntime as ort

    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    if sess.get_inputs()[0].shape[0] == 1:  # exported with a fixed batch of 1: item by item
        return np.concatenate([sess.run(None, {name: x[i:i + 1].numpy()})[0] for i in range(len(x))])
    return sess.run(None, {name: x.numpy()})[0]


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


# Rules on models whose activations are functional calls (torchvision's GoogLeNet calls F.relu,
# DenseNet too, MobileNetV2 has ReLU6 = F.hardtanh(0, 6)): torch.nn.functional.relu and
# hardtanh are replaced for the duration of a reference computation.
_ORIGINAL_RELU = F.relu
_ORIGINAL_HARDTANH = F.hardtanh


class _SwapClip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, low, high, b):
        ctx.save_for_backward(x)
        ctx.low, ctx.high, ctx.b = low, high, b
        return x.clamp(low, high)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        slope = torch.where(x <= ctx.low, torch.full_like(x, ctx.b),
                            torch.where(x >= ctx.high, torch.zeros_like(x), torch.ones_like(x)))
        return g * slope, None, None, None


class functional_rule:
    """`with functional_rule("swap", 0.3): model(x)`: every F.relu and F.hardtanh follows the rule
    (hardtanh(low, high): slope b below low, 0 above high, as pgs's clip)."""

    def __init__(self, kind, b):
        self.kind, self.b = kind, b

    def __enter__(self):
        kind, b = self.kind, self.b

        def relu(x, inplace=False):
            if kind == "swap":
                return _Swap.apply(x, 0.0, b)
            if kind == "proxy":
                return _ORIGINAL_LEAKY(x, b)
            return _ORIGINAL_RELU(x)

        def hardtanh(x, min_val=-1.0, max_val=1.0, inplace=False):
            if kind == "swap":
                return _SwapClip.apply(x, min_val, max_val, b)
            if kind == "proxy":
                return torch.where(x < min_val, min_val + b * (x - min_val), x.clamp(max=max_val))
            return x.clamp(min_val, max_val)

        F.relu = relu
        F.hardtanh = hardtanh
        return self

    def __exit__(self, *exc):
        F.relu = _ORIGINAL_RELU
        F.hardtanh = _ORIGINAL_HARDTANH
        return False


_ORIGINAL_LEAKY = F.leaky_relu


def read_safetensors(path):
    """The tensors of a safetensors file (F32) as numpy arrays, without the safetensors package."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"])
    return out
