"""The ONNX cross-check on torchvision's models (docs/onnx.md): export with both PyTorch
exporters, read with pgs, compare logits with onnxruntime and PyTorch (relative error <= 1e-4)
and input gradients under plain(), swap(0.3) and proxy(0.3) with PyTorch in float64; then a
network written in PGS and saved with save_onnx, run in onnxruntime.

A gradient passes "direct" when its relative error against the float64 reference is <= 1e-3,
or else as "ties" when (on models whose only activation is ReLU, decisions_onnx.applies) every
float32 decision in which pgs's forward pass differs from float64 is a near-tie (a ReLU input
with |z| <= 1e-6 of the layer's largest |z|, a max-pooling window whose float64 winner and pgs's
winner are <= 1e-6 of the layer's largest |input| apart) and pgs agrees to <= 1e-3 with the
float64 reference recomputed with pgs's decisions (decisions_onnx.explain). PyTorch's own
float32 error is recorded as information.

Usage: python crosscheck_onnx.py PGS WORK_DIR MODELS EXPORTERS RESULTS_JSON
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn

# torchvision from PyPI is a CUDA build whose C++ ops do not load with CPU torch; its models are
# pure Python and need only these two schemas to import (shared/research: the import workaround).
_lib = torch.library.Library("torchvision", "DEF")
_lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
_lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
import torchvision.models as tvm  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
import decisions_onnx as decisions  # noqa: E402
from onnx_common import (RULES, export, functional_rule, ort_logits, randomize,  # noqa: E402
                         read_safetensors, relative_error, rule_name)

warnings.filterwarnings("ignore")
UNIT = 3


def make(name):
    if name == "googlenet":
        model = tvm.googlenet(weights=None, aux_logits=False, init_weights=True, transform_input=False)
        # torchvision's GoogLeNet init (truncated normal, std 0.01) under trained-like batch-norm
        # statistics leaves no trace of the input: the input gradient is about 1e-14, pure
        # rounding noise. He-normal convolutions keep the signal alive, as training does.
        g = torch.Generator().manual_seed(2)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, nn.Conv2d):
                    m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / m.weight[0].numel()) ** 0.5)
        return model
    return getattr(tvm, name)(weights=None)


def torch_reference(model, x, dtype=torch.float64):
    """Logits and input gradients in PyTorch, in float64 (the reference) or float32 (to measure
    how far PyTorch's own float32 computation is from it)."""
    m = copy.deepcopy(model).to(dtype).eval()
    out = {}
    with torch.no_grad(), functional_rule("plain", None):
        out["logits"] = m(x.to(dtype)).double().numpy()
    for kind, b in RULES:
        xx = x.to(dtype).clone().requires_grad_(True)
        with functional_rule(kind, b):
            m(xx)[:, UNIT].sum().backward()
        out["grad." + rule_name(kind, b)] = xx.grad.double().numpy()
    return out


PGS_SCRIPT = """
x = uniform([1, 3, 224, 224], -1, 1, seed: 7)
save(x, "{work}/x.safetensors")
net = onnx("{model}")
save(net(x), "{out}.logits.safetensors")
save(grad(logit(net, {unit}), x, plain()).grad, "{out}.grad.plain.safetensors")
save(grad(logit(net, {unit}), x, swap(0.3)).grad, "{out}.grad.swap-0.3.safetensors")
save(grad(logit(net, {unit}), x, proxy(0.3)).grad, "{out}.grad.proxy-0.3.safetensors")
"""


def run_pgs(pgs, work, model_path, out):
    script = os.path.join(work, "check.pgs")
    with open(script, "w") as f:
        f.write(PGS_SCRIPT.format(work=work, model=model_path, out=out, unit=UNIT))
    t = time.time()
    r = subprocess.run([pgs, "run", "--allow-write", work, script], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip() or r.stdout.strip())
    return time.time() - t


def only(path):
    return next(iter(read_safetensors(path).values()))


def judge(pgs, work, model, x, path, kind, grad, exporter, error, cache, row, r):
    """How a gradient passes: "direct" (<= 1e-3 against float64), "ties (N, largest ...)" (only
    near-tie decisions differ and pgs agrees with float64 under its decisions to 1e-3), or
    "fails (...)". The decision analysis runs only where the direct check fails."""
    if error <= decisions.TOLERANCE:
        return "direct"
    if not decisions.applies(model):
        return "fails (direct; activations other than ReLU, no decision analysis)"
    try:
        e = decisions.explain(pgs, work, model, x, path, kind, grad, UNIT, exporter, cache)
    except Exception as ex:  # noqa: BLE001 - reported as a failure, never hidden
        return f"fails (decision analysis: {str(ex).splitlines()[-1][:200]})"
    row["decisions_" + r] = [{"kind": d.kind, "layer": d.layer, "relative": d.relative, "text": d.text}
                             for d in e.decisions]
    row["largest_decision_" + r] = e.largest()
    row["grad_forced_" + r] = e.vs_forced
    ties = f"{len(e.decisions)}, largest {e.largest():.1e} of scale; with pgs's decisions {e.vs_forced:.1e}"
    if not e.near_ties():
        return f"fails (a differing decision is no near-tie: {ties})"
    if e.vs_forced > decisions.TOLERANCE:
        return f"fails (misses 1e-3 with pgs's decisions: {ties})"
    return f"ties ({ties})"


def crosscheck_model(name):
    """The network of the crosscheck (also the benchmark's W5-W7 and decisions_onnx.py's):
    make(name) with torch's seed 0, in evaluation mode, then randomize with seed 1."""
    torch.manual_seed(0)
    return randomize(make(name).eval(), torch.Generator().manual_seed(1), bias_std=0.05)


def check_model(pgs, work, name, exporters, results):
    model = crosscheck_model(name)
    for exporter in exporters:
        key = f"{name}.{exporter}"
        row = {"model": name, "exporter": exporter}
        try:
            path = os.path.join(work, f"{key}.onnx")
            xs = torch.zeros(1, 3, 224, 224)
            export(model, xs, path, exporter)
            out = os.path.join(work, key)
            row["pgs_seconds"] = round(run_pgs(pgs, work, path, out), 1)
            x = torch.from_numpy(only(os.path.join(work, "x.safetensors")).copy())
            ref = torch_reference(model, x)
            ref32 = torch_reference(model, x, torch.float32)
            ort = ort_logits(path, x)
            logits = only(out + ".logits.safetensors")
            row["logits_vs_torch"] = relative_error(logits, ref["logits"])
            row["logits_vs_ort"] = relative_error(logits, ort)
            cache = {}  # the float64 model and pgs's decisions, shared by the rules' explanations
            for kind, b in RULES:
                r = rule_name(kind, b)
                grad = only(f"{out}.grad.{r}.safetensors")
                row["grad_" + r] = relative_error(grad, ref["grad." + r])
                row["torch32_grad_" + r] = relative_error(ref32["grad." + r], ref["grad." + r])
                row["how_" + r] = judge(pgs, work, model, x, path, kind, grad, exporter, row["grad_" + r],
                                        cache, row, r)
            del cache
            row["pass"] = (row["logits_vs_torch"] <= 1e-4 and row["logits_vs_ort"] <= 1e-4
                           and all(not row["how_" + r].startswith("fails")
                                   for r in (rule_name(k, b) for k, b in RULES)))
        except Exception as e:  # noqa: BLE001 - reported, never hidden
            row["error"] = str(e).splitlines()[-1][:400]
            row["pass"] = False
        results.append(row)
        print(json.dumps({k: v for k, v in row.items() if not k.startswith("decisions_")}), flush=True)
        for f in os.listdir(work):  # keep the disk tidy: the models are large
            if f.startswith(key + "."):
                p = os.path.join(work, f)
                shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)


