"""Side-by-side evaluation throughput of several builds of scoreopt and of the SIMD paths of one
build (issue 16): each configuration runs in its own process, the configurations alternate round
after round on the same machine, and the figure of a configuration is its median over rounds (of
the per-round medians) or, with --stat min, its fastest call of all rounds. Use it to compare a change against the previous code (build that into
another folder with ``pip install --target``) and the dispatched paths against each other.

    python bench/compare_builds.py --build main=/tmp/so_main_pkg --build simd= \
        --paths simd:avx512,avx2,baseline --case rastrigin:float32:100 --case bbob.f15:float64:40 \
        --rounds 5 --json bench/results/<UTC>-compare.json

--build NAME=DIR puts DIR first on sys.path of that configuration's processes (empty: the
installed scoreopt). --paths NAME:P1,P2 runs build NAME once per SIMD path (SCOREOPT_SIMD);
without it a build runs on its default path. A case is FUNCTION:DTYPE:DIM, where FUNCTION is a
registry name (rastrigin, ...) or bbob.fK / cec2017.fK (instance 1); N points (default 100,000)
uniform in the function's box, the same points (seed 0) for every configuration. Before timing,
every configuration's values are compared with the first configuration's (relative difference
printed and kept in the JSON), so a wrong build cannot look fast.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

from _child import build_env, run_child
import time

WORKER = r"""
import json, sys, time
import numpy as np
spec = json.loads(sys.argv[1])
import scoreopt
from scoreopt import problems, _core
out = {"simd": getattr(_core, "simd_path", lambda: "n/a")(), "build": scoreopt.build_info(),
       "cases": []}
for case in spec["cases"]:
    name, dtype, d = case.split(":")
    d = int(d)
    p = problems.get(name, d)  # classic names, bbob.fN (instance 1), cec2017.fN
    lo, hi = p.bounds if hasattr(p, "bounds") else (-5.0, 5.0)
    lo = np.broadcast_to(np.asarray(lo, dtype=np.float64), (d,))
    hi = np.broadcast_to(np.asarray(hi, dtype=np.float64), (d,))
    rng = np.random.default_rng(0)
    X = (lo + (hi - lo) * rng.random((spec["n"], d))).astype(dtype)
    f = p.evaluate(X)  # warm-up, and the values for the agreement check
    times = []
    for _ in range(spec["repeats"]):
        t0 = time.perf_counter()
        p.evaluate(X)
        times.append(time.perf_counter() - t0)
    out["cases"].append({"case": case, "seconds": sorted(times)[len(times) // 2],
                         "min_seconds": min(times),
                         "sample": [float(v) for v in f[:: max(1, len(f) // 1000)]]})
print("RESULT " + json.dumps(out))
"""


def run_worker(pythonpath: str, simd: str | None, spec: dict, threads: str | None) -> dict:
    return run_child(WORKER, spec, build_env(pythonpath, simd, threads),
                     f"worker ({pythonpath!r}, {simd!r})", cwd="/")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", action="append", required=True, help="NAME=DIR (DIR may be empty)")
    ap.add_argument("--paths", action="append", default=[], help="NAME:PATH1,PATH2,...")
    ap.add_argument("--case", action="append", required=True, help="FUNCTION:DTYPE:DIM")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=7, help="timed calls per case and round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", default=None, help="OMP_NUM_THREADS for every worker")
    ap.add_argument("--stat", choices=("median", "min"), default="median",
                    help="the table's statistic: the median over rounds of each round's median "
                         "call, or the fastest call of all rounds (steadier where other work on "
                         "the machine slows calls at random; the JSON keeps both)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    builds = {}
    for b in args.build:
        if "=" not in b:
            ap.error(f"--build: expected NAME=DIR, got {b!r}")
        name, d = b.split("=", 1)
        builds[name] = d
    paths = {}
    for p in args.paths:
        if ":" not in p:
            ap.error(f"--paths: expected NAME:PATH1,PATH2, got {p!r}")
        name, lst = p.split(":", 1)
        if name not in builds:
            ap.error(f"--paths: unknown build {name!r}")
        paths[name] = lst.split(",")
    for c in args.case:
        if c.count(":") != 2 or c.split(":")[1] not in ("float32", "float64"):
            ap.error(f"--case: expected FUNCTION:float32|float64:DIM, got {c!r}")
    configs = [(b, s) for b in builds for s in paths.get(b, [None])]
    spec = {"cases": args.case, "n": args.n, "repeats": args.repeats}
    per = {cfg: {c: [] for c in args.case} for cfg in configs}
    per_min = {cfg: {c: [] for c in args.case} for cfg in configs}
    info = {}
    samples = {}
    for r in range(args.rounds):
        order = configs if r % 2 == 0 else configs[::-1]
        for cfg in order:
            res = run_worker(builds[cfg[0]], cfg[1], spec, args.threads)
            info[cfg] = {"simd": res["simd"], "build": res["build"]}
            for c in res["cases"]:
                per[cfg][c["case"]].append(c["seconds"])
                per_min[cfg][c["case"]].append(c["min_seconds"])
                samples.setdefault(cfg, {})[c["case"]] = c["sample"]
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    import numpy as np
    ref = configs[0]
    label = {cfg: cfg[0] + (f"[{cfg[1]}]" if cfg[1] else f"[{info[cfg]['simd']}]") for cfg in configs}
    rows = []
    for c in args.case:
        row = {"case": c}
        for cfg in configs:
            med = statistics.median(per[cfg][c])
            fastest = min(per_min[cfg][c])
            a, b = np.asarray(samples[cfg][c]), np.asarray(samples[ref][c])
            rel = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
            row[label[cfg]] = {"evals_per_second": args.n / (med if args.stat == "median" else fastest),
                               "median_seconds": med, "min_seconds": fastest,
                               "round_seconds": per[cfg][c], "round_min_seconds": per_min[cfg][c],
                               "max_rel_diff_vs_first": rel}
        rows.append(row)
    hdr = ["case"] + [label[cfg] for cfg in configs]
    print("| " + " | ".join(hdr) + " |")
    print("|" + "|".join([":---"] + ["---:"] * len(configs)) + "|")
    for row in rows:
        cells = [row["case"]]
        for cfg in configs:
            v = row[label[cfg]]
            cells.append(f"{v['evals_per_second'] / 1e6:.2f}")
        print("| " + " | ".join(cells) + " |")
    print("M evaluations/s (" + ("median over rounds" if args.stat == "median" else
                                 "the fastest call of all rounds") + "); max relative difference to "
          f"{label[ref]}: " + ", ".join(
              f"{row['case']} {label[cfg]} {row[label[cfg]]['max_rel_diff_vs_first']:.1e}"
              for row in rows for cfg in configs[1:]))
    if args.json:
        out = {"command": " ".join([os.path.basename(sys.executable)] + sys.argv),
               "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "n": args.n, "rounds": args.rounds, "repeats": args.repeats,
               "threads": args.threads, "stat": args.stat,
               "configs": {label[cfg]: info[cfg] for cfg in configs}, "rows": rows}
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
