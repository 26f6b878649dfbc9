"""The CUDA backend: the core's CUDA kernels (``scoreopt/cuda.hpp``) on torch CUDA tensors.

Tensors are passed without copies, as their device address and torch's current CUDA stream of
their device: the core never links libtorch, and the work is ordered with whatever torch queued
before. Results are new tensors on the input's device. Inputs must be contiguous float32 or
float64 CUDA tensors (one dtype per call); anything else raises TypeError/ValueError naming the
argument (nothing is converted or moved between devices silently). Small host-side arguments
(parameters given as NumPy arrays or lists, a scalar sigma, bounds) are copied to the device.

Reached through ``backend="cuda"`` (or ``"auto"`` with a CUDA tensor) of
:meth:`scoreopt.Problem.evaluate`, :func:`scoreopt.smoothing.estimate` and the steps of
:mod:`scoreopt.integrators`; see :mod:`scoreopt._dispatch`.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from . import _arrays, _core, _dispatch
from ._validate import integer as check_int
from .problem_types import BuiltinProblem, Problem, check_bounds

__all__ = ["evaluate", "smoothing_estimate", "euler_step", "heun_step", "euler_maruyama_step",
           "langevin_step", "ddpm_step"]


def _torch():
    import torch

    return torch


def _tensor(t: Any, name: str, *, dtype=None, device=None):
    """t as a contiguous float32/float64 CUDA tensor (checked, never converted). dtype, device:
    what t must match (the call's X), when given."""
    torch = _torch()
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name}: the CUDA backend takes torch CUDA tensors, got {type(t).__name__}")
    if t.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{name}: expected a float32 or float64 tensor, got {t.dtype}")
    if dtype is not None and t.dtype != dtype:
        raise TypeError(f"{name}: dtype {t.dtype} does not match X ({dtype})")
    if not t.is_contiguous():
        raise ValueError(f"{name}: must be contiguous (t.contiguous() makes a copy)")
    if t.device.type != "cuda":
        raise ValueError(f"{name}: the CUDA backend needs a CUDA tensor, got one on device "
                         f"'{t.device}' (move it with .cuda(), or use backend='cpu')")
    if device is not None and t.device != device:
        raise ValueError(f"{name}: tensor is on {t.device}, but X is on {device}")
    if t.requires_grad:
        t = t.detach()
    return t


def _stream(device) -> int:
    return int(_torch().cuda.current_stream(device).cuda_stream)


def _builtin(problem: Any) -> BuiltinProblem:
    if not isinstance(problem, Problem):
        raise TypeError(f"problem: expected a scoreopt Problem, got {type(problem).__name__}")
    if not isinstance(problem, BuiltinProblem):
        raise ValueError(f"problem: the CUDA backend runs built-in problems only; {problem.name!r} "
                         f"is a Python callable (use backend='cpu')")
    return problem


def _points(problem: Problem, X: Any):
    """X: (N, D) or (D,) -> ((N, D) tensor, single)."""
    return _dispatch.rows_of_points(_tensor(X, "X"), problem.dim, "X")


def _params(problem: Problem, params: Any, X2, rows: int):
    """None, or a (1 or rows, P) contiguous tensor of X's dtype on X's device."""
    torch = _torch()
    if isinstance(params, torch.Tensor) and params.device.type == "cuda":
        if problem.num_params == 0:
            raise ValueError(f"params: {problem.name} takes no parameters")
        p = _tensor(params, "params", dtype=X2.dtype, device=X2.device)
        p = p.reshape(1, -1) if p.ndim == 1 else p
        if p.ndim != 2 or p.shape[1] != problem.num_params or p.shape[0] not in (1, rows):
            raise ValueError(f"params: expected shape ({problem.num_params},) or ({rows}, "
                             f"{problem.num_params}), got {tuple(params.shape)}")
        return p  # finiteness is checked on the device by the core
    np_dtype = np.float32 if X2.dtype == torch.float32 else np.float64
    p = problem.resolve_params(params, np_dtype, rows)
    return None if p is None else torch.from_numpy(np.ascontiguousarray(p)).to(X2.device)


