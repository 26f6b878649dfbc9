"""Command line: ``scoreopt problems`` lists the registry; ``scoreopt eval NAME`` measures batched
evaluation throughput at random points of the problem's box."""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from typing import List, Optional

import numpy as np

from . import _core, build_info, info, problems, set_num_threads


def _dims(info) -> str:
    if info["even_dim"]:
        return f"even >= {info['min_dim']}"
    return f">= {info['min_dim']}"


def cmd_problems(args) -> int:
    rows = []
    for i in problems.info():
        if args.family and i["family"] != args.family:
            continue
        params = "-"
        if i["num_params"]:
            params = " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in zip(i["param_lower"], i["param_upper"]))
        opts = ", ".join(f"{o['name']}={o['default']:g}" for o in i["options"]) or "-"
        rows.append((i["name"], i["family"], _dims(i), f"[{i['lower']:g}, {i['upper']:g}]^d", params, opts))
    if args.json:
        print(json.dumps(problems.info(), indent=2))
        return 0
    head = ("name", "family", "dim", "box", "params", "options")
    widths = [max(len(r[k]) for r in rows + [head]) for k in range(len(head))]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    return 0


def cmd_eval(args) -> int:
    if args.threads is not None:
        set_num_threads(args.threads)
    p = problems.get(args.name, args.dim)
    rng = np.random.default_rng(args.seed)
    lo, hi = p.bounds
    dtype = np.float32 if args.dtype == "float32" else np.float64
    X = (lo + (hi - lo) * rng.random((args.n, p.dim))).astype(dtype)
    params = None
    if p.num_params:
        plo, phi = p.param_bounds
        params = (plo + (phi - plo) * rng.random((args.n, p.num_params))).astype(dtype)
    call = (lambda: p.value_and_gradient(X, params)) if args.gradient else (lambda: p.evaluate(X, params))
    call()  # warm-up: page in the input and spin up the thread pool
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = call()
        times.append(time.perf_counter() - t0)
    f = res[0] if args.gradient else res
    best = float(np.min(f))
    t = float(np.median(times))
    rate = args.n / t
    gbps = X.nbytes / t / 1e9
    record = {
        "problem": p.name, "dim": p.dim, "n": args.n, "dtype": args.dtype, "gradient": args.gradient,
        "threads": _core.num_threads(), "median_seconds": t, "evaluations_per_second": rate,
        "input_gb_per_second": gbps, "best_f": best, "optimum": p.optimum,
    }
    if args.json:
        print(json.dumps(record))
    else:
        what = "value+gradient" if args.gradient else "value"
        print(f"{p!r}: {args.n} random points in the box, {args.dtype}, {what}, "
              f"{record['threads']} threads")
        print(f"  median of {args.repeat}: {t * 1e3:.2f} ms  ->  {rate / 1e6:.2f} M evaluations/s "
              f"({gbps:.2f} GB/s of input)")
        print(f"  best sampled value: {best:.6g}" + ("" if p.optimum is None else f"  (optimum {p.optimum:g})"))
    return 0


