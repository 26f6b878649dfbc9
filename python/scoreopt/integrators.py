"""Score-field integration: batched in-place steps that move B points (an (B, D) array) through a
field given per step, with the schedule math of Gaussian paths and the field conversions in one
place (the compiled core, ``scoreopt/integrators.hpp``).

Paths: x_t = alpha_t x0 + sigma_t eps, t in [0, 1] (0 data, 1 noise), ``"linear"`` (alpha = 1 - t,
sigma = t), ``"vp"`` (linear beta schedule, beta_min 0.1, beta_max 20) or ``"cosine"`` (Nichol &
Dhariwal, s = 0.008). Fields, all affine in (x_t, eps) for a given schedule:

* eps   = E[eps | x_t]                      (noise prediction)
* score = grad log p_t(x_t) = -eps / sigma
* x0    = E[x0 | x_t] = (x - sigma eps) / alpha
* v     = d x_t / dt = dalpha x0 + dsigma eps (flow-matching / probability-flow velocity)

The steps work in place on float32 or float64 C-contiguous arrays of shape (B, D) (or (D,), one
point) and return x; the fields they read must have x's shape and dtype. The noise of the
stochastic steps is the counter-based Philox noise of the smoothing estimator, keyed by
(seed, step, row): row r uses ``smoothing.noise(seed, step, row_offset + r, 1, D,
antithetic=False)``, whatever the thread count.

Backends: each step takes ``backend="auto" | "cpu" | "cuda"``. "cpu" updates NumPy arrays in the
compiled core; "cuda" updates torch CUDA tensors in place with the core's CUDA kernels (on torch's
current stream, the same noise); "auto" picks by x (see :mod:`scoreopt._dispatch`). The steps
have no Triton kernels.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Tuple, Union

import numpy as np

from ._validate import UINT64_MAX, finite, integer

from . import _core, _dispatch

if TYPE_CHECKING:
    import torch

# The steps take NumPy arrays (the CPU core) or torch CUDA tensors (the core's CUDA kernels).
Array = Union[np.ndarray, "torch.Tensor"]

__all__ = [
    "PATHS", "FIELDS", "schedule", "sde_coefficients", "convert", "velocity_to_score",
    "score_to_velocity", "eps_to_score", "score_to_eps", "eps_to_velocity", "velocity_to_eps",
    "euler_step", "heun_step", "euler_maruyama_step", "langevin_step", "ddpm_step",
]

# the option strings users pass -> the core's bound enums (scoreopt._core.Path, _core.Field)
PATHS = dict(_core.Path.__members__)
FIELDS = dict(_core.Field.__members__)


def _path(path: str) -> "_core.Path":
    if path not in PATHS:
        raise ValueError(f"path: expected one of {sorted(PATHS)}, got {path!r}")
    return PATHS[path]


def _scalar(v: Any, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        if not (isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "fiu"):
            raise TypeError(f"{name}: expected a real number, got {type(v).__name__}")
    return finite(v, name)


def _int(v: Any, name: str) -> int:
    return integer(v, name, 0, UINT64_MAX)  # seed and step key the noise as unsigned 64-bit numbers


def _row_offset(v: Any) -> int:
    # row_offset + B <= 2^32 is the core's own check (it knows B); this bound keeps the value
    # inside the core's int64 on the way there
    return integer(v, "row_offset", 0, 2 ** 32)


def _state(x: Any, name: str = "x") -> np.ndarray:
    """x as a writable (B, D) view of the caller's array (never a copy: the steps are in place)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name}: expected a NumPy array (updated in place), got {type(x).__name__}")
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name}: expected float32 or float64, got {x.dtype}")
    if not x.flags.c_contiguous:
        raise ValueError(f"{name}: must be C-contiguous (np.ascontiguousarray makes a copy)")
    if not x.flags.aligned:  # the core reads it as T*
        raise ValueError(f"{name}: must be aligned for its dtype (np.array(x) makes an aligned copy)")
    if not x.flags.writeable:
        raise ValueError(f"{name}: must be writable")
    if x.ndim not in (1, 2):
        raise ValueError(f"{name}: expected shape (B, D) or (D,), got {x.shape}")
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.shape[1] < 1:
        raise ValueError(f"{name}: expected at least one column, got shape {x.shape}")
    return x


