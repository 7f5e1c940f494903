"""Explains an input-gradient difference of the ONNX cross-check (docs/onnx.md): finds every
float32 decision in which pgs's forward pass differs from PyTorch's float64 one (the side of
zero of a ReLU input, the winner of a max-pooling window) and recomputes the float64 reference
with pgs's own decisions. When pgs then agrees with it to float32 rounding, the difference is
those decisions and nothing else (no wrong rule, no wrong layer).

The decisions are read from pgs's own activations: of the model for plain() and swap(b), and,
for proxy(b), of the proxy network (every ReLU a LeakyReLU(b)), exported to ONNX and run plain
(the pass pgs's proxy rule makes). Models whose activations are all ReLUs (not mobilenet_v2's
ReLU6) and whose max pooling runs through nn.MaxPool2d.

Usage: python decisions_onnx.py PGS WORK_DIR MODEL [legacy|dynamo] [RULE ...]
       (rules: plain swap proxy; all three by default; the legacy exporter by default)
"""
import copy
import os
import subprocess
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from crosscheck_onnx import UNIT, make, randomize  # noqa: E402
from onnx_common import export, functional_rule, read_safetensors, relative_error  # noqa: E402

warnings.filterwarnings("ignore")
SLOPES = {"plain": (0.0, 0.0), "swap": (0.0, 0.3), "proxy": (0.3, 0.3)}  # forward, backward
_RELU, _MAX_POOL = F.relu, F.max_pool2d


def only(path):
    return next(iter(read_safetensors(path).values()))


class _Forced(torch.autograd.Function):
    """A (Leaky) ReLU whose side of zero is given: y = x where `positive`, a·x elsewhere;
    backward 1 where `positive`, b elsewhere."""

    @staticmethod
    def forward(ctx, x, positive, a, b):
        ctx.save_for_backward(positive)
        ctx.b = b
        return torch.where(positive, x, a * x)

    @staticmethod
    def backward(ctx, g):
        (positive,) = ctx.saved_tensors
        return torch.where(positive, g, ctx.b * g), None, None, None


class patched:
    """Replaces F.relu and F.max_pool2d (nn.ReLU and nn.MaxPool2d call them) for one pass that
    records each ReLU's and each max pooling's input, in call order, and, given lists, takes
    each ReLU's side of zero and each window's winner from them instead of deciding itself."""

    def __init__(self, rule, masks=None, indices=None):
        self.a, self.b = SLOPES[rule]
        self.masks, self.indices = masks, indices
        self.relus, self.pool_inputs = [], []

    def __enter__(self):
        def relu(x, inplace=False):
            self.relus.append(x.detach())
            positive = self.masks[len(self.relus) - 1] if self.masks is not None else x > 0
            return _Forced.apply(x, positive, self.a, self.b)

        def max_pool2d(x, *args, **kwargs):
            if self.indices is not None:
                i = self.indices[len(self.pool_inputs)]
                self.pool_inputs.append(None)
                n, c, h, w = x.shape
                return x.reshape(n, c, h * w).gather(2, i.reshape(n, c, -1)).reshape(i.shape)
            self.pool_inputs.append((x.detach(), args, kwargs))
            return _MAX_POOL(x, *args, **kwargs)

        F.relu, F.max_pool2d = relu, max_pool2d
        return self

    def __exit__(self, *exc):
        F.relu, F.max_pool2d = _RELU, _MAX_POOL
        return False


def proxy_network(model, b):
    m = copy.deepcopy(model)
    for module in list(m.modules()):
        for name, child in module.named_children():
            if isinstance(child, nn.ReLU):
                setattr(module, name, nn.LeakyReLU(b))
    return m


