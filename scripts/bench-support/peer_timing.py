"""Measurement shared by the benchmark's peers (cpython_loop.py, torch_workloads.py): warm-up,
timed repetitions and the process's peak memory. Imports nothing but the standard library, so a
peer's peak memory stays its own."""

from __future__ import annotations

import time
from typing import Any, Callable


def time_repetitions(work: Callable[[], Any], warmup: int, reps: int,
                     warmup_ms: float = 0) -> tuple[list[float], list[Any]]:
    """Times `reps` calls of `work` after at least `warmup` untimed ones and `warmup_ms` of
    warm-up. Returns the times in milliseconds and what each timed call returned."""
    start = time.perf_counter_ns()
    done = 0
    while done < warmup or (time.perf_counter_ns() - start) / 1e6 < warmup_ms:
        work()
        done += 1
    times, results = [], []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        results.append(work())
        times.append((time.perf_counter_ns() - t0) / 1e6)
    return times, results


def peak_rss_kb() -> int:
    """This process's resident high-water mark in KiB (VmHWM); ru_maxrss if /proc is absent."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
