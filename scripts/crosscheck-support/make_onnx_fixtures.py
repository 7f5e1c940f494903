"""Makes the small ONNX models and goldens that `swift test` checks (Tests/ProxyGradONNXTests/
Fixtures): one network with the ops this version reads, exported by PyTorch's legacy and default
(dynamo) exporters in several variants, plus an FP16 copy, with PyTorch's logits and input
gradients under plain, swap(0.3) and proxy(0.3).

Usage: python make_onnx_fixtures.py OUT_DIR
"""
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from onnx_common import (RULES, export, input_gradient, ort_logits, randomize,  # noqa: E402
                         relative_error, replace_activations, rule_name, tensor_json, write_json)

warnings.filterwarnings("ignore")


class Block(nn.Module):
    """A residual block that calls its one ReLU twice (as torchvision's BasicBlock)."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)

    def forward(self, x):
        return self.relu(self.conv2(self.relu(self.bn1(self.conv1(x)))) + x)


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.layer1 = Block(8)
        self.norm = nn.BatchNorm2d(8)  # follows no convolution: survives folding
        self.down = nn.Conv2d(8, 16, 1, stride=2)
        self.act = nn.LeakyReLU(0.1)
        self.avg = nn.AvgPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(self.relu(self.bn1(self.conv1(x))))
        x = self.norm(self.layer1(x))
        x = self.avg(self.act(self.down(x)))
        x = torch.flatten(self.gap(x), 1)
        return self.fc(self.drop(x))


def fp16_copy(src, dst):
    """The model with every float initializer stored as FLOAT16 (the graph still computes in
    float32: pgs converts on load)."""
    m = onnx.load(src)
    for t in m.graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT:
            a = onnx.numpy_helper.to_array(t).astype(np.float16)
            t.CopyFrom(onnx.numpy_helper.from_array(a, t.name))
    onnx.save(m, dst)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    model = Small().eval()
    randomize(model, gen, bias_std=0.1)
    x = torch.rand(2, 3, 16, 16, generator=gen) * 2 - 1
    unit = 3
    for variant in ["legacy", "legacy-nofold", "dynamo", "dynamo-noopt"]:
        path = os.path.join(out, f"small.{variant}.onnx")
        export(model, x[:1], path, variant)
        onnx.checker.check_model(path, full_check=True)
    fp16_copy(os.path.join(out, "small.legacy.onnx"), os.path.join(out, "small.fp16.onnx"))

    def goldens(m, name):
        m = replace_activations(m).double()
        logits = m(x.double()).float().detach()
        payload = {"input": tensor_json(x), "unit": unit, "logits": tensor_json(logits)}
        for kind, b in RULES:
            payload["grad." + rule_name(kind, b)] = tensor_json(input_gradient(m, x, unit, kind, b))
        write_json(os.path.join(out, name), payload)
        return logits

    import copy
    logits = goldens(copy.deepcopy(model), "small.golden.json")
    for variant in ["legacy", "legacy-nofold", "dynamo", "dynamo-noopt"]:
        err = relative_error(ort_logits(os.path.join(out, f"small.{variant}.onnx"), x), logits.numpy())
        print(f"onnxruntime {variant}: relative error {err:.2e}")
        assert err < 1e-5, variant

    goldens_fp16(model, x, unit, out)
    print("wrote", sorted(os.listdir(out)))


def goldens_fp16(model, x, unit, out):
    """Logits of small.fp16.onnx, from onnxruntime on a float32 copy of its rounded weights."""
    m = onnx.load(os.path.join(out, "small.fp16.onnx"))
    for t in m.graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT16:
            a = onnx.numpy_helper.to_array(t).astype(np.float32)
            t.CopyFrom(onnx.numpy_helper.from_array(a, t.name))
    tmp = os.path.join(out, "fp16-as-fp32.tmp.onnx")
    onnx.save(m, tmp)
    logits = ort_logits(tmp, x)
    os.remove(tmp)
    write_json(os.path.join(out, "small.fp16.golden.json"),
               {"input": tensor_json(x), "logits": tensor_json(torch.from_numpy(logits))})


if __name__ == "__main__":
    main(sys.argv[1])
