"""HSM targets (issue 6), each side by side with its baseline in the same run.

    python bench/hsm.py f4 --seeds 20 --score smoothing --json bench/results/hsm_f4_smoothing.json
    python bench/hsm.py f4 --seeds 20 --score flow --json bench/results/hsm_f4_flow.json
    python bench/hsm.py circles --n 10 20 --seeds 3 --json bench/results/hsm_circles.json
    python bench/hsm.py parallel --json bench/results/hsm_parallel.json

Every method of a seed starts from the same point, the honest protocol's x0 for that seed
(scoreopt.protocol: uniform in the box, drawn from the seed).

f4: CEC2017 F4 (shifted-rotated Rosenbrock), D = 30, budget 300,000, error < 1e-8 counted per seed;
baselines pycma (no restarts, default population: the notes' reference) and multistart
L-BFGS-B from uniform starts with the same central-difference gradient (what HSM's local stage
alone would do). Per HSM episode (one hierarchical pass + local stage) it also records whether the
episode ended in the global basin, by the level the episode started at.

circles: n circles in the unit square (examples/hsm_circle_packing.py), radius vs the best known.

parallel: the paper's caveat on parallel exploration, measured: rastrigin D = 10 (the honest
protocol's instance of the seed: optimum shifted off the box center and rotated) and the 1-D
multimodal function of examples/hsm_parallel_1d.py with points = 1 vs 6 at equal budget (local
sampling), one hierarchical pass without the local stage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

import scoreopt
from scoreopt.optimizers import HSM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))


def hsm_run(problem, budget, seed, score, x0=None, **kw):
    opt = HSM(problem.dim, problem.bounds, budget=budget, seed=seed, score=score, x0=x0, **kw)
    t0 = time.perf_counter()
    while not opt.stop:
        opt.step(problem)
    return opt, opt.episode_best, time.perf_counter() - t0


def lbfgs_multistart(problem, budget, seed, x0=None):
    """Uniform starts (the first at x0) + L-BFGS-B with batched finite differences, restarted
    until the budget is spent (the ablation of HSM without its hierarchy)."""
    opt = HSM(problem.dim, problem.bounds, budget=budget, seed=seed, score="smoothing", levels=1,
              t_max=1e-6, t_min=1e-6, inner_steps=1, samples=2, x0=x0)
    # one "level" at a negligible scale costs 2 evaluations per episode: the run is the local
    # stage from uniform starts
    while not opt.stop:
        opt.step(problem)
    return opt


def cmd_f4(a):
    p = scoreopt.problems.get("cec2017.f4", 30)
    rows = []
    for seed in range(a.seeds):
        x0 = scoreopt.protocol.instance("cec2017.f4", 30, seed).x0
        opt, ends, secs = hsm_run(p, a.budget, seed, a.score, x0=x0)
        err = opt.result.fun - p.optimum
        row = dict(seed=seed, hsm_error=err, hsm_nfev=opt.nfev, hsm_seconds=secs, episodes=opt.episodes,
                   episode_errors=[e - p.optimum for e in ends],
                   episode_first_level=[(k % 3) * opt.levels // 3 for k in range(len(ends))])
        if "cma" in a.baselines:
            from scoreopt import baselines

            c = baselines.run_cma(p, a.budget, seed, None, x0=x0)
            row["cma_error"] = c["best_f"] - p.optimum
        if "lbfgs" in a.baselines:
            m = lbfgs_multistart(p, a.budget, seed, x0=x0)
            row["lbfgs_multistart_error"] = m.result.fun - p.optimum
            row["lbfgs_episodes"] = m.episodes
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k not in ("episode_errors", "episode_first_level")}),
              flush=True)
    hits = sum(r["hsm_error"] < a.tol for r in rows)
    summary = dict(problem="cec2017.f4", dim=30, budget=a.budget, seeds=a.seeds, score=a.score, tol=a.tol,
                   hsm_hits=hits, hsm_median_error=float(np.median([r["hsm_error"] for r in rows])))
    eps = [(lvl, e) for r in rows for lvl, e in zip(r["episode_first_level"], r["episode_errors"])]
    for lvl in sorted({l for l, _ in eps}):
        es = [e for l, e in eps if l == lvl]
        summary[f"episodes_from_level_{lvl}_global_basin"] = f"{sum(e < 1e-6 for e in es)}/{len(es)}"
    if "cma" in a.baselines:
        summary["cma_hits"] = sum(r["cma_error"] < a.tol for r in rows)
        summary["cma_median_error"] = float(np.median([r["cma_error"] for r in rows]))
    if "lbfgs" in a.baselines:
        summary["lbfgs_multistart_hits"] = sum(r["lbfgs_multistart_error"] < a.tol for r in rows)
    print(json.dumps(summary))
    return dict(summary=summary, rows=rows)


def cmd_circles(a):
    from hsm_circle_packing import BEST_KNOWN, solve

    rows = []
    for n in a.n:
        for seed in range(a.seeds):
            t0 = time.perf_counter()
            r = solve(n, a.budget or (200_000 if n <= 10 else 400_000), seed, score=a.score)
            rad = float(r.x[-1])
            row = dict(n=n, seed=seed, radius=rad, best_known=BEST_KNOWN[n],
                       gap_percent=100 * (BEST_KNOWN[n] - rad) / BEST_KNOWN[n], feasible=r.feasible,
                       max_violation=r.max_violation, nfev=r.nfev, seconds=time.perf_counter() - t0)
            rows.append(row)
            print(json.dumps(row), flush=True)
    return dict(score=a.score, rows=rows)


def cmd_parallel(a):
    from hsm_parallel_1d import global_minimum, multimodal

    out = []
    f1 = float(multimodal(np.array([[global_minimum()]]))[0])
    rastrigin = lambda seed: scoreopt.protocol.instance("rastrigin", 10, seed)
    oned = scoreopt.problems.from_callable(multimodal, 1, (-6.0, 6.0))
    # per case: the problem and start of a seed
    cases = [("rastrigin-10", lambda seed: (rastrigin(seed).problem, rastrigin(seed).x0), 0.0, 1e-6, {}),
             ("multimodal-1d", lambda seed: (oned, None), f1, 1e-3,
              dict(t_max=0.2, t_min=0.002, levels=12))]
    for name, make, fopt, tol, kw in cases:
        for points in (1, 6):
            hits, vals = 0, []
            for seed in range(a.seeds):
                prob, x0 = make(seed)
                opt = HSM(prob.dim, prob.bounds, budget=a.budget, seed=seed, score=a.score, points=points,
                          restarts=False, refine=False, x0=x0, **kw)
                while not opt.stop:
                    opt.step(prob)
                # the hierarchy's own answer: the best of the final points (no local stage)
                final = opt.trajectories[0][-1]
                v = float(np.min(prob(final))) - fopt
                vals.append(v)
                hits += v < tol
            row = dict(case=name, points=points, seeds=a.seeds, hits=hits, tol=tol,
                       median=float(np.median(vals)), values=vals)
            out.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "values"}), flush=True)
    return dict(score=a.score, budget=a.budget, rows=out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f4 = sub.add_parser("f4")
    f4.add_argument("--seeds", type=int, default=20)
    f4.add_argument("--budget", type=int, default=300_000)
    f4.add_argument("--tol", type=float, default=1e-8)
    f4.add_argument("--baselines", nargs="*", default=["cma", "lbfgs"])
    c = sub.add_parser("circles")
    c.add_argument("--n", type=int, nargs="+", default=[10, 20])
    c.add_argument("--seeds", type=int, default=3)
    c.add_argument("--budget", type=int, default=None)
    pa = sub.add_parser("parallel")
    pa.add_argument("--seeds", type=int, default=5)
    pa.add_argument("--budget", type=int, default=60_000)
    for s in (f4, c, pa):
        s.add_argument("--score", default="smoothing", choices=["smoothing", "flow"])
        s.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    res = {"f4": cmd_f4, "circles": cmd_circles, "parallel": cmd_parallel}[a.cmd](a)
    res["command"] = "python bench/hsm.py " + " ".join(sys.argv[1:] if argv is None else argv)
    res["seconds"] = time.perf_counter() - t0
    res["build"] = scoreopt.build_info()
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=1, default=float)
        print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
