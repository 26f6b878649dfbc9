"""
HSM on CEC2017 F4
=================

HSM on CEC2017 F4 (shifted and rotated Rosenbrock), by default at D = 30 with the official budget
10,000 * D, next to pycma's CMA-ES from the same seed; writes a convergence plot.

From the command line (the full size)::

    python examples/hsm_cec2017_f4.py --seed 0 --score smoothing --out out/hsm_cec2017_f4.png

The error is f - 400 (F4's optimum value). bench/hsm.py runs the 20-seed target.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import scoreopt
from scoreopt import baselines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").strip().split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--score", default="smoothing", choices=["smoothing", "flow"])
    ap.add_argument("--dim", type=int, default=30, choices=[10, 30, 50, 100])
    ap.add_argument("--budget", type=int, default=300_000)
    ap.add_argument("--no-cma", action="store_true", help="skip the pycma comparison")
    ap.add_argument("--out", default="out/hsm_cec2017_f4.png")
    a = ap.parse_args(argv)
    print("arguments:", " ".join(sys.argv[1:] if argv is None else argv) or "(defaults)")
    p = scoreopt.problems.get("cec2017.f4", a.dim)
    t0 = time.perf_counter()
    opt = scoreopt.optimizers.HSM(a.dim, p.bounds, budget=a.budget, seed=a.seed, score=a.score)
    curve = []
    while not opt.stop:
        opt.step(p)
        curve.append((opt.nfev, opt.best_f - p.optimum))
    err = opt.result.fun - p.optimum
    print(f"HSM ({a.score}): error {err:.3e} after {opt.nfev} evaluations, {opt.episodes} episodes, "
          f"{time.perf_counter() - t0:.1f} s")
    cma = None
    if not a.no_cma:
        cma = baselines.run_cma(p, a.budget, a.seed, None)
        print(f"pycma CMA-ES: error {cma['best_f'] - p.optimum:.3e} ({cma['nfev']} evaluations)")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    n, e = np.array(curve).T
    ax.step(n, np.maximum(e, 1e-16), where="post", label=f"HSM ({a.score} score)")
    if cma is not None:
        h = np.asarray(cma["history"], dtype=float)
        ax.step(h[:, 0], np.maximum(h[:, 1] - p.optimum, 1e-16), where="post", label="pycma CMA-ES")
    ax.axhline(1e-8, ls=":", color="k", lw=0.8, label="target 1e-8")
    ax.set_yscale("log")
    ax.set_xlabel("evaluations")
    ax.set_ylabel("best error f - f*")
    ax.set_title(f"CEC2017 F4, D = {a.dim}, seed {a.seed}")
    ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    fig.savefig(a.out, dpi=120)
    print(f"wrote {a.out}")
    return 0 if err < 1e-8 else 1


if __name__ == "__main__":
    status = main()
    if status:  # (no SystemExit on success: the docs gallery runs this file in-process)
        sys.exit(status)
