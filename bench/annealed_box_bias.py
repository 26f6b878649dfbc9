"""What the box costs CDIDA's annealed smoothing on the honest rastrigin (shifted, rotated, a
random start): the same runs on the standard box [-5.12, 5.12]^D and with the box removed (the
same function, wrapped with bounds of +-100: no sample is ever reflected). Two measurements per
seed:

* the mean's distance to the optimum after ``--hold`` evaluations at a fixed sigma (``--sigma``),
  overall and on the fifth of the coordinates whose optimum is nearest a bound, with the signed
  error toward that bound (negative: the mean stops short of the optimum, inside the box);
* the final error of the annealed recipe (``--recipe``, CDIDA's options as JSON) at ``--budget``.

    python bench/annealed_box_bias.py --dim 100 --seeds 10 --json OUT.json

The no-box runs measure the method without the bias of the mirror extension; they are not a
result on the problem (its box is part of it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import scoreopt
from scoreopt import problems, protocol
from scoreopt.optimizers import CDIDA

from _child import git_revision, write_json  # noqa: E402  (bench/ is the script's directory)

RECIPE_2E5 = {"covariance": "isotropic", "popsize": 200, "mean_rate": 1.0, "schedule": "geometric",
              "sigma0": 1.2, "sigma_end": 0.3, "anneal_fraction": 0.85, "restart_regime": "equal",
              "weights": "boltzmann", "temperature": 2, "antithetic": True}
UNBOUNDED = 100.0


def problem_for(inst: protocol.Instance, boxed: bool):
    if boxed:
        return inst.problem
    Q = protocol.rotation(inst.name, inst.dim, inst.seed)
    wide = np.full(inst.dim, UNBOUNDED)
    return problems.get(inst.name, inst.dim, bounds=(-wide, wide), matrix=Q, shift=inst.shift)


def hold(inst, p, sigma: float, evaluations: int, recipe: dict) -> dict:
    """The mean after ``evaluations`` at a fixed sigma (the recipe's weights and pairs)."""
    opts = dict(recipe, sigma0=sigma, sigma_end=sigma, anneal_fraction=1.0)
    opt = CDIDA(inst.dim, p.bounds, seed=inst.seed, x0=inst.x0, budget=evaluations, **opts)
    while not opt.stop:
        opt.step(p)
    d = np.asarray(opt.mean) - inst.x_opt
    lo, hi = (np.asarray(b, dtype=np.float64) for b in inst.problem.bounds)
    edge = np.minimum(inst.x_opt - lo, hi - inst.x_opt)
    near = np.argsort(edge)[: max(1, inst.dim // 5)]
    toward = np.where(hi - inst.x_opt < inst.x_opt - lo, 1.0, -1.0)  # the nearer bound's side
    return {"distance": float(np.linalg.norm(d)),
            "nearest_fifth_signed_toward_bound": float(np.mean((d * toward)[near])),
            "nearest_fifth_edge_distance": [float(edge[near].min()), float(edge[near].max())]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=200_000)
    ap.add_argument("--sigma", type=float, default=2.0)
    ap.add_argument("--hold", type=int, default=100_000)
    ap.add_argument("--recipe", type=json.loads, default=RECIPE_2E5)
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    runs = []
    for seed in range(args.seeds):
        inst = protocol.instance("rastrigin", args.dim, seed)
        for boxed in (True, False):
            p = problem_for(inst, boxed)
            t = time.perf_counter()
            r = scoreopt.minimize(p, method="cdida", budget=args.budget, x0=inst.x0, seed=seed, **args.recipe)
            rec = {"seed": seed, "box": boxed, "error": inst.error(r.fun), "nfev": r.nfev,
                   "wall_s": time.perf_counter() - t,
                   "fixed_sigma": hold(inst, p, args.sigma, args.hold, args.recipe)}
            runs.append(rec)
            print(f"seed {seed} box {boxed}: error {rec['error']:.3g}, at sigma {args.sigma}: "
                  f"distance {rec['fixed_sigma']['distance']:.2f}, nearest fifth "
                  f"{rec['fixed_sigma']['nearest_fifth_signed_toward_bound']:+.2f}", file=sys.stderr)
    for boxed in (True, False):
        e = [r["error"] for r in runs if r["box"] == boxed]
        dist = [r["fixed_sigma"]["distance"] for r in runs if r["box"] == boxed]
        print(f"| {'box' if boxed else 'no box'} | median error {np.median(e):.3g} | below 1 "
              f"{sum(x < 1 for x in e)}/{len(e)} | median distance at sigma {args.sigma}: {np.median(dist):.2f} |")
    write_json(args.json, {"command": " ".join(sys.argv), "git": git_revision(), "scoreopt": scoreopt.__version__,
                           "args": vars(args), "runs": runs})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
