"""GLENS Table 1 for one family: collect -> train (DiffuSolve, DiffuSolve-k, NS, SB) -> sample ->
warm-start evaluation; prints the rows (Uniform, DiffuSolve, DiffuSolve-k, NS-only, GLENS:
cumulative % of guesses converging within k = 1, 3, 6 iterations, mean and std of k) and writes
``table1_<family>_d<dim>.json`` plus the k-CDF and first-two-coordinates plots into --out.

    python bench/glens_table1.py --family himmelblau --dim 100 --reduced --out bench/results/glens_him100
    python bench/glens_table1.py --family levy --dim 100 --paper --device cuda --out runs/levy100   # GPU

Presets (any setting can be overridden by its flag):

--reduced (2-core CPU): 100 training parameters x 20 uniform starts; U-Net width 16, multipliers
    (1, 2, 4), 2 attention heads of 16, condition embedding 32; batch 64, 600 Adam steps at
    lr 1e-3 per network; 10 unseen test parameters x 20 samples; one torch thread.
--paper: the paper's networks (width 64, (1, 2, 4), 4 heads of 32, condition embedding 64) and
    optimizer (Adam lr 1e-5, SB 5e-6, batch 512, 200k steps; 400k for levy), 100 samples per
    test parameter; data 1000 parameters x 50 starts and 20 test parameters (our choice: the
    paper's data set sizes are not restated here).

Sampling: Algorithm 1 (T = 50, s_NS = 0.5, SB guidance s_SB = 100 for t <= 5, r = 0) for all
diffusion rows; DiffuSolve, DiffuSolve-k and NS-only run without SB guidance. Everything is
resumable: the data set, every trained network (checkpointed) and the sampled guesses are kept in
--out and reused by a rerun with the same settings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

PRESETS = {
    "reduced": dict(n_params=100, n_starts=20, width=16, heads=2, head_dim=16, cond_emb_dim=32, batch_size=64,
                    steps=600, lr=1e-3, sb_lr=1e-3, n_test=10, samples=20, threads=1),
    "paper": dict(n_params=1000, n_starts=50, width=64, heads=4, head_dim=32, cond_emb_dim=64, batch_size=512,
                  steps=200_000, lr=1e-5, sb_lr=5e-6, n_test=20, samples=100, threads=None),
}
METHODS = ("Uniform", "DiffuSolve", "DiffuSolve-k", "NS-only", "GLENS")


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", required=True, choices=["qp", "himmelblau", "rosenbrock", "levy"])
    ap.add_argument("--dim", type=int, default=100)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--reduced", action="store_const", dest="preset", const="reduced", help="2-core CPU preset (default)")
    g.add_argument("--paper", action="store_const", dest="preset", const="paper", help="the paper's settings (GPU)")
    ap.set_defaults(preset="reduced")
    ap.add_argument("--out", required=True, help="run folder (data, models, guesses, JSON, plots)")
    for name, typ in (("n_params", int), ("n_starts", int), ("width", int), ("heads", int), ("head_dim", int),
                      ("cond_emb_dim", int), ("batch_size", int), ("steps", int), ("lr", float),
                      ("sb_lr", float), ("n_test", int), ("samples", int), ("threads", int)):
        ap.add_argument("--" + name.replace("_", "-"), type=typ, dest=name)
    ap.add_argument("--s-ns", type=float, default=0.5)
    ap.add_argument("--s-sb", type=float, default=100.0)
    ap.add_argument("--t-guide", type=int, default=5)
    ap.add_argument("--variance", choices=["beta", "posterior"], default="beta")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test-seed", type=int, default=12345, help="seed of the unseen test parameters")
    ap.add_argument("--executor", default="local", help="collection/evaluation executor (local, processes)")
    ap.add_argument("--device", default="cpu", help="training and sampling device: cpu (default) or cuda")
    ap.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32",
                    help="sampling networks' precision (bfloat16: autocast)")
    ap.add_argument("--json-out", help="also copy the JSON record here")
    return ap


def settings(args) -> dict:
    s = dict(PRESETS[args.preset])
    if args.preset == "paper" and args.family == "levy":
        s["steps"] = 400_000
    for k in list(s):
        v = getattr(args, k, None)
        if v is not None:
            s[k] = v
    s.update(family=args.family, dim=args.dim, preset=args.preset, s_ns=args.s_ns, s_sb=args.s_sb,
             t_guide=args.t_guide, variance=args.variance, seed=args.seed, test_seed=args.test_seed,
             device=args.device, dtype=args.dtype)
    return s


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    import torch

    from scoreopt.glens import collect, get_family, load
    from scoreopt.glens.evaluation import evaluate, plot_k_cdf, plot_samples, uniform_guesses
    from scoreopt.glens.models import NetConfig, load_model
    from scoreopt.glens.sampling import resolve_device, sample
    from scoreopt.glens.training import TrainConfig, train

    s = settings(args)
    resolve_device(s["device"])                          # before any collection or training
    if s["threads"]:
        torch.set_num_threads(s["threads"])
    out = Path(args.out)
    (out / "models").mkdir(parents=True, exist_ok=True)
    fam = get_family(args.family, args.dim)
    timings = {}
    say = lambda m: print(m, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    collect(fam, out / "data", n_params=s["n_params"], n_starts=s["n_starts"], seed=s["seed"],
            executor=args.executor, progress=False)
    data = load(out / "data", k=10)
    timings["collect_s"] = time.perf_counter() - t0
    say(f"[table1] data: {len(data)} rows (k = 10) from {s['n_params']} x {s['n_starts']} runs "
        f"({timings['collect_s']:.0f} s)")

    net_cfg = NetConfig(width=s["width"], mults=(1, 2, 4), cond_emb_dim=s["cond_emb_dim"], heads=s["heads"],
                        head_dim=s["head_dim"])
    models = {}
    for kind in ("diffusolve", "diffusolve_k", "ns", "sb"):
        path = out / "models" / f"{kind}.pt"
        t0 = time.perf_counter()
        cfg = TrainConfig(steps=s["steps"], batch_size=s["batch_size"], lr=s["sb_lr"] if kind == "sb" else s["lr"],
                          seed=s["seed"], log_every=max(1, s["steps"] // 10), checkpoint_every=max(1, s["steps"] // 10),
                          device=s["device"])
        m = train(kind, data, config=cfg, net_config=net_cfg, checkpoint=str(out / "models" / f"{kind}.ckpt"),
                  progress=say)
        m.save(path)
        models[kind] = load_model(path)
        timings[f"train_{kind}_s"] = time.perf_counter() - t0

    test_params = fam.sample_params(np.random.default_rng(s["test_seed"]), s["n_test"])
    runs = {"Uniform": None, "DiffuSolve": ("diffusolve", False), "DiffuSolve-k": ("diffusolve_k", False),
            "NS-only": ("ns", False), "GLENS": ("ns", True)}
    rows, results, guesses_all = {}, {}, {}
    for method, spec in runs.items():
        t0 = time.perf_counter()
        if spec is None:
            guesses = uniform_guesses(fam, test_params, s["samples"], np.random.default_rng(s["test_seed"] + 1))
        else:
            kind, guided = spec
            guesses = sample(models[kind], test_params, s["samples"], sb=models["sb"] if guided else None,
                             s_ns=s["s_ns"], s_sb=s["s_sb"], t_guide=s["t_guide"], variance=s["variance"],
                             seed=s["seed"] + 7, device=s["device"], dtype=s["dtype"])
        t_sample = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = evaluate(fam, test_params, guesses, executor=args.executor)
        timings[f"sample_{method}_s"], timings[f"evaluate_{method}_s"] = t_sample, time.perf_counter() - t0
        rows[method], results[method], guesses_all[method] = res.summary(), res, guesses
        say(f"[table1] {method}: {rows[method]}")

    head = f"{'method':<14}{'k<=1 %':>8}{'k<=3 %':>8}{'k<=6 %':>8}{'mean k':>9}{'std k':>8}"
    print(f"GLENS Table 1, {args.family} d = {args.dim}, preset {args.preset}: {s['n_test']} test parameters x "
          f"{s['samples']} samples")
    print(head)
    print("-" * len(head))
    for method in METHODS:
        r = rows[method]
        print(f"{method:<14}{r['k<=1']:8.2f}{r['k<=3']:8.2f}{r['k<=6']:8.2f}{r['mean_k']:9.2f}{r['std_k']:8.2f}")

    # plots: the k CDF of every method, and the samples of the first test parameter against the
    # optima the solver reached from the uniform starts (grey circles, as in the paper's figures)
    plot_k_cdf(out / f"k_cdf_{args.family}_d{args.dim}.png", results, title=f"{args.family} d={args.dim}")
    uni = results["Uniform"]
    optima = uni.final[0][uni.converged[0]]
    plot_samples(out / f"samples_{args.family}_d{args.dim}.png", optima,
                 {m: guesses_all[m][0] for m in METHODS if m != "Uniform"},
                 title=f"{args.family} d={args.dim}, test parameter {np.round(test_params[0], 3).tolist()}")
    record = {"family": args.family, "dim": args.dim, "settings": s, "rows": rows, "timings_s": timings,
              "test_params": test_params.tolist(), "command": "python " + " ".join([sys.argv[0]] + sys.argv[1:]),
              "torch_threads": torch.get_num_threads()}
    path = out / f"table1_{args.family}_d{args.dim}.json"
    path.write_text(json.dumps(record, indent=2))
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(record, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
