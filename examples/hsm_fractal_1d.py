"""
HSM on a 1-D fractal
====================

HSM on a 1-D fractal: a Weierstrass-type sum of cosines at geometric frequencies (local minima
at every scale) plus a gentle tilt, global minimum f(0.37) = 0 on [-2, 2].

One hierarchical pass (no restarts, no local refinement): the plot shows the smoothed landscapes
-log p_t at several levels t and where the optimizer stands after each level; the point must
track the global minimum from the coarse, nearly convex level down to the fractal one.

From the command line (the full size)::

    python examples/hsm_fractal_1d.py --score flow --out out/hsm_fractal_1d.png
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import scoreopt

X_STAR = 0.37


def fractal(X: np.ndarray) -> np.ndarray:
    """X: (N, 1) -> (N,)."""
    x = X[:, 0] - X_STAR
    k = np.arange(12)
    w = np.sum(0.6 ** k * (1 - np.cos(2 * np.pi * 3.0 ** k * x[:, None])), axis=1)
    return w + 0.5 * x * x


def smoothed(grid: np.ndarray, s: float, temperature: float, rng) -> np.ndarray:
    """-T log E exp(-f(x + s eps) / T) on a grid (Monte Carlo, for the picture only)."""
    eps = rng.standard_normal(4096)
    F = fractal((grid[:, None] + s * eps[None, :]).reshape(-1, 1)).reshape(grid.size, -1)
    m = F.min(axis=1, keepdims=True)
    return (m - temperature * np.log(np.mean(np.exp(-(F - m) / temperature), axis=1, keepdims=True)))[:, 0]


def run(score: str, seed: int):
    problem = scoreopt.problems.from_callable(fractal, 1, (-2.0, 2.0), name="fractal1d")
    opt = scoreopt.optimizers.HSM(1, (-2.0, 2.0), budget=20_000, seed=seed, score=score,
                                  refine=False, restarts=False, levels=12, t_max=0.7, t_min=0.002)
    while not opt.stop:
        opt.step(problem)
    return opt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").strip().split("\n")[0])
    ap.add_argument("--score", default="flow", choices=["flow", "smoothing"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="out/hsm_fractal_1d.png")
    a = ap.parse_args(argv)
    print("arguments:", " ".join(sys.argv[1:] if argv is None else argv) or "(defaults)")
    opt = run(a.score, a.seed)
    path = opt.trajectories[0][:, 0, 0]
    ts = opt.ts
    print("level  t        s(t)*2    x")
    print(f"start  -        -         {path[0]: .6f}")
    for j, (t, x) in enumerate(zip(ts, path[1:])):
        print(f"{j:5d}  {t:.4f}  {4 * t / (1 - t) / 2:8.4f}  {x: .6f}")
    err = abs(path[-1] - X_STAR)
    print(f"final x = {path[-1]:.6f} (global minimum {X_STAR}), |x - x*| = {err:.2e}, "
          f"f = {fractal(path[-1:, None])[0]:.3e}; best seen f = {opt.best_f:.3e} in {opt.nfev} evaluations")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    grid = np.linspace(-2, 2, 1601)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    a1.plot(grid, fractal(grid[:, None]), lw=0.6, color="k", label="f")
    a1.plot(path, fractal(path[:, None]), "o-", color="C3", ms=4, label="HSM after each level")
    a1.axvline(X_STAR, ls=":", color="g")
    a1.legend()
    a1.set_title(f"HSM ({a.score} score) on a 1-D fractal")
    half = 2.0
    for j in range(0, len(ts), max(1, len(ts) // 5)):
        s = half * ts[j] / (1 - ts[j])
        sm = smoothed(grid, s, 0.3, rng)
        line, = a2.plot(grid, sm - sm.min(), lw=1, label=f"t = {ts[j]:.3f}")
        a2.plot([path[j + 1]], [np.interp(path[j + 1], grid, sm - sm.min())], "o", color=line.get_color())
    a2.set_ylabel("smoothed -T log p_t (shifted)")
    a2.set_xlabel("x")
    a2.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    fig.savefig(a.out, dpi=120)
    print(f"wrote {a.out}")
    return 0 if err < 1e-2 else 1


if __name__ == "__main__":
    status = main()
    if status:  # (no SystemExit on success: the docs gallery runs this file in-process)
        sys.exit(status)
