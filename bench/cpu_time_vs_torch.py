"""Single-threaded CPU time of scoreopt builds and of torch.compile on the same batches, for a
machine shared with other work (issue 16, item 4: the row tails). The inputs, the torch functions
and the agreement check are bench/test_eval_throughput.py's (N = 100,000, D = 100, float32, the
function's box); each round runs one child process per build, alternating, with
OMP_NUM_THREADS=1 and torch.set_num_threads(1); a child times scoreopt and torch.compile
(compiled and warmed up first) call by call, alternating, by time.process_time, and keeps the
best of --calls calls of each. Reported: per function and build, the median over rounds of
scoreopt's and torch.compile's time, scoreopt's speed relative to torch.compile (t_torch / t_so)
and, for every build after the first, its time relative to the first's (B / A).

    python bench/cpu_time_vs_torch.py --build before=/work/before-pkg --build after=/work/after-pkg \\
        --function ackley --function levy --rounds 5 --json bench/results/<name>.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

from _child import run_child

BENCH = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, sys, time
spec = json.loads(sys.argv[1])
sys.path.insert(0, spec["bench"])
import numpy as np, torch
torch.set_num_threads(1)
import test_eval_throughput as te
out = {}
for name in spec["functions"]:
    p, X, ref = te._data(name)
    Xt = torch.from_numpy(X.copy())
    f = te._compiled(name)
    te._check(name, "torch_compile", f(Xt), ref)
    te._check(name, "scoreopt", p.evaluate(X), ref)
    f(Xt); f(Xt); p.evaluate(X)
    so, tc = [], []
    for _ in range(spec["calls"]):
        t = time.process_time(); p.evaluate(X); so.append(time.process_time() - t)
        t = time.process_time(); f(Xt); tc.append(time.process_time() - t)
    out[name] = {"scoreopt": min(so), "torch_compile": min(tc)}
print("RESULT " + json.dumps(out))
"""


def child(path: str, spec: dict) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    if path:
        env["PYTHONPATH"] = path
    return run_child(CHILD, spec, env, f"child ({path!r})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", action="append", required=True, help="NAME=DIR (DIR empty: installed)")
    ap.add_argument("--function", action="append", default=None,
                    help="any of test_eval_throughput.FUNCTIONS, the 13 classic functions "
                         "(repeatable; default rastrigin, ackley, levy, rosenbrock)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=7)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    builds = [b.split("=", 1) for b in a.build]
    functions = a.function or ["rastrigin", "ackley", "levy", "rosenbrock"]
    spec = {"bench": BENCH, "functions": functions, "calls": a.calls}
    runs = {name: [] for name, _ in builds}
    for _ in range(a.rounds):
        for name, path in builds:
            runs[name].append(child(path, spec))
    summary = {}
    first = builds[0][0]
    for f in functions:
        for name, _ in builds:
            so = statistics.median(r[f]["scoreopt"] for r in runs[name])
            tc = statistics.median(r[f]["torch_compile"] for r in runs[name])
            row = {"scoreopt_s": so, "torch_compile_s": tc, "speed_vs_torch_compile": tc / so}
            if name != first:
                row["time_vs_" + first] = so / summary[f][first]["scoreopt_s"]
            summary.setdefault(f, {})[name] = row
            extra = f"   {name}/{first} {row['time_vs_' + first]:.3f}" if name != first else ""
            print(f"{f:10s} {name:8s} scoreopt {so * 1e3:8.2f} ms   torch.compile {tc * 1e3:8.2f} ms"
                  f"   so vs tc {tc / so:.2f}x{extra}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(dict(command="python bench/cpu_time_vs_torch.py " + " ".join(argv or sys.argv[1:]),
                           builds=dict(builds), runs=runs, summary=summary), fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