SAVE_SCRIPT = """
net = network(input: [3, 32, 32], seed: 5) {{
  conv(8, 3, pad: 1); batchnorm(); relu()
  residual {{ conv(8, 3, pad: 1); batchnorm(); relu(); conv(8, 3, pad: 1); batchnorm() }}
  relu()
  residual(project: true) {{ conv(16, 3, stride: 2, pad: 1); relu6(); conv(16, 3, pad: 1) }}
  maxpool(3, stride: 2, pad: 1)
  conv(16, [1, 3], pad: [0, 1], groups: 4); sigmoid()
  gap(); dropout(0.1); linear(10)
}}
x = uniform([2, 3, 32, 32], -1, 1, seed: 8)
save(x, "{work}/saved.x.safetensors")
save(net(x), "{work}/saved.logits.safetensors")
save_onnx(net, "{work}/saved.onnx")
"""


def check_saved(pgs, work, results):
    row = {"model": "PGS network saved with save_onnx", "exporter": "pgs"}
    try:
        script = os.path.join(work, "save.pgs")
        with open(script, "w") as f:
            f.write(SAVE_SCRIPT.format(work=work))
        r = subprocess.run([pgs, "run", "--allow-write", work, script], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr.strip())
        x = torch.from_numpy(only(os.path.join(work, "saved.x.safetensors")).copy())
        row["logits_vs_ort"] = relative_error(only(os.path.join(work, "saved.logits.safetensors")),
                                              ort_logits(os.path.join(work, "saved.onnx"), x))
        row["pass"] = row["logits_vs_ort"] <= 1e-4
    except Exception as e:  # noqa: BLE001
        row["error"] = str(e).splitlines()[-1][:400]
        row["pass"] = False
    results.append(row)
    print(json.dumps(row), flush=True)


def main():
    pgs, work, models, exporters, results_path = sys.argv[1:6]
    os.makedirs(work, exist_ok=True)
    results = []
    check_saved(pgs, work, results)
    for name in [m for m in models.split(",") if m]:
        check_model(pgs, work, name, [e for e in exporters.split(",") if e], results)
    with open(results_path, "w") as f:
        json.dump(results, f, indent=1)
    for r in results:
        hows = "; ".join(f"{n}: {r['how_' + n]}" for n in (rule_name(k, b) for k, b in RULES) if "how_" + n in r)
        print(f"{r['model']} ({r['exporter']}): {'passes' if r['pass'] else 'FAILS'}"
              + (f" — {hows}" if hows else "") + (f" — {r['error']}" if "error" in r else ""))
    failed = [r for r in results if not r["pass"]]
    print(f"crosscheck-onnx: {len(results) - len(failed)} of {len(results)} checks passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
