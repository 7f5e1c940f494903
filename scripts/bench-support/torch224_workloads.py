#!/usr/bin/env python3
"""The 224x224 workloads W5-W7 on the peers' side: export of the models (once), PyTorch and
onnxruntime timings, the same command line and JSON line as `pgs-bench`.

    torch224_workloads.py export W5|W6|W7 --cache DIR
        -> writes DIR/<model>.onnx once (legacy exporter, dynamic batch axis) and prints its path
    torch224_workloads.py W5-1|W5-8|W5-fwd8 (W6-..., W7-...) --peer torch|torch-plain|ort
        --cache DIR --threads N --warmup K [--warmup-ms T] --reps R --json
        -> {"workload":"W5-8","threads":1,"times_ms":[...],"peak_rss_kb":1234}

Models: W5 ResNet-18, W6 MobileNetV2, W7 GoogLeNet without aux heads, built and randomized to
trained-like weights exactly as scripts/crosscheck-support/crosscheck_onnx.py does (make,
randomize, seed 0 / 1), so both sides compute with the same weights (the ONNX file).

One timed repetition of W<k>-<batch> (batch 1 or 8) is one activation-maximization step at
3x224x224: the original network's forward pass (no autograd), then a forward and backward pass
to the input under swap(0.3), objective logit 3 summed over the batch.
  --peer torch        swap(0.3) as a custom autograd function on every ReLU and ReLU6
                      (onnx_common.functional_rule, as in scripts/crosscheck-onnx)
  --peer torch-plain  plain ascent: one forward and backward pass with ordinary autograd
W<k>-fwd8 is the forward pass alone at batch 8:
  --peer torch        no_grad forward in PyTorch
  --peer ort          onnxruntime's CPU session on the exported file (intra-op threads N)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "crosscheck-support"))

from peer_timing import peak_rss_kb, time_repetitions  # noqa: E402

warnings.filterwarnings("ignore")

MODELS = {"W5": "resnet18", "W6": "mobilenet_v2", "W7": "googlenet"}
UNIT = 3
SLOPE = 0.3
INPUT_SEED = 7


def model_path(cache: str, workload: str) -> str:
    return os.path.join(cache, f"{MODELS[workload]}.onnx")


def build(workload: str):
    """The network of the crosscheck (`crosscheck_model`), in evaluation mode."""
    from crosscheck_onnx import crosscheck_model

    return crosscheck_model(MODELS[workload])


def export_model(workload: str, cache: str) -> str:
    import torch

    path = model_path(cache, workload)
    if os.path.exists(path):
        return path
    os.makedirs(cache, exist_ok=True)
    model = build(workload)
    tmp = path + ".tmp"
    torch.onnx.export(model, (torch.zeros(1, 3, 224, 224),), tmp, dynamo=False,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    os.replace(tmp, path)
    return path


def make_input(batch: int):
    import torch

    gen = torch.Generator().manual_seed(INPUT_SEED)
    return torch.rand((batch, 3, 224, 224), generator=gen) * 2 - 1


def make_step(workload: str, batch: int, peer: str):
    import torch
    from onnx_common import functional_rule

    model = build(workload)
    for p in model.parameters():  # the input takes the gradient, the weights none
        p.requires_grad_(False)
    x0 = make_input(batch)

    if peer == "torch":
        def step() -> float:
            with torch.no_grad():
                value = model(x0)[:, UNIT]
            x = x0.clone().requires_grad_(True)
            with functional_rule("swap", SLOPE):
                model(x)[:, UNIT].sum().backward()
            return float(value.sum())

        return step
    if peer == "torch-plain":
        def step() -> float:
            x = x0.clone().requires_grad_(True)
            value = model(x)[:, UNIT].sum()
            value.backward()
            return float(value)

        return step
    raise SystemExit(f"torch224_workloads: no peer {peer!r} for a step")


def make_forward(workload: str, batch: int, peer: str, cache: str, threads: int):
    if peer == "torch":
        import torch

        model = build(workload)
        x0 = make_input(batch)

        def forward() -> float:
            with torch.no_grad():
                return float(model(x0)[:, UNIT].sum())

        return forward
    if peer == "ort":
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        sess = ort.InferenceSession(model_path(cache, workload), options,
                                    providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        # numpy, not torch: this process's peak memory stays onnxruntime's own
        import numpy as np

        x0 = np.random.default_rng(INPUT_SEED).uniform(-1, 1, (batch, 3, 224, 224))
        feed = {name: x0.astype(np.float32)}

        def forward() -> float:
            return float(sess.run(None, feed)[0][:, UNIT].sum())

        return forward
    raise SystemExit(f"torch224_workloads: no peer {peer!r} for the forward pass")


def parse_workload(name: str) -> tuple[str, int, bool]:
    """"W5-8" -> ("W5", 8, False); "W5-fwd8" -> ("W5", 8, True)."""
    base, _, rest = name.partition("-")
    if base not in MODELS or not rest:
        raise SystemExit(f"torch224_workloads: unknown workload {name!r}")
    forward = rest.startswith("fwd")
    return base, int(rest[3:] if forward else rest), forward


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload")
    p.add_argument("model", nargs="?", help="with export: W5, W6 or W7")
    p.add_argument("--peer", default="torch", choices=["torch", "torch-plain", "ort"])
    p.add_argument("--cache", required=True, help="where the exported models are kept")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--warmup-ms", type=float, default=0)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    if args.workload == "export":
        print(export_model(args.model, args.cache))
        return 0

    base, batch, forward = parse_workload(args.workload)
    if args.peer != "ort":
        import torch

        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(1)
    base, batch, forward = parse_workload(args.workload)
    work = (make_forward(base, batch, args.peer, args.cache, args.threads) if forward
            else make_step(base, batch, args.peer))
    times, _ = time_repetitions(work, args.warmup, args.reps, args.warmup_ms)
    print(json.dumps({"workload": args.workload, "threads": args.threads, "times_ms": times,
                      "peak_rss_kb": peak_rss_kb(), "peer": args.peer}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