def evaluate(problem: Problem, X: Any, params: Any = None, want_grad: bool = False):
    """Values (and gradients) of a built-in problem on the device.

    X: (N, D) or (D,) CUDA tensor. Returns (f, grad or None): (N,) and (N, D), or a 0-d tensor
    and (D,) for one point, on X's device."""
    torch = _torch()
    problem = _builtin(problem)
    X2, single = _points(problem, X)
    n = X2.shape[0]
    if want_grad and not problem.has_gradient:
        raise ValueError(f"gradient: {problem.name} has no analytic gradient")
    with torch.cuda.device(X2.device):
        p = _params(problem, params, X2, n)
        f = torch.empty(n, dtype=X2.dtype, device=X2.device)
        g = torch.empty_like(X2) if want_grad else None
        _core.cuda_evaluate(problem._core, X2.data_ptr(), n, 0 if p is None else p.data_ptr(),
                            0 if p is None else p.shape[0], f.data_ptr(),
                            0 if g is None else g.data_ptr(), X2.dtype == torch.float32,
                            _stream(X2.device))
    if single:
        return f.reshape(()), (None if g is None else g[0])
    return f, g


def smoothing_estimate(problem: Problem, X: Any, sigma: Any, *, samples: int,
                       temperature: Optional[float] = None, antithetic: bool = True, seed: int = 0,
                       params: Any = None, bounds: Any = None, relative_temperature: bool = False,
                       center_offset: int = 0, gradient: bool = True, chunk_size: int = 8192,
                       factor: Any = None):
    """:func:`scoreopt.smoothing.estimate` on the device, from the same noise as the CPU core.

    X: centers (M, D) or one center (D,), a CUDA tensor. sigma: a number, or an (M,) tensor of
    X's dtype on X's device. chunk_size: at most this many samples per work item of the gradient
    and weighted-mean sums. factor: as for the CPU, (D,) or (D, D), any device (it is read on
    the host and copied over). Returns a :class:`scoreopt.smoothing.Estimate` of tensors on X's
    device; the (M, K, D) samples are never stored."""
    from .smoothing import Estimate, check_factor, check_options

    torch = _torch()
    problem = _builtin(problem)
    samples, seed, center_offset = check_options(samples, antithetic, seed, center_offset, temperature)
    chunk_size = check_int(chunk_size, "chunk_size", 2)
    X2, single = _points(problem, X)
    M, D = X2.shape
    if isinstance(sigma, torch.Tensor) and sigma.device.type == "cuda":
        s = _tensor(sigma, "sigma", dtype=X2.dtype, device=X2.device).reshape(-1)
    else:
        sa = np.asarray(_arrays.to_array(sigma, "sigma").array, dtype=np.float64).reshape(-1)
        s = torch.as_tensor(sa, dtype=X2.dtype).to(X2.device)
    if s.numel() not in (1, M):
        raise ValueError(f"sigma: expected a scalar or shape ({M},), got {tuple(np.shape(sigma))}")
    lo = hi = None
    if bounds is not None:
        lo, hi = check_bounds(bounds, D)
    A = check_factor(factor, D)
    out_dt = dict(dtype=X2.dtype, device=X2.device)
    with torch.cuda.device(X2.device):
        p = _params(problem, params, X2, M)
        value = torch.empty(M, **out_dt)
        best_f = torch.empty(M, **out_dt)
        best_x = torch.empty(M, D, **out_dt)
        bad = torch.empty(M, dtype=torch.int64, device=X2.device)
        grad = torch.empty(M, D, **out_dt) if gradient else None
        wmean = torch.empty(M, D, **out_dt) if temperature is not None else None
        _core.cuda_smoothing_estimate(
            problem._core, X2.data_ptr(), M, s.data_ptr(), s.numel(),
            0 if p is None else p.data_ptr(), 0 if p is None else p.shape[0], samples,
            bool(antithetic), float(temperature or 0.0), bool(relative_temperature), seed,
            center_offset, None if lo is None else lo.tolist(), None if hi is None else hi.tolist(), A,
            value.data_ptr(), 0 if grad is None else grad.data_ptr(),
            0 if wmean is None else wmean.data_ptr(), best_x.data_ptr(), best_f.data_ptr(),
            bad.data_ptr(), chunk_size, X2.dtype == torch.float32, _stream(X2.device))

    def out(a):
        return None if a is None else (a[0] if single else a)

    return Estimate(out(value), out(grad), out(wmean), out(best_x), out(best_f), out(bad))


