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


def child(path: str) -> dict:
    env = dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    r = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", required=True, help="folder with the 'before' package")
    ap.add_argument("--b", required=True, help="folder with the 'after' package")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    runs = {"a": [], "b": []}
    for _ in range(a.rounds):
        for side in ("a", "b"):
            runs[side].append(child(getattr(a, side)))
    import statistics

    rows = {}
    for key in runs["a"][0]:
        ma = statistics.median(r[key] for r in runs["a"])
        mb = statistics.median(r[key] for r in runs["b"])
        rows[key] = dict(a=ma, b=mb, ratio=mb / ma)
        print(f"{key:16s} A {ma * 1e3:9.2f} ms   B {mb * 1e3:9.2f} ms   B/A {mb / ma:.3f}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(dict(command="python bench/cpu_time_ab.py " + " ".join(argv or sys.argv[1:]),
                           a=a.a, b=a.b, runs=runs, summary=rows), fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
