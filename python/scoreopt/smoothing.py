"""Gaussian-smoothing estimation (DIDA): the smoothed value, its Stein gradient, the Boltzmann-
weighted mean (MPPI / model-based-diffusion update) and the best sample, from one batch of noise.
The kernel is N(x, sigma^2 I), or N(x, sigma^2 A A^T) for a given factor A (CDIDA's shaped kernel).

For built-in problems the whole estimate runs fused in the compiled core and no (M, K, D) sample
array is ever stored. For Python callables the samples are materialized in chunks of
``chunk_size`` rows, from the same counter-based noise, so both paths agree for the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from . import _arrays, _core, _dispatch
from ._validate import UINT64_MAX, real
from ._validate import integer as check_int
from .problem_types import BuiltinProblem, Problem

__all__ = ["Estimate", "check_factor", "estimate", "noise"]


@dataclass
class Estimate:
    """Per-center results. Shapes for M centers of dimension D (a single center of shape (D,)
    gives the same fields without the leading M axis)."""

    value: Any  # (M,) smoothed value F_sigma(x) = E f(x + sigma A eps), the sample mean of f
    gradient: Any  # (M, D) Stein estimate of grad F_sigma(x) (with respect to x), or None
    weighted_mean: Any  # (M, D) sum_k softmax(-f/lambda)_k y_k, or None without a temperature
    best_x: Any  # (M, D) best sample
    best_f: Any  # (M,) its value
    nonfinite: Any  # (M,) int, samples whose f was NaN or Inf (weight 0, dropped from means)


def noise(seed: int, center: int, start: int, count: int, dim: int, *, antithetic: bool = True,
          dtype=np.float64) -> np.ndarray:
    """The estimator's noise rows [start, start + count) of stream ``center``: (count, dim).
    With antithetic pairs, row 2p is +e_p and row 2p + 1 is -e_p. These are the standard-normal
    draws eps, before any factor: sample k of a center x is x + sigma * A @ eps_k."""
    return _core.smoothing_noise(check_int(seed, "seed", 0, UINT64_MAX), check_int(center, "center", 0, UINT64_MAX),
                                 check_int(start, "start", 0), check_int(count, "count", 0),
                                 check_int(dim, "dim", 1, 2 ** 31 - 1), bool(antithetic),
                                 np.dtype(dtype) == np.float32)


def estimate(problem: Problem, X: Any, sigma: Any, *, samples: int, temperature: Optional[float] = None,
             antithetic: bool = True, seed: int = 0, params: Any = None, bounds: Any = None,
             relative_temperature: bool = False, center_offset: int = 0, gradient: bool = True,
             chunk_size: int = 8192, backend: str = "auto", factor: Any = None) -> Estimate:
    """Estimate the Gaussian-smoothed objective around each center.

    problem: a Problem. X: centers (M, D) or one center (D,). sigma: scalar or (M,), > 0.
    samples: K per center (even when antithetic). temperature: lambda > 0 for the weighted mean
    (with ``relative_temperature``, lambda = temperature * std of the center's f values).
    bounds: (lower, upper) to clip samples into a box (then weighted_mean and best_x stay inside).
    seed, center_offset: the noise of center m is stream (seed, center_offset + m).
    backend: "auto" | "cpu" | "cuda" | "triton" (see :mod:`scoreopt._dispatch`); on "cuda" and
    "triton" the fields are torch tensors on X's device, from the same noise as on the CPU.

    factor: the shape of the kernel, shared by all centers: None (the identity), a lower-
    triangular (D, D) matrix A (row-major, e.g. the Cholesky factor of a covariance C = A A^T),
    or a (D,) vector, the diagonal of a diagonal A; finite, with a diagonal > 0 (see
    :func:`check_factor`). The samples are then y_k = x + sigma * A @ eps_k (eps_k the draws
    :func:`noise` returns; clipped into ``bounds`` when given), i.e. the kernel is
    N(x, sigma^2 A A^T). value and weighted_mean are as above over these samples, and gradient is
    the gradient with respect to x of F(x) = E f(x + sigma A eps), which by Stein's identity is
    A^{-T} E[f(y) eps] / sigma: the estimator forms the same antithetic-pair or mean-baseline sum
    over eps as without a factor and returns A^{-T} times it. The identity factor gives the
    results of no factor bit for bit. Every backend takes it ("cpu", "cuda" and "triton": the
    same samples, to rounding).
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"problem: expected a scoreopt Problem, got {type(problem).__name__}")
    if not isinstance(problem, BuiltinProblem):
        _dispatch.only_cpu(backend, f"callable problem {problem.name!r}")
    where = _dispatch.resolve(backend, X)
    if where != "cpu":
        kw = dict(samples=samples, temperature=temperature, antithetic=antithetic, seed=seed,
                  params=params, bounds=bounds, relative_temperature=relative_temperature,
                  center_offset=center_offset, gradient=gradient, chunk_size=chunk_size, factor=factor)
        if where == "cuda":
            return _inside(_dispatch.cuda_module().smoothing_estimate(problem, X, sigma, **kw), bounds, problem.dim)
        from scoreopt.kernels import smoothing as tk

        kw.pop("chunk_size")
        return _inside(Estimate(*tk.estimate_triton(problem, X, sigma, **kw)), bounds, problem.dim)
    samples, seed, center_offset = check_options(samples, antithetic, seed, center_offset, temperature)
    chunk_size = check_int(chunk_size, "chunk_size", 2)
    src, Xa, single = problem.prepare_rows(X)
    _arrays.check_finite(Xa, "X")
    M, D = Xa.shape
    if center_offset > UINT64_MAX - (M - 1):
        raise ValueError(f"center_offset: the noise streams center_offset + m (m < {M} centers) must be "
                         f"<= 2^64 - 1, got center_offset = {center_offset}")
    s = np.asarray(_arrays.to_array(sigma, "sigma").array, dtype=Xa.dtype).reshape(-1)
    if s.size not in (1, M):
        raise ValueError(f"sigma: expected a scalar or shape ({M},), got {np.shape(sigma)}")
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError("sigma: expected finite values > 0")
    lo = hi = None
    if bounds is not None:
        from .problem_types import check_bounds

        lo, hi = check_bounds(bounds, D)
    A = check_factor(factor, D)
    p = problem.resolve_params(params, Xa.dtype, M)

    if isinstance(problem, BuiltinProblem):
        value, grad, wmean, best_x, best_f, bad = _core.smoothing_estimate(
            problem._core, Xa, np.ascontiguousarray(s), p, samples, bool(antithetic),
            float(temperature or 0.0), bool(relative_temperature), seed, center_offset,
            None if lo is None else lo.tolist(), None if hi is None else hi.tolist(), A,
            bool(gradient), temperature is not None)
    else:
        value, grad, wmean, best_x, best_f, bad = _estimate_python(
            problem, Xa, s, p, samples, antithetic, temperature, relative_temperature, seed,
            center_offset, lo, hi, gradient, chunk_size, A)

    def out(a):
        if a is None:
            return None
        if single:
            a = a[0]
        return _arrays.like(np.asarray(a), src) if src.torch_like is not None else a

    return _inside(Estimate(out(value), out(grad), out(wmean), out(best_x), out(best_f), out(bad)), bounds, D)


