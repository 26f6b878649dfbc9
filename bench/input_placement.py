"""Evaluation throughput against where the input lies in memory (issue 16): the same rows of X
(N x D) evaluated from several start addresses, X offset by k elements inside one larger array
(k = 0 .. --offsets - 1), so that X's address modulo 4096 changes while its values do not.

A driver whose loads and stores alias (a transposition into a buffer, say) runs at a rate that
depends on the offset; a comparison of two builds that happens to land both on different offsets
then measures the placement, not the code. Each build runs in its own process, alternating
round after round; a build's figure per offset is its best call of the rounds.

    python bench/input_placement.py --build A=<pkg> --build B=<pkg> --case bbob.f8:float64:40
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _child import build_env, git_revision, run_child, write_json  # noqa: E402

CHILD = r"""
import json, sys, time
import numpy as np
from scoreopt import problems
spec = json.loads(sys.argv[1])
name, dt, d = spec["case"].split(":")
dt = np.dtype(dt); d = int(d); n = spec["n"]
p = problems.get(name, d)
base = np.random.default_rng(0).uniform(-5, 5, n * d + spec["offsets"]).astype(dt)
out = []
for k in range(spec["offsets"]):
    X = base[k:k + n * d].reshape(n, d)
    p.evaluate(X)
    best = float("inf")
    for _ in range(spec["calls"]):
        t0 = time.perf_counter()
        p.evaluate(X)
        best = min(best, time.perf_counter() - t0)
    out.append({"offset": k, "address_mod_4096": int(X.ctypes.data % 4096), "evals_per_second": n / best})
print("RESULT " + json.dumps(out))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", action="append", required=True, help="NAME=DIR (DIR may be empty)")
    ap.add_argument("--case", action="append", required=True, help="FUNCTION:DTYPE:DIM")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--offsets", type=int, default=8)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1", help="OMP_NUM_THREADS for every child")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    builds = []
    for b in a.build:
        if "=" not in b:
            ap.error(f"--build expects NAME=DIR, got {b!r}")
        name, path = b.split("=", 1)
        builds.append((name, path))
    for c in a.case:
        if c.count(":") != 2:
            ap.error(f"--case expects FUNCTION:DTYPE:DIM, got {c!r}")
    for opt in ("n", "offsets", "calls", "rounds"):
        if getattr(a, opt) < 1:
            ap.error(f"--{opt} must be >= 1, got {getattr(a, opt)}")
    best: dict = {}
    for r in range(a.rounds):
        for case in a.case:
            for name, path in builds:
                spec = {"case": case, "n": a.n, "offsets": a.offsets, "calls": a.calls}
                res = run_child(CHILD, spec, build_env(path, None, str(a.threads)),
                                f"{name} on {case}", cwd="/")
                for row in res:
                    key = (case, name, row["offset"])
                    prev = best.get(key)
                    if prev is None or row["evals_per_second"] > prev["evals_per_second"]:
                        best[key] = row
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr)
    rows = []
    print("| case | build | " + " | ".join(f"+{k}" for k in range(a.offsets)) + " | least | most |")
    print("|:---|:---|" + "---:|" * (a.offsets + 2))
    for case in a.case:
        for name, _ in builds:
            rates = [best[case, name, k]["evals_per_second"] / 1e6 for k in range(a.offsets)]
            print(f"| {case} | {name} | " + " | ".join(f"{v:.1f}" for v in rates)
                  + f" | {min(rates):.1f} | {max(rates):.1f} |")
            rows.append({"case": case, "build": name,
                         "offsets": [best[case, name, k] for k in range(a.offsets)]})
    print("M evaluations/s, best call per offset (+k: X starts k elements into the array)")
    write_json(a.json, {"command": "python " + " ".join([sys.argv[0]] + (argv or sys.argv[1:])),
                        "revision": git_revision(), "n": a.n, "calls": a.calls,
                        "rounds": a.rounds, "threads": a.threads, "builds": dict(builds),
                        "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
