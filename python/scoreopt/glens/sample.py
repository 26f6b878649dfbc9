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
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
import torch

from .. import integrators, smoothing
from .._validate import finite, integer
from .models import GlensModel, cosine_schedule

__all__ = ["sample"]


def _check_model(m: Any, name: str, diffusion: bool) -> GlensModel:
    if not isinstance(m, GlensModel):
        raise TypeError(f"{name}: expected a GlensModel (scoreopt.glens.models.load_model), got {type(m).__name__}")
    if m.is_diffusion != diffusion:
        want = "a diffusion model (ns, diffusolve, diffusolve_k)" if diffusion else "a solver behavior model (sb)"
        raise ValueError(f"{name}: expected {want}, got kind {m.kind!r}")
    return m


def sample(model: GlensModel, params: Any, samples: int, *, sb: Optional[GlensModel] = None,
           s_ns: float = 0.5, s_sb: float = 100.0, t_guide: int = 5, variance: str = "beta",
           seed: int = 0, batch_size: int = 2048, threads: Optional[int] = None) -> np.ndarray:
    """Initial guesses (N, S, d) float64 (destandardized) for the parameters ``params`` (N, P).

    model: a diffusion model (``ns`` is sampled with r = 0; the DiffuSolve kinds have no r).
    sb: a solver behavior model (GLENS); None samples without SB guidance (NS-only, DiffuSolve).
    s_ns: classifier-free guidance weight (0 makes one conditional pass per step); s_sb, t_guide:
    SB guidance weight and the last step it acts at (t <= t_guide). variance: "beta" or
    "posterior" (see the module doc). batch_size: latent rows per forward pass (each pass runs
    2 x batch_size rows when s_ns != 0). threads: torch.set_num_threads for the call."""
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
    threads_before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(integer(threads, "threads", 1))
    try:
        with torch.inference_mode():
            return _sample(model, alpha, S, sb, s_ns, s_sb, t_guide, variance, seed, batch_size)
    finally:
        if threads is not None:
            torch.set_num_threads(threads_before)


def _sample(model: GlensModel, alpha, S, sb, s_ns, s_sb, t_guide, variance, seed, batch_size):
    N, d, T = len(alpha), model.dim, model.timesteps
    betas, abar = cosine_schedule(T)
    cond = torch.from_numpy(model.condition(alpha))                      # (N, c), r = 0
    use_sb = sb is not None and s_sb != 0 and t_guide > 0
    if use_sb:
        sb_cond = torch.from_numpy(sb.condition(alpha))
        # xi is learned in SB's standardized coordinates; map z there and xi back (identity
        # when both models were fit on the same data, the usual case)
        to_sb_scale = torch.from_numpy((model.scaler.x_std / sb.scaler.x_std).astype(np.float32))
        to_sb_shift = torch.from_numpy(((model.scaler.x_mean - sb.scaler.x_mean) / sb.scaler.x_std).astype(np.float32))
        xi_back = torch.from_numpy((sb.scaler.x_std / model.scaler.x_std).astype(np.float32))
    net = model.net
    out = np.empty((N * S, d), dtype=np.float64)
    rows = N * S
    for start in range(0, rows, batch_size):
        b = min(batch_size, rows - start)
        which = torch.arange(start, start + b) // S
        c = cond[which]
        z = smoothing.noise(seed, 0, start, b, d, antithetic=False, dtype=np.float32)   # z_T, (b, d)
        zt = torch.from_numpy(z)                                         # shares memory with z
        if s_ns != 0:
            c2 = torch.cat([c, c])
            drop2 = torch.cat([torch.zeros(b, dtype=torch.bool), torch.ones(b, dtype=torch.bool)])
        for t in range(T, 0, -1):
            beta, ab = float(betas[t - 1]), float(abar[t - 1])
            ab_prev = ab if variance == "beta" else (float(abar[t - 2]) if t > 1 else 1.0)
            tt = torch.full((2 * b if s_ns != 0 else b,), t, dtype=torch.long)
            if s_ns != 0:
                e2 = net(torch.cat([zt, zt]), tt, c2, drop2)
                eps = torch.lerp(e2[b:], e2[:b], 1.0 + s_ns)             # (1 + s) e_c - s e_null
            else:
                eps = net(zt, tt, c)
            if use_sb and t <= t_guide:
                xi = sb.net(zt * to_sb_scale + to_sb_shift, None, sb_cond[which]) * xi_back
                eps = eps + (s_sb * math.sqrt(1.0 - ab) * math.sqrt(1.0 - beta)) * xi
            integrators.ddpm_step(z, np.ascontiguousarray(eps.numpy(), dtype=np.float32), beta, ab, ab_prev,
                                  seed=seed, step=t, row_offset=start)
        out[start:start + b] = model.scaler.x_inverse(z)
    return out.reshape(N, S, d)
