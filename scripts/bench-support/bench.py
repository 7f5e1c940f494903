#!/usr/bin/env python3
"""Side-by-side benchmark driver behind `scripts/bench` (see docs/performance.md).

Runs each workload at each thread count, every configuration in its own process, ours
(`pgs-bench`) and theirs (PyTorch for W1-W3, CPython for W4; PyTorch and onnxruntime for the
224x224 workloads W5-W7, from torch224_workloads.py) alternating, and reports the median
time per repetition, p10-p90, the ratio ours/theirs, and each process's peak resident memory.
Also measures the sgemm rate three ways (pgs-bench, the system OpenBLAS through ctypes, torch.mm)
and the rate of our conv layers in W3 as a fraction of our sgemm rate.

Standard library only: the driver never imports torch, so its own size stays small.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
WORKLOADS = ["W1", "W2", "W3", "W4"]
# The 224x224 workloads (issue 20), not in the default set: each expands into a step at batch 1,
# a step at batch 8 and the forward pass alone at batch 8.
LARGE = {"W5": "ResNet-18", "W6": "MobileNetV2", "W7": "GoogLeNet"}
LARGE_PARTS = ("1", "8", "fwd8")
DESCRIPTIONS = {
    "W1": "train step, batch 64 of 1x28x28, small convnet",
    "W2": "100 AM steps, swap(0.3), Adam, clip",
    "W3": "train step, batch 128 of 3x32x32, VGG-like",
    "W4": "10^6-iteration scalar loop (interpreter)",
}
THEIRS_NAME = {"W1": "PyTorch", "W2": "PyTorch", "W3": "PyTorch", "W4": "CPython"}
for _w, _m in LARGE.items():
    DESCRIPTIONS[f"{_w}-1"] = f"AM step, swap(0.3), {_m}, batch 1 of 3x224x224"
    DESCRIPTIONS[f"{_w}-8"] = f"AM step, swap(0.3), {_m}, batch 8 of 3x224x224"
    DESCRIPTIONS[f"{_w}-fwd8"] = f"forward pass, {_m}, batch 8 of 3x224x224"
    THEIRS_NAME[f"{_w}-1"] = THEIRS_NAME[f"{_w}-8"] = "PyTorch"
    THEIRS_NAME[f"{_w}-fwd8"] = "onnxruntime"
# Variables removed from every benchmarked command, both sides alike (env README: they pin an
# old OpenBLAS kernel on some processors, which slows current libraries).
UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# Targets of issue 9, as ratios ours/theirs (time, and peak memory where given).
TIME_TARGETS = {"W1": 0.5, "W2": 0.25, "W3": 1.0, "W4": 1.0}
RSS_TARGETS = {"W1": 0.5, "W3": 0.5}
# Targets of issue 20: a step <= 0.8x PyTorch (W5, W7) or 1.0x (W6), the forward pass at batch 8
# <= 1.0x onnxruntime, peak memory <= 0.5x PyTorch's.
for _w, _t in (("W5", 0.8), ("W6", 1.0), ("W7", 0.8)):
    TIME_TARGETS[f"{_w}-1"] = TIME_TARGETS[f"{_w}-8"] = _t
    TIME_TARGETS[f"{_w}-fwd8"] = 1.0
    RSS_TARGETS[f"{_w}-1"] = RSS_TARGETS[f"{_w}-8"] = 0.5
# Extra peers, reported beside the table: label of each side other than ours and theirs.
EXTRA_SIDES = {"theirs-fn": "CPython with the loop inside a function (fast locals)",
               "theirs-plain": "PyTorch, plain ascent (one forward and backward, no swap rule)",
               "theirs-torch": "PyTorch, forward pass under no_grad"}
CONV_FRACTION_TARGET = 0.70
# A configuration during which other processes kept more than this many cores busy is flagged.
DISTURBED = 0.25
DOC_BEGIN = "<!-- bench:results:begin -->"
DOC_END = "<!-- bench:results:end -->"

# A tiny fork/exec/wait4 helper. Measuring a child's ru_maxrss straight from this (Python)
# process is skewed: Linux carries the parent's resident size into the child's maximum across
# fork and exec, so every child would read at least the driver's ~10 MB. Through this helper the
# floor is the helper's own size (about 1 MB), the same for both sides. (GNU time does the same,
# but is not on every machine.)
RUSAGE_EXEC_C = r"""
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: rusage-exec OUTFILE COMMAND...\n"); return 2; }
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 127; }
  if (pid == 0) { execvp(argv[2], argv + 2); perror("execvp"); _exit(127); }
  int status; struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 127; }
  FILE *out = fopen(argv[1], "w");
  if (out) {
    fprintf(out, "%ld %ld %ld\n", ru.ru_maxrss,
            (long)ru.ru_utime.tv_sec * 1000000L + (long)ru.ru_utime.tv_usec,
            (long)ru.ru_stime.tv_sec * 1000000L + (long)ru.ru_stime.tv_usec);
    fclose(out);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
"""


# MARK: - Running one process


@dataclass
class Run:
    """One process: its command, its JSON answer, and its peak RSS as measured from outside."""

    side: str  # "ours" | "theirs" | "theirs-fn" | "openblas" | ...
    workload: str
    threads: int
    cmd: list[str]
    ok: bool = False
    result: dict = field(default_factory=dict)
    peak_rss_kb: int | None = None  # measured by the harness
    wall_s: float = 0.0
    cpu_s: float | None = None  # the process's own user + system time
    other_load: float | None = None  # mean cores busy with other work while it ran
    error: str = ""


def machine_load(seconds: float = 1.0) -> float | None:
    """Cores kept busy over the next `seconds` (this driver sleeps meanwhile)."""
    b0 = busy_cpu_seconds()
    time.sleep(seconds)
    b1 = busy_cpu_seconds()
    return None if b0 is None or b1 is None else (b1 - b0) / seconds


class Runner:
    def __init__(self, workdir: Path, timeout: float, verbose: bool, wait_quiet: float = 0):
        self.workdir = workdir
        self.timeout = timeout
        self.verbose = verbose
        self.wait_quiet = wait_quiet
        self.helper = self._build_helper()
        self.rss_method = (
            "ru_maxrss of each benchmarked process, via a fork/exec/wait4 helper"
            if self.helper
            else "ru_maxrss from the driver's wait4 (no C compiler: includes the driver's size)"
        )
        self.rss_floor_kb = None

    def _build_helper(self) -> Path | None:
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if not cc:
            return None
        src = self.workdir / "rusage-exec.c"
        exe = self.workdir / "rusage-exec"
        src.write_text(RUSAGE_EXEC_C)
        done = subprocess.run([cc, "-O2", "-o", str(exe), str(src)], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"bench: could not build the RSS helper:\n{done.stderr}", file=sys.stderr)
            return None
        return exe

    def measure_floor(self, env: dict) -> None:
        """Peak RSS the method reports for /bin/true: the floor under every number."""
        run = self.run(Run("floor", "-", 1, ["true"]), env, expect_json=False)
        self.rss_floor_kb = run.peak_rss_kb

    def wait_until_quiet(self) -> None:
        """Waits up to `wait_quiet` seconds for other work to leave the machine."""
        deadline = time.monotonic() + self.wait_quiet
        waited = False
        while time.monotonic() < deadline:
            load = machine_load()
            if load is None or load <= DISTURBED:
                break
            if not waited:
                print(f"  (waiting up to {self.wait_quiet:.0f} s for a quiet machine: "
                      f"load {load:.2f})", file=sys.stderr, flush=True)
                waited = True

    def run(self, run: Run, env: dict, expect_json: bool = True) -> Run:
        if self.wait_quiet > 0 and run.side != "floor":
            self.wait_until_quiet()
        rss_file = self.workdir / "maxrss"
        rss_file.unlink(missing_ok=True)
        cmd = [str(self.helper), str(rss_file), *run.cmd] if self.helper else run.cmd
        if self.verbose:
            print("  $ " + shlex.join(run.cmd), file=sys.stderr)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            busy0 = busy_cpu_seconds()
            start = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
            timed_out = False
            deadline = start + self.timeout
            try:
                while True:
                    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                    if pid:
                        break
                    if time.monotonic() > deadline and not timed_out:
                        timed_out = True
                        os.killpg(proc.pid, signal.SIGKILL)
                    time.sleep(0.02)
            except KeyboardInterrupt:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                proc.returncode = -signal.SIGKILL
                raise
            proc.returncode = os.waitstatus_to_exitcode(status)
            run.wall_s = time.monotonic() - start
            busy1 = busy_cpu_seconds()
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode(errors="replace")
            stderr = err.read().decode(errors="replace")
        if self.helper:
            try:
                maxrss, utime_us, stime_us = map(int, rss_file.read_text().split())
                run.peak_rss_kb = maxrss
                run.cpu_s = (utime_us + stime_us) / 1e6
            except (OSError, ValueError):
                pass
        else:
            run.peak_rss_kb = usage.ru_maxrss
            run.cpu_s = usage.ru_utime + usage.ru_stime
        # /proc/stat counts in clock ticks (10 ms): too coarse for a process shorter than ~0.2 s.
        if (busy0 is not None and busy1 is not None and run.cpu_s is not None
                and run.wall_s >= 0.2):
            # Everything the machine did meanwhile, less this process (and the ~1 ms helper).
            run.other_load = max(0.0, (busy1 - busy0 - run.cpu_s) / run.wall_s)
        if timed_out:
            run.error = f"timed out after {self.timeout:.0f} s"
        elif proc.returncode != 0:
            run.error = f"exit {proc.returncode}: " + tail(stderr or stdout)
        elif expect_json:
            try:
                run.result = last_json_line(stdout)
                run.ok = True
            except ValueError as e:
                run.error = f"{e}; stdout: {tail(stdout)}; stderr: {tail(stderr)}"
        else:
            run.ok = True
        return run


def busy_cpu_seconds() -> float | None:
    """Seconds all CPUs have spent busy since boot (/proc/stat: all but idle and iowait)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(x) for x in fields[1:9]]  # user nice system idle iowait irq softirq steal
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