# ---- integrator steps (in place on x; scalars were checked by scoreopt.integrators) ------------

def _state(x: Any) -> Tuple[Any, int, int]:
    """x: (B, D) or (D,) -> (x, B, D); updated in place, so it must already be usable."""
    x = _tensor(x, "x")
    if x.ndim not in (1, 2):
        raise ValueError(f"x: expected shape (B, D) or (D,), got {tuple(x.shape)}")
    B, D = (1, x.shape[0]) if x.ndim == 1 else (x.shape[0], x.shape[1])
    if D < 1:
        raise ValueError(f"x: expected at least one column, got shape {tuple(x.shape)}")
    return x, B, D


def _field(a: Any, x, name: str):
    a = _tensor(a, name, dtype=x.dtype, device=x.device)
    if a.shape != x.shape:
        raise ValueError(f"{name}: shape {tuple(a.shape)} does not match x {tuple(x.shape)}")
    return a


def euler_step(x, v, dt: float):
    """x += dt v on the device. x, v: (B, D) or (D,) CUDA tensors of one dtype."""
    x, B, D = _state(x)
    v = _field(v, x, "v")
    with _torch().cuda.device(x.device):
        _core.cuda_integrator_euler(x.data_ptr(), v.data_ptr(), B, D, float(dt),
                                    x.dtype == _torch().float32, _stream(x.device))
    return x


def heun_step(x, v1, v2, dt: float):
    """x += dt/2 (v1 + v2) on the device."""
    x, B, D = _state(x)
    v1, v2 = _field(v1, x, "v1"), _field(v2, x, "v2")
    with _torch().cuda.device(x.device):
        _core.cuda_integrator_heun(x.data_ptr(), v1.data_ptr(), v2.data_ptr(), B, D, float(dt),
                                   x.dtype == _torch().float32, _stream(x.device))
    return x


def euler_maruyama_step(x, score, f: float, g: float, dt: float, seed: int, step: int,
                        row_offset: int):
    """x += (f x - g^2 score) dt + g sqrt(|dt|) z on the device, z the (seed, step, row) noise."""
    x, B, D = _state(x)
    score = _field(score, x, "score")
    with _torch().cuda.device(x.device):
        _core.cuda_integrator_euler_maruyama(x.data_ptr(), score.data_ptr(), B, D, float(f),
                                             float(g), float(dt), seed, step, row_offset,
                                             x.dtype == _torch().float32, _stream(x.device))
    return x


def langevin_step(x, score, step_size: float, seed: int, step: int, row_offset: int):
    """x += step_size score + sqrt(2 step_size) z on the device."""
    x, B, D = _state(x)
    score = _field(score, x, "score")
    with _torch().cuda.device(x.device):
        _core.cuda_integrator_langevin(x.data_ptr(), score.data_ptr(), B, D, float(step_size), seed,
                                       step, row_offset, x.dtype == _torch().float32,
                                       _stream(x.device))
    return x


def ddpm_step(x, eps, beta: float, alpha_bar: float, alpha_bar_prev: float, seed: int, step: int,
              row_offset: int):
    """The DDPM ancestral step of :func:`scoreopt.integrators.ddpm_step` on the device."""
    x, B, D = _state(x)
    eps = _field(eps, x, "eps")
    with _torch().cuda.device(x.device):
        _core.cuda_integrator_ddpm(x.data_ptr(), eps.data_ptr(), B, D, float(beta),
                                   float(alpha_bar), float(alpha_bar_prev), seed, step, row_offset,
                                   x.dtype == _torch().float32, _stream(x.device))
    return x
