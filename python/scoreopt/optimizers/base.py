"""The shared machinery of the sampling-based optimizers: a Gaussian search distribution
N(mean, sigma^2 I) inside a box, ask/tell, and a fused step that runs one whole iteration
(sampling, evaluation, statistics) in the compiled core for built-in problems.

Both paths draw the same counter-based noise (stream ``(seed, iteration)``) and compute the
same statistics, so for the same seed ask/tell and the fused step produce the same iterates
(up to floating-point summation order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

import numpy as np

from .. import _arrays, smoothing
from .._validate import UINT64_MAX, real as _real
from .._validate import integer as _int_arg
from ..problem import BuiltinProblem, Problem, _check_bounds


@dataclass
class Batch:
    """What an update rule sees of one iteration (all float64)."""

    mean: np.ndarray  # (D,) center the samples were drawn around
    sigma: float
    value: float  # mean f over the finite samples (the smoothed value)
    gradient: Optional[np.ndarray]  # (D,) Stein estimate of the smoothed gradient
    weighted_mean: Optional[np.ndarray]  # (D,) Boltzmann-weighted mean of the samples
    best_x: np.ndarray
    best_f: float
    nonfinite: int
    X: Optional[np.ndarray] = None  # (K, D) samples and values, ask/tell only (CEM's elites)
    f: Optional[np.ndarray] = None


@dataclass
class OptimizeResult:
    """The scipy habit: x, fun, nfev, nit, success, message; plus the best-so-far history
    (one entry per iteration) and how many evaluations returned NaN/Inf."""

    x: np.ndarray
    fun: float
    nfev: int
    nit: int
    success: bool
    message: str
    history: List[float] = field(default_factory=list)
    nonfinite: int = 0
    method: str = ""
    feasible: bool = True  # with constraints: whether x satisfies every g(x) <= 0
    max_violation: float = 0.0  # max(0, max_j g_j(x)) at x

    def __repr__(self) -> str:
        feas = "" if self.feasible else f", feasible=False, max_violation={self.max_violation:.3g}"
        return (f"OptimizeResult(method={self.method!r}, fun={self.fun:.6g}, nfev={self.nfev}, "
                f"nit={self.nit}, success={self.success}, message={self.message!r}{feas})")


class SamplingOptimizer:
    """Base class. Subclasses set ``temperature`` / ``relative_temperature`` / ``needs_gradient``
    and implement ``_update(batch)``, which moves ``self.mean`` and ``self.sigma``.

    dim: problem dimension; bounds: (lower, upper), scalars or (dim,) arrays (required: the
    samples are clipped into the box, so every evaluated point and every iterate is feasible);
    popsize: samples per iteration (even, antithetic pairs); seed: noise stream;
    x0: initial mean (default: the box center); sigma0: initial scale (default: 0.3 of the mean
    half-width of the box); budget: evaluations the schedules are planned over.
    """

    name = "base"
    temperature: Optional[float] = None
    relative_temperature = True
    needs_gradient = False
    keeps_samples = False  # the update needs the raw samples (CEM's elites)

    def _default_popsize(self) -> int:
        return max(16, 4 + int(3 * np.log(self.dim)) * 4)

    def __init__(self, dim: int, bounds: Any, *, popsize: Optional[int] = None, seed: int = 0,
                 x0: Any = None, sigma0: Optional[float] = None, budget: Optional[int] = None,
                 antithetic: bool = True):
        self.dim = _int_arg(dim, "dim", 1)
        if bounds is None:
            raise ValueError("bounds: required, a pair (lower, upper) of scalars or arrays of shape (dim,)")
        self.lower, self.upper = _check_bounds(bounds, self.dim)
        if np.any(self.upper <= self.lower):
            raise ValueError("bounds: upper must be > lower in every coordinate")
        self.antithetic = bool(antithetic)
        self.popsize = _int_arg(popsize if popsize is not None else self._default_popsize(), "popsize", 2)
        if self.antithetic and self.popsize % 2:
            raise ValueError(f"popsize: antithetic sampling needs an even popsize, got {self.popsize}")
        self.seed = _int_arg(seed, "seed", 0, UINT64_MAX)
        half = (self.upper - self.lower) / 2
        # noise is scaled per coordinate by the box's shape (sigma is in units of the mean
        # half-width); a cubic box has scale 1 everywhere and can use the fused core path
        self.scale = half / float(np.mean(half))
        self._cubic = bool(np.allclose(self.scale, 1.0, rtol=1e-12, atol=0))
        if x0 is None:
            self.mean = (self.lower + self.upper) / 2
        else:
            x0 = np.asarray(_arrays.to_array(x0, "x0").array, dtype=np.float64)
            if x0.shape != (self.dim,):
                raise ValueError(f"x0: expected shape ({self.dim},), got {x0.shape}")
            if not np.all(np.isfinite(x0)):
                raise ValueError("x0: contains NaN or Inf")
            self.mean = np.clip(x0, self.lower, self.upper)
        if sigma0 is None:
            sigma0 = 0.3 * float(np.mean(half))
        sigma0 = _real(sigma0, "sigma0")
        if not np.isfinite(sigma0) or sigma0 <= 0:
            raise ValueError(f"sigma0: expected a finite value > 0, got {sigma0!r}")
        self.sigma0 = float(sigma0)
        self.sigma = self.sigma0
        if budget is not None:
            budget = _int_arg(budget, "budget", self.popsize)
        self.budget = budget
        self.iterations = max(1, (budget // self.popsize) if budget else 1000)
        self.t = 0
        self.nfev = 0
        self.nonfinite = 0
        self.best_x = self.mean.copy()
        self.best_f = np.inf
        self.history: List[float] = []
        self._asked = None
        self._message = ""

    # -- schedule helpers ----------------------------------------------------------------------
    @property
    def progress(self) -> float:
        """Fraction of the planned iterations done, in [0, 1]."""
        return min(1.0, self.t / max(1, self.iterations))

    # -- ask / tell ---------------------------------------------------------------------------
    def ask(self) -> np.ndarray:
        """The next population: (popsize, dim), every row inside the box."""
        eps = smoothing.noise(self.seed, self.t, 0, self.popsize, self.dim, antithetic=self.antithetic)
        X = np.clip(self.mean + self.sigma * (self.scale * eps), self.lower, self.upper)
        self._asked = (X.copy(), eps)
        return X

    def tell(self, X: Any, f: Any) -> None:
        """Report the values of the population from ``ask`` (NaN/Inf allowed: they count as the
        worst and are reported in ``result.nonfinite``)."""
        if self._asked is None:
            raise ValueError("tell: call ask() first")
        X = np.asarray(_arrays.to_array(X, "X").array, dtype=np.float64)  # non-numeric: TypeError naming X
        Xa, eps = self._asked
        if X.shape != Xa.shape:
            raise ValueError(f"X: expected the asked shape {Xa.shape}, got {X.shape}")
        f = np.asarray(_arrays.to_array(f, "f").array, dtype=np.float64).reshape(-1)
        if f.shape != (self.popsize,):
            raise ValueError(f"f: expected {self.popsize} values, got shape {np.shape(f)}")
        if not np.array_equal(X, Xa):
            raise ValueError("X: tell() takes the population returned by the last ask()")
        self._asked = None
        mu, k_best, fmin, sd, fin = smoothing.value_statistics(f)
        acc = smoothing._Accumulator(self.mean, self.sigma, self.antithetic, self.needs_gradient)
        acc.gradient_chunk(f, eps, fin, mu)
        wmean = None
        if self.temperature is not None and k_best >= 0:
            lam = smoothing.temperature_of(self.temperature, self.relative_temperature, sd)
            acc.weights_chunk(f, X, fin, fmin, lam)
            wmean = acc.weighted_mean()
        elif self.temperature is not None:
            wmean = self.mean.copy()
        batch = Batch(self.mean.copy(), self.sigma, mu, acc.gradient() if self.needs_gradient else None,
                      wmean, X[k_best] if k_best >= 0 else self.mean.copy(),
                      float(f[k_best]) if k_best >= 0 else np.nan, int((~fin).sum()),
                      X if self.keeps_samples else None, f if self.keeps_samples else None)
        self._advance(batch)

    # -- the fused path -----------------------------------------------------------------------
    def step(self, problem: Problem) -> None:
        """One iteration on ``problem``: fused in the core for built-in problems, through
        ask/evaluate/tell otherwise (for updates that need the raw samples, and for boxes that
        are not cubes, whose per-coordinate noise scale the core estimator does not take)."""
        if not isinstance(problem, BuiltinProblem) or self.keeps_samples or not self._cubic:
            X = self.ask()
            self.tell(X, np.asarray(problem.evaluate(X), dtype=np.float64))
            return
        e = smoothing.estimate(problem, self.mean, self.sigma, samples=self.popsize,
                               temperature=self.temperature, antithetic=self.antithetic,
                               seed=self.seed, center_offset=self.t,
                               relative_temperature=self.relative_temperature,
                               bounds=(self.lower, self.upper), gradient=self.needs_gradient)
        batch = Batch(self.mean.copy(), self.sigma, float(e.value), e.gradient, e.weighted_mean,
                      np.asarray(e.best_x), float(e.best_f), int(e.nonfinite))
        self._advance(batch)

    def _advance(self, b: Batch) -> None:
        self.nfev += self.popsize
        self.nonfinite += b.nonfinite
        if np.isfinite(b.best_f) and b.best_f < self.best_f:
            self.best_f, self.best_x = float(b.best_f), np.array(b.best_x, dtype=np.float64)
        self._update(b)
        self.mean = np.clip(self.mean, self.lower, self.upper)
        self.t += 1
        self.history.append(self.best_f)

    def _update(self, b: Batch) -> None:
        raise NotImplementedError

    # -- status ------------------------------------------------------------------------------
    @property
    def stop(self) -> bool:
        """True once the budget is spent (or the update rule has converged)."""
        if self.budget is not None and self.nfev + self.popsize > self.budget:
            self._message = self._message or "budget exhausted"
            return True
        return bool(self._message)

    @property
    def result(self) -> OptimizeResult:
        ok = np.isfinite(self.best_f)
        msg = self._message or ("running" if not self.stop else "budget exhausted")
        return OptimizeResult(x=self.best_x.copy(), fun=float(self.best_f), nfev=self.nfev, nit=self.t,
                              success=bool(ok), message=msg if ok else "no finite objective value seen",
                              history=list(self.history), nonfinite=self.nonfinite, method=self.name)