def _write_plot(path, series, title, optimum):
    """Convergence plot: best-so-far error (or value) against evaluations, log scale."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("scoreopt: matplotlib is not installed; skipping the plot (pip install matplotlib)",
              file=sys.stderr)
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for label, (nfev, best) in series.items():
        y = np.asarray(best, dtype=np.float64)
        y = y - optimum if optimum is not None else y
        if optimum is not None:
            y = np.maximum(y, 1e-16)  # the log axis cannot show an exact zero
        ax.plot(nfev, y, label=label)
    if optimum is not None or all(np.all(np.asarray(b) > 0) for _, b in series.values()):
        ax.set_yscale("log")
    ax.set_xlabel("evaluations")
    ax.set_ylabel("best f - optimum" if optimum is not None else "best f")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if len(series) > 1:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _instance(args, seed):
    """The problem and start of ``--problem``/``--dim`` under ``--protocol`` for one seed."""
    from . import protocol

    return protocol.instance(args.problem, args.dim, seed, protocol=args.protocol,
                             rotate=not args.no_rotation)


def cmd_run(args) -> int:
    import os

    from . import minimize

    inst = _instance(args, args.seed)
    p = inst.problem
    budget = args.budget if args.budget is not None else 10_000 * p.dim
    t0 = time.perf_counter()
    r = minimize(p, method=args.method, budget=budget, x0=inst.x0, seed=args.seed,
                 progress=not args.quiet, checkpoint=args.checkpoint)
    wall = time.perf_counter() - t0
    err = None if inst.optimum is None else inst.error(r.fun)
    print(f"{args.method} on {inst.describe()}: best f = {r.fun:.10g}"
          + ("" if err is None else f"  (error {err:.3g})"))
    print(f"  nfev {r.nfev}, iterations {r.nit}, {wall:.2f} s, non-finite values {r.nonfinite}; {r.message}")
    os.makedirs(args.out, exist_ok=True)
    tag = "" if args.protocol == "honest" else f"-{args.protocol}"
    stem = os.path.join(args.out, f"{p.name}-d{p.dim}-{args.method}-seed{args.seed}{tag}")
    popsize = r.nfev // max(1, r.nit)
    record = {
        "problem": p.name, "dim": p.dim, "method": args.method, "budget": budget, "seed": args.seed,
        "protocol": args.protocol, "instance": inst.record(),
        "fun": r.fun, "error": err, "x": r.x.tolist(), "nfev": r.nfev, "nit": r.nit,
        "success": r.success, "message": r.message, "nonfinite": r.nonfinite,
        "wall_seconds": wall, "history": r.history, "history_nfev": [popsize * (i + 1) for i in range(r.nit)],
        "optimum": inst.optimum, "build": build_info(), "version": __import__("scoreopt").__version__,
    }
    with open(stem + ".json", "w") as fh:
        json.dump(record, fh)
    png = _write_plot(stem + ".png", {args.method: (record["history_nfev"], r.history)},
                      f"{args.method} on {p.name}, d = {p.dim} ({args.protocol} protocol)", inst.optimum)
    print(f"  wrote {stem}.json" + (f" and {png}" if png else ""))
    return 0


def _best_so_far_on(grid, nfev, best):
    """The step function best(nfev) sampled at ``grid`` (NaN before the first evaluation)."""
    nfev, best = np.asarray(nfev, dtype=np.float64), np.asarray(best, dtype=np.float64)
    idx = np.searchsorted(nfev, grid, side="right") - 1
    return np.where(idx >= 0, best[np.maximum(idx, 0)], np.nan)


def cmd_compare(args) -> int:
    import os

    from . import baselines, minimize
    from .optimizers import METHODS

    instances = [_instance(args, seed) for seed in range(args.seeds)]
    p = instances[0].problem
    known = all(inst.optimum is not None for inst in instances)
    budget = args.budget if args.budget is not None else 10_000 * p.dim
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    have = baselines.available()
    for m in methods:
        if m not in METHODS and m not in baselines.BASELINES:
            raise ValueError(f"methods: unknown method {m!r}; expected scoreopt's "
                             f"{', '.join(METHODS)} or the baselines {', '.join(baselines.BASELINES)}")
    skipped = [m for m in methods if m in baselines.BASELINES and m not in have]
    for m in skipped:
        print(f"scoreopt: skipping {m}: its package is not installed "
              f"({'pip install cma' if m.startswith('cma') else 'pip install scipy'})", file=sys.stderr)
    methods = [m for m in methods if m not in skipped]
    grid = np.unique(np.geomspace(1, budget, 200).astype(int))
    rows, curves = [], {}
    record = {"problem": p.name, "dim": p.dim, "budget": budget, "seeds": args.seeds,
              "protocol": args.protocol, "instances": [i.record() for i in instances],
              "optimum": instances[0].optimum, "runs": []}
    for m in methods:
        errs, times, series = [], [], []
        for seed, inst in enumerate(instances):
            t0 = time.perf_counter()
            if m in METHODS:
                r = minimize(inst.problem, method=m, budget=budget, x0=inst.x0, seed=seed)
                pop = r.nfev // max(1, r.nit)
                best, nfev, hist = r.fun, r.nfev, ([pop * (i + 1) for i in range(r.nit)], r.history)
            else:
                out = baselines.run(m, inst.problem, budget, seed, x0=inst.x0)
                best, nfev = out["best_f"], out["nfev"]
                hist = ([h[0] for h in out["history"]], [h[1] for h in out["history"]])
            wall = time.perf_counter() - t0
            # each seed's own f* (BBOB instances differ in f_opt); plain values when unknown
            ref = inst.optimum if known else 0.0
            err = best - ref
            errs.append(err)
            times.append(wall)
            series.append(_best_so_far_on(grid, hist[0], np.asarray(hist[1], dtype=np.float64) - ref))
            record["runs"].append({"method": m, "seed": seed, "fun": best, "error": err if known else None,
                                   "nfev": nfev, "wall_seconds": wall})
            print(f"  {m:>15s} seed {seed}: {'f - f*' if known else 'f'} = {err:.4g}  "
                  f"({nfev} evaluations, {wall:.2f} s)", file=sys.stderr)
        err_arr = np.asarray(errs)
        rows.append((m, np.median(err_arr), err_arr.min(), err_arr.max(), int(np.sum(err_arr < args.threshold)),
                     float(np.median(times))))
        with warnings.catch_warnings():  # grid points before every seed's first report: NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            curves[m] = (grid, np.nanmedian(np.vstack(series), axis=0))
    what = "f - f*" if known else "f"
    how = ("honest protocol (" + instances[0].describe().split(": ", 1)[1] + ", per seed)"
           if args.protocol == "honest" else "WITHDRAWN centered protocol")
    print(f"{p.name}, d = {p.dim}, {how}; budget {budget}, {args.seeds} seeds; {what} at the end:")
    print(f"| method | median | best | worst | < {args.threshold:g} | median time (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for m, med, lo, hi, ok, t in rows:
        print(f"| {m} | {med:.3g} | {lo:.3g} | {hi:.3g} | {ok}/{args.seeds} | {t:.2f} |")
    os.makedirs(args.out, exist_ok=True)
    tag = "" if args.protocol == "honest" else f"-{args.protocol}"
    stem = os.path.join(args.out, f"compare-{p.name}-d{p.dim}{tag}")
    with open(stem + ".json", "w") as fh:
        json.dump(record, fh)
    png = _write_plot(stem + ".png", curves, f"{p.name}, d = {p.dim}: median of {args.seeds} seeds "
                      f"({args.protocol} protocol)", 0.0 if known else None)
    print(f"wrote {stem}.json" + (f" and {png}" if png else ""))
    return 0


def cmd_bench(args) -> int:
    from . import benchmarking

    # (the options are strings, so parse_ints never returns None here)
    dims = benchmarking.parse_ints(args.dims) or []
    functions = benchmarking.parse_ints(args.functions) or []
    instances = benchmarking.parse_ints(args.instances) or []
    if any(d < 1 for d in dims):
        raise ValueError(f"--dims: expected positive dimensions, got {args.dims!r}")
    if any(not 1 <= f <= 24 for f in functions):
        raise ValueError(f"--functions: the bbob suite has functions 1-24, got {args.functions!r}")
    if any(i < 1 for i in instances):
        raise ValueError(f"--instances: expected positive instance numbers, got {args.instances!r}")
    if not args.budget_multiplier > 0:
        raise ValueError(f"--budget-multiplier: expected > 0, got {args.budget_multiplier!r}")
    name = args.name or args.method
    kw = dict(dims=dims, functions=functions, instances=instances,
              budget_multiplier=args.budget_multiplier, seed=args.seed, algorithm_name=name,
              progress=not args.quiet, executor=args.executor, address=args.address)
    t0 = time.perf_counter()
    if args.format == "coco":
        out = args.out or f"exdata/{name}"
        folder = benchmarking.run_coco(args.method, result_folder=out, suite=args.suite, **kw)
    else:
        out = args.out or f"ioh_data/{name}"
        folder = benchmarking.run_ioh(args.method, folder=out, **kw)
    wall = time.perf_counter() - t0
    n = len(folder.records)
    print(f"{args.method} on {args.suite}: {n} problems, dims {','.join(map(str, dims))}, "
          f"budget {args.budget_multiplier:g} x dim, {wall:.1f} s")
    for line in benchmarking.summarize(folder.records):
        print("  " + line)
    if args.format == "coco":
        print(f"wrote the COCO data folder {folder}  (post-process: python -m cocopp {folder})")
    else:
        print(f"wrote the IOHprofiler data folder {folder}  (load it in IOHanalyzer)")
    return 0


def cmd_info(args) -> int:
    i = info()
    print(f"scoreopt {i['version']}")
    print(f"core: {i['build']}")
    print(f"simd: {i['simd_path']} ({i['simd_path_reason']}; compiled: "
          f"{', '.join(i['simd_paths'])}; this CPU runs: {', '.join(i['supported_simd_paths'])}; "
          f"SCOREOPT_SIMD=auto|{'|'.join(i['simd_paths'])} chooses)")
    print(f"backends: {i['backends']}")
    print(f"threads: {i['threads']}")
    return 0


def benchmarking_methods():
    from .benchmarking import PYCMA_METHODS

    return PYCMA_METHODS


def _protocol_args(sp) -> None:
    sp.add_argument("--protocol", choices=["honest", "centered"], default="honest",
                    help="honest (default): the optimum shifted (and rotated) away from the box "
                         "center, BBOB instance seed + 1, and a start uniform in the box drawn "
                         "from the seed, the same for every method (see scoreopt.protocol); "
                         "centered: WITHDRAWN, the registry function from each method's default "
                         "start (the box center, the optimum of most classic functions)")
    sp.add_argument("--no-rotation", action="store_true",
                    help="honest protocol: shift the classic functions without rotating them "
                         "(O(dim) instead of O(dim^2) per evaluation)")


def _example(*lines: str) -> dict:
    """add_parser keywords for an example (or a few) shown at the end of ``--help``."""
    text = "example:\n" if len(lines) == 1 else "examples:\n"
    return dict(epilog=text + "\n".join("  " + line for line in lines),
                formatter_class=argparse.RawDescriptionHelpFormatter)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="scoreopt", description=__doc__, **_example(
        "scoreopt run --problem rastrigin --dim 10 --method dida --budget 20000 --out out/",
        "scoreopt COMMAND --help    (an example for each command)"))
    sub = ap.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("problems", help="list the built-in problems with their dims and boxes",
                        **_example("scoreopt problems --family classic"))
    sp.add_argument("--family", choices=["classic", "glens"], help="only this family")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.set_defaults(func=cmd_problems)

    se = sub.add_parser("eval", help="evaluate random points in the box and report throughput",
                        **_example("scoreopt eval levy --dim 100 --n 100000 --gradient"))
    se.add_argument("name", help="registry name (see `scoreopt problems`)")
    se.add_argument("--dim", type=int, required=True)
    se.add_argument("--n", type=int, default=100_000, help="batch size (default 100000)")
    se.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    se.add_argument("--repeat", type=int, default=10, help="timed repetitions (median reported)")
    se.add_argument("--threads", type=int, help="worker threads (default: one per core)")
    se.add_argument("--gradient", action="store_true", help="also compute the analytic gradient")
    se.add_argument("--seed", type=int, default=0)
    se.add_argument("--json", action="store_true", help="print one JSON record")
    se.set_defaults(func=cmd_eval)

    from .optimizers import METHODS

    sr = sub.add_parser("run", help="optimize a built-in problem; writes a JSON record and a convergence plot",
                        **_example("scoreopt run --problem rastrigin --dim 100 --method dida --budget 200000 "
                                   "--protocol honest --seed 0 --out out/"))
    sr.add_argument("--problem", required=True, help="registry name (see `scoreopt problems`)")
    sr.add_argument("--dim", type=int, required=True)
    sr.add_argument("--method", default="cdida", choices=sorted(METHODS),
                    help="default cdida (covariance-adapted annealed smoothing with restarts)")
    sr.add_argument("--budget", type=int, help="objective evaluations (default 10000 * dim)")
    sr.add_argument("--seed", type=int, default=0)
    sr.add_argument("--out", default="out", help="folder for the JSON record and the PNG plot")
    sr.add_argument("--quiet", action="store_true", help="no progress bar")
    _protocol_args(sr)
    sr.add_argument("--checkpoint", metavar="PATH", default=None,
                    help="keep the optimizer's state in PATH (rewritten every few seconds); the same "
                         "command run again after an interruption resumes where it stopped")
    sr.set_defaults(func=cmd_run)

    sc = sub.add_parser("compare", help="run several methods side by side (scoreopt's and pycma/scipy baselines)",
                        **_example("scoreopt compare --problem ackley --dim 10 --methods dida,mbd,cma,de --seeds 3"))
    sc.add_argument("--problem", required=True)
    sc.add_argument("--dim", type=int, required=True)
    sc.add_argument("--methods", default="cdida,dida,cma_bipop,de",
                    help="comma-separated: cdida, dida, mbd, mppi, cem, es, marginal, hsm, cma, cma_ipop, cma_bipop, "
                         "de, dual_annealing (default cdida,dida,cma_bipop,de)")
    sc.add_argument("--budget", type=int, help="evaluations per run (default 10000 * dim)")
    sc.add_argument("--seeds", type=int, default=5,
                    help="seeds 0 .. SEEDS-1: each is one problem instance and start, shared by all methods")
    sc.add_argument("--threshold", type=float, default=1e-6, help="error counted as solved")
    sc.add_argument("--out", default="out")
    _protocol_args(sc)
    sc.set_defaults(func=cmd_compare)

    sb = sub.add_parser("bench", help="run a method over the BBOB suite through COCO (or IOHprofiler) "
                                      "and write the data folder for cocopp (or IOHanalyzer)",
                        **_example("scoreopt bench bbob --dims 2,5,10 --budget-multiplier 1e3 --method dida "
                                   "--out exdata-dida",
                                   "python -m cocopp exdata-dida"))
    sb.add_argument("suite", choices=["bbob"], help="benchmark suite")
    sb.add_argument("--dims", default="2,3,5,10,20,40", help="comma-separated dimensions (default 2,3,5,10,20,40)")
    sb.add_argument("--budget-multiplier", type=float, default=1e4,
                    help="evaluations per problem = multiplier * dim (default 1e4)")
    sb.add_argument("--method", default="cdida",
                    choices=sorted(METHODS) + ["random"] + list(benchmarking_methods()),
                    help="scoreopt method, 'random' (uniform random search baseline), or pycma's "
                         "'bipop-cma' (BIPOP-CMA-ES) / 'ipop-cma' (IPOP-CMA-ES), cma.fmin2 with "
                         "restarts=9 through the same observer; every method starts each run at "
                         "the same seeded uniform point (scoreopt.benchmarking.problem_start)")
    sb.add_argument("--functions", default="1-24", help="function ids, e.g. 1-24 or 1,2,15 (default 1-24)")
    sb.add_argument("--instances", default="1-15", help="instance ids, e.g. 1-15 (default 1-15)")
    sb.add_argument("--out", help="data folder (default exdata/NAME for coco, ioh_data/NAME for ioh; "
                                  "a suffix is appended when it exists)")
    sb.add_argument("--format", choices=["coco", "ioh"], default="coco",
                    help="coco: cocoex observer (for cocopp); ioh: IOHprofiler files (for IOHanalyzer)")
    sb.add_argument("--name", help="algorithm name in the data (default: the method; no spaces)")
    sb.add_argument("--seed", type=int, default=0)
    sb.add_argument("--quiet", action="store_true", help="no progress bar")
    sb.add_argument("--executor", choices=["local", "processes", "ray"], default="local",
                    help="where the runs go: this process (default), a process pool, or Ray tasks; "
                         "the data folder is the same")
    sb.add_argument("--address", help="with --executor ray: an existing cluster ('auto', 'host:port', "
                                      "'ray://host:10001'); default: a local Ray instance")
    sb.set_defaults(func=cmd_bench)

    si = sub.add_parser("info", help="build and backend information", **_example("scoreopt info"))
    si.set_defaults(func=cmd_info)

    from .glens.cli import add_subparser as add_glens
    add_glens(sub)
    return ap


def main(argv: Optional[List[str]] = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if getattr(args, "n", 1) is not None and getattr(args, "n", 1) < 1:
        ap.error("--n: expected a positive batch size")
    if getattr(args, "repeat", 1) < 1:
        ap.error("--repeat: expected at least 1")
    if getattr(args, "seeds", 1) < 1:
        ap.error("--seeds: expected at least 1")
    try:
        return args.func(args)
    except (ValueError, TypeError) as e:
        print(f"scoreopt: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