def last_json_line(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the output")


def tail(text: str, lines: int = 6) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


# MARK: - Statistics


def quantile(sorted_xs: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_xs:
        return float("nan")
    pos = (len(sorted_xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def summarize(times: list[float]) -> dict | None:
    if not times:
        return None
    xs = sorted(times)
    return {
        "n": len(xs),
        "median": statistics.median(xs),
        "p10": quantile(xs, 0.10),
        "p90": quantile(xs, 0.90),
        "min": xs[0],
        "max": xs[-1],
    }


# MARK: - The benchmark


@dataclass
class Config:
    workloads: list[str]
    threads: list[int]
    warmup: int
    reps: int
    warmup_ms: float
    rounds: int
    pgs_bench: str | None
    torch_python: str | None
    python: str
    sgemm: bool
    sgemm_size: int
    ours_only: bool = False
    bandwidth: bool = True  # the STREAM-like probe (and the depthwise probe with W6)
    onnx_python: str | None = None  # a Python with torch, torchvision, onnx, onnxruntime (W5-W7)
    model_cache: str | None = None  # where W5-W7's ONNX files are exported to, once


def child_env(threads: int) -> dict:
    env = dict(os.environ)
    for name in UNSET:
        env.pop(name, None)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


def commands(cfg: Config, workload: str, threads: int) -> dict[str, list[str] | None]:
    common = ["--threads", str(threads), "--warmup", str(cfg.warmup),
              "--warmup-ms", f"{cfg.warmup_ms:g}", "--reps", str(cfg.reps), "--json"]
    if workload.split("-")[0] in LARGE:
        model = cfg.model_cache and model_file(cfg.model_cache, workload.split("-")[0])
        if not model or not Path(model).exists():
            return {}
        ours = [cfg.pgs_bench, workload, "--model", model, *common] if cfg.pgs_bench else None
        if cfg.ours_only or not cfg.onnx_python:
            return {"ours": ours}
        peer = [cfg.onnx_python, str(HERE / "torch224_workloads.py"), workload, "--cache",
                cfg.model_cache, *common]
        if workload.endswith("fwd8"):
            return {"ours": ours, "theirs": [*peer, "--peer", "ort"],
                    "theirs-torch": [*peer, "--peer", "torch"]}
        return {"ours": ours, "theirs": [*peer, "--peer", "torch"],
                "theirs-plain": [*peer, "--peer", "torch-plain"]}
    ours = [cfg.pgs_bench, workload, *common] if cfg.pgs_bench else None
    if workload == "W4" and not cfg.ours_only:
        loop = [cfg.python, str(HERE / "cpython_loop.py"), "W4", *common]
        return {"ours": ours, "theirs": loop, "theirs-fn": [*loop, "--form", "function"]}
    theirs = None
    if cfg.torch_python and workload != "W4":
        theirs = [cfg.torch_python, str(HERE / "torch_workloads.py"), workload, *common]
    return {"ours": ours, "theirs": theirs}


MODEL_FILES = {"W5": "resnet18.onnx", "W6": "mobilenet_v2.onnx", "W7": "googlenet.onnx"}


def model_file(cache: str, base: str) -> str:
    """The ONNX file torch224_workloads.py exports for W5, W6 or W7 (its naming)."""
    return str(Path(cache) / MODEL_FILES[base])


def export_models(cfg: Config, log) -> None:
    """Exports W5-W7's models once (PyTorch's legacy exporter, same weights as the ONNX
    cross-check) into cfg.model_cache; a failure is logged and that workload is skipped."""
    for base in sorted({w.split("-")[0] for w in cfg.workloads if w.split("-")[0] in LARGE}):
        if Path(model_file(cfg.model_cache, base)).exists():
            continue
        if not cfg.onnx_python:
            log(f"bench: {base} needs {model_file(cfg.model_cache, base)}, and no Python with "
                "torch and onnx to export it (.venv-onnx); skipping it")
            continue
        log(f"bench: exporting {LARGE[base]} to {model_file(cfg.model_cache, base)} (once)")
        done = subprocess.run([cfg.onnx_python, str(HERE / "torch224_workloads.py"), "export",
                               base, "--cache", cfg.model_cache], capture_output=True, text=True)
        if done.returncode != 0:
            log(f"bench: exporting {base} failed: {tail(done.stderr)}")


def run_benchmark(cfg: Config, runner: Runner, log, results: dict) -> None:
    """Runs everything, filling results["runs"] and results["sgemm"] as it goes, so that an
    interrupted run (Ctrl-C, SIGTERM) still reports what it measured."""
    try:
        measure(cfg, runner, log, results)
    except KeyboardInterrupt:
        results["interrupted"] = True
        log("bench: interrupted; reporting what was measured")


def measure(cfg: Config, runner: Runner, log, results: dict) -> None:
    runs = results.setdefault("runs", [])
    sgemm = results.setdefault("sgemm", [])
    if cfg.model_cache:
        export_models(cfg, log)
    flip = False
    for workload in cfg.workloads:
        for threads in cfg.threads:
            env = child_env(threads)
            cmds = commands(cfg, workload, threads)
            if not cmds:
                log(f"  {workload:5} {threads}t skipped: no model file")
                continue
            for _ in range(cfg.rounds):
                order = [s for s in ("ours", "theirs") if cmds.get(s)]
                if flip:
                    order.reverse()
                flip = not flip
                order += [s for s in cmds if s not in ("ours", "theirs") and cmds[s]]
                for side in order:
                    run = runner.run(Run(side, workload, threads, cmds[side]), env)
                    check_shape(run, cfg.reps)
                    runs.append(asdict(run))
                    log(progress_line(run))

    if cfg.sgemm:
        for threads in cfg.threads:
            env = child_env(threads)
            entry = {"threads": threads}
            size = ["--size", str(cfg.sgemm_size)]
            peers = {
                "ours": [cfg.pgs_bench, "sgemm", "--threads", str(threads), "--json"]
                if cfg.pgs_bench else None,
                "openblas": [cfg.python, str(HERE / "openblas_sgemm.py"), "--threads",
                             str(threads), *size, "--json"] if not cfg.ours_only else None,
                "torch": [cfg.torch_python, str(HERE / "torch_workloads.py"), "sgemm",
                          "--threads", str(threads), *size, "--json"]
                if cfg.torch_python else None,
            }
            sgemm.append(entry)
            for side, cmd in peers.items():
                if not cmd:
                    continue
                run = runner.run(Run(side, "sgemm", threads, cmd), env)
                log(progress_line(run))
                entry[side] = ({**run.result, "other_load": run.other_load} if run.ok
                               else {"error": run.error})

    # Memory bandwidth (pgs-bench stream: copy and triad over 80 MB arrays) and, with W6, the
    # rate of MobileNetV2's depthwise convolutions as bytes moved per second.
    if cfg.bandwidth and cfg.pgs_bench:
        bandwidth = results.setdefault("bandwidth", [])
        probes = ["stream"] + (["depthwise"] if any(w.startswith("W6") for w in cfg.workloads) else [])
        for threads in cfg.threads:
            env = child_env(threads)
            entry = {"threads": threads}
            bandwidth.append(entry)
            for probe in probes:
                cmd = [cfg.pgs_bench, probe, "--threads", str(threads), "--reps", "10", "--json"]
                run = runner.run(Run("ours", probe, threads, cmd), env)
                log(progress_line(run))
                entry[probe] = ({**run.result, "other_load": run.other_load} if run.ok
                                else {"error": run.error})


def bandwidth_lines(results: dict) -> list[str]:
    """The STREAM-like bandwidth and the depthwise convolutions' rate as a fraction of it."""
    lines = []
    for e in results.get("bandwidth", []):
        t = e["threads"]
        st = e.get("stream", {})
        if "error" in st:
            lines.append(f"Memory bandwidth at {t} thread(s): FAILED: {st['error']}")
            continue
        if "copy_gbs" not in st:
            continue
        lines.append(f"Memory bandwidth at {t} thread(s) (STREAM-like, 80 MB arrays): copy "
                     f"{st['copy_gbs']:.1f} GB/s, triad {st['triad_gbs']:.1f} GB/s.")
        dw = e.get("depthwise")
        if dw and "error" in dw:
            lines.append(f"Depthwise convolutions at {t} thread(s): FAILED: {dw['error']}")
        elif dw:
            copy = st["copy_gbs"]
            lines.append(
                f"Depthwise 3×3 convolutions of W6 (batch 8, all 17 layers) at {t} thread(s): "
                f"forward {dw['forward_gbs']:.1f} GB/s ({dw['forward_gbs'] / copy:.0%} of copy), "
                f"backward to the input {dw['backward_gbs']:.1f} GB/s "
                f"({dw['backward_gbs'] / copy:.0%}), {dw['gflops']:.1f} GFLOP/s, "
                f"{dw['total_ms']:.1f} ms for both passes of all layers.")
    return lines


def aggregate(run_dicts: list[dict]) -> list[dict]:
    """One row per (workload, threads), in the order the runs were made."""
    groups: dict[tuple[str, int], dict[str, list[Run]]] = {}
    for d in run_dicts:
        run = Run(**d)
        groups.setdefault((run.workload, run.threads), {}).setdefault(run.side, []).append(run)
    return [make_row(w, t, sides) for (w, t), sides in groups.items()]


def check_shape(run: Run, reps: int) -> None:
    """The JSON contract: {"workload", "threads", "times_ms": [reps numbers], "peak_rss_kb"}."""
    if not run.ok:
        return
    times = run.result.get("times_ms")
    if not isinstance(times, list) or not all(isinstance(t, (int, float)) for t in times):
        run.ok, run.error = False, f"no times_ms list in {json.dumps(run.result)[:200]}"
    elif len(times) != reps:
        run.ok, run.error = False, f"{len(times)} times for {reps} repetitions"
    elif run.result.get("workload") not in (None, run.workload):
        run.ok, run.error = False, f"answered for workload {run.result.get('workload')!r}"


def progress_line(run: Run) -> str:
    what = f"{run.workload:5} {run.threads}t {run.side:9}"
    if not run.ok:
        return f"  {what} FAILED: {run.error}"
    if "times_ms" in run.result:
        s = summarize(run.result["times_ms"])
        other = "" if run.other_load is None else f", other load {run.other_load:.2f}"
        return (f"  {what} median {fmt_ms(s['median'])} ms over {s['n']} reps, "
                f"peak {fmt_mb(run.peak_rss_kb)} MB, {run.wall_s:.1f} s{other}")
    if "copy_gbs" in run.result and "forward_gbs" not in run.result:
        return (f"  {what} copy {run.result['copy_gbs']:.1f} GB/s, "
                f"triad {run.result['triad_gbs']:.1f} GB/s")
    if "forward_gbs" in run.result:
        return (f"  {what} forward {run.result['forward_gbs']:.1f} GB/s, "
                f"backward {run.result['backward_gbs']:.1f} GB/s")
    return f"  {what} {run.result.get('gflops', float('nan')):.1f} GFLOP/s"


def make_row(workload: str, threads: int, runs: dict[str, list[Run]]) -> dict:
    row: dict = {"workload": workload, "threads": threads}
    for side, side_runs in runs.items():
        good = [r for r in side_runs if r.ok]
        # With several processes per side, those that ran while other work held the machine are
        # left out of the times, as long as one undisturbed process remains.
        quiet = [r for r in good if r.other_load is not None and r.other_load <= DISTURBED]
        dropped = len(good) - len(quiet) if quiet and len(quiet) < len(good) else 0
        timed = quiet if dropped else good
        times = [t for r in timed for t in r.result.get("times_ms", [])]
        rss = [r.peak_rss_kb for r in good if r.peak_rss_kb is not None]
        self_rss = [r.result.get("peak_rss_kb") for r in good if r.result.get("peak_rss_kb")]
        extra = {k: v for r in good for k, v in r.result.items()
                 if k not in ("workload", "threads", "times_ms", "peak_rss_kb")}
        loads = [r.other_load for r in timed if r.other_load is not None]
        row[side] = {
            "stats": summarize(times),
            "other_load": max(loads) if loads else None,
            "processes": len(good),
            "disturbed_processes_dropped": dropped,
            "times_ms": times,
            "peak_rss_kb": max(rss) if rss else None,
            "self_reported_peak_rss_kb": max(self_rss) if self_rss else None,
            "errors": [r.error for r in side_runs if not r.ok],
            "commands": sorted({shlex.join(r.cmd) for r in side_runs}),
            **extra,
        }
    ours, theirs = row.get("ours", {}), row.get("theirs", {})
    if ours.get("stats") and theirs.get("stats"):
        row["time_ratio"] = ours["stats"]["median"] / theirs["stats"]["median"]
    if ours.get("peak_rss_kb") and theirs.get("peak_rss_kb"):
        row["rss_ratio"] = ours["peak_rss_kb"] / theirs["peak_rss_kb"]
    return row


def evaluate_targets(results: dict) -> list[dict]:
    checks = []
    # The sgemm rate OpenBLAS reaches here at each thread count: the better of our engine's
    # GEMM and the library called directly (which uses OpenBLAS's own threads).
    sgemm_by_threads = {}
    for e in results["sgemm"]:
        rates = [e.get(side, {}).get("gflops") for side in ("ours", "openblas")]
        rates = [r for r in rates if r]
        if rates:
            sgemm_by_threads[e["threads"]] = max(rates)
    for row in results["rows"]:
        w, t = row["workload"], row["threads"]
        if w in TIME_TARGETS and "time_ratio" in row:
            checks.append({"what": f"{w} time, {t} thread{'s' * (t > 1)}",
                           "value": row["time_ratio"], "target": TIME_TARGETS[w], "kind": "<="})
        if w in RSS_TARGETS and "rss_ratio" in row:
            checks.append({"what": f"{w} peak memory, {t} thread{'s' * (t > 1)}",
                           "value": row["rss_ratio"], "target": RSS_TARGETS[w], "kind": "<="})
        conv = row.get("ours", {}).get("conv_gflops")
        if w == "W3" and conv and sgemm_by_threads.get(t):
            frac = conv / sgemm_by_threads[t]
            row["conv_fraction"] = frac
            checks.append({"what": f"W3 conv rate / sgemm rate, {t} thread{'s' * (t > 1)}",
                           "value": frac, "target": CONV_FRACTION_TARGET, "kind": ">="})
    for c in checks:
        c["met"] = c["value"] <= c["target"] if c["kind"] == "<=" else c["value"] >= c["target"]
    return checks


# MARK: - Machine description


def read_first(path: str, key: str, sep: str = ":") -> str | None:
    """The value of the first line of `path` that starts with `key`, after `sep`."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return line.split(sep, 1)[1].strip()
    except OSError:
        pass
    return None


def command_output(cmd: list[str], env: dict | None = None) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def openblas_version() -> str | None:
    for pkg in ("libopenblas0-pthread", "libopenblas0", "libopenblas0-openmp",
                "libopenblas-dev"):
        v = command_output(["dpkg-query", "-W", "-f=${Version}", pkg])
        if v:
            return f"{v} ({pkg})"
    return None


def machine(cfg: Config) -> dict:
    mem = read_first("/proc/meminfo", "MemTotal")
    info = {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu": read_first("/proc/cpuinfo", "model name") or platform.processor(),
        "memory": f"{int(mem.split()[0]) / 1024 / 1024:.1f} GiB" if mem else None,
        "kernel": platform.release(),
        "os": read_first("/etc/os-release", "PRETTY_NAME=", "=") or platform.platform(),
        "openblas_package": openblas_version(),
        "python": platform.python_version(),
        "swift": (command_output(["swift", "--version"]) or "").splitlines()[0:1],
        "unset_for_benchmarks": {k: os.environ[k] for k in UNSET if k in os.environ},
        "load_average_start": os.getloadavg(),
    }
    info["swift"] = info["swift"][0] if info["swift"] else None
    info["os"] = (info["os"] or "").strip('"')
    # Which kernel OpenBLAS picks in the environment the benchmarks run in.
    blas = command_output([cfg.python, str(HERE / "openblas_sgemm.py"), "--size", "64",
                           "--reps", "3", "--json"], env=child_env(1))
    if blas:
        try:
            b = json.loads(blas)
            info["openblas_core"] = b["core"]
            info["openblas_config"] = b["config"]
        except (ValueError, KeyError):
            pass
    if cfg.torch_python or cfg.onnx_python:
        t = command_output([cfg.torch_python or cfg.onnx_python, str(HERE / "torch_workloads.py"),
                            "info"])
        if t:
            try:
                info["torch"] = json.loads(t.splitlines()[-1])
            except ValueError:
                pass
    return info


# MARK: - Rendering


def fmt_ms(x: float | None) -> str:
    if x is None:
        return "-"
    if x < 10:
        return f"{x:.2f}"
    if x < 100:
        return f"{x:.1f}"
    return f"{x:.0f}"


def fmt_mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.0f}" if kb >= 100 * 1024 else f"{kb / 1024:.1f}"


def fmt_ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def table_rows(results: dict) -> tuple[list[str], list[list[str]]]:
    header = ["workload", "threads", "ours median ms", "ours p10-p90", "theirs", "theirs median ms",
              "theirs p10-p90", "ours/theirs", "peak RSS ours MB", "peak RSS theirs MB",
              "other load"]
    body = []
    for row in results["rows"]:
        cells = [row["workload"], str(row["threads"])]
        for side in ("ours", "theirs"):
            s = row.get(side, {}).get("stats")
            if side == "theirs":
                cells.append(THEIRS_NAME[row["workload"]])
            cells.append(fmt_ms(s["median"]) if s else "-")
            cells.append(f"{fmt_ms(s['p10'])}-{fmt_ms(s['p90'])}" if s else "-")
        cells.append(fmt_ratio(row.get("time_ratio")))
        cells.append(fmt_mb(row.get("ours", {}).get("peak_rss_kb")))
        cells.append(fmt_mb(row.get("theirs", {}).get("peak_rss_kb")))
        loads = [row[k]["other_load"] for k in ("ours", "theirs")
                 if row.get(k, {}).get("other_load") is not None]
        cells.append(f"{max(loads):.2f}" if loads else "-")
        body.append(cells)
    return header, body


def text_table(header: list[str], body: list[list[str]], left: tuple[int, ...] = (0,)) -> str:
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
             "  ".join("-" * w for w in widths)]
    for r in body:
        lines.append("  ".join(c.ljust(w) if i in left else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


def md_table(header: list[str], body: list[list[str]], left: tuple[int, ...] = (0,)) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i in left else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def sgemm_rows(results: dict) -> tuple[list[str], list[list[str]]]:
    header = ["threads", "pgs-bench sgemm", "OpenBLAS via ctypes", "torch.mm", "W3 conv (ours)",
              "conv / sgemm"]
    conv = {r["threads"]: r for r in results["rows"] if r["workload"] == "W3"}
    body = []
    for e in results["sgemm"]:
        def g(side: str) -> str:
            v = e.get(side, {}).get("gflops")
            return "-" if v is None else f"{v:.1f}"
        row = conv.get(e["threads"], {})
        c = row.get("ours", {}).get("conv_gflops")
        frac = row.get("conv_fraction")
        body.append([str(e["threads"]), g("ours"), g("openblas"), g("torch"),
                     "-" if c is None else f"{c:.1f}",
                     "-" if frac is None else f"{frac:.0%}"])
    return header, body


def other_lines(results: dict) -> list[str]:
    """Extra references and failures, one sentence each."""
    lines = []
    disturbed = sorted({f"{r['workload']}/{r['threads']}" for r in results["rows"]
                        for k in ("ours", "theirs")
                        if (r.get(k, {}).get("other_load") or 0) > DISTURBED}
                       | {f"sgemm/{e['threads']}" for e in results["sgemm"]
                          for k in ("ours", "openblas", "torch")
                          if (e.get(k, {}).get("other_load") or 0) > DISTURBED})
    if disturbed:
        lines.append(f"Other work used more than {DISTURBED} of a core during "
                     f"{', '.join(disturbed)} (workload/threads): those times are disturbed; "
                     "rerun on a quiet machine before quoting them.")
    dropped = [f"{r['workload']}/{r['threads']} {k}: {r[k]['disturbed_processes_dropped']} of "
               f"{r[k]['processes']}" for r in results["rows"] for k in ("ours", "theirs")
               if r.get(k, {}).get("disturbed_processes_dropped")]
    if dropped:
        lines.append("Processes left out of the times because other work held the machine "
                     f"while they ran: {'; '.join(dropped)}.")
    for row in results["rows"]:
        for side in ("theirs-plain", "theirs-torch"):
            st = row.get(side, {}).get("stats")
            if st:
                ours = row.get("ours", {}).get("stats")
                ratio = f", ours/that {ours['median'] / st['median']:.2f}" if ours else ""
                rss = row[side].get("peak_rss_kb")
                lines.append(f"{row['workload']} at {row['threads']} thread(s): {EXTRA_SIDES[side]} "
                             f"takes {fmt_ms(st['median'])} ms (p10-p90 {fmt_ms(st['p10'])}-"
                             f"{fmt_ms(st['p90'])}){ratio}, peak {fmt_mb(rss)} MB.")
        fn = row.get("theirs-fn", {}).get("stats")
        if fn:
            ours = row.get("ours", {}).get("stats")
            ratio = f", ours/that {ours['median'] / fn['median']:.2f}" if ours else ""
            lines.append(f"{row['workload']} at {row['threads']} thread(s): CPython with the loop "
                         f"inside a function (fast locals) takes {fmt_ms(fn['median'])} ms "
                         f"(p10-p90 {fmt_ms(fn['p10'])}-{fmt_ms(fn['p90'])}){ratio}.")
        for side in ("ours", "theirs", *EXTRA_SIDES):
            for err in row.get(side, {}).get("errors", []):
                lines.append(f"{row['workload']} at {row['threads']} thread(s), {side}: "
                             f"FAILED: {err}")
    for e in results["sgemm"]:
        for side in ("ours", "openblas", "torch"):
            if "error" in e.get(side, {}):
                lines.append(f"sgemm at {e['threads']} thread(s), {side}: FAILED: "
                             f"{e[side]['error']}")
    return lines


def target_lines(checks: list[dict]) -> list[str]:
    out = []
    for c in checks:
        pct = c["kind"] == ">="
        v = f"{c['value']:.0%}" if pct else f"{c['value']:.2f}"
        t = f"{c['target']:.0%}" if pct else f"{c['target']:.2f}"
        out.append(f"{c['what']}: {v} (target {c['kind']} {t}) "
                   f"{'met' if c['met'] else 'NOT met'}")
    return out


def machine_lines(m: dict) -> list[str]:
    torch = m.get("torch") or {}
    lines = [
        f"CPU: {m.get('cpu')}, {m.get('nproc')} cores available, {m.get('memory')} memory",
        f"OS: {m.get('os')}, kernel {m.get('kernel')}",
        f"OpenBLAS: {m.get('openblas_package')}; kernel chosen when benchmarked: "
        f"{m.get('openblas_core')}",
        f"Swift: {m.get('swift')}",
        f"Python: {m.get('python')}; PyTorch: {torch.get('torch', 'not used in this run')}"
        + (f" (CPU capability {torch.get('cpu_capability')}, oneDNN "
           f"{'on' if torch.get('mkldnn') else 'off'})" if torch else ""),
    ]
    unset = m.get("unset_for_benchmarks") or {}
    lines.append("Removed from the benchmarked commands' environment: "
                 + (", ".join(f"{k}={v}" for k, v in unset.items()) if unset
                    else "nothing (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE were not set)"))
    if m.get("rss_method"):
        floor = m.get("rss_floor_kb")
        lines.append(f"Peak RSS: {m['rss_method']}"
                     + (f"; the method reads {floor / 1024:.1f} MB for /bin/true" if floor else ""))
    la0, la1 = m.get("load_average_start"), m.get("load_average_end")
    if la0:
        lines.append(f"Load average (1, 5, 15 min) at start {fmt_load(la0)}"
                     + (f", at end {fmt_load(la1)}" if la1 else ""))
    return lines


def fmt_load(la) -> str:
    return " ".join(f"{x:.2f}" for x in la)


def render_text(doc: dict) -> str:
    results = doc["results"]
    parts = ["", text_table(*table_rows(results), left=(0, 1, 4))]
    if results["sgemm"]:
        parts += ["", "GFLOP/s (sgemm " + str(doc["settings"]["sgemm_size"]) + "^3; "
                  "W3 conv as reported by pgs-bench)", text_table(*sgemm_rows(results))]
    extra = other_lines(results) + bandwidth_lines(results)
    if results.get("interrupted"):
        extra.insert(0, "The run was interrupted: the table holds what it measured until then.")
    if extra:
        parts += [""] + extra
    if doc["targets"]:
        parts += ["", "Targets (issue 9; W5-W7: issue 20):"] + ["  " + s for s in target_lines(doc["targets"])]
    parts += ["", "Machine:"] + ["  " + s for s in machine_lines(doc["machine"])]
    return "\n".join(parts)


def render_markdown(doc: dict) -> str:
    results = doc["results"]
    s = doc["settings"]
    parts = [
        f"Run {doc['finished']} with `{doc['command']}` "
        f"({s['warmup']} warm-up repetitions, and at least {s.get('warmup_ms', 0):g} ms of warm-up, "
        f"then {s['reps']} timed repetitions per process, "
        f"{s['rounds']} process(es) per side and configuration).",
        "",
        md_table(*table_rows(results), left=(0, 4)),
    ]
    if results["sgemm"]:
        parts += ["", f"sgemm ({s['sgemm_size']}×{s['sgemm_size']}, float32) and the conv layers "
                  "of W3, in GFLOP/s:", "", md_table(*sgemm_rows(results))]
    extra = other_lines(results) + bandwidth_lines(results)
    if results.get("interrupted"):
        extra.insert(0, "The run was interrupted: the table holds what it measured until then.")
    if extra:
        parts += [""] + [f"- {x}" for x in extra]
    if doc["targets"]:
        parts += ["", "Targets of issue 9 (W5-W7: of issue 20):", ""] + [f"- {x}" for x in target_lines(doc["targets"])]
    parts += ["", "Machine:", ""] + [f"- {x}" for x in machine_lines(doc["machine"])]
    return "\n".join(parts) + "\n"


def write_docs(path: Path, markdown: str) -> None:
    text = path.read_text()
    if DOC_BEGIN not in text or DOC_END not in text:
        raise SystemExit(f"bench: {path} has no {DOC_BEGIN} ... {DOC_END} section")
    head, rest = text.split(DOC_BEGIN, 1)
    _, tail_text = rest.split(DOC_END, 1)
    path.write_text(f"{head}{DOC_BEGIN}\n{markdown}{DOC_END}{tail_text}")


# MARK: - Main


def interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workloads", nargs="*",
                   help="W1 W2 W3 W4 (the default), W5 W6 W7 (224x224, on request)")
    p.add_argument("--pgs-bench", help="the pgs-bench executable (omit to report theirs only)")
    p.add_argument("--torch-python", help="a Python with torch (omit to skip the PyTorch side)")
    p.add_argument("--python", default=sys.executable, help="the CPython for W4 and helpers")
    p.add_argument("--onnx-python",
                   help="a Python with torch, torchvision, onnx and onnxruntime (W5-W7's peers)")
    p.add_argument("--model-cache", default=str(REPO / "bench-results" / "models"),
                   help="where W5-W7's ONNX models are exported, once (bench-results/models)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts (1,2)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--warmup-ms", type=float, default=500,
                   help="and warm up for at least this long, in every process (500 ms)")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--rounds", type=int, default=1,
                   help="processes per side and configuration; reps are pooled (1)")
    p.add_argument("--ours-only", action="store_true", help="run no peer, not even CPython")
    p.add_argument("--no-sgemm", action="store_true")
    p.add_argument("--no-bandwidth", action="store_true",
                   help="skip the memory bandwidth probe (and the depthwise one with W6)")
    p.add_argument("--sgemm-size", type=int, default=1024,
                   help="matrix size for the Python sgemm peers (pgs-bench sgemm picks its own)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per process (900)")
    p.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                   help="before each process, wait up to this long for other work to stop")
    p.add_argument("--out", default=str(REPO / "bench-results"))
    p.add_argument("--write-docs", nargs="?", const=str(REPO / "docs" / "performance.md"),
                   help="rewrite the results section of docs/performance.md")
    p.add_argument("--render", metavar="JSON", help="render a saved result instead of running")
    p.add_argument("--command", default=None, help="the command line to record")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)

    if args.render:
        doc = json.loads(Path(args.render).read_text())
        if "runs" in doc["results"]:  # recomputed, so that the current rules apply
            doc["results"]["rows"] = aggregate(doc["results"]["runs"])
            doc["targets"] = evaluate_targets(doc["results"])
        print(render_text(doc))
        if args.write_docs:
            write_docs(Path(args.write_docs), render_markdown(doc))
            print(f"\nwrote {args.write_docs}")
        return 0

    requested = [w.upper() for w in args.workloads] or WORKLOADS
    unknown = [w for w in requested if w not in WORKLOADS and w not in LARGE]
    if unknown:
        p.error(f"unknown workload(s) {' '.join(unknown)}; choose from "
                f"{' '.join(WORKLOADS + list(LARGE))}")
    workloads = [f"{w}-{part}" if w in LARGE else w for w in requested
                 for part in (LARGE_PARTS if w in LARGE else ("",))]
    cfg = Config(
        workloads=workloads,
        threads=[int(t) for t in args.threads.split(",") if t],
        warmup=args.warmup,
        reps=args.reps,
        warmup_ms=args.warmup_ms,
        rounds=max(1, args.rounds),
        pgs_bench=args.pgs_bench,
        torch_python=args.torch_python,
        python=args.python,
        sgemm=not args.no_sgemm,
        bandwidth=not args.no_bandwidth,
        sgemm_size=args.sgemm_size,
        ours_only=args.ours_only,
        onnx_python=args.onnx_python,
        model_cache=args.model_cache,
    )
    if not cfg.pgs_bench and not cfg.torch_python and workloads != ["W4"]:
        print("bench: neither pgs-bench nor a torch Python; only CPython's W4 will run",
              file=sys.stderr)

    started = dt.datetime.now().astimezone()
    with tempfile.TemporaryDirectory(prefix="pgs-bench-") as tmp:
        runner = Runner(Path(tmp), args.timeout, args.verbose, args.wait_quiet)
        runner.measure_floor(child_env(1))
        m = machine(cfg)
        la = m["load_average_start"][0]
        print(f"bench: {', '.join(cfg.workloads)} at {cfg.threads} thread(s), "
              f"{cfg.warmup} warm-up (at least {cfg.warmup_ms:g} ms) + {cfg.reps} reps, "
              f"{cfg.rounds} round(s); "
              f"load average {la:.2f}", file=sys.stderr)
        if la > 0.5:
            print("bench: warning: the machine is busy (load average above 0.5); "
                  "times will be noisy", file=sys.stderr)
        results: dict = {"runs": [], "sgemm": []}
        signal.signal(signal.SIGTERM, interrupt)
        run_benchmark(cfg, runner, lambda s: print(s, file=sys.stderr, flush=True), results)
        results["rows"] = aggregate(results["runs"])
        m["load_average_end"] = os.getloadavg()
        m["rss_method"] = runner.rss_method
        m["rss_floor_kb"] = runner.rss_floor_kb
    finished = dt.datetime.now().astimezone()

    doc = {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "command": args.command or shlex.join(["scripts/bench", *sys.argv[1:]]),
        "settings": {k: v for k, v in asdict(cfg).items()},
        "machine": m,
        "results": results,
    }
    doc["targets"] = evaluate_targets(results)

    text = render_text(doc)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = finished.strftime("%Y%m%d-%H%M%S")
    (out / f"bench-{stamp}.json").write_text(json.dumps(doc, indent=2) + "\n")
    (out / f"bench-{stamp}.md").write_text(render_markdown(doc))
    shutil.copyfile(out / f"bench-{stamp}.json", out / "latest.json")
    shutil.copyfile(out / f"bench-{stamp}.md", out / "latest.md")
    print(f"\nwrote {out / f'bench-{stamp}.json'} and .md (also latest.json, latest.md)")
    if args.write_docs:
        write_docs(Path(args.write_docs), render_markdown(doc))
        print(f"wrote {args.write_docs}")
    failed = any(r.get(s, {}).get("errors") for r in results["rows"] for s in ("ours", "theirs"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
