"""Explains an input-gradient difference of the ONNX cross-check (docs/onnx.md): finds every
float32 decision in which pgs's forward pass differs from PyTorch's float64 one (the side of
zero of a ReLU input, the winner of a max-pooling window) and recomputes the float64 reference
with pgs's own decisions. When pgs then agrees with it to float32 rounding, the difference is
those decisions and nothing else (no wrong rule, no wrong layer).

The decisions are read from pgs's own activations: of the model for plain() and swap(b), and,
for proxy(b), of the proxy network (every ReLU a LeakyReLU(b)), exported to ONNX and run plain
(the pass pgs's proxy rule makes). Models whose activations are all ReLUs (not mobilenet_v2's
ReLU6) and whose max pooling runs through F.max_pool2d (`applies`).

`explain(...)` returns an `Explanation`: the differing decisions, each with its size relative
to its layer's scale (a ReLU's float64 input |z| over the layer's largest |z|; a window's
float64 gap between float64's winner and pgs's winner over the layer's largest |input|), and
pgs's input gradient against the float64 reference and against the float64 reference with
pgs's decisions. `crosscheck_onnx.py` calls it for gradients that miss 1e-3 directly:
`Explanation.passes()` holds when every differing decision is a near-tie (<= TIE = 1e-6 of
its layer's scale) and pgs agrees with the reference with its decisions to TOLERANCE = 1e-3.

Usage: python decisions_onnx.py PGS WORK_DIR MODEL [legacy|dynamo] [RULE ...]
       (rules: plain swap proxy; all three by default; the legacy exporter by default)
"""
import copy
import os
import shutil
import subprocess
import sys
import warnings
from typing import NamedTuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from onnx_common import export, functional_rule, read_safetensors, relative_error  # noqa: E402

warnings.filterwarnings("ignore")
SLOPES = {"plain": (0.0, 0.0), "swap": (0.0, 0.3), "proxy": (0.3, 0.3)}  # forward, backward
TIE = 1e-6        # a differing decision within this fraction of its layer's scale is a near-tie
TOLERANCE = 1e-3  # the cross-check's bound on input gradients (relative to the largest value)
_RELU, _MAX_POOL = F.relu, F.max_pool2d
# Leaf modules of the models the analysis covers: ReLU (F.relu) is the only activation, and max
# pooling goes through F.max_pool2d.
_COVERED = (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
            nn.Linear, nn.Dropout, nn.Flatten, nn.Identity)


def only(path):
    return next(iter(read_safetensors(path).values()))


def applies(model):
    """Whether the decision analysis covers the model: no activation other than ReLU (and no
    module it does not know, such as mobilenet_v2's ReLU6)."""
    return all(isinstance(m, _COVERED) for m in model.modules() if not list(m.children()))


class Decision(NamedTuple):
    kind: str        # "relu" (the side of zero of a ReLU / Leaky ReLU input) or "maxpool" (a winner)
    layer: str       # pgs's layer: the ReLU, or the max pooling's input
    relative: float  # float64 |input| (ReLU) or winners' gap (max pooling) over the layer's scale
    text: str


class Explanation(NamedTuple):
    rule: str          # plain, swap or proxy
    relus: int         # ReLUs and max poolings in the forward pass
    poolings: int
    decisions: list    # Decision: where pgs's float32 pass decides otherwise than float64
    vs_float64: float  # pgs's input gradient against the float64 reference
    vs_forced: float   # ... against the float64 reference with pgs's decisions

    def largest(self):
        return max((d.relative for d in self.decisions), default=0.0)

    def near_ties(self, tie=TIE):
        return all(d.relative <= tie for d in self.decisions)

    def passes(self, tie=TIE, tolerance=TOLERANCE):
        return self.near_ties(tie) and self.vs_forced <= tolerance

    def summary(self):
        return (f"{len(self.decisions)} differing decisions (largest {self.largest():.1e} of the "
                f"layer's scale); pgs vs float64 {self.vs_float64:.1e}, vs float64 with pgs's "
                f"decisions {self.vs_forced:.1e}")


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


