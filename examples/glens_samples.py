"""
GLENS samples at a toy size
===========================

The whole GLENS pipeline in one script, small enough for a laptop: collect the iterates of the
Himmelblau family's local solver (d = 2, one pair of coordinates), train the conditional diffusion
model (NS) and the solver behavior network (SB), sample initial guesses for a parameter the models
have not seen, and warm-start the solver from them. The plot shows the guesses over the objective
of that parameter, with the optima the solver reaches from uniform starts, next to uniform
guesses; the printout gives the iterations to converge of each kind of guess (the Table 1
statistic).

At the gallery's size (80 training steps of a tiny network) the diffusion model is far from
trained: most of its guesses land outside the box (the plot shows the box only, the printout counts
them) and warm starts from them take longer than uniform ones. The page shows the pipeline
running end to end, not GLENS's benefit; in the reduced CPU experiment of bench/RESULTS.md (14,400
training steps per network, d = 100) GLENS needs the fewest iterations of the five methods.

From the command line (the full size)::

    python examples/glens_samples.py --steps 2000 --width 16 --out out/glens_samples.png
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np

from scoreopt import glens


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").strip().split("\n")[0])
    ap.add_argument("--n-params", type=int, default=24, help="parameters in the data set")
    ap.add_argument("--n-starts", type=int, default=16, help="solver starts per parameter")
    ap.add_argument("--steps", type=int, default=300, help="training steps per network")
    ap.add_argument("--width", type=int, default=8, help="U-Net base width (paper: 64)")
    ap.add_argument("--samples", type=int, default=64, help="guesses drawn")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="out/glens_samples.png")
    a = ap.parse_args(argv)
    print("arguments:", " ".join(sys.argv[1:] if argv is None else argv) or "(defaults)")
    family = glens.get_family("himmelblau", 2)
    work = tempfile.mkdtemp(prefix="glens-")
    root = glens.collect(family, os.path.join(work, "data"), n_params=a.n_params, n_starts=a.n_starts,
                         seed=a.seed, executor="local", progress=False)
    data = glens.load(root, k=10)   # the k-neighborhood triples of every converged run
    cfg = glens.TrainConfig(steps=a.steps, batch_size=128, lr=1e-3, seed=a.seed, log_every=0,
                            checkpoint_every=0)
    net = glens.NetConfig(width=a.width, mults=(1, 2), cond_emb_dim=32, heads=2, head_dim=8)
    ns = glens.train("ns", data, config=cfg, net_config=net, progress=lambda line: None)
    sb = glens.train("sb", data, config=cfg, net_config=net, progress=lambda line: None)

    alpha = family.sample_params(np.random.default_rng(a.seed + 1000), 1)   # unseen parameter
    guesses = {
        "GLENS (NS + SB guidance)": glens.sample(ns, alpha, a.samples, sb=sb, seed=a.seed)[0],
        "NS only": glens.sample(ns, alpha, a.samples, seed=a.seed)[0],
        "uniform": glens.uniform_guesses(family, alpha, a.samples, np.random.default_rng(a.seed))[0],
    }
    results = {name: glens.evaluate(family, alpha, g[None]) for name, g in guesses.items()}
    lo, hi = (np.asarray(b, dtype=np.float64) for b in family.init_bounds)
    for name, r in results.items():
        outside = int(np.sum(np.any((guesses[name] < lo) | (guesses[name] > hi), axis=1)))
        print(f"{name:26s} mean iterations to converge {r.mean:5.1f}, converged {100 * r.converged.mean():.0f}%, "
              f"{int(r.n_optima[0])} distinct optima, {outside}/{a.samples} guesses outside the box")
    ref = results["uniform"]
    optima = np.unique(np.round(ref.final[0][ref.converged[0]], 3), axis=0)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = np.linspace(lo[0], hi[0], 200)
    ys = np.linspace(lo[1], hi[1], 200)
    G = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    F = family.problem.evaluate(G, params=alpha[0]).reshape(200, 200)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), sharex=True, sharey=True)
    for ax, (name, g) in zip(axes, guesses.items()):
        ax.contour(xs, ys, np.log1p(F - F.min()), levels=20, linewidths=0.5, cmap="Greys")
        ax.plot(g[:, 0], g[:, 1], "x", color="C3", ms=4, label="guesses")
        ax.plot(optima[:, 0], optima[:, 1], "o", mfc="none", mec="C0", ms=9, label="optima")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_title(f"{name}\nmean k = {results[name].mean:.1f}", fontsize=10)
    axes[0].legend(loc="lower left", fontsize=8)
    fig.suptitle(f"Himmelblau family, d = 2, alpha = {np.round(alpha[0], 2).tolist()}")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    fig.savefig(a.out, dpi=120)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    status = main()
    if status:  # (no SystemExit on success: the docs gallery runs this file in-process)
        sys.exit(status)
