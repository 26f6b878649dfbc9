"""Before/after comparison of the core's hot paths by single-threaded CPU time, for a machine
shared with other work: wall time there varies up to several-fold between runs, while the CPU
time of one thread (time.process_time, OMP_NUM_THREADS=1) moves with cache and clock effects
only.

    python bench/cpu_time_ab.py --a PATH_A --b PATH_B --rounds 5 --json OUT.json

PATH_A and PATH_B are folders holding an installed ``scoreopt`` package (``pip install --target
PATH .`` of the two commits). Each round runs one child process per side, alternating, that
times: batched evaluation of rastrigin, ackley, levy and rosenbrock (N = 100,000, D = 100,
float32, the inputs of bench/test_eval_throughput.py) and the fused smoothing estimator (rastrigin,
M = 64 centers, K = 4096 samples, D = 100, float32, as bench/test_smoothing_throughput.py), each
the best of 5 calls after a warm-up. Reported: per workload, the median over rounds of each side
and the ratio B / A.

    python bench/cpu_time_ab.py --a PATH_A --b PATH_B --case bbob.f13:float64:100 --n 20000 ...

With --case (repeatable; FUNCTION:DTYPE:DIM as in bench/compare_builds.py: a registry name or
bbob.fK / cec2017.fK, instance 1), the child times the batched evaluation of those cases instead
(N points uniform in [-5, 5]^D, seed 0), each the best of --calls calls after a warm-up, and
reports the largest relative difference between the two sides' values.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, time, numpy as np
from scoreopt import problems, smoothing
out = {}
rng = np.random.default_rng(0)
for name in ("rastrigin", "ackley", "levy", "rosenbrock"):
    p = problems.get(name, 100)
    lo, hi = (np.asarray(b) for b in p.bounds)
    X = np.ascontiguousarray(rng.uniform(lo, hi, size=(100_000, 100)), dtype=np.float32)
    p(X)
    best = 1e9
    for _ in range(5):
        t = time.process_time(); p(X); best = min(best, time.process_time() - t)
    out["eval_" + name] = best
p = problems.get("rastrigin", 100)
C = np.random.default_rng(0).uniform(-5.12, 5.12, (64, 100)).astype(np.float32)
smoothing.estimate(p, C, 0.3, samples=4096, temperature=1.0, seed=1)
best = 1e9
for _ in range(5):
    t = time.process_time(); smoothing.estimate(p, C, 0.3, samples=4096, temperature=1.0, seed=1)
    best = min(best, time.process_time() - t)
out["estimator"] = best
print(json.dumps(out))
"""


CASES_CHILD = r"""
import json, sys, time, numpy as np
from scoreopt import problems
spec = json.loads(sys.argv[1])
out, values = {}, {}
for case in spec["cases"]:
    name, dtype, d = case.split(":")
    d = int(d)
    p = problems.get(name, d)  # classic names, bbob.fN (instance 1), cec2017.fN
    X = np.random.default_rng(0).uniform(-5, 5, (spec["n"], d)).astype(dtype)
    f = p(X)
    best = 1e9
    for _ in range(spec["calls"]):
        t = time.process_time(); p(X); best = min(best, time.process_time() - t)
    out[case] = best
    values[case] = np.asarray(f, np.float64)[:: max(1, spec["n"] // 1000)].tolist()
print(json.dumps({"times": out, "values": values}))
"""


def child(path: str, spec: dict | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    cmd = [sys.executable, "-c", CHILD] if spec is None else [sys.executable, "-c", CASES_CHILD, json.dumps(spec)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", required=True, help="folder with the 'before' package")
    ap.add_argument("--b", required=True, help="folder with the 'after' package")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", default=None)
    ap.add_argument("--case", action="append", default=None,
                    help="FUNCTION:DTYPE:DIM, timed in place of the default workloads (repeatable)")
    ap.add_argument("--n", type=int, default=100_000, help="points per call (with --case)")
    ap.add_argument("--calls", type=int, default=5, help="timed calls per case and round (with --case)")
    a = ap.parse_args(argv)
    spec = None if a.case is None else {"cases": a.case, "n": a.n, "calls": a.calls}
    runs = {"a": [], "b": []}
    maxdiff = {}
    for _ in range(a.rounds):
        for side in ("a", "b"):
            res = child(getattr(a, side), spec)
            if spec is not None:
                runs[side].append(res["times"])
                runs[side + "_values"] = res["values"]
            else:
                runs[side].append(res)
    if spec is not None:
        import numpy as np

        for c in a.case:
            va, vb = np.asarray(runs["a_values"][c]), np.asarray(runs["b_values"][c])
            maxdiff[c] = float(np.max(np.abs(vb - va) / np.maximum(np.abs(va), 1e-300)))
        runs.pop("a_values")
        runs.pop("b_values")
    import statistics

    rows = {}
    for key in runs["a"][0]:
        ma = statistics.median(r[key] for r in runs["a"])
        mb = statistics.median(r[key] for r in runs["b"])
        rows[key] = dict(a=ma, b=mb, ratio=mb / ma)
        extra = ""
        if key in maxdiff:
            rows[key]["max_rel_diff"] = maxdiff[key]
            extra = f"   max rel diff {maxdiff[key]:.1e}"
        print(f"{key:16s} A {ma * 1e3:9.2f} ms   B {mb * 1e3:9.2f} ms   B/A {mb / ma:.3f}{extra}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(dict(command="python bench/cpu_time_ab.py " + " ".join(argv or sys.argv[1:]),
                           a=a.a, b=a.b, runs=runs, summary=rows), fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
