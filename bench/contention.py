"""Evaluation throughput when the machine is shared (issue 16, item 3): the headline functions
(rastrigin, ackley, levy at D = 100, BBOB f15 at D = 100; float32 and float64; N = 100,000) run
alone, beside one, and beside two competing busy processes (a pure-Python busy loop each), with
the core's default thread count and with one thread (set_num_threads(1), the "single-threaded
core"), alternately call by call or (--consecutive) in three blocks of back-to-back calls each. Target: with one competitor per core, the default is never slower than one thread.

    python bench/contention.py --json bench/results/<UTC>-contention.json

Each competitor level starts its busy processes, lets them run for a second, then measures every
case with the default threads and with one thread alternately (--repeats calls each, median).
--build DIR measures another build of scoreopt (put first on sys.path), --env KEY=VALUE sets an
environment variable for the measuring process (e.g. OMP_WAIT_POLICY=active to see the old
behaviour), --competitors 0,1,2 chooses the levels, --import-first MODULE imports a module before
scoreopt (torch: its libgomp is then the runtime scoreopt's core uses, with its spinning workers).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from _child import run_child
import time

BUSY = "while True:\n    pass\n"

WORKER = r"""
import json, sys, time
import numpy as np
spec = json.loads(sys.argv[1])
for m in spec["import_first"]:
    __import__(m)
import scoreopt
from scoreopt import problems, _core
simd = getattr(_core, "simd_path", lambda: "n/a")()
rows = []
cases = []
for case in spec["cases"]:
    name, dtype, d = case.split(":")
    d = int(d)
    p = problems.get(name, d)  # classic names, bbob.fN (instance 1), cec2017.fN
    lo, hi = p.bounds
    X = (lo + (hi - lo) * np.random.default_rng(0).random((spec["n"], d))).astype(dtype)
    cases.append((case, p, X))
default_threads = _core.num_threads()
# builds before last_evaluation_threads: -1
last_threads = getattr(scoreopt, "last_evaluation_threads", lambda: -1)
for case, p, X in cases:
    res = {"case": case}
    used = {}  # threads the default calls ran on (scoreopt.last_evaluation_threads): count
    # alternate, so that both see the same competition: call by call, or (--consecutive) in
    # three blocks of `repeats` back-to-back calls each, as a user's loop makes them
    block, rounds = (spec["repeats"], 3) if spec["consecutive"] else (1, spec["repeats"])
    for _ in range(rounds):
        for threads in (0, 1):
            scoreopt.set_num_threads(threads)
            for _ in range(block):
                t0 = time.perf_counter()
                p.evaluate(X)
                res.setdefault(threads, []).append(time.perf_counter() - t0)
                if threads == 0:
                    ran_on = last_threads()
                    used[ran_on] = used.get(ran_on, 0) + 1
    scoreopt.set_num_threads(0)
    # call-by-call pairs (alternating mode): each pair saw about the same competition
    pairs = sorted(b / a for a, b in zip(res[0], res[1]))
    rows.append({"case": case, "default": sorted(res[0])[len(res[0]) // 2],
                 "one": sorted(res[1])[len(res[1]) // 2], "n": len(X),
                 "default_seconds": res[0], "one_seconds": res[1],
                 "pair_ratio_median": pairs[len(pairs) // 2],
                 "default_threads_used": {str(k): v for k, v in sorted(used.items())}})
print("RESULT " + json.dumps({"simd": simd, "threads": default_threads, "rows": rows,
                              "build": scoreopt.build_info()}))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", action="append", default=None, help="FUNCTION:DTYPE:DIM")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=31,
                    help="calls per configuration (5 swung 0.41-1.62 between runs on the 2-core VM)")
    ap.add_argument("--competitors", default="0,1,2")
    ap.add_argument("--build", default="")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--import-first", action="append", default=[], metavar="MODULE")
    ap.add_argument("--consecutive", action="store_true",
                    help="each thread setting's calls back to back, not alternating call by call")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    cases = args.case or [f"{f}:{t}:100" for f in ("rastrigin", "ackley", "levy", "bbob.f15")
                          for t in ("float32", "float64")]
    levels = [int(c) for c in args.competitors.split(",")]
    env = dict(os.environ)
    if args.build:
        env["PYTHONPATH"] = args.build + os.pathsep + env.get("PYTHONPATH", "")
    for kv in args.env:
        if "=" not in kv:
            ap.error(f"--env: expected KEY=VALUE, got {kv!r}")
        k, v = kv.split("=", 1)
        env[k] = v
    spec = {"cases": cases, "n": args.n, "repeats": args.repeats, "import_first": args.import_first,
            "consecutive": args.consecutive}
    out = {"command": " ".join(["python"] + sys.argv), "cpus": os.cpu_count(), "levels": {},
           "env": args.env, "build_dir": args.build, "import_first": args.import_first,
           "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    for level in levels:
        busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(level)]
        try:
            time.sleep(1.0 if level else 0.0)
            res = run_child(WORKER, spec, env, f"worker beside {level} busy processes", cwd="/")
        finally:
            for b in busy:
                b.kill()
                b.wait()
        out["levels"][level] = res
        print(f"competitors={level} (simd {res['simd']}, default threads {res['threads']})",
              file=sys.stderr)
    # ratio: default / 1 thread of the medians' rates; pairs: the median over call pairs of the
    # 1-thread call's time / the default call's; threads: what the default calls ran on
    # (threads x calls)
    print("| case | " + " | ".join(f"{lv} busy: default / 1 thread (M/s)" for lv in levels)
          + " | " + " | ".join(f"ratio @{lv} (pairs)" for lv in levels)
          + " | " + " | ".join(f"default ran on @{lv}" for lv in levels) + " |")
    print("|:---|" + "---:|" * (3 * len(levels)))
    for i, case in enumerate(cases):
        cells, ratios, used = [], [], []
        for lv in levels:
            r = out["levels"][lv]["rows"][i]
            a, b = r["n"] / r["default"] / 1e6, r["n"] / r["one"] / 1e6
            cells.append(f"{a:.2f} / {b:.2f}")
            ratios.append(f"{a / b:.2f} ({r['pair_ratio_median']:.2f})")
            used.append(", ".join(f"{k}x{v}" for k, v in r["default_threads_used"].items()))
        print(f"| {case} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " | "
              + " | ".join(used) + " |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
