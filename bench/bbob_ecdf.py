"""BBOB runtime ECDFs and a fixed-budget table: scoreopt's methods against pycma's BIPOP-CMA-ES
(and IPOP-CMA-ES) through the same COCO observer.

    python bench/bbob_ecdf.py --methods dida,bipop-cma --dims 10 --functions 1-24 \\
        --instances 1-3 --budget-multiplier 1e4

For every method, ``scoreopt.benchmarking.run_coco`` runs every (function, dim, instance) with
``budget-multiplier * dim`` evaluations through a ``cocoex.Observer`` (one data folder per
method under OUT/data/); every method starts each run from the same seeded uniform point
(``benchmarking.problem_start``), restarts while budget remains, and stops at COCO's final target
f - f_opt < 1e-8. Then:

* ``python -m cocopp`` post-processes all the folders together (OUT/ppdata/, the standard COCO
  pages: runtime ECDFs per function group over 51 targets 10^2 ... 10^-8, aRT tables, scatter
  plots); the per-group ECDF figures are copied to OUT/figures/. ``--no-cocopp`` skips this.
* the same ECDFs are computed here from the data (``cocopp``'s loader, ``DataSet.detEvals`` at the
  51 targets 10^(2 - 0.2 k), k = 0 ... 50) and summarized per group (all, separable f1-f5,
  low/moderate conditioning f6-f9, high conditioning f10-f14, multimodal with adequate global
  structure f15-f19, multimodal with weak global structure f20-f24) by two numbers:
  ``ecdf_end``, the fraction of (function, instance, target) pairs reached within the budget,
  and ``ecdf_area``, the area under the ECDF over x = log10(evaluations / dim) from 0 to
  log10(budget multiplier), divided by that width (1 = every target hit at once, 0 = none hit;
  the issue's target metric). OUT/ecdf.png plots these ECDFs, one panel per group.
* the fixed-budget table: per function and dim, the median over instances of the final error
  best f - f_opt (COCO's best observed value; runs stop at 1e-8, so errors below it read
  "<1e-8"), and how many instances reached 1e-8.

Outputs: OUT/summary.json (settings, command, wall time per method, the table, the ECDF numbers),
OUT/summary.md (the Markdown tables), OUT/ecdf.png, OUT/records-METHOD.json, OUT/data/METHOD/
(the COCO data) and OUT/ppdata/ (cocopp). A method whose records file exists in OUT is not run
again (resume after an interruption, or add methods to an experiment; delete its data folder
and records file to redo it). When the records hold the same functions, dims, budget and seed
but only some of the instances asked for, only the missing instances run, into
OUT/data/METHOD/instances-I-J-.../ (cocopp and this script merge the runs of one algorithm found
under its folder), and the records are extended: pycma's BIPOP-CMA-ES takes about 5 minutes
per problem at D = 40 here, so a 5-instance experiment can be built one instance set at a time.
Each problem's run depends only on (seed, function, instance, dim), so the merged experiment
equals one run of all instances. ``--archive`` packs OUT/data into OUT/data.tar.xz and removes the
bulky folders; the same command later unpacks it and redoes the post-processing.
OUT defaults to bench/results/bbob_ecdf-<UTC timestamp>.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from typing import Dict, List

import numpy as np

import scoreopt
from scoreopt import benchmarking

GROUPS = {"all": range(1, 25), "separ (f1-f5)": range(1, 6), "lcond (f6-f9)": range(6, 10),
          "hcond (f10-f14)": range(10, 15), "multi (f15-f19)": range(15, 20),
          "mult2 (f20-f24)": range(20, 25)}
TARGETS = 10.0 ** (2 - 0.2 * np.arange(51))  # 10^2 ... 10^-8, COCO's 51 ECDF targets
FINAL_TARGET = 1e-8


def run_method(method: str, args, out: str) -> Dict:
    """Run (or reload) one method's COCO experiment; returns its records file's content."""
    rec_path = os.path.join(out, f"records-{method}.json")
    doc = None
    instances = list(args.instances)
    folder = os.path.join(out, "data", method)
    if os.path.exists(rec_path):
        with open(rec_path) as fh:
            doc = json.load(fh)
        have = sorted((r["function"], r["dim"], r["instance"]) for r in doc["records"])
        want = sorted((f, d, i) for f in args.functions for d in args.dims for i in args.instances)
        had = sorted({i for _, _, i in have})
        same = doc.get("budget_multiplier") == args.budget_multiplier and doc.get("seed") == args.seed
        if have == want and same:
            print(f"[bbob_ecdf] {method}: reusing {rec_path}", file=sys.stderr)
            return doc
        subset = sorted((f, d, i) for f in args.functions for d in args.dims for i in had)
        if not same or have != subset or not set(had) < set(args.instances):
            raise SystemExit(f"[bbob_ecdf] {rec_path} holds another experiment (functions, dims, "
                             "instances, budget or seed differ, and it is not the same experiment on "
                             "fewer instances): use another --out")
        instances = [i for i in args.instances if i not in had]
        folder = os.path.join(out, doc["folder"], "instances-" + "-".join(map(str, instances)))
        print(f"[bbob_ecdf] {method}: {rec_path} has instances {had}; running {instances}",
              file=sys.stderr)
    if os.path.exists(folder):
        raise SystemExit(f"[bbob_ecdf] {folder} exists without its records in {rec_path}: an "
                         "interrupted run; delete the folder to run the method again")
    t0 = time.perf_counter()
    cwd = os.getcwd()
    # COCO makes ./exdata and run_coco removes it when empty: in a private working directory,
    # so that two of these scripts (one per method) can run at the same time
    with tempfile.TemporaryDirectory(prefix="bbob-ecdf-") as tmp:
        os.chdir(tmp)
        try:
            res = benchmarking.run_coco(method, dims=args.dims, functions=args.functions,
                                        instances=instances,
                                        budget_multiplier=args.budget_multiplier,
                                        result_folder=folder, seed=args.seed,
                                        progress=not args.quiet, executor=args.executor)
        finally:
            os.chdir(cwd)
    records = [dict(function=r.function, instance=r.instance, dim=r.dim, evaluations=r.evaluations,
                    best_f=r.best_f, f_opt=r.f_opt, error=r.error, restarts=r.restarts)
               for r in res.records]
    seconds = time.perf_counter() - t0
    if doc is None:
        doc = {"method": method, "folder": os.path.relpath(str(res), out), "wall_seconds": seconds,
               "budget_multiplier": args.budget_multiplier, "seed": args.seed, "records": records}
    else:  # the same experiment on more instances: the runs' wall times add up
        doc["parts"] = doc.get("parts", [{"instances": had, "wall_seconds": doc["wall_seconds"]}])
        doc["parts"].append({"instances": instances, "wall_seconds": seconds})
        doc["wall_seconds"] += seconds
        doc["records"] = sorted(doc["records"] + records,
                                key=lambda r: (r["dim"], r["function"], r["instance"]))
    with open(rec_path, "w") as fh:
        json.dump(doc, fh, indent=1)
    print(f"[bbob_ecdf] {method}: {len(records)} problems in {seconds:.0f} s", file=sys.stderr)
    return doc


def run_cocopp(folders: List[str], out: str) -> str:
    """python -m cocopp on all folders; the per-group ECDF figures go to OUT/figures/."""
    pp = os.path.join(out, "ppdata")
    log = os.path.join(out, "cocopp.log")
    with open(log, "w") as fh:
        r = subprocess.run([sys.executable, "-m", "cocopp", "-o", pp] + folders, cwd=out,
                           stdout=fh, stderr=subprocess.STDOUT, timeout=3600)
    if r.returncode != 0:
        raise SystemExit(f"[bbob_ecdf] cocopp failed (exit {r.returncode}); see {log}")
    figs = os.path.join(out, "figures")
    os.makedirs(figs, exist_ok=True)
    # the runtime ECDFs aggregated over function groups (cocopp's "pprldmany" figures)
    for f in glob.glob(os.path.join(pp, "**", "pprldmany_*"), recursive=True):
        if f.endswith((".svg", ".png")) and os.sep + "pprldmany-single-functions" not in f:
            shutil.copy(f, figs)
    return pp


def load_runtimes(folder: str) -> Dict[tuple, np.ndarray]:
    """{(function, dim): runtimes (runs, 51 targets)}, NaN where a target was not reached."""
    # cocopp's import tries to reach its online data archive and warns when offline
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        import cocopp.pproc

        dsl = cocopp.pproc.DataSetList(folder)  # walks the subfolders too, merging one algorithm's runs
    out: Dict[tuple, np.ndarray] = {}
    for ds in dsl:
        key = (int(ds.funcId), int(ds.dim))
        rt = np.vstack(ds.detEvals(list(TARGETS))).T
        out[key] = rt if key not in out else np.vstack([out[key], rt])
    return out


def ecdf_numbers(runtimes: Dict[tuple, np.ndarray], fids, dims, budget_multiplier: float):
    """(ecdf_end, ecdf_area, x grid, ECDF on the grid) over every (function in fids, dim,
    run, target); runtimes are divided by dim (COCO's x axis)."""
    rts = [runtimes[(f, d)] / d for f in fids for d in dims if (f, d) in runtimes]
    if not rts:
        return None
    rt = np.concatenate([r.ravel() for r in rts])
    reached = np.isfinite(rt) & (rt <= budget_multiplier)
    width = np.log10(budget_multiplier)
    x_hit = np.log10(np.maximum(np.where(reached, rt, 1.0), 1.0))  # hits before dim evaluations: x = 0
    area = float(np.mean(np.where(reached, (width - x_hit) / width, 0.0)))
    grid = np.linspace(0.0, width, 201)
    curve = np.array([np.mean(reached & (x_hit <= g)) for g in grid])
    return float(reached.mean()), area, grid, curve


def fmt(e: float) -> str:
    return "<1e-8" if e < FINAL_TARGET else f"{e:.2g}"


def tables(docs: Dict[str, Dict], ecdf: Dict[str, Dict[str, tuple]], args) -> str:
    methods = list(docs)
    lines = [f"Fixed budget {args.budget_multiplier:g} x dim: median over instances of best f - f_opt "
             f"(instances that reached 1e-8)", "",
             "| f | dim | " + " | ".join(methods) + " |", "|---:|---:|" + "---:|" * len(methods)]
    errs: Dict[str, Dict[tuple, List[float]]] = {m: {} for m in methods}
    for m, doc in docs.items():
        for r in doc["records"]:
            errs[m].setdefault((r["function"], r["dim"]), []).append(r["error"])
    for d in args.dims:
        for f in args.functions:
            cells = []
            for m in methods:
                e = errs[m].get((f, d))
                cells.append("—" if not e else f"{fmt(float(np.median(e)))} ({sum(v < FINAL_TARGET for v in e)}/{len(e)})")
            lines.append(f"| f{f} | {d} | " + " | ".join(cells) + " |")
    lines += ["", f"Runtime ECDF over the 51 targets 10^2 ... 10^-8 at the end of the budget: "
              f"fraction of (function, instance, target) pairs reached / normalized area under the "
              f"ECDF over log10(evaluations / dim) in [0, {np.log10(args.budget_multiplier):g}]", "",
              "| group | " + " | ".join(methods) + " |", "|:---|" + "---:|" * len(methods)]
    for g in GROUPS:
        cells = []
        for m in methods:
            v = ecdf[m].get(g)
            cells.append("—" if v is None else f"{v[0]:.3f} / {v[1]:.3f}")
        lines.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(ecdf: Dict[str, Dict[str, tuple]], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex=True, sharey=True)
    for ax, g in zip(axes.ravel(), GROUPS):
        for m, per in ecdf.items():
            if per.get(g) is not None:
                end, area, grid, curve = per[g]
                ax.plot(grid, curve, label=f"{m} (area {area:.2f})")
        ax.set_title(g)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8, loc="upper left")
    for ax in axes[-1]:
        ax.set_xlabel("log10(evaluations / dim)")
    for ax in axes[:, 0]:
        ax.set_ylabel("fraction of (function, instance, target)")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--methods", default="dida,bipop-cma",
                    help="comma-separated: scoreopt methods, random, bipop-cma, ipop-cma")
    ap.add_argument("--dims", default="10")
    ap.add_argument("--functions", default="1-24")
    ap.add_argument("--instances", default="1-3")
    ap.add_argument("--budget-multiplier", type=float, default=1e4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="output folder (default bench/results/bbob_ecdf-<UTC>)")
    ap.add_argument("--executor", choices=["local", "processes"], default="local",
                    help="processes: one (dim, function) group per worker process")
    ap.add_argument("--no-cocopp", action="store_true", help="skip cocopp's HTML/figures")
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    ap.add_argument("--archive", action="store_true",
                    help="at the end, pack OUT/data into OUT/data.tar.xz and remove OUT/data and "
                         "OUT/ppdata (what bench/results keeps: the figures, tables and raw data)")
    a = ap.parse_args(argv)
    a.methods = [m.strip() for m in a.methods.split(",") if m.strip()]
    if not a.methods:
        ap.error("--methods: expected at least one method")
    for m in a.methods:
        try:
            benchmarking._check_method(m)
        except ValueError as e:
            ap.error(f"--methods: {e}")
    a.dims = benchmarking.parse_ints(a.dims)
    a.functions = benchmarking.parse_ints(a.functions)
    a.instances = benchmarking.parse_ints(a.instances)
    if any(not 1 <= f <= 24 for f in a.functions):
        ap.error(f"--functions: the bbob suite has functions 1-24, got {a.functions}")
    if not a.budget_multiplier > 0:
        ap.error("--budget-multiplier: expected > 0")
    return a


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    out = os.path.abspath(args.out or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "results",
        "bbob_ecdf-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())))
    os.makedirs(out, exist_ok=True)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    archive = os.path.join(out, "data.tar.xz")
    if os.path.exists(archive) and not os.path.isdir(os.path.join(out, "data")):
        with tarfile.open(archive) as tar:  # a committed result: its COCO data, unpacked again
            tar.extractall(out, filter="data")
    docs = {m: run_method(m, args, out) for m in args.methods}
    folders = [os.path.join(out, d["folder"]) for d in docs.values()]
    if not args.no_cocopp:
        run_cocopp(folders, out)
    ecdf = {}
    for m, folder in zip(docs, folders):
        rts = load_runtimes(folder)
        ecdf[m] = {g: ecdf_numbers(rts, [f for f in fids if f in args.functions], args.dims,
                                   args.budget_multiplier) for g, fids in GROUPS.items()}
    text = tables(docs, ecdf, args)
    title = (f"BBOB d={','.join(map(str, args.dims))}, instances {args.instances[0]}-{args.instances[-1]}, "
             f"budget {args.budget_multiplier:g} x dim: runtime ECDF, 51 targets 1e2 ... 1e-8")
    plot(ecdf, os.path.join(out, "ecdf.png"), title)
    summary = {
        "command": shlex.join(["python", "bench/bbob_ecdf.py"] + list(argv)),
        "started": started, "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": {"methods": args.methods, "dims": args.dims, "functions": args.functions,
                     "instances": args.instances, "budget_multiplier": args.budget_multiplier,
                     "seed": args.seed, "executor": args.executor},
        "versions": {"scoreopt": scoreopt.__version__, "build": scoreopt.build_info(),
                     "cma": _version("cma"), "cocoex": _version("cocoex"), "cocopp": _version("cocopp")},
        "wall_seconds": {m: d["wall_seconds"] for m, d in docs.items()},
        "ecdf": {m: {g: None if v is None else {"ecdf_end": v[0], "ecdf_area": v[1]} for g, v in per.items()}
                 for m, per in ecdf.items()},
        "median_error": {m: {f"f{f}-d{d}": float(np.median([r["error"] for r in doc["records"]
                                                            if r["function"] == f and r["dim"] == d]))
                             for d in args.dims for f in args.functions}
                         for m, doc in docs.items()},
    }
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    with open(os.path.join(out, "summary.md"), "w") as fh:
        fh.write(f"`{summary['command']}`\n\n{text}\n")
    print(text)
    print(f"\nwrote {out}/summary.json, summary.md, ecdf.png" + ("" if args.no_cocopp else ", ppdata/, figures/"))
    if args.archive:
        with tarfile.open(archive + ".tmp", "w:xz") as tar:
            tar.add(os.path.join(out, "data"), arcname="data")
        os.replace(archive + ".tmp", archive)
        shutil.rmtree(os.path.join(out, "data"))
        shutil.rmtree(os.path.join(out, "ppdata"), ignore_errors=True)
        print(f"packed the COCO data into {archive} (data/ and ppdata/ removed; running the same "
              "command again unpacks it and redoes cocopp)")
    return 0


def _version(mod: str):
    try:
        return getattr(__import__(mod), "__version__", "?")
    except ImportError:
        return None


if __name__ == "__main__":
    sys.exit(main())