def pgs_activations(pgs, work, onnx_path, out):
    """pgs's outputs of every layer that can hold a decision or feed a max pooling (saved in the
    directory `out`, read, and the directory removed)."""
    os.makedirs(out, exist_ok=True)
    script = out + ".pgs"
    with open(script, "w") as f:
        f.write(f'x = uniform([1, 3, 224, 224], -1, 1, seed: 7)\nnet = onnx("{onnx_path}")\n'
                f'names = []\nfor l in layers(net) {{ if l.kind == "relu" || l.kind == "leaky" || '
                f'l.kind == "maxpool" || l.kind == "concat" {{ names = names + [l.name] }} }}\n'
                f'a = activations(net, x, layers: names)\n'
                f'for n in names {{ save(a[n], "{out}/" + n + ".safetensors"); print(n) }}\n')
    try:
        r = subprocess.run([pgs, "run", "--allow-write", work, script], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr.strip())
        return [(n, torch.from_numpy(only(f"{out}/{n}.safetensors").astype(np.float64)))
                for n in r.stdout.split()]
    finally:
        shutil.rmtree(out, ignore_errors=True)
        if os.path.exists(script):
            os.remove(script)


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


def find_decisions(pgs, work, m64, x, onnx_path, rule, out):
    """pgs's decisions (each ReLU's side of zero, each window's winner) in the forward pass of
    `onnx_path` (the model, or for proxy the proxy network), and those that differ from the
    float64 pass of `m64` under `rule`'s forward slope."""
    acts = pgs_activations(pgs, work, onnx_path, out)
    with torch.no_grad(), patched(rule) as cap:
        m64(x)
    used, masks, indices, decisions = set(), [], [], []
    for z in cap.relus:
        _, _, pname, t = match(torch.where(z > 0, z, SLOPES[rule][0] * z), acts, used, "relu")
        masks.append(t > 0)
        scale = z.abs().max().item()
        for f in torch.nonzero((t > 0) != (z > 0)).tolist():
            f = tuple(f)
            v = z[f].item()
            decisions.append(Decision("relu", pname, abs(v) / scale,
                                      f"ReLU {pname} at {f}: float64 input {v:.3e} ({abs(v) / scale:.1e} of the "
                                      f"layer's scale {scale:.3g}), pgs output {t[f].item():.3e}"))
    for xin, args, kwargs in cap.pool_inputs:
        _, _, pname, t = match(xin, acts, set(), "max-pooling input")
        _, idx = _MAX_POOL(t, *args, **{**kwargs, "return_indices": True})
        _, ref = _MAX_POOL(xin, *args, **{**kwargs, "return_indices": True})
        indices.append(idx)
        scale = xin.abs().max().item()
        w = xin.shape[3]
        for n, c, oy, ox in torch.nonzero(idx != ref).tolist():
            plane, mine = xin[n, c].reshape(-1), t[n, c].reshape(-1)
            a, b = ref[n, c, oy, ox].item(), idx[n, c, oy, ox].item()
            gap = plane[a].item() - plane[b].item()  # >= 0: a is float64's winner
            decisions.append(Decision(
                "maxpool", pname, gap / scale,
                f"max pooling of {pname}, channel {c}, window ({oy}, {ox}): float64 picks {divmod(a, w)} "
                f"{plane[a].item():.9g} over {divmod(b, w)} {plane[b].item():.9g} (gap {gap:.2e}, "
                f"{gap / scale:.1e} of the layer's scale {scale:.3g}); "
                f"pgs has {mine[a].item():.9g} and {mine[b].item():.9g}"))
    return masks, indices, decisions, len(cap.relus), len(cap.pool_inputs)


