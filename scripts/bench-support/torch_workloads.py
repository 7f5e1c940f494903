#!/usr/bin/env python3
"""PyTorch peer of `pgs-bench`: the same workloads, the same command line, the same JSON.

    torch_workloads.py W1|W2|W3 --threads N --warmup K [--warmup-ms T] --reps R --json
        -> {"workload":"W1","threads":1,"times_ms":[...],"peak_rss_kb":1234}
    torch_workloads.py sgemm --threads N [--size 1024] --json
        -> {"gflops": ...}
    torch_workloads.py info --json
        -> versions and the kernels torch picked (for the report)

Workloads (docs/performance.md, "Workloads"):
  W1  one training step: batch 64 of 1x28x28, conv(16,3) relu maxpool2 conv(32,3) relu maxpool2
      flatten linear(10), no padding (28 -> 26 -> 13 -> 11 -> 5), SGD lr 0.01, softmax
      cross-entropy.
  W2  100 activation-maximization steps on W1's net for one 1x28x28 input, maximizing logit 3 with
      the gradient rule swap(0.3): forward ReLU, backward Leaky ReLU slope 0.3 (a custom autograd
      function). Adam lr 0.05, the input clipped to [-1, 1] after every step.
  W3  one training step: batch 128 of 3x32x32, conv64 conv64 pool conv128 conv128 pool conv256 pool
      flatten linear(10), all convolutions 3x3 padding 1 followed by ReLU, SGD lr 0.01.

Each timed repetition is measured with perf_counter_ns around exactly the work the pgs side times:
W1/W3 one train step, W2 the 100 AM steps (fresh input and optimizer each repetition).
peak_rss_kb is this process's own high-water mark (VmHWM), which, unlike ru_maxrss, does not
inherit the parent's size across exec; the harness measures the child from outside as well.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

# torch warns once when numpy is absent; numpy plays no part in these workloads.
warnings.filterwarnings("ignore", message=".*Failed to initialize NumPy.*")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from peer_timing import peak_rss_kb, time_repetitions  # noqa: E402


SEED = 1


# MARK: - Networks


def w1_net(relu: nn.Module | None = None) -> nn.Sequential:
    """W1's network; `relu` replaces every ReLU (W2 passes the swap(0.3) activation)."""
    act = (lambda: relu) if relu is not None else nn.ReLU
    return nn.Sequential(
        nn.Conv2d(1, 16, 3),
        act(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3),
        act(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 5 * 5, 10),
    )


def w3_net() -> nn.Sequential:
    def conv(cin: int, cout: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]

    return nn.Sequential(
        *conv(3, 64),
        *conv(64, 64),
        nn.MaxPool2d(2),
        *conv(64, 128),
        *conv(128, 128),
        nn.MaxPool2d(2),
        *conv(128, 256),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256 * 4 * 4, 10),
    )


class LeakyReLUSplitSlopes(torch.autograd.Function):
    """Leaky ReLU with separate slopes: `forward_slope` for the value, `backward_slope` for the
    gradient. ProxyGrad's swap(b) is forward slope 0 (the network's own ReLU), backward slope b:
    the derivative used is 1 where z > 0, b elsewhere."""

    @staticmethod
    def forward(ctx, z: torch.Tensor, forward_slope: float, backward_slope: float):
        ctx.save_for_backward(z)
        ctx.backward_slope = backward_slope
        if forward_slope == 0.0:
            return torch.relu(z)
        return F.leaky_relu(z, forward_slope)

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        (z,) = ctx.saved_tensors
        grad_in = torch.where(z > 0, grad_out, grad_out * ctx.backward_slope)
        return grad_in, None, None


class SwapReLU(nn.Module):
    def __init__(self, backward_slope: float, forward_slope: float = 0.0):
        super().__init__()
        self.forward_slope = forward_slope
        self.backward_slope = backward_slope

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return LeakyReLUSplitSlopes.apply(z, self.forward_slope, self.backward_slope)


# MARK: - Workloads: each returns a zero-argument callable that does one timed repetition.


def make_train_step(net: nn.Module, batch: int, shape: tuple[int, int, int]):
    gen = torch.Generator().manual_seed(SEED + 1)
    x = torch.rand((batch, *shape), generator=gen) * 2 - 1
    y = torch.randint(0, 10, (batch,), generator=gen)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def make_w1():
    torch.manual_seed(SEED)
    return make_train_step(w1_net(), 64, (1, 28, 28))


def make_w3():
    torch.manual_seed(SEED)
    return make_train_step(w3_net(), 128, (3, 32, 32))


