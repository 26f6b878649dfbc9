"""Training of the GLENS networks on a k-neighborhood data set.

Diffusion kinds (``ns``, ``diffusolve``, ``diffusolve_k``): the DDPM epsilon-prediction loss
E ||eps - eps_theta(sqrt(abar_t) x + sqrt(1 - abar_t) eps, t, y)||^2 with t uniform in 1..T on the
discrete cosine schedule (T = 50), the condition y dropped (null embedding) with probability
``cond_drop_prob``. ``sb``: the regression E ||xi_phi(x, alpha) - (x - x*)||^2 (paper Eq. 17), in
standardized coordinates (x - x* divided per dimension by the std of x, so that xi lives where
the sampler's latent z does). Adam, an exponential moving average (EMA) of the weights, which is
the network that gets saved.

All randomness of a run (batches, t, noise, condition dropout) comes from one torch.Generator
seeded by ``seed``, and the initial weights from ``torch.manual_seed(seed)`` inside a forked RNG:
a checkpoint holds the weights, the EMA, Adam's state, the generator state and the step, so a run
resumed from it is bitwise equal to one that never stopped (same thread count, same device).

``device="cuda"`` trains on the GPU: the data set is copied there once and the batches, times and
noise are drawn by a generator on the device (so a GPU run is reproducible, but not equal to a CPU
run with the same seed; a checkpoint resumes only on the device type it was written on). The
returned model is on the CPU, like one loaded from disk.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from .._validate import finite, integer
from .models import KINDS, GlensModel, NetConfig, Scaler, _kind, build_net, cosine_schedule

logger = logging.getLogger(__name__)  # scoreopt.glens.training

__all__ = ["TrainConfig", "train", "training_arrays"]


@dataclass
class TrainConfig:
    """Optimization settings. Paper scale (GPU): lr 1e-5 (SB 5e-6), batch 512, 200k steps."""
    steps: int = 2000
    batch_size: int = 256
    lr: float = 1e-4
    ema_decay: float = 0.995
    cond_drop_prob: float = 0.1
    timesteps: int = 50
    seed: int = 0
    k: Optional[int] = None          # neighborhood size used (default: the kind's, 1 or 10)
    log_every: int = 100
    checkpoint_every: int = 500
    threads: Optional[int] = None     # torch.set_num_threads for the run
    device: str = "cpu"               # "cpu" or a CUDA device ("cuda", "cuda:1")

    def __post_init__(self):
        self.steps = integer(self.steps, "steps", 0)
        self.batch_size = integer(self.batch_size, "batch_size", 1)
        self.lr = finite(self.lr, "lr")
        if self.lr <= 0:
            raise ValueError(f"lr: expected a value > 0, got {self.lr}")
        self.ema_decay = finite(self.ema_decay, "ema_decay")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay: expected a value in [0, 1), got {self.ema_decay}")
        self.cond_drop_prob = finite(self.cond_drop_prob, "cond_drop_prob")
        if not 0 <= self.cond_drop_prob <= 1:
            raise ValueError(f"cond_drop_prob: expected a value in [0, 1], got {self.cond_drop_prob}")
        self.timesteps = integer(self.timesteps, "timesteps", 1)
        self.seed = integer(self.seed, "seed", 0)
        if self.k is not None:
            self.k = integer(self.k, "k", 1)
        self.log_every = integer(self.log_every, "log_every", 0)
        self.checkpoint_every = integer(self.checkpoint_every, "checkpoint_every", 0)
        if self.threads is not None:
            self.threads = integer(self.threads, "threads", 1)
        try:
            dev = torch.device(self.device)
        except (RuntimeError, TypeError):
            dev = None
        if dev is None or dev.type not in ("cpu", "cuda"):
            raise ValueError(f"device: expected 'cpu' or a CUDA device such as 'cuda', got {self.device!r}")
        self.device = str(dev)


def _get(data: Any, name: str):
    if hasattr(data, name):
        return getattr(data, name)
    meta = getattr(data, "metadata", None)
    if isinstance(meta, dict) and name in meta:
        return meta[name]
    raise TypeError(f"data: expected a k-neighborhood data set with {name!r} (scoreopt.glens.dataset.load)")


def _bounds(pb, P: int) -> Tuple[np.ndarray, np.ndarray]:
    """(lo (P,), hi (P,)) from param_bounds given as (lo, hi) or as a (P, 2) array."""
    if isinstance(pb, (tuple, list)) and len(pb) == 2 and np.size(pb[0]) == P:
        lo, hi = pb
    else:
        a = np.asarray(pb, dtype=np.float64)
        if a.shape == (P, 2):
            lo, hi = a[:, 0], a[:, 1]
        elif a.shape == (2, P):
            lo, hi = a
        else:
            raise ValueError(f"param_bounds: expected (lo, hi) of {P} values each, got shape {a.shape}")
    return np.asarray(lo, dtype=np.float64).reshape(P), np.asarray(hi, dtype=np.float64).reshape(P)


def training_arrays(kind: str, data: Any, k: Optional[int] = None):
    """(scaler, inputs (n, d) float32, conditions (n, c) float32, targets (n, d) float32 or None)
    for ``kind`` from a k-neighborhood data set: the rows with step < k (k = 1 keeps the optima),
    standardized; targets are the standardized x - x* for ``sb`` and None for the diffusion kinds."""
    _, uses_r, k_default = KINDS[_kind(kind)]
    k = k_default if k is None else integer(k, "k", 1)
    alpha = np.asarray(_get(data, "alpha"), dtype=np.float64)
    x = np.asarray(_get(data, "x"), dtype=np.float64)
    x_star = np.asarray(_get(data, "x_star"), dtype=np.float64)
    step = np.asarray(_get(data, "step")).reshape(-1)
    if x.ndim != 2 or x_star.shape != x.shape or alpha.ndim != 2 or len(alpha) != len(x) or len(step) != len(x):
        raise ValueError(f"data: inconsistent shapes alpha {alpha.shape}, x {x.shape}, x_star {x_star.shape}, "
                         f"step {step.shape}")
    keep = step < k
    if not keep.any():
        raise ValueError(f"data: no rows with step < {k}")
    alpha, x, x_star = alpha[keep], x[keep], x_star[keep]
    r = np.linalg.norm(x - x_star, axis=1)
    lo, hi = _bounds(_get(data, "param_bounds"), alpha.shape[1])
    scaler = Scaler.fit(x, r, (lo, hi))
    cond = scaler.alpha(alpha)
    if uses_r:
        cond = np.concatenate([cond, scaler.r(r)[:, None]], axis=1)
    target = ((x - x_star) / scaler.x_std).astype(np.float32) if kind == "sb" else None
    return scaler, scaler.x(x).astype(np.float32), cond.astype(np.float32), target


def _atomic_save(obj, path: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(kind: str, data: Any, *, config: Optional[TrainConfig] = None, net_config: Optional[NetConfig] = None,
          checkpoint: Optional[str] = None, progress: Optional[Callable[[str], None]] = None) -> GlensModel:
    """Train a network of ``kind`` ("ns", "diffusolve", "diffusolve_k", "sb") on ``data`` (a
    k-neighborhood data set, see :func:`training_arrays`) and return the EMA model.

    checkpoint: a file path; written every ``config.checkpoint_every`` steps and at the end, and
    resumed from when it exists (training continues to ``config.steps``, exactly as if it had not
    stopped). progress: called with one line of text every ``log_every`` steps (default: an INFO
    record of the ``scoreopt.glens.training`` logger; ``scoreopt glens train`` prints them)."""
    kind = _kind(kind)
    cfg = config or TrainConfig()
    ncfg = net_config or NetConfig()
    if torch.device(cfg.device).type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={cfg.device!r}: torch sees no CUDA device here")
    say = progress if progress is not None else logger.info
    threads_before = torch.get_num_threads()
    if cfg.threads is not None:
        torch.set_num_threads(cfg.threads)
    try:
        return _train(kind, data, cfg, ncfg, checkpoint, say)
    finally:
        if cfg.threads is not None:
            torch.set_num_threads(threads_before)


def _train(kind, data, cfg: TrainConfig, ncfg: NetConfig, checkpoint, say) -> GlensModel:
    diffusion = KINDS[kind][0]
    k = cfg.k if cfg.k is not None else KINDS[kind][2]
    scaler, X, C, Y = training_arrays(kind, data, k)
    dev = torch.device(cfg.device)
    X, C = torch.from_numpy(X).to(dev), torch.from_numpy(C).to(dev)
    Y = torch.from_numpy(Y).to(dev) if Y is not None else None
    n = len(X)
    P = C.shape[1] - int(KINDS[kind][1])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        net = build_net(kind, P, ncfg).to(dev)
    ema = build_net(kind, P, ncfg).to(dev)
    ema.load_state_dict(net.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    gen = torch.Generator(device=dev).manual_seed(cfg.seed)
    _, abar = cosine_schedule(cfg.timesteps)
    sqrt_ab = torch.tensor(np.sqrt(abar), dtype=torch.float32, device=dev)
    sqrt_1mab = torch.tensor(np.sqrt(1.0 - abar), dtype=torch.float32, device=dev)
    run_key = {"kind": kind, "net_config": asdict(ncfg), "seed": cfg.seed, "batch_size": cfg.batch_size,
               "lr": cfg.lr, "timesteps": cfg.timesteps, "k": k, "n": n, "cond_drop_prob": cfg.cond_drop_prob,
               "ema_decay": cfg.ema_decay, "device_type": dev.type}
    step = 0
    if checkpoint is not None and os.path.exists(checkpoint):
        ck = torch.load(checkpoint, map_location="cpu", weights_only=True)
        # checkpoints written before the device field existed are CPU runs
        saved = {"device_type": "cpu", **ck["run_key"],
                 "net_config": {**ck["run_key"]["net_config"], "mults": tuple(ck["run_key"]["net_config"]["mults"])}}
        if saved != run_key:
            raise ValueError(f"checkpoint: {checkpoint} belongs to another run ({ck['run_key']}); "
                             f"this run is {run_key}")
        net.load_state_dict(ck["net"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        gen.set_state(ck["gen"])
        step = int(ck["step"])
        say(f"[glens {kind}] resumed from {checkpoint} at step {step}")

    def save_checkpoint():
        if checkpoint is not None:
            _atomic_save({"run_key": run_key, "net": net.state_dict(), "ema": ema.state_dict(),
                          "opt": opt.state_dict(), "gen": gen.get_state(), "step": step}, checkpoint)

    net.train()
    ema_params = list(ema.parameters())
    net_params = list(net.parameters())
    loss_sum: Union[float, torch.Tensor]  # a tensor once a step ran (summed on the device)
    t0, loss_sum, loss_count = time.perf_counter(), 0.0, 0
    B = cfg.batch_size
    while step < cfg.steps:
        idx = torch.randint(n, (B,), generator=gen, device=dev)
        x, c = X[idx], C[idx]
        if diffusion:
            t = torch.randint(cfg.timesteps, (B,), generator=gen, device=dev)  # index i is step t = i + 1
            noise = torch.randn(x.shape, generator=gen, device=dev)
            drop = torch.rand(B, generator=gen, device=dev) < cfg.cond_drop_prob
            z = sqrt_ab[t, None] * x + sqrt_1mab[t, None] * noise
            loss = F.mse_loss(net(z, t + 1, c, drop), noise)
        else:
            assert Y is not None  # training_arrays gives targets for "sb"
            loss = F.mse_loss(net(x, None, c), Y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for pe, pn in zip(ema_params, net_params):
                pe.lerp_(pn, 1.0 - cfg.ema_decay)
        step += 1
        # summed on the device: a float() per step would synchronize a GPU run every step
        loss_sum += loss.detach()
        loss_count += 1
        if cfg.log_every and (step % cfg.log_every == 0 or step == cfg.steps):
            dt = time.perf_counter() - t0
            say(f"[glens {kind}] step {step}/{cfg.steps} loss {float(loss_sum) / loss_count:.4f} "
                f"({loss_count / max(dt, 1e-9):.1f} steps/s)")
            t0, loss_sum, loss_count = time.perf_counter(), 0.0, 0
        if cfg.checkpoint_every and step % cfg.checkpoint_every == 0:
            save_checkpoint()
    save_checkpoint()
    # buffers are not averaged: copy them (none are trained, but keep the EMA net complete)
    for b_ema, b in zip(ema.buffers(), net.buffers()):
        b_ema.copy_(b)
    ema = ema.cpu().eval()
    family = getattr(data, "family", None) or (getattr(data, "metadata", {}) or {}).get("family", "")
    dim = int(X.shape[1])
    return GlensModel(kind, ema, scaler, str(family or ""), dim, cfg.timesteps, k,
                      {"train": {**asdict(cfg), "k": k, "n_rows": n, "steps_done": step}})
