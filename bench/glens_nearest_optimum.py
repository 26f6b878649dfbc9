"""How close are learned guesses to the optima, coordinate by coordinate?

For the first test parameters of a Table 1 run folder (bench/glens_table1.py --out DIR), draw
guesses from each named network, run the family's solver from --reference uniform starts to get
reference optima (enough of them that every tooth of each coordinate's comb of optimum values
appears: with only a few, a guess on a tooth no reference run reached counts as far), and print, over all guesses and coordinates, the median and 90th percentile of the distance
from a guess's coordinate to the nearest value that coordinate takes at any reference optimum.
Uniform guesses give the baseline. Used to explain the levy rows of bench/RESULTS.md.

    python bench/glens_nearest_optimum.py --run /tmp/glens_runs/levy --family levy diffusolve diffusolve_k ns
"""

from __future__ import annotations

import argparse

import numpy as np
import torch


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="Table 1 run folder (holds models/<kind>.pt)")
    ap.add_argument("--family", required=True)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--params", type=int, default=2, help="test parameters (the first of Table 1's)")
    ap.add_argument("--samples", type=int, default=10, help="guesses per parameter and method")
    ap.add_argument("--reference", type=int, default=200, help="uniform solver runs per parameter for the optima")
    ap.add_argument("--test-seed", type=int, default=12345)
    ap.add_argument("kinds", nargs="+", help="networks: diffusolve, diffusolve_k, ns")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    from scoreopt.glens import get_family
    from scoreopt.glens.evaluation import evaluate, uniform_guesses
    from scoreopt.glens.models import load_model
    from scoreopt.glens.sampling import sample

    fam = get_family(args.family, args.dim)
    tp = fam.sample_params(np.random.default_rng(args.test_seed), args.params)
    uni = uniform_guesses(fam, tp, args.samples, np.random.default_rng(1))
    ref = evaluate(fam, tp, uniform_guesses(fam, tp, args.reference, np.random.default_rng(2)))
    optima = [ref.final[i][ref.converged[i]] for i in range(len(tp))]

    def report(name, x):
        d = np.concatenate([np.abs(x[i][:, None, :] - optima[i][None]).min(axis=1) for i in range(len(tp))])
        print(f"{name:<14} median {np.median(d):.2f}   p90 {np.quantile(d, 0.9):.2f}")

    report("uniform", uni)
    for kind in args.kinds:
        report(kind, sample(load_model(f"{args.run}/models/{kind}.pt"), tp, args.samples, seed=7))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