def _inside(e: Estimate, bounds: Any, dim: int) -> Estimate:
    """With bounds, weighted_mean and best_x are clipped into the box (in place). Both are inside
    in exact arithmetic, but the weighted mean is computed as x + sum w (y - x) / sum w, whose
    rounding leaves the box by an ulp of |x| when the center lies far outside it; and when no
    sample has a finite value both fall back to the center itself."""
    if bounds is None:
        return e
    from .problem_types import check_bounds

    lo, hi = check_bounds(bounds, dim)
    for a in (e.weighted_mean, e.best_x):
        if a is None:
            continue
        if _arrays.is_torch(a):
            torch = _arrays._torch()
            a.clamp_(min=torch.tensor(lo, dtype=a.dtype, device=a.device),  # copies: lo is read-only
                     max=torch.tensor(hi, dtype=a.dtype, device=a.device))
        else:
            np.clip(a, lo.astype(a.dtype), hi.astype(a.dtype), out=a)
    return e


def check_factor(factor: Any, dim: int) -> Optional[np.ndarray]:
    """The ``factor`` argument of :func:`estimate`, checked the same way for every backend: None,
    or a read-only float64 C-contiguous array, (dim,) for a diagonal factor or (dim, dim) for a
    lower-triangular one, finite with a diagonal > 0. A real array of any dtype is taken (integers
    are converted, as for X; a torch tensor on any device is copied to the host); complex, object
    and string data raise TypeError, a wrong shape or a bad value ValueError, naming ``factor``."""
    if factor is None:
        return None
    if _arrays.is_torch(factor):
        factor = factor.detach().cpu()  # the factor is read on the host (the CUDA core copies it over)
    a = np.array(_arrays.to_array(factor, "factor").array, dtype=np.float64, order="C")
    if a.shape not in ((dim,), (dim, dim)):
        raise ValueError(f"factor: expected shape ({dim},) (the diagonal of a diagonal factor) or "
                         f"({dim}, {dim}) (a lower-triangular factor), got {a.shape}")
    _core.smoothing_check_factor(a)  # finite, lower-triangular, diagonal > 0 (ValueError)
    a.setflags(write=False)
    return a


