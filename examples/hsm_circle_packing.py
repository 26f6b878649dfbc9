"""
Circle packing with HSM
=======================

Circle packing with HSM: n equal circles in the unit square, maximize the common radius.

Variables x = (c_1, ..., c_n, r): 2n centre coordinates in [0, 1] and the radius r in [0, 0.5].
Objective: minimize -r. Constraints (g <= 0): no overlap, 2r - ``|c_i - c_j|`` <= 0 for every pair,
and containment, r - c_ik <= 0 and c_ik + r - 1 <= 0. As the HSM paper prescribes, the score
model is trained only on feasible samples: ``project`` repairs a sample by setting r to the
largest feasible radius of its centres, so every training sample is a valid packing.

From the command line (the full size)::

    python examples/hsm_circle_packing.py --n 10 --budget 200000 --seed 0 --out out/circles10.png

Best known radii (packomania tables): n = 10: 0.148204, n = 20: 0.111382.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

import scoreopt
from scoreopt.constraints import Constraint

BEST_KNOWN = {10: 0.148204, 20: 0.111382}


def largest_radius(C: np.ndarray) -> np.ndarray:
    """C: (N, n, 2) centres -> (N,) the largest common radius they allow."""
    diff = C[:, :, None, :] - C[:, None, :, :]
    d = np.sqrt(np.sum(diff * diff, axis=-1))
    n = C.shape[1]
    d[:, np.arange(n), np.arange(n)] = np.inf
    wall = np.minimum(C, 1.0 - C).min(axis=(1, 2))
    return np.maximum(0.0, np.minimum(d.min(axis=(1, 2)) / 2, wall))


def packing_problem(n: int):
    """(problem, constraint, project) for n circles; x = (c flattened (2n,), r)."""
    iu, ju = np.triu_indices(n, 1)
    m_pairs = iu.size
    dim = 2 * n + 1

    def objective(X):
        return -X[:, -1]

    def objective_grad(X):
        G = np.zeros_like(X)
        G[:, -1] = -1.0
        return G

    def g(X):
        C = X[:, :-1].reshape(-1, n, 2)
        r = X[:, -1:]
        d = np.linalg.norm(C[:, iu] - C[:, ju], axis=-1)
        flat = X[:, :-1]
        return np.concatenate([2 * r - d, r - flat, flat + r - 1.0], axis=1)

    def g_jac(X):
        N = X.shape[0]
        C = X[:, :-1].reshape(N, n, 2)
        J = np.zeros((N, m_pairs + 4 * n, dim))
        diff = C[:, iu] - C[:, ju]
        d = np.maximum(np.linalg.norm(diff, axis=-1, keepdims=True), 1e-300)
        u = diff / d
        rows = np.arange(m_pairs)
        for k in range(2):
            J[:, rows, 2 * iu + k] = -u[..., k]
            J[:, rows, 2 * ju + k] = u[..., k]
        J[:, rows, -1] = 2.0
        idx = np.arange(2 * n)
        J[:, m_pairs + idx, idx] = -1.0
        J[:, m_pairs + idx, -1] = 1.0
        J[:, m_pairs + 2 * n + idx, idx] = 1.0
        J[:, m_pairs + 2 * n + idx, -1] = 1.0
        return J

    def project(X):
        X = X.copy()
        X[:, -1] = largest_radius(X[:, :-1].reshape(-1, n, 2))
        return X

    lower = np.zeros(dim)
    upper = np.ones(dim)
    upper[-1] = 0.5
    problem = scoreopt.problems.from_callable(objective, dim, (lower, upper), gradient=objective_grad,
                                              name=f"circle_packing_{n}")
    return problem, Constraint(g, g_jac, "packing"), project


def solve(n: int, budget: int, seed: int, **options):
    problem, con, project = packing_problem(n)
    return scoreopt.minimize(problem, method="hsm", budget=budget, seed=seed, constraints=[con],
                             project=project, **options)


def plot(x: np.ndarray, n: int, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    C, r = x[:-1].reshape(n, 2), x[-1]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.add_patch(plt.Rectangle((0, 0), 1, 1, fill=False, lw=1.5))
    for c in C:
        ax.add_patch(plt.Circle(c, r, fill=True, alpha=0.35, ec="k"))
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_title(title)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").strip().split("\n")[0])
    ap.add_argument("--n", type=int, default=10, help="number of circles")
    ap.add_argument("--budget", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--score", default="flow", choices=["flow", "smoothing"])
    ap.add_argument("--out", default="out/circle_packing.png")
    a = ap.parse_args(argv)
    print("arguments:", " ".join(sys.argv[1:] if argv is None else argv) or "(defaults)")
    t0 = time.perf_counter()
    res = solve(a.n, a.budget, a.seed, score=a.score)
    r = float(res.x[-1])
    best = BEST_KNOWN.get(a.n)
    gap = f", {100 * (best - r) / best:.3f}% below the best known {best}" if best else ""
    print(f"n={a.n}: radius {r:.6f}{gap}; feasible={res.feasible} (max violation "
          f"{res.max_violation:.2e}); {res.nfev} evaluations, {time.perf_counter() - t0:.1f} s")
    plot(res.x, a.n, a.out, f"n = {a.n}, r = {r:.6f} (HSM, seed {a.seed})")
    with open(os.path.splitext(a.out)[0] + ".json", "w") as fh:
        json.dump(dict(n=a.n, radius=r, best_known=best, feasible=res.feasible,
                       max_violation=res.max_violation, nfev=res.nfev, seed=a.seed, score=a.score,
                       x=res.x.tolist()), fh)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    status = main()
    if status:  # (no SystemExit on success: the docs gallery runs this file in-process)
        sys.exit(status)
