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
