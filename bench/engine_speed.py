"""Whole-run wall time: CDIDA in the compiled engine against pycma's BIPOP-CMA-ES, same problem,
same budget, same start, in one process, alternating.

    python bench/engine_speed.py --dim 20 --budget 200000 --functions 1,8,15,21 --repeats 3 \\
        --json bench/results/engine_speed-<UTC>.json

Both spend the whole budget (no target stop): CDIDA through ``scoreopt.minimize(problem,
method="cdida")`` on the built-in BBOB problem (ask, core evaluation and tell all in C++), pycma
through ``scoreopt.baselines.pycma_restarts`` (``cma.fmin2(..., restarts=9, bipop=True)``, again
while budget remains), evaluating the same built-in problem one point per call, the way pycma
calls an objective. The objective costs about a microsecond per point at dim 20 for both, so the
times are the optimizers' own overhead. Reported per function: the median wall time of each
and their ratio (pycma / CDIDA), plus the final errors (instance 1, seed 0).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

import scoreopt
from scoreopt import baselines, problems

from _child import git_revision  # noqa: E402  (bench/ is the script's directory)


def run_cdida(p, budget, x0, seed):
    t0 = time.perf_counter()
    r = scoreopt.minimize(p, method="cdida", budget=budget, x0=x0, seed=seed)
    return time.perf_counter() - t0, float(r.fun - p.optimum), int(r.nfev)


def run_bipop(p, budget, x0, seed):
    lo, hi = (np.asarray(b, dtype=np.float64) for b in p.bounds)
    f = lambda x: float(p.evaluate(np.asarray(x, dtype=np.float64)[None])[0])
    best = [np.inf]

    def counted(x):
        v = f(x)
        best[0] = min(best[0], v)
        return v

    rng = np.random.default_rng(seed)
    starts = lambda k: x0 if k == 0 else rng.uniform(lo, hi)
    t0 = time.perf_counter()
    out = baselines.pycma_restarts(counted, lo, hi, budget, seed, starts, bipop=True,
                                   sigma0=0.2 * float(np.mean(hi - lo)))
    return time.perf_counter() - t0, float(best[0] - p.optimum), int(out["nfev"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dim", type=int, default=20)
    ap.add_argument("--budget", type=int, default=200_000)
    ap.add_argument("--functions", default="1,8,15,21")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    fids = [int(v) for v in a.functions.split(",")]
    rows = []
    for fid in fids:
        p = problems.bbob(fid, 1, a.dim)
        lo, hi = (np.asarray(b, dtype=np.float64) for b in p.bounds)
        x0 = np.random.default_rng(fid).uniform(lo, hi)
        times = {"cdida": [], "bipop-cma": []}
        errors = {}
        for _ in range(a.repeats):  # alternate, so that load changes hit both alike
            for name, run in (("cdida", run_cdida), ("bipop-cma", run_bipop)):
                t, err, nfev = run(p, a.budget, x0, 0)
                times[name].append(t)
                errors[name] = (err, nfev)
        med = {k: float(np.median(v)) for k, v in times.items()}
        rows.append(dict(function=fid, dim=a.dim, budget=a.budget, seconds=times, median=med,
                         ratio=med["bipop-cma"] / med["cdida"],
                         error={k: v[0] for k, v in errors.items()}, nfev={k: v[1] for k, v in errors.items()}))
        print(f"f{fid} d={a.dim}: cdida {med['cdida']:.3f} s, bipop-cma {med['bipop-cma']:.2f} s, "
              f"ratio {rows[-1]['ratio']:.0f}x; errors {errors['cdida'][0]:.3g} / {errors['bipop-cma'][0]:.3g}",
              flush=True)
    if a.json:
        import cma

        args = sys.argv[1:] if argv is None else argv  # main() from the command line gets None
        with open(a.json, "w") as fh:
            json.dump(dict(command="python bench/engine_speed.py " + " ".join(args), git=git_revision(),
                           threads=os.environ.get("OMP_NUM_THREADS"), cma=cma.__version__,
                           scoreopt=scoreopt.__version__, rows=rows), fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