def make_w2(steps: int = 100, unit: int = 3, backward_slope: float = 0.3):
    torch.manual_seed(SEED)
    net = w1_net(SwapReLU(backward_slope))
    for p in net.parameters():  # AM needs the gradient of the input only
        p.requires_grad_(False)
    gen = torch.Generator().manual_seed(SEED + 2)
    start = (torch.rand((1, 1, 28, 28), generator=gen) * 2 - 1) * 0.1

    def maximize() -> float:
        x = start.clone().requires_grad_(True)
        # fused: PyTorch's fastest CPU Adam (same arithmetic as the default implementation)
        opt = torch.optim.Adam([x], lr=0.05, fused=True)
        value = torch.zeros(())
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            value = net(x)[0, unit]
            (-value).backward()  # ascent on the logit
            opt.step()
            with torch.no_grad():
                x.clamp_(-1.0, 1.0)
        return value.item()

    return maximize


WORKLOADS = {"W1": make_w1, "W2": make_w2, "W3": make_w3}


# MARK: - Measurement


def run_workload(name: str, warmup: int, reps: int, warmup_ms: float = 0) -> list[float]:
    """Times `reps` repetitions after at least `warmup` untimed ones and `warmup_ms` of warm-up."""
    times, _ = time_repetitions(WORKLOADS[name](), warmup, reps, warmup_ms)
    return times


def sgemm_gflops(size: int, reps: int) -> float:
    """Median rate of torch.mm on size x size float32 matrices (C = A B, preallocated output)."""
    gen = torch.Generator().manual_seed(SEED)
    a = torch.rand((size, size), generator=gen)
    b = torch.rand((size, size), generator=gen)
    c = torch.empty((size, size))
    for _ in range(3):
        torch.mm(a, b, out=c)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        torch.mm(a, b, out=c)
        times.append((time.perf_counter_ns() - t0) / 1e9)
    times.sort()
    return 2.0 * size**3 / times[len(times) // 2] / 1e9


def check() -> list[str]:
    """Self-checks of the peer: the swap rule's gradient against a hand computation, that W2's
    ascent raises the logit, and that the train steps lower their loss. Returns failures."""
    failures = []
    z = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
    y = SwapReLU(0.3)(z)
    (y * torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    if not torch.equal(y.detach(), torch.tensor([0.0, 0.0, 0.0, 0.5, 2.0])):
        failures.append(f"swap(0.3) value {y.tolist()} is not ReLU's")
    expected = torch.tensor([0.3, 0.6, 0.9, 4.0, 5.0])
    if not torch.allclose(z.grad, expected):
        failures.append(f"swap(0.3) gradient {z.grad.tolist()}, expected {expected.tolist()}")

    start_value = make_w2(steps=1)()  # the logit at the start (before the one step)
    after = make_w2()()  # the logit before the 100th step
    if not after > start_value + 0.5:
        failures.append(f"W2 ascent: logit 3 went from {start_value:.3f} to {after:.3f}")

    for name, make in (("W1", make_w1), ("W3", make_w3)):
        step = make()
        first = step()
        for _ in range(4):
            last = step()
        if not last < first:
            failures.append(f"{name}: loss did not fall over 5 steps ({first:.4f} -> {last:.4f})")
    return failures


def info() -> dict:
    capability = None
    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except AttributeError:
        pass
    return {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "cpu_capability": capability,
        "mkldnn": torch.backends.mkldnn.is_available(),
        "mkl": torch.backends.mkl.is_available(),
        "default_threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=[*WORKLOADS, "sgemm", "info", "check"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--warmup-ms", type=float, default=0,
                        help="warm up for at least this long as well (milliseconds)")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--size", type=int, default=1024, help="sgemm matrix size")
    parser.add_argument("--json", action="store_true", help="print one JSON line (the default)")
    args = parser.parse_args(argv)

    if args.workload == "info":
        print(json.dumps(info()))
        return 0
    if args.workload == "check":
        failures = check()
        for f in failures:
            print(f"check: {f}", file=sys.stderr)
        print("1 passed, 0 failed" if not failures else "0 passed, 1 failed")
        return 1 if failures else 0

    # Threads are fixed before any parallel work starts.
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    if args.workload == "sgemm":
        result = {"gflops": sgemm_gflops(args.size, max(args.reps, 10)), "size": args.size}
    else:
        times = run_workload(args.workload, args.warmup, args.reps, args.warmup_ms)
        result = {
            "workload": args.workload,
            "threads": args.threads,
            "times_ms": times,
            "peak_rss_kb": peak_rss_kb(),
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
