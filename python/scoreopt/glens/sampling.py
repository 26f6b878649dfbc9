"""GLENS online sampling (paper Algorithm 1), batched over parameters x samples.

For t = T, ..., 1 (T = 50, discrete cosine schedule, latent z in standardized coordinates):

    eps_bar = (1 + s_NS) eps_theta(z_t, t, y) - s_NS eps_theta(z_t, t, null)     y = (alpha, r = 0)
    mu      = (z_t - beta_t / sqrt(1 - abar_t) eps_bar) / sqrt(1 - beta_t)
    mu     <- mu - s_SB beta_t xi_phi(z_t, alpha)                                  if t <= t_guide
    z_{t-1} ~ N(mu, var_t I)

with var_t = beta_t as written in Algorithm 1 (``variance="beta"``, noise at every step
including t = 1) or the DDPM posterior variance beta_t (1 - abar_{t-1}) / (1 - abar_t)
(``variance="posterior"``, no noise at t = 1; what the public code's sampler does). The
conditional and the null-condition predictions come from one forward pass over the doubled
batch. Each step is the core's DDPM ancestral step (``scoreopt.integrators.ddpm_step``, in place
on the latent, Philox noise keyed by (seed, t, row) so that the samples do not depend on the
batch size): the SB shift is folded into the noise prediction it reads,
eps' = eps_bar + s_SB sqrt(1 - abar_t) sqrt(1 - beta_t) xi, which moves its mean by exactly
-s_SB beta_t xi; var_t = beta_t is its posterior variance with alpha_bar_prev := alpha_bar.
The public code additionally rescales the guided noise ("CFG rescale", phi = 0.7) and clips the
x0 prediction; Algorithm 1 does neither and neither does this sampler.

Devices: on ``device="cuda"`` the networks run on the GPU and the step is the core's CUDA DDPM
kernel on the same latent (torch's current stream, no host round trip inside the loop); the
Philox streams are the same as on the CPU, so CPU and GPU samples differ only by rounding.
``dtype="bfloat16"`` runs the networks under autocast (the latent and the step stay float32,
so the rounding does not accumulate over the 50 steps). The loop is not captured in a CUDA
graph: the step's Philox key (seed, t, row offset) is a kernel argument, so a captured graph
could only be replayed for the same rows and seed; the launches it would save are the ~150 kernel
launches of one U-Net pass per step.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Optional, Union

import numpy as np
import torch

from .. import _dispatch, integrators, smoothing
from .._validate import finite, integer
from .models import GlensModel, cosine_schedule

__all__ = ["sample", "resolve_device"]

_DTYPES = {"float32": None, "bfloat16": torch.bfloat16}


def _check_model(m: Any, name: str, diffusion: bool) -> GlensModel:
    if not isinstance(m, GlensModel):
        raise TypeError(f"{name}: expected a GlensModel (scoreopt.glens.models.load_model), got {type(m).__name__}")
    if m.is_diffusion != diffusion:
        want = "a diffusion model (ns, diffusolve, diffusolve_k)" if diffusion else "a solver behavior model (sb)"
        raise ValueError(f"{name}: expected {want}, got kind {m.kind!r}")
    return m


def sample(model: GlensModel, params: Any, samples: int, *, sb: Optional[GlensModel] = None,
           s_ns: float = 0.5, s_sb: float = 100.0, t_guide: int = 5, variance: str = "beta",
           seed: int = 0, batch_size: int = 2048, threads: Optional[int] = None,
           device: Union[str, torch.device] = "cpu", dtype: str = "float32") -> np.ndarray:
    """Initial guesses (N, S, d) float64 (destandardized) for the parameters ``params`` (N, P).

    model: a diffusion model (``ns`` is sampled with r = 0; the DiffuSolve kinds have no r).
    sb: a solver behavior model (GLENS); None samples without SB guidance (NS-only, DiffuSolve).
    s_ns: classifier-free guidance weight (0 makes one conditional pass per step); s_sb, t_guide:
    SB guidance weight and the last step it acts at (t <= t_guide). variance: "beta" or
    "posterior" (see the module doc). batch_size: latent rows per forward pass (each pass runs
    2 x batch_size rows when s_ns != 0). threads: torch.set_num_threads for the call.
    device: "cpu" or a CUDA device ("cuda", "cuda:1"); the models are copied there, the
    arguments stay untouched. dtype: "float32" or "bfloat16" (the networks under autocast)."""
    model = _check_model(model, "model", True)
    if sb is not None:
        sb = _check_model(sb, "sb", False)
        if sb.dim != model.dim:
            raise ValueError(f"sb: trained at dim {sb.dim}, model at dim {model.dim}")
    alpha = np.asarray(params, dtype=np.float64)
    if alpha.ndim == 1:
        alpha = alpha[None, :]
    P = model.net.cond_dim - int(model.uses_r)
    if alpha.ndim != 2 or alpha.shape[1] != P or len(alpha) < 1:
        raise ValueError(f"params: expected shape (N, {P}), got {np.shape(params)}")
    if not np.all(np.isfinite(alpha)):
        raise ValueError("params: contains non-finite values")
    S = integer(samples, "samples", 1)
    s_ns, s_sb = finite(s_ns, "s_ns"), finite(s_sb, "s_sb")
    t_guide = integer(t_guide, "t_guide", 0)
    if variance not in ("beta", "posterior"):
        raise ValueError(f"variance: expected 'beta' or 'posterior', got {variance!r}")
    seed = integer(seed, "seed", 0)
    batch_size = integer(batch_size, "batch_size", 1)
    dev = resolve_device(device)
    if dtype not in _DTYPES:
        raise ValueError(f"dtype: expected 'float32' or 'bfloat16', got {dtype!r}")
    threads_before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(integer(threads, "threads", 1))
    try:
        with torch.inference_mode():
            return _sample(model, alpha, S, sb, s_ns, s_sb, t_guide, variance, seed, batch_size, dev,
                           _DTYPES[dtype])
    finally:
        if threads is not None:
            torch.set_num_threads(threads_before)


def resolve_device(device: Any) -> torch.device:
    """``device`` as a torch.device where sampling can run ("cpu", or CUDA with a visible device
    and scoreopt's CUDA backend); a ValueError saying what is missing otherwise."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(f"device: expected 'cpu' or a CUDA device such as 'cuda', got {device!r}") from e
    if dev.type == "cpu":
        return dev
    if dev.type != "cuda":
        raise ValueError(f"device: expected 'cpu' or a CUDA device such as 'cuda', got {device!r}")
    if not torch.cuda.is_available():
        raise ValueError(f"device={device!r}: torch sees no CUDA device here")
    ok, why = _dispatch.cuda_status()
    if not ok:
        raise ValueError(f"device={device!r}: the DDPM step needs scoreopt's CUDA backend, which is not usable "
                         f"here ({why})")
    return dev


def _sample(model: GlensModel, alpha, S, sb, s_ns, s_sb, t_guide, variance, seed, batch_size, dev, amp_dtype):
    N, d, T = len(alpha), model.dim, model.timesteps
    betas, abar = cosine_schedule(T)
    on_cpu = dev.type == "cpu"
    net = model.net if on_cpu else copy.deepcopy(model.net).to(dev)
    f32 = dict(dtype=torch.float32, device=dev)
    cond = torch.as_tensor(model.condition(alpha), **f32)               # (N, c), r = 0
    use_sb = sb is not None and s_sb != 0 and t_guide > 0
    if use_sb:
        sb_net = sb.net if on_cpu else copy.deepcopy(sb.net).to(dev)
        sb_cond = torch.as_tensor(sb.condition(alpha), **f32)
        # xi is learned in SB's standardized coordinates; map z there and xi back (identity
        # when both models were fit on the same data, the usual case)
        to_sb_scale = torch.as_tensor(model.scaler.x_std / sb.scaler.x_std, **f32)
        to_sb_shift = torch.as_tensor((model.scaler.x_mean - sb.scaler.x_mean) / sb.scaler.x_std, **f32)
        xi_back = torch.as_tensor(sb.scaler.x_std / model.scaler.x_std, **f32)
    autocast = torch.autocast(dev.type, dtype=amp_dtype, enabled=amp_dtype is not None)
    out = np.empty((N * S, d), dtype=np.float64)
    rows = N * S
    for start in range(0, rows, batch_size):
        b = min(batch_size, rows - start)
        which = torch.arange(start, start + b, device=dev) // S
        c = cond[which]
        z = smoothing.noise(seed, 0, start, b, d, antithetic=False, dtype=np.float32)   # z_T, (b, d)
        # on the CPU the latent is the NumPy array itself (the core's step updates it in place)
        zt = torch.from_numpy(z) if on_cpu else torch.from_numpy(z).to(dev)
        state = z if on_cpu else zt
        if s_ns != 0:
            c2 = torch.cat([c, c])
            drop2 = torch.cat([torch.zeros(b, dtype=torch.bool, device=dev), torch.ones(b, dtype=torch.bool, device=dev)])
        for t in range(T, 0, -1):
            beta, ab = float(betas[t - 1]), float(abar[t - 1])
            ab_prev = ab if variance == "beta" else (float(abar[t - 2]) if t > 1 else 1.0)
            tt = torch.full((2 * b if s_ns != 0 else b,), t, dtype=torch.long, device=dev)
            with autocast:
                if s_ns != 0:
                    e2 = net(torch.cat([zt, zt]), tt, c2, drop2).float()
                    eps = torch.lerp(e2[b:], e2[:b], 1.0 + s_ns)         # (1 + s) e_c - s e_null
                else:
                    eps = net(zt, tt, c).float()
                if use_sb and t <= t_guide:
                    xi = sb_net(zt * to_sb_scale + to_sb_shift, None, sb_cond[which]).float() * xi_back
                    eps = eps + (s_sb * math.sqrt(1.0 - ab) * math.sqrt(1.0 - beta)) * xi
            eps = eps.contiguous()
            integrators.ddpm_step(state, eps.numpy() if on_cpu else eps, beta, ab, ab_prev,
                                  seed=seed, step=t, row_offset=start)
        out[start:start + b] = model.scaler.x_inverse(z if on_cpu else zt.cpu().numpy())
    return out.reshape(N, S, d)