def pgs_activations(pgs, work, onnx_path, tag):
    """pgs's outputs of every layer that can hold a decision or feed a max pooling."""
    out = os.path.join(work, f"acts-{tag}")
    os.makedirs(out, exist_ok=True)
    script = os.path.join(work, f"acts-{tag}.pgs")
    with open(script, "w") as f:
        f.write(f'x = uniform([1, 3, 224, 224], -1, 1, seed: 7)\nnet = onnx("{onnx_path}")\n'
                f'names = []\nfor l in layers(net) {{ if l.kind == "relu" || l.kind == "leaky" || '
                f'l.kind == "maxpool" || l.kind == "concat" {{ names = names + [l.name] }} }}\n'
                f'a = activations(net, x, layers: names)\n'
                f'for n in names {{ save(a[n], "{out}/" + n + ".safetensors"); print(n) }}\n')
    r = subprocess.run([pgs, "run", "--allow-write", work, script], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    names = r.stdout.split()
    return [(n, torch.from_numpy(only(f"{out}/{n}.safetensors").astype(np.float64))) for n in names]


def match(reference, candidates, used, what):
    """The pgs activation of the same shape closest to a float64 tensor (not taken before)."""
    best = None
    for i, (name, t) in enumerate(candidates):
        if i in used or t.shape != reference.shape:
            continue
        err = (t - reference).abs().max().item() / max(reference.abs().max().item(), 1e-30)
        if best is None or err < best[0]:
            best = (err, i, name, t)
    if best is None or best[0] > 1e-4:
        raise RuntimeError(f"no pgs activation matches {what} {tuple(reference.shape)}")
    if what == "relu":
        used.add(best[1])
    return best


def explain(pgs, work, name, rule, exporter="legacy"):
    torch.manual_seed(0)
    model = randomize(make(name).eval(), seed=1)
    net = proxy_network(model, SLOPES["proxy"][0]) if rule == "proxy" else model
    path = os.path.join(work, f"{name}.{exporter}.{'proxy' if rule == 'proxy' else 'model'}.onnx")
    model_path = os.path.join(work, f"{name}.{exporter}.model.onnx")
    if not os.path.exists(path):
        with functional_rule(rule if rule == "proxy" else "plain", 0.3):
            export(net, torch.zeros(1, 3, 224, 224), path, exporter)
    grads = os.path.join(work, f"{name}.{exporter}.grad.{rule}.safetensors")
    if not os.path.exists(grads):
        arg = {"plain": "plain()", "swap": "swap(0.3)", "proxy": "proxy(0.3)"}[rule]
        script = os.path.join(work, f"grad-{rule}.pgs")
        with open(script, "w") as f:
            f.write(f'x = uniform([1, 3, 224, 224], -1, 1, seed: 7)\nsave(x, "{work}/x.safetensors")\n'
                    f'net = onnx("{model_path}")\n'
                    f'save(grad(logit(net, {UNIT}), x, {arg}).grad, "{grads}")\n')
        if not os.path.exists(model_path):
            export(model, torch.zeros(1, 3, 224, 224), model_path, exporter)
        r = subprocess.run([pgs, "run", "--allow-write", work, script], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr.strip())
    x = torch.from_numpy(only(os.path.join(work, "x.safetensors")).copy()).double()
    acts = pgs_activations(pgs, work, path, f"{name}-{exporter}-{rule}")
    m = copy.deepcopy(model).double().eval()

    with torch.no_grad(), patched(rule) as cap:
        m(x)
    used, masks, indices, lines = set(), [], [], []
    for z in cap.relus:
        _, _, pname, t = match(torch.where(z > 0, z, SLOPES[rule][0] * z), acts, used, "relu")
        masks.append(t > 0)
        scale = z.abs().max().item()
        for f in torch.nonzero((t > 0) != (z > 0)).tolist():
            f = tuple(f)
            lines.append(f"ReLU {pname} at {f}: float64 input {z[f].item():.3e} ({abs(z[f].item()) / scale:.1e} of the "
                         f"layer's scale {scale:.3g}), pgs output {t[f].item():.3e}")
    for k, (xin, args, kwargs) in enumerate(cap.pool_inputs):
        _, _, pname, t = match(xin, acts, set(), "max-pooling input")
        _, idx = _MAX_POOL(t, *args, **{**kwargs, "return_indices": True})
        _, ref = _MAX_POOL(xin, *args, **{**kwargs, "return_indices": True})
        indices.append(idx)
        scale = xin.abs().max().item()
        for f in torch.nonzero(idx != ref).tolist():
            n, c, oy, ox = f
            plane, mine = xin[n, c].reshape(-1), t[n, c].reshape(-1)
            a, b = ref[n, c, oy, ox].item(), idx[n, c, oy, ox].item()
            w = xin.shape[3]
            lines.append(f"max pooling of {pname}, channel {c}, window ({oy}, {ox}): float64 picks {divmod(a, w)} "
                         f"{plane[a].item():.9g} over {divmod(b, w)} {plane[b].item():.9g} (gap {plane[a].item() - plane[b].item():.2e}, "
                         f"{(plane[a] - plane[b]).item() / scale:.1e} of the layer's scale {scale:.3g}); "
                         f"pgs has {mine[a].item():.9g} and {mine[b].item():.9g}")

    def gradient(forcing):
        xx = x.clone().requires_grad_(True)
        with forcing:
            m(xx)[:, UNIT].sum().backward()
        return xx.grad.numpy()

    reference = gradient(patched(rule))
    forced = gradient(patched(rule, masks, indices))
    mine = only(grads)
    print(f"{name} ({exporter} export) {rule}: {len(cap.relus)} ReLUs, {len(cap.pool_inputs)} max poolings; "
          f"decisions pgs takes otherwise than float64: {len(lines)}")
    for line in lines:
        print("  " + line)
    print(f"  input gradient, pgs vs float64: {relative_error(mine, reference):.1e}; "
          f"vs float64 with pgs's decisions: {relative_error(mine, forced):.1e}", flush=True)


def main():
    pgs, work, name = sys.argv[1:4]
    rest = sys.argv[4:]
    exporter = rest.pop(0) if rest and rest[0] in ("legacy", "dynamo") else "legacy"
    os.makedirs(work, exist_ok=True)
    for rule in rest or ["plain", "swap", "proxy"]:
        explain(pgs, work, name, rule, exporter)


if __name__ == "__main__":
    main()