def _shape_noise(eps: np.ndarray, A: Optional[np.ndarray], dtype) -> np.ndarray:
    """A @ eps_k for each row of ``eps``, in float64 rounded to ``dtype`` as the core forms it
    (the core sums each row in order, NumPy's product may not: equal to rounding)."""
    if A is None:
        return eps
    e = eps.astype(np.float64)
    return (e * A if A.ndim == 1 else e @ A.T).astype(dtype)


def check_options(samples: Any, antithetic: bool, seed: Any, center_offset: Any,
                  temperature: Optional[float]):
    """The scalar arguments of :func:`estimate`, checked the same way for every backend.
    Returns (samples, seed, center_offset) as ints."""
    samples = check_int(samples, "samples", 2)
    if antithetic and samples % 2:
        raise ValueError(f"samples: antithetic sampling needs an even count, got {samples}")
    seed = check_int(seed, "seed", 0, UINT64_MAX)
    center_offset = check_int(center_offset, "center_offset", 0, UINT64_MAX)
    if temperature is not None:
        t = real(temperature, "temperature")
        if not np.isfinite(t) or t <= 0:
            raise ValueError(f"temperature: expected a finite value > 0 or None, got {temperature!r}")
    return samples, seed, center_offset


def _estimate_python(problem, X, s, params, K, antithetic, temperature, relative, seed, offset,
                     lo, hi, want_grad, chunk, A):
    """The same estimator for Python objectives: the samples are materialized ``chunk`` rows at
    a time and evaluated here; the statistics come from the core, which redraws the same noise."""
    M, D = X.shape
    dt = X.dtype
    F = np.empty((M, K), dt)
    chunk = max(2, int(chunk) - int(chunk) % 2)
    for c in range(M):
        pc = None if params is None else params[0 if params.shape[0] == 1 else c]
        for start in range(0, K, chunk):
            n = min(chunk, K - start)
            e = noise(seed, offset + c, start, n, D, antithetic=antithetic, dtype=dt)
            Y = X[c] + s[0 if s.size == 1 else c] * _shape_noise(e, A, dt)
            if lo is not None:
                Y = np.clip(Y, lo.astype(dt), hi.astype(dt))
            F[c, start:start + n] = problem.evaluate(Y, pc) if pc is not None else problem.evaluate(Y)
    return _core.smoothing_statistics(
        X, np.ascontiguousarray(s), F, bool(antithetic), float(temperature or 0.0), bool(relative),
        seed, offset, None if lo is None else lo.tolist(), None if hi is None else hi.tolist(), A,
        bool(want_grad), temperature is not None)
