"""One BBOB function's runtime-ECDF area per instance, for quick A/B of a build on the functions
that decide a group: ``minimize`` from the same seeded starts and seeds as ``bench/bbob_ecdf.py``
(``benchmarking.problem_start``; restarts draw theirs in the engine), best-so-far values from the
callback, and the harness's own ECDF formula and 51 targets. No COCO observer, so it runs in
seconds; on BBOB f5, D = 40, instance 1 it gave 0.342 where the harness gave 0.341.

    python bench/function_ecdf_area.py --function 5 --dim 40 --instances 1-5 [--method M] [--options JSON]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

import bbob_ecdf
from scoreopt import benchmarking, minimize, problems


def areas(function: int, dim: int, instances, options: dict, budget_multiplier: float = 1e4,
          method: str = "cdida"):
    out = []
    for inst in instances:
        p = problems.get(f"bbob.f{function}", dim, instance=inst)
        lower, upper = np.full(dim, -5.0), np.full(dim, 5.0)
        log = []
        minimize(p, method=method, budget=int(budget_multiplier * dim),
                 x0=benchmarking.problem_start(lower, upper, 0, function, inst, dim, 0), seed=0,
                 callback=lambda opt: log.append((opt.nfev, float(opt.best_f) - float(p.optimum))),
                 **options)
        nfev = np.array([n for n, _ in log], dtype=float)
        err = np.array([e for _, e in log])
        rt = np.array([[nfev[np.argmax(err < t)] if np.any(err < t) else np.nan
                        for t in bbob_ecdf.TARGETS]])
        out.append(bbob_ecdf.ecdf_numbers({(function, dim): rt}, [function], [dim], budget_multiplier)[1])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--function", type=int, required=True)
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--instances", default="1-5")
    ap.add_argument("--method", default="cdida", help="an engine method (default cdida)")
    ap.add_argument("--options", default="{}", help="the method's options as JSON")
    a = ap.parse_args(argv)
    if not 1 <= a.function <= 24:
        ap.error(f"--function: the bbob suite has functions 1-24, got {a.function}")
    v = areas(a.function, a.dim, benchmarking.parse_ints(a.instances), json.loads(a.options),
              method=a.method)
    print(f"f{a.function} D={a.dim} {a.method} {a.options}: " + " ".join(f"{x:.3f}" for x in v)
          + f"  mean {np.mean(v):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
