#!/usr/bin/env python3
"""The sgemm rate of the system OpenBLAS (the library the pgs engine links), called through
ctypes, as a cross-check of `pgs-bench sgemm`.

    openblas_sgemm.py --threads N [--size 1024] [--reps 10] --json
        -> {"gflops": ..., "size": 1024, "core": "Haswell", "config": "OpenBLAS 0.3.21 ..."}

"core" is the kernel OpenBLAS chose in this environment; the harness runs this with the same
environment as both benchmarked sides (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed).
Standard library only.
"""

from __future__ import annotations

import argparse
import array
import ctypes
import ctypes.util
import json
import random
import sys
import time

ROW_MAJOR, NO_TRANS = 101, 111
NAMES = ("libopenblas.so.0", "libopenblas.so")


def load_openblas() -> ctypes.CDLL:
    found = ctypes.util.find_library("openblas")
    for name in ([found] if found else []) + list(NAMES):
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise OSError("OpenBLAS not found (Debian: libopenblas0)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print one JSON line (the default)")
    args = parser.parse_args(argv)

    lib = load_openblas()
    lib.openblas_set_num_threads(args.threads)
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    f32 = ctypes.c_float
    lib.cblas_sgemm.argtypes = [ctypes.c_int] * 6 + [f32, ctypes.c_void_p, ctypes.c_int,
                                                     ctypes.c_void_p, ctypes.c_int, f32,
                                                     ctypes.c_void_p, ctypes.c_int]
    lib.cblas_sgemm.restype = None

    n = args.size
    rng = random.Random(1)
    a = array.array("f", (rng.random() for _ in range(n * n)))
    b = array.array("f", (rng.random() for _ in range(n * n)))
    c = array.array("f", bytes(4 * n * n))
    pa, pb, pc = (buf.buffer_info()[0] for buf in (a, b, c))

    def sgemm() -> None:
        lib.cblas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, n, n, n, 1.0, pa, n, pb, n, 0.0, pc, n)

    for _ in range(3):
        sgemm()
    times = []
    for _ in range(max(args.reps, 3)):
        t0 = time.perf_counter_ns()
        sgemm()
        times.append((time.perf_counter_ns() - t0) / 1e9)
    times.sort()
    print(json.dumps({
        "gflops": 2.0 * n**3 / times[len(times) // 2] / 1e9,
        "size": n,
        "core": lib.openblas_get_corename().decode(),
        "config": lib.openblas_get_config().decode().strip(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
