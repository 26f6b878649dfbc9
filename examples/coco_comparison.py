"""
A COCO comparison: CDIDA, DIDA, BIPOP-CMA-ES and random search on BBOB
=======================================================================

Runs four methods over BBOB functions through COCO's own observer
(:func:`scoreopt.benchmarking.run_coco`: every evaluation is logged by ``cocoex``, every method
starts each run at the same seeded point), reads the data back with cocopp's loader and draws the
runtime ECDFs over COCO's 51 targets 10^2 ... 10^-8, the figure cocopp's ``pprldmany`` draws.

The defaults are a small experiment; the measured full-size one (all 24 functions, budget
10^4 * D) is in bench/RESULTS.md. ``python -m cocopp FOLDER...`` gives COCO's complete report
for the folders this writes.

From the command line (the full size)::

    python examples/coco_comparison.py --functions 1-24 --dims 2,5,10 --budget-multiplier 1e3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import warnings

import numpy as np

from scoreopt import benchmarking

TARGETS = 10.0 ** np.arange(2, -8.01, -0.2)  # COCO's 51 targets


def runtimes(folder: str, dims) -> np.ndarray:
    """Evaluations / dim to reach each target, every (function, dim, instance, target); inf where
    not reached. Read with cocopp's own loader."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # cocopp warns that its online data archive is unreachable
        import cocopp.pproc

        dsl = cocopp.pproc.DataSetList(folder)
    rts = [np.vstack(ds.detEvals(list(TARGETS))).T / ds.dim for ds in dsl if ds.dim in dims]
    rt = np.concatenate([r.ravel() for r in rts])
    return np.where(np.isfinite(rt), rt, np.inf)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").strip().split("\n")[0])
    ap.add_argument("--methods", default="cdida,dida,bipop-cma,random")
    ap.add_argument("--functions", default="1,8,15,21")
    ap.add_argument("--dims", default="2,5")
    ap.add_argument("--instances", default="1-5")
    ap.add_argument("--budget-multiplier", type=float, default=1e3)
    ap.add_argument("--data", help="folder for the COCO data (default: a temporary folder)")
    ap.add_argument("--out", default="out/coco_comparison.png")
    a = ap.parse_args(argv)
    print("arguments:", " ".join(sys.argv[1:] if argv is None else argv) or "(defaults)")
    data = a.data or tempfile.mkdtemp(prefix="coco-")
    dims = benchmarking.parse_ints(a.dims)
    curves = {}
    for method in a.methods.split(","):
        folder = benchmarking.run_coco(method, dims=dims, functions=a.functions, instances=a.instances,
                                       budget_multiplier=a.budget_multiplier,
                                       result_folder=os.path.join(data, method), progress=False)
        rt = runtimes(folder, dims)
        curves[method] = rt
        solved = sum(r.error is not None and r.error < 1e-8 for r in folder.records)
        print(f"{method:10s} {len(folder.records)} runs, {solved} reached 1e-8, "
              f"{100 * np.mean(rt <= a.budget_multiplier):.1f}% of the targets; data in {folder}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    grid = np.logspace(0, np.log10(a.budget_multiplier), 200)
    for method, rt in curves.items():
        ax.step(grid, [np.mean(rt <= g) for g in grid], where="post", label=method)
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("evaluations / dimension")
    ax.set_ylabel("fraction of (function, instance, target) reached")
    ax.set_title(f"BBOB f{a.functions}, D = {a.dims}, instances {a.instances}")
    ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    fig.savefig(a.out, dpi=120)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    status = main()
    if status:  # (no SystemExit on success: the docs gallery runs this file in-process)
        sys.exit(status)
