"""
Parallel exploration with HSM
=============================

Parallel exploration with HSM on a multimodal 1-D function: several points descend through
the same hierarchy of smoothed landscapes at once.

f(x) = sin(3x) + 0.3 sin(17x) + 0.05 (x - 1)^2 on [-6, 6]: a dozen basins whose depths differ by
little, global minimum near x = -0.466. The plot shows every point's position after each level
(level on the vertical axis, coarse at the top) over the landscape.

The hierarchy starts at t = 0.2 (smoothing width 0.25 of the box half-width): at the coarsest
scales this landscape's best basin is x = 1.40 (the slow sin(3x) term with the tilt), not the
global minimum, so a single point started there loses it; several points keep more than one basin
alive until the detail decides. With ``--score flow`` the points share one model trained on all
their neighbourhoods at once, and the mixture misleads every point: the paper's caveat on
parallel exploration, reproduced (bench/hsm.py parallel measures both).

From the command line (the full size)::

    python examples/hsm_parallel_1d.py --points 6 --out out/hsm_parallel_1d.png
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import scoreopt


def multimodal(X: np.ndarray) -> np.ndarray:
    """X: (N, 1) -> (N,)."""
    x = X[:, 0]
    return np.sin(3 * x) + 0.3 * np.sin(17 * x) + 0.05 * (x - 1) ** 2


def global_minimum() -> float:
    grid = np.linspace(-6, 6, 2_000_001)
    return float(grid[np.argmin(multimodal(grid[:, None]))])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").strip().split("\n")[0])
    ap.add_argument("--points", type=int, default=6)
    ap.add_argument("--score", default="smoothing", choices=["flow", "smoothing"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="out/hsm_parallel_1d.png")
    a = ap.parse_args(argv)
    print("arguments:", " ".join(sys.argv[1:] if argv is None else argv) or "(defaults)")
    problem = scoreopt.problems.from_callable(multimodal, 1, (-6.0, 6.0), name="multimodal1d")
    opt = scoreopt.optimizers.HSM(1, (-6.0, 6.0), budget=40_000, seed=a.seed, score=a.score,
                                  points=a.points, refine=False, restarts=False, levels=12,
                                  t_max=0.2, t_min=0.002)
    while not opt.stop:
        opt.step(problem)
    tr = opt.trajectories[0][:, :, 0]  # (levels + 1, points)
    x_star = global_minimum()
    final = tr[-1]
    print(f"global minimum x* = {x_star:.5f}, f* = {multimodal(np.array([[x_star]]))[0]:.5f}")
    for p in range(a.points):
        print(f"point {p}: start {tr[0, p]: .4f} -> final {final[p]: .5f}  f = {multimodal(final[p:p+1, None])[0]: .5f}")
    best = final[np.argmin(multimodal(final[:, None]))]
    print(f"best final point {best:.5f} (|x - x*| = {abs(best - x_star):.2e}); "
          f"{int(np.sum(np.abs(final - x_star) < 1e-2))}/{a.points} points at the global minimum; "
          f"{opt.nfev} evaluations")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.linspace(-6, 6, 3000)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 7), sharex=True, gridspec_kw=dict(height_ratios=[1, 1.3]))
    a1.plot(grid, multimodal(grid[:, None]), color="k", lw=0.8)
    a1.plot(final, multimodal(final[:, None]), "o", color="C3", label="final points")
    a1.axvline(x_star, ls=":", color="g", label="global minimum")
    a1.legend(fontsize=8)
    a1.set_title(f"HSM parallel exploration ({a.points} points, {a.score} score)")
    levels = np.arange(tr.shape[0])
    for p in range(a.points):
        a2.plot(tr[:, p], levels, "o-", ms=3)
    a2.set_yticks(levels)
    a2.set_yticklabels(["start"] + [f"t={t:.3f}" for t in opt.ts], fontsize=7)
    a2.invert_yaxis()
    a2.axvline(x_star, ls=":", color="g")
    a2.set_xlabel("x")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    fig.savefig(a.out, dpi=120)
    print(f"wrote {a.out}")
    return 0 if abs(best - x_star) < 1e-2 else 1


if __name__ == "__main__":
    status = main()
    if status:  # (no SystemExit on success: the docs gallery runs this file in-process)
        sys.exit(status)