def explain(pgs, work, model, x, model_path, rule, pgs_grad, unit, exporter="legacy", cache=None):
    """The Explanation of pgs's input gradient `pgs_grad` (of logit `unit` at `x`, under `rule`:
    plain, swap or proxy, slope 0.3) of `model` (float32 PyTorch module, exported to
    `model_path`). The proxy network is exported next to `model_path` when needed. `cache` (a
    dict, one per model and exporter) keeps the float64 model and the decisions of each forward
    pass between rules (plain and swap share one)."""
    cache = {} if cache is None else cache
    if "m64" not in cache:
        cache["m64"] = copy.deepcopy(model).double().eval()
    m64 = cache["m64"]
    x = x.double()
    forward = "proxy" if rule == "proxy" else "plain"
    if forward not in cache:
        stem = os.path.splitext(model_path)[0]
        path = model_path
        if forward == "proxy":
            path = stem + ".proxy.onnx"
            if not os.path.exists(path):
                with functional_rule("proxy", SLOPES["proxy"][0]):
                    export(proxy_network(model, SLOPES["proxy"][0]), torch.zeros(1, 3, 224, 224), path, exporter)
        cache[forward] = find_decisions(pgs, work, m64, x, path, forward, f"{stem}.acts-{forward}")
    masks, indices, decisions, relus, poolings = cache[forward]

    def gradient(forcing):
        xx = x.clone().requires_grad_(True)
        with forcing:
            m64(xx)[:, unit].sum().backward()
        return xx.grad.numpy()

    reference = gradient(patched(rule))
    forced = gradient(patched(rule, masks, indices))
    return Explanation(rule, relus, poolings, decisions,
                       relative_error(pgs_grad, reference), relative_error(pgs_grad, forced))


def print_explanation(name, exporter, e):
    print(f"{name} ({exporter} export) {e.rule}: {e.relus} ReLUs, {e.poolings} max poolings; "
          f"decisions pgs takes otherwise than float64: {len(e.decisions)}")
    for d in e.decisions:
        print("  " + d.text)
    verdict = (f"passes as ties: every differing decision within {TIE:g} of its layer's scale, "
               f"within {TOLERANCE:g} with pgs's decisions" if e.passes() else
               f"fails: a differing decision is over {TIE:g} of its layer's scale" if not e.near_ties() else
               f"fails: over {TOLERANCE:g} even with pgs's decisions")
    print(f"  input gradient, pgs vs float64: {e.vs_float64:.1e}; vs float64 with pgs's decisions: "
          f"{e.vs_forced:.1e}; largest differing decision {e.largest():.1e} of its layer's scale", flush=True)
    print(f"  {verdict}" if e.vs_float64 > TOLERANCE else "  passes directly (within 1e-3 of float64)", flush=True)


def main():
    from crosscheck_onnx import UNIT, crosscheck_model  # not at the top: crosscheck_onnx imports this

    pgs, work, name = sys.argv[1:4]
    rest = sys.argv[4:]
    exporter = rest.pop(0) if rest and rest[0] in ("legacy", "dynamo") else "legacy"
    os.makedirs(work, exist_ok=True)
    model = crosscheck_model(name)
    if not applies(model):
        print(f"{name}: activations other than ReLU; the decision analysis does not cover it")
        return
    model_path = os.path.join(work, f"{name}.{exporter}.model.onnx")
    if not os.path.exists(model_path):
        export(model, torch.zeros(1, 3, 224, 224), model_path, exporter)
    cache = {}
    for rule in rest or ["plain", "swap", "proxy"]:
        grads = os.path.join(work, f"{name}.{exporter}.grad.{rule}.safetensors")
        if not os.path.exists(grads):
            arg = {"plain": "plain()", "swap": "swap(0.3)", "proxy": "proxy(0.3)"}[rule]
            script = os.path.join(work, f"grad-{rule}.pgs")
            with open(script, "w") as f:
                f.write(f'x = uniform([1, 3, 224, 224], -1, 1, seed: 7)\nsave(x, "{work}/x.safetensors")\n'
                        f'net = onnx("{model_path}")\n'
                        f'save(grad(logit(net, {UNIT}), x, {arg}).grad, "{grads}")\n')
            r = subprocess.run([pgs, "run", "--allow-write", work, script], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(r.stderr.strip())
        x = torch.from_numpy(only(os.path.join(work, "x.safetensors")).copy())
        e = explain(pgs, work, model, x, model_path, rule, only(grads), UNIT, exporter, cache)
        print_explanation(name, exporter, e)


if __name__ == "__main__":
    main()
