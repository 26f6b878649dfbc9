"""``scoreopt glens collect|train|sample|evaluate``: the GLENS pipeline from the command line.

    scoreopt glens collect  --family himmelblau --dim 100 --out data/him100 --n-params 200 --n-starts 50
    scoreopt glens train    --data data/him100 --kind ns --out models/ns.pt --steps 4000 --width 16
    scoreopt glens train    --data data/him100 --kind sb --out models/sb.pt --steps 4000 --width 16
    scoreopt glens sample   --model models/ns.pt --sb models/sb.pt --family himmelblau --dim 100 \\
                            --test-params 20 --samples 50 --out guesses.npz
    scoreopt glens evaluate --family himmelblau --dim 100 --guesses guesses.npz [--json]

``sample`` writes an .npz with ``params`` (N, P) and ``guesses`` (N, S, d); ``evaluate`` warm-starts
the family's solver from every guess (``--uniform S`` evaluates uniform guesses instead).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

__all__ = ["add_subparser", "main"]


def _family(args):
    from .families import get_family

    return get_family(args.family, args.dim)


def cmd_collect(args) -> int:
    from .collection import collect

    fam = _family(args)
    collect(fam, args.out, n_params=args.n_params, n_starts=args.n_starts, seed=args.seed,
            executor=args.executor, address=args.address, progress=not args.quiet)
    print(f"collected {args.n_params} parameters x {args.n_starts} starts of {fam!r} into {args.out}")
    return 0


def cmd_train(args) -> int:
    import torch

    from .dataset import load
    from .models import NetConfig
    from .training import TrainConfig, train

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    data = load(args.data, k=args.k if args.k is not None else 10)
    cfg = TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed, k=args.k,
                      log_every=0 if args.quiet else args.log_every, checkpoint_every=args.checkpoint_every,
                      device=args.device)
    try:
        mults = tuple(int(m) for m in args.mults.split(","))
    except ValueError:
        raise ValueError(f"--mults: expected comma-separated integers such as 1,2,4, got {args.mults!r}") from None
    ncfg = NetConfig(width=args.width, mults=mults, cond_emb_dim=args.cond_emb_dim, heads=args.heads,
                     head_dim=args.head_dim)
    model = train(args.kind, data, config=cfg, net_config=ncfg, checkpoint=args.checkpoint,
                  progress=lambda line: print(line, file=sys.stderr, flush=True))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"trained {args.kind} ({sum(p.numel() for p in model.net.parameters())} weights, "
          f"{model.info['train']['n_rows']} rows, k = {model.k}) -> {args.out}")
    return 0


def _test_params(args, fam) -> np.ndarray:
    if args.params is not None:
        p = np.load(args.params)
        return p["params"] if isinstance(p, np.lib.npyio.NpzFile) else np.asarray(p)
    return fam.sample_params(np.random.default_rng(args.param_seed), args.test_params)


def cmd_sample(args) -> int:
    import torch

    from .models import load_model
    from .sampling import sample

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    model = load_model(args.model)
    sb = load_model(args.sb) if args.sb else None
    family = args.family or model.family
    dim = args.dim or model.dim
    from .families import get_family

    fam = get_family(family, dim)
    params = _test_params(args, fam)
    guesses = sample(model, params, args.samples, sb=sb, s_ns=args.s_ns, s_sb=args.s_sb, t_guide=args.t_guide,
                     variance=args.variance, seed=args.seed, batch_size=args.batch_size, device=args.device,
                     dtype=args.dtype)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, params=params, guesses=guesses)
    print(f"sampled {guesses.shape[1]} guesses for {len(params)} parameters ({model.kind}"
          f"{' + sb' if sb else ''}) -> {args.out}")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluation import evaluate, uniform_guesses

    fam = _family(args)
    if args.uniform:
        params = _test_params(args, fam)
        guesses = uniform_guesses(fam, params, args.uniform, np.random.default_rng(args.seed))
    else:
        if not args.guesses:
            raise ValueError("--guesses: expected the .npz written by `scoreopt glens sample` (or --uniform S)")
        f = np.load(args.guesses)
        params, guesses = f["params"], f["guesses"]
    res = evaluate(fam, params, guesses, executor=args.executor, address=args.address)
    rec = res.summary()
    if args.json:
        print(json.dumps(rec))
    else:
        print(f"{fam!r}: {guesses.shape[0]} parameters x {guesses.shape[1]} guesses")
        for key, v in rec.items():
            print(f"  {key:<18}{v:10.3f}")
    return 0


def add_subparser(sub) -> None:
    """Register ``glens`` with its subcommands on the top-level ``scoreopt`` subparsers."""
    g = sub.add_parser("glens", help="GLENS: learned initial guesses from solver iterates (collect, train, "
                                     "sample, evaluate)",
                       epilog="example:\n  scoreopt glens collect --family himmelblau --dim 10 --n-params 20 "
                              "--n-starts 10 --out data/h10\n  (scoreopt glens COMMAND --help: an example for each)",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    gs = g.add_subparsers(dest="glens_command", required=True)

    def family_args(p, required=True):
        p.add_argument("--family", required=required, choices=["qp", "himmelblau", "rosenbrock", "levy", "robot"])
        p.add_argument("--dim", type=int, required=required)

    pc = gs.add_parser("collect", help="run the family's solver from uniform starts and store every iterate path",
                       epilog="example:\n  scoreopt glens collect --family himmelblau --dim 100 --n-params 100 --n-starts 20 --out data/h100", formatter_class=argparse.RawDescriptionHelpFormatter)
    family_args(pc)
    pc.add_argument("--out", required=True, help="data set directory")
    pc.add_argument("--n-params", type=int, default=100)
    pc.add_argument("--n-starts", type=int, default=50)
    pc.add_argument("--seed", type=int, default=0)
    pc.add_argument("--executor", choices=["processes", "local", "ray"], default="processes",
                    help="processes: one worker per core (default); local: serial in this process; "
                         "ray: Ray tasks (a local Ray instance, or the cluster at --address)")
    pc.add_argument("--address", default=None, help="with --executor ray: an existing Ray cluster")
    pc.add_argument("--quiet", action="store_true", help="no progress bar")
    pc.set_defaults(func=cmd_collect)

    pt = gs.add_parser("train", help="train a network (ns, diffusolve, diffusolve_k, sb) on a data set",
                       epilog="example:\n  scoreopt glens train --data data/h100 --kind ns --out models/ns.pt --checkpoint models/ns.ckpt", formatter_class=argparse.RawDescriptionHelpFormatter)
    pt.add_argument("--data", required=True, help="data set directory (from `glens collect`)")
    pt.add_argument("--kind", required=True, choices=["ns", "diffusolve", "diffusolve_k", "sb"])
    pt.add_argument("--out", required=True, help="model file (.pt)")
    pt.add_argument("--k", type=int, help="neighborhood size (default: 1 for diffusolve, 10 otherwise)")
    pt.add_argument("--steps", type=int, default=2000)
    pt.add_argument("--batch-size", type=int, default=256)
    pt.add_argument("--lr", type=float, default=1e-4)
    pt.add_argument("--width", type=int, default=64, help="U-Net base width (paper: 64)")
    pt.add_argument("--mults", default="1,2,4", help="channel multipliers (paper: 1,2,4)")
    pt.add_argument("--cond-emb-dim", type=int, default=64)
    pt.add_argument("--heads", type=int, default=4, help="attention heads (paper: 4)")
    pt.add_argument("--head-dim", type=int, default=32, help="attention head width (paper: 32)")
    pt.add_argument("--seed", type=int, default=0)
    pt.add_argument("--threads", type=int, help="torch threads")
    pt.add_argument("--device", default="cpu", help="cpu (default) or a CUDA device (cuda, cuda:1)")
    pt.add_argument("--checkpoint", help="checkpoint file: written during training, resumed from if present")
    pt.add_argument("--checkpoint-every", type=int, default=500)
    pt.add_argument("--log-every", type=int, default=100)
    pt.add_argument("--quiet", action="store_true")
    pt.set_defaults(func=cmd_train)

    ps = gs.add_parser("sample", help="sample initial guesses (Algorithm 1) for test parameters",
                       epilog="example:\n  scoreopt glens sample --model models/ns.pt --sb models/sb.pt --samples 50 --out guesses.npz", formatter_class=argparse.RawDescriptionHelpFormatter)
    ps.add_argument("--model", required=True, help="diffusion model file (ns, diffusolve, diffusolve_k)")
    ps.add_argument("--sb", help="solver behavior model file: GLENS guidance (omit for NS-only / DiffuSolve)")
    ps.add_argument("--family", help="default: the model's")
    ps.add_argument("--dim", type=int, help="default: the model's")
    ps.add_argument("--params", help=".npy (N, P) or .npz with 'params'; default: --test-params drawn fresh")
    ps.add_argument("--test-params", type=int, default=20, help="parameters to draw (default 20)")
    ps.add_argument("--param-seed", type=int, default=12345, help="seed of the drawn test parameters")
    ps.add_argument("--samples", type=int, default=50, help="guesses per parameter (default 50)")
    ps.add_argument("--s-ns", type=float, default=0.5)
    ps.add_argument("--s-sb", type=float, default=100.0)
    ps.add_argument("--t-guide", type=int, default=5)
    ps.add_argument("--variance", choices=["beta", "posterior"], default="beta")
    ps.add_argument("--seed", type=int, default=0)
    ps.add_argument("--batch-size", type=int, default=2048)
    ps.add_argument("--threads", type=int)
    ps.add_argument("--device", default="cpu", help="cpu (default) or a CUDA device (cuda, cuda:1)")
    ps.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32",
                    help="the networks' precision (bfloat16: autocast; the latent stays float32)")
    ps.add_argument("--out", required=True, help=".npz with params and guesses")
    ps.set_defaults(func=cmd_sample)

    pe = gs.add_parser("evaluate", help="warm-start the solver from guesses; iterations-to-converge statistics",
                       epilog="example:\n  scoreopt glens evaluate --family himmelblau --dim 100 --guesses guesses.npz --json", formatter_class=argparse.RawDescriptionHelpFormatter)
    family_args(pe)
    pe.add_argument("--guesses", help=".npz from `glens sample`")
    pe.add_argument("--uniform", type=int, help="evaluate this many uniform guesses per parameter instead")
    pe.add_argument("--params", help="with --uniform: .npy/.npz parameters (default: --test-params drawn)")
    pe.add_argument("--test-params", type=int, default=20)
    pe.add_argument("--param-seed", type=int, default=12345)
    pe.add_argument("--seed", type=int, default=0)
    pe.add_argument("--executor", choices=["local", "processes", "ray"], default="local",
                    help="local: serial (default); processes: one worker per core; ray: Ray tasks")
    pe.add_argument("--address", default=None, help="with --executor ray: an existing Ray cluster")
    pe.add_argument("--json", action="store_true")
    pe.set_defaults(func=cmd_evaluate)


def main(argv=None) -> int:
    """``python -m scoreopt.glens.cli ...`` (same as ``scoreopt glens ...``)."""
    ap = argparse.ArgumentParser(prog="scoreopt")
    add_subparser(ap.add_subparsers(dest="command", required=True))
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as e:
        print(f"scoreopt: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
