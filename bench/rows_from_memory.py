"""Wall time of cheap rows whose input is not in the core's caches: BBOB f1 (N = 100,000, float64),
each call on one of four inputs after a 128 MB array has been read, on the core's default
threads; then the same input again (warm). For comparing builds of the row drivers (the input
prefetch of evaluate_kernels.cpp): each build runs in its own child process, builds alternate
round by round, and the median over rounds is reported.

    python bench/rows_from_memory.py --build before=PATH --build after=PATH [--dim 40 --dim 100]
        [--rounds 2] [--json OUT.json]

PATH: a folder holding an installed ``scoreopt`` (``pip install --target PATH .``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from _child import run_child, write_json

CHILD = r"""
import json, sys, time
import numpy as np
from scoreopt import problems
d = json.loads(sys.argv[1])["dim"]; n = 100_000
p = problems.bbob(1, 1, d)
rng = np.random.default_rng(0)
xs = [rng.uniform(-5, 5, (n, d)) for _ in range(4)]
flush = np.ones(16_000_000)
cold, warm = [], []
for r in range(12):
    flush.sum()
    t = time.perf_counter(); p.evaluate(xs[r % 4]); cold.append(time.perf_counter() - t)
for r in range(12):
    t = time.perf_counter(); p.evaluate(xs[0]); warm.append(time.perf_counter() - t)
print("RESULT " + json.dumps({"cold": float(np.median(cold)), "warm": float(np.median(warm))}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", action="append", required=True, metavar="LABEL=PATH")
    ap.add_argument("--dim", action="append", type=int)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json")
    args = ap.parse_args()
    builds = []
    for b in args.build:
        label, sep, path = b.partition("=")
        if not sep or not os.path.isdir(path):
            ap.error(f"--build: expected LABEL=PATH with an existing folder, got {b!r}")
        builds.append((label, path))
    dims = args.dim or [40, 100]
    if args.rounds < 1 or any(d < 2 for d in dims):
        ap.error("--rounds: expected >= 1; --dim: expected >= 2")
    runs: dict[str, dict[int, list[dict]]] = {label: {d: [] for d in dims} for label, _ in builds}
    for _ in range(args.rounds):
        for d in dims:
            for label, path in builds:
                env = dict(os.environ, PYTHONPATH=path)
                runs[label][d].append(run_child(CHILD, {"dim": d}, env, f"build {label}, D = {d}"))
    summary = {}
    for label, _ in builds:
        for d in dims:
            cold = statistics.median(r["cold"] for r in runs[label][d])
            warm = statistics.median(r["warm"] for r in runs[label][d])
            gbs = 100_000 * d * 8 / cold / 1e9
            summary[f"{label}:D{d}"] = {"cold_ms": cold * 1e3, "warm_ms": warm * 1e3, "cold_gb_per_s": gbs}
            print(f"{label:>10} D={d:<4} from memory {cold * 1e3:6.2f} ms ({gbs:5.1f} GB/s)  warm {warm * 1e3:6.2f} ms")
    write_json(args.json, {"command": " ".join(sys.argv), "builds": dict(builds), "runs": runs,
                           "summary": summary})


if __name__ == "__main__":
    main()
