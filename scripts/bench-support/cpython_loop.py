#!/usr/bin/env python3
"""CPython peer of W4: the 10^6-iteration scalar loop of w4.pgs, timed inside the process.

    cpython_loop.py W4 --warmup K [--warmup-ms T] --reps R [--form script|function] --json
        -> {"workload":"W4","threads":1,"times_ms":[...],"peak_rss_kb":1234}

--form script (the default) runs the loop exactly as w4.pgs writes it, as top-level code of a
fresh module (so `s` and `i` are globals, as they are in the .pgs script); --form function runs
the same statements inside a function, where CPython keeps them in fast locals: the stronger
reference, reported beside the first. Each repetition runs the whole loop once; the source is
compiled once, before timing. --threads is accepted and ignored (the loop is single-threaded).
Imports nothing but the standard library, so peak memory is CPython's own.
"""

from __future__ import annotations

import argparse
import json
import sys

from peer_timing import peak_rss_kb, time_repetitions

N = 1_000_000

LOOP = f"""\
s = 0
i = 0
while i < {N}:
    s = s + i * 0.5
    i = i + 1
"""

EXPECTED = 0.5 * N * (N - 1) / 2  # 249999750000.0, exact in binary floating point


def loop_in_function() -> float:
    s = 0
    i = 0
    while i < 1000000:
        s = s + i * 0.5
        i = i + 1
    return s


def make_script():
    code = compile(LOOP, "w4.py", "exec")

    def run() -> float:
        namespace = {"__name__": "__w4__"}
        exec(code, namespace)
        return namespace["s"]

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=["W4"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--warmup-ms", type=float, default=0,
                        help="warm up for at least this long as well (milliseconds)")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--form", choices=["script", "function"], default="script")
    parser.add_argument("--json", action="store_true", help="print one JSON line (the default)")
    args = parser.parse_args(argv)

    run = make_script() if args.form == "script" else loop_in_function
    times, sums = time_repetitions(run, args.warmup, args.reps, args.warmup_ms)
    for s in sums:
        if s != EXPECTED:
            print(f"W4: wrong sum {s!r}, expected {EXPECTED!r}", file=sys.stderr)
            return 1
    print(json.dumps({
        "workload": "W4",
        "threads": args.threads,
        "times_ms": times,
        "peak_rss_kb": peak_rss_kb(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