def _field(a: Any, x: np.ndarray, name: str, shape) -> np.ndarray:
    """A field read alongside x: same shape and dtype, C-contiguous."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name}: expected a NumPy array, got {type(a).__name__}")
    if a.dtype != x.dtype:
        raise TypeError(f"{name}: dtype {a.dtype} does not match x ({x.dtype})")
    if a.shape != tuple(shape):
        raise ValueError(f"{name}: shape {a.shape} does not match x {tuple(shape)}")
    if not a.flags.c_contiguous or not a.flags.aligned:
        raise ValueError(f"{name}: must be C-contiguous and aligned for its dtype")
    return a.reshape(x.shape)


# ---- schedule math ------------------------------------------------------------------------------

def schedule(path: str, t: float, *, beta_min: float = 0.1, beta_max: float = 20.0,
             s: float = 0.008) -> Tuple[float, float, float, float]:
    """(alpha_t, sigma_t, d alpha/dt, d sigma/dt) of ``path`` at t in [0, 1]. On "vp" and "cosine"
    sigma grows like sqrt(t) from t = 0, so d sigma/dt is +inf there."""
    return tuple(_core.integrator_schedule(_path(path), _scalar(t, "t"), _scalar(beta_min, "beta_min"),
                                           _scalar(beta_max, "beta_max"), _scalar(s, "s")))


def sde_coefficients(path: str, t: float, **params) -> Tuple[float, float]:
    """(f, g) of the forward SDE dx = f x dt + g dW whose marginals are the path's:
    f = dalpha/alpha, g^2 = 2 sigma (dsigma - f sigma). For "vp", f = -beta(t)/2 and g^2 = beta(t)."""
    pp = dict(beta_min=params.pop("beta_min", 0.1), beta_max=params.pop("beta_max", 20.0), s=params.pop("s", 0.008))
    if params:
        raise TypeError(f"sde_coefficients: unexpected arguments {sorted(params)}")
    f, g2 = _core.integrator_sde_coefficients(
        _path(path), _scalar(t, "t"), _scalar(pp["beta_min"], "beta_min"), _scalar(pp["beta_max"], "beta_max"),
        _scalar(pp["s"], "s"))
    if math.isnan(g2) and path != "linear":
        # at t = 0 sigma = 0 and dsigma/dt = inf (sigma ~ sqrt(t)), so the core's 2 sigma dsigma is
        # 0 * inf; on these variance-preserving paths it is d(sigma^2)/dt = -2 alpha dalpha, finite
        a, sg, da, _ = schedule(path, t, **pp)
        g2 = -2.0 * a * da - 2.0 * f * sg * sg
    if not (math.isfinite(f) and math.isfinite(g2)):
        raise ValueError(f"t: the SDE coefficients are undefined at t = {t} on the {path!r} path "
                         f"(alpha_t = 0 there)")
    return f, math.sqrt(max(g2, 0.0))


# ---- field conversions --------------------------------------------------------------------------

def convert(frm: str, to: str, x: Any, field: Any, sched, out: Any = None) -> np.ndarray:
    """The field ``to`` from the field ``frm`` given at x_t: (B, D) or (D,) arrays of one dtype.
    frm, to: "velocity", "score", "eps" or "x0". sched: (alpha, sigma, dalpha, dsigma), e.g. from
    :func:`schedule`. out: optional destination (may be field or x); a new array otherwise."""
    for v, name in ((frm, "frm"), (to, "to")):
        if v not in FIELDS:
            raise ValueError(f"{name}: expected one of {sorted(FIELDS)}, got {v!r}")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x: expected a NumPy array, got {type(x).__name__}")
    if isinstance(sched, (str, bytes)) or not hasattr(sched, "__len__") or len(sched) != 4:
        raise (ValueError if hasattr(sched, "__len__") else TypeError)(
            f"sched: expected (alpha, sigma, dalpha, dsigma), e.g. from schedule(), got {type(sched).__name__}")
    a, s, da, ds = (_scalar(v, n) for v, n in zip(sched, ("alpha", "sigma", "dalpha", "dsigma")))
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"x: expected float32 or float64, got {x.dtype}")
    if not x.flags.c_contiguous or not x.flags.aligned:
        raise ValueError("x: must be C-contiguous and aligned for its dtype")
    if x.ndim not in (1, 2):
        raise ValueError(f"x: expected shape (B, D) or (D,), got {x.shape}")
    x2 = x.reshape(1, -1) if x.ndim == 1 else x
    f2 = _field(field, x2, "field", x.shape)
    if out is None:
        out = np.empty_like(x)
    o2 = _field(out, x2, "out", x.shape)
    _core.integrator_convert(FIELDS[frm], FIELDS[to], a, s, da, ds, x2, f2, o2)
    return out


def velocity_to_score(v: Any, x: Any, sched) -> np.ndarray:
    """score = -(alpha v - dalpha x) / (sigma (alpha dsigma - dalpha sigma))."""
    return convert("velocity", "score", x, v, sched)


def score_to_velocity(score: Any, x: Any, sched) -> np.ndarray:
    """v = (dalpha/alpha) x - sigma (dsigma - dalpha sigma/alpha) score (the probability-flow
    drift f x - g^2/2 score)."""
    return convert("score", "velocity", x, score, sched)


def eps_to_score(eps: Any, x: Any, sched) -> np.ndarray:
    """score = -eps / sigma."""
    return convert("eps", "score", x, eps, sched)


def score_to_eps(score: Any, x: Any, sched) -> np.ndarray:
    """eps = -sigma score."""
    return convert("score", "eps", x, score, sched)


def eps_to_velocity(eps: Any, x: Any, sched) -> np.ndarray:
    """v = dalpha (x - sigma eps)/alpha + dsigma eps."""
    return convert("eps", "velocity", x, eps, sched)


def velocity_to_eps(v: Any, x: Any, sched) -> np.ndarray:
    """eps = (alpha v - dalpha x) / (alpha dsigma - dalpha sigma)."""
    return convert("velocity", "eps", x, v, sched)


# ---- steps (in place, return x) -----------------------------------------------------------------

def _on_cuda(x: Any, backend: str):
    """The CUDA backend module when the step runs there, None for the CPU core."""
    if backend == "triton":
        raise ValueError("backend='triton': the integrator steps have no Triton kernels; use "
                         "backend='cuda' for CUDA tensors or 'cpu' for NumPy arrays")
    where = _dispatch.resolve(backend, x)
    if where == "triton":  # "auto" on a CUDA tensor without a usable CUDA backend
        raise ValueError("x: a CUDA tensor needs scoreopt's CUDA backend, which is not usable here ("
                         + _dispatch.cuda_status()[1] + ")")
    return _dispatch.cuda_module() if where == "cuda" else None


def euler_step(x: Array, v: Array, dt: float, *, backend: str = "auto") -> Array:
    """x += dt v. x, v: (B, D) (or (D,)), same dtype."""
    cuda = _on_cuda(x, backend)
    if cuda:
        return cuda.euler_step(x, v, _scalar(dt, "dt"))
    x2 = _state(x)
    _core.integrator_euler(x2, _field(v, x2, "v", x.shape), _scalar(dt, "dt"))
    return x


def heun_step(x: Array, v1: Array, v2: Array, dt: float, *,
              backend: str = "auto") -> Array:
    """x += dt/2 (v1 + v2), with v1 the velocity at (x, t) and v2 the velocity at the Euler
    predictor (x + dt v1, t + dt). x, v1, v2: (B, D) (or (D,)), same dtype."""
    cuda = _on_cuda(x, backend)
    if cuda:
        return cuda.heun_step(x, v1, v2, _scalar(dt, "dt"))
    x2 = _state(x)
    _core.integrator_heun(x2, _field(v1, x2, "v1", x.shape), _field(v2, x2, "v2", x.shape),
                          _scalar(dt, "dt"))
    return x


def euler_maruyama_step(x: Array, score: Array, f: float, g: float, dt: float, *,
                        seed: int = 0, step: int = 0, row_offset: int = 0,
                        backend: str = "auto") -> Array:
    """One Euler-Maruyama step of dx = [f x - g^2 score] dt + g dW (the reverse SDE when dt < 0,
    with (f, g) from :func:`sde_coefficients`): x += (f x - g^2 score) dt + g sqrt(abs(dt)) z."""
    cuda = _on_cuda(x, backend)
    g = _scalar(g, "g")
    if g < 0:
        raise ValueError(f"g: expected a value >= 0, got {g}")
    if cuda:
        return cuda.euler_maruyama_step(x, score, _scalar(f, "f"), g, _scalar(dt, "dt"),
                                        _int(seed, "seed"), _int(step, "step"),
                                        _row_offset(row_offset))
    x2 = _state(x)
    _core.integrator_euler_maruyama(x2, _field(score, x2, "score", x.shape), _scalar(f, "f"), g,
                                    _scalar(dt, "dt"), _int(seed, "seed"), _int(step, "step"),
                                    _row_offset(row_offset))
    return x


def langevin_step(x: Array, score: Array, step_size: float, *, seed: int = 0,
                  step: int = 0, row_offset: int = 0, backend: str = "auto") -> Array:
    """Unadjusted Langevin: x += step_size score + sqrt(2 step_size) z."""
    cuda = _on_cuda(x, backend)
    e = _scalar(step_size, "step_size")
    if e < 0:
        raise ValueError(f"step_size: expected a value >= 0, got {e}")
    if cuda:
        return cuda.langevin_step(x, score, e, _int(seed, "seed"), _int(step, "step"),
                                  _row_offset(row_offset))
    x2 = _state(x)
    _core.integrator_langevin(x2, _field(score, x2, "score", x.shape), e, _int(seed, "seed"),
                              _int(step, "step"), _row_offset(row_offset))
    return x


def ddpm_step(x: Array, eps: Array, beta: float, alpha_bar: float, alpha_bar_prev: float,
              *, seed: int = 0, step: int = 0, row_offset: int = 0,
              backend: str = "auto") -> Array:
    """DDPM ancestral step from the noise prediction eps at x_t:
    x = (x - beta / sqrt(1 - alpha_bar) eps) / sqrt(1 - beta) + sqrt(var) z with the posterior
    variance var = beta (1 - alpha_bar_prev) / (1 - alpha_bar) (no noise when alpha_bar_prev = 1)."""
    cuda = _on_cuda(x, backend)
    if cuda:
        return cuda.ddpm_step(x, eps, _scalar(beta, "beta"), _scalar(alpha_bar, "alpha_bar"),
                              _scalar(alpha_bar_prev, "alpha_bar_prev"), _int(seed, "seed"),
                              _int(step, "step"), _row_offset(row_offset))
    x2 = _state(x)
    _core.integrator_ddpm(x2, _field(eps, x2, "eps", x.shape), _scalar(beta, "beta"),
                          _scalar(alpha_bar, "alpha_bar"), _scalar(alpha_bar_prev, "alpha_bar_prev"),
                          _int(seed, "seed"), _int(step, "step"), _row_offset(row_offset))
    return x
