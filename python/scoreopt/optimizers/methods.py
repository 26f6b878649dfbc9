"""The sampling-based optimizers, each an update rule on the shared engine (see base.py):

* DIDA: annealed smoothing. The mean takes the MPPI step (the Boltzmann-weighted mean, which is
  a gradient step of size sigma^2/lambda on the soft-min-smoothed objective) while the smoothing
  scale sigma and the temperature follow schedules; large sigma makes the landscape nearly
  convex around the global basin, and annealing sigma to zero removes the smoothing bias.
* MBD: model-based diffusion, the reverse-diffusion form: sigma_t = sqrt((1 - abar_t) / abar_t)
  from a DDPM noise schedule, Boltzmann-weighted denoising of the current estimate.
* MPPI: the same weighted-mean step at a fixed sigma and temperature.
* CEM: mean and scale refit to the elite fraction (hard top-k weights).
* ES: the antithetic Stein gradient of the smoothed objective, with Adam.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .._validate import integer, real
from .base import Batch, SamplingOptimizer

SCHEDULES = ("geometric", "cosine", "adaptive")


def _positive(v, name):
    v = real(v, name)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name}: expected a finite value > 0, got {v!r}")
    return v


def _log_interp(a: float, b: float, w: float) -> float:
    """exp((1 - w) log a + w log b)"""
    return math.exp((1 - w) * math.log(a) + w * math.log(b))


class DIDA(SamplingOptimizer):
    """Annealed Gaussian smoothing (DIDA).

    temperature: relative temperature tau (lambda = tau * std of the batch's f; 3 by default: a
    soft weighting that keeps the update close to the smoothed gradient), annealed
    geometrically to ``temperature_end``. sigma anneals from sigma0 to ``sigma_end`` (default
    1e-9 of the box half-width) over the budget: ``schedule`` "geometric" or "cosine" (in log
    scale), or "adaptive" (shrink by ``shrink`` whenever the mean's step falls below
    ``adapt_threshold`` sigma sqrt(dim), i.e. the current smoothing level has converged).
    step: fraction of the MPPI step taken (1 lands on the weighted mean).
    restarts: split the budget into restarts + 1 annealing cycles; each new cycle starts from a
    uniform random point of the box (drawn from the seed) with sigma0 again. The best point over
    all cycles is the result.
    """

    name = "dida"

    def __init__(self, dim: int, bounds: Any, *, temperature: float = 3.0,
                 temperature_end: Optional[float] = None, sigma_end: Optional[float] = None,
                 schedule: str = "geometric", step: float = 1.0, shrink: float = 0.8,
                 adapt_threshold: float = 0.1, restarts: int = 0, **kw):
        if kw.get("popsize") is None:  # popsize=None means the default here too, not the base class's
            kw["popsize"] = 100
        super().__init__(dim, bounds, **kw)
        self.restarts = integer(restarts, "restarts", 0)
        self.cycle_length = max(1, self.iterations // (self.restarts + 1))
        self._cycle_start = 0
        if schedule not in SCHEDULES:
            raise ValueError(f"schedule: expected one of {', '.join(SCHEDULES)}, got {schedule!r}")
        self.schedule = schedule
        self.tau0 = _positive(temperature, "temperature")
        self.tau_end = _positive(temperature_end, "temperature_end") if temperature_end is not None else self.tau0
        self.temperature = self.tau0
        half = float(np.mean((self.upper - self.lower) / 2))
        self.sigma_end = _positive(sigma_end, "sigma_end") if sigma_end is not None else 1e-9 * half
        if self.sigma_end >= self.sigma0:
            raise ValueError(f"sigma_end: must be below sigma0 ({self.sigma0:g}), got {self.sigma_end:g}")
        self.step_size = _positive(step, "step")
        self.shrink = _positive(shrink, "shrink")
        if self.shrink >= 1:
            raise ValueError("shrink: expected a factor in (0, 1)")
        self.adapt_threshold = _positive(adapt_threshold, "adapt_threshold")

    def _update(self, b: Batch) -> None:
        if self.restarts and self.t + 1 - self._cycle_start >= self.cycle_length \
                and self.t + 1 < self.iterations:
            # a new annealing cycle from a fresh point of the box
            rng = np.random.default_rng([self.seed, self.t + 1])
            self.mean = self.lower + (self.upper - self.lower) * rng.random(self.dim)
            self.sigma, self.temperature = self.sigma0, self.tau0
            self._cycle_start = self.t + 1
            return
        # step 1 lands exactly on the weighted mean (as the core's Dida does)
        if self.step_size == 1.0:
            self.mean = b.weighted_mean.copy()
        else:
            self.mean = b.mean + self.step_size * (b.weighted_mean - b.mean)
        move = self.mean - b.mean
        p = min(1.0, (self.t + 1 - self._cycle_start) / self.cycle_length)
        if self.schedule == "geometric":
            self.sigma = _log_interp(self.sigma0, self.sigma_end, p)
        elif self.schedule == "cosine":
            self.sigma = _log_interp(self.sigma0, self.sigma_end, (1 - math.cos(math.pi * p)) / 2)
        else:
            if math.sqrt(float(move @ move)) < self.adapt_threshold * self.sigma * math.sqrt(self.dim):
                self.sigma = max(self.sigma * self.shrink, self.sigma_end)
        self.temperature = _log_interp(self.tau0, self.tau_end, p)


class MPPI(SamplingOptimizer):
    """Model-predictive path integral step at a fixed sigma and relative temperature."""

    name = "mppi"

    def __init__(self, dim: int, bounds: Any, *, temperature: float = 1.0, **kw):
        super().__init__(dim, bounds, **kw)
        self.temperature = _positive(temperature, "temperature")

    def _update(self, b: Batch) -> None:
        self.mean = b.weighted_mean


class MBD(SamplingOptimizer):
    """Model-based diffusion, black-box form: T = budget / popsize reverse steps with betas
    linearly spaced in [beta_start, beta_end]; at step t the samples are
    N(x0_hat, sigma_t^2 I) with sigma_t = sqrt((1 - abar_t) / abar_t) times the box half-width,
    and x0_hat becomes their Boltzmann-weighted mean (rewards standardized per step, temperature
    0.1 as in the reference code)."""

    name = "mbd"

    def __init__(self, dim: int, bounds: Any, *, temperature: float = 0.1, beta_start: float = 1e-4,
                 beta_end: float = 1e-2, **kw):
        super().__init__(dim, bounds, **kw)
        self.temperature = _positive(temperature, "temperature")
        b0, b1 = _positive(beta_start, "beta_start"), _positive(beta_end, "beta_end")
        if not b0 < b1 < 1:
            raise ValueError("beta_start, beta_end: expected 0 < beta_start < beta_end < 1")
        betas = np.linspace(b0, b1, self.iterations)
        abar = np.cumprod(1 - betas)
        half = float(np.mean((self.upper - self.lower) / 2))
        # reverse order: the first iteration uses the noisiest level
        self._sigmas = (np.sqrt((1 - abar) / abar) * half)[::-1].copy()
        self.sigma = float(self._sigmas[0])

    def _update(self, b: Batch) -> None:
        self.mean = b.weighted_mean
        self.sigma = float(self._sigmas[min(self.t + 1, len(self._sigmas) - 1)])


class CEM(SamplingOptimizer):
    """Cross-entropy method: refit the mean and an isotropic sigma to the best ``elite_frac``
    of the population (finite values only: rejected samples are never elites), smoothed by
    ``alpha``. The default popsize keeps at least ``MIN_ELITES`` = 5 elites (50 at elite_frac 0.1)."""

    name = "cem"
    keeps_samples = True

    # the default population keeps at least this many elites: with the generic default (16 in
    # low dimension, 2 elites) sigma collapses within ~20 iterations, before the mean has
    # travelled ~2 sigma0 (a 2-D quadratic with its minimum 3 sigma0 away was missed)
    MIN_ELITES = 5

    def __init__(self, dim: int, bounds: Any, *, elite_frac: float = 0.1, alpha: float = 0.7,
                 sigma_min: Optional[float] = None, **kw):
        self.elite_frac = _positive(elite_frac, "elite_frac")
        if self.elite_frac > 1:
            raise ValueError("elite_frac: expected a fraction in (0, 1]")
        super().__init__(dim, bounds, **kw)
        self.alpha = _positive(alpha, "alpha")
        if self.alpha > 1:
            raise ValueError("alpha: expected a weight in (0, 1]")
        half = float(np.mean((self.upper - self.lower) / 2))
        self.sigma_min = _positive(sigma_min, "sigma_min") if sigma_min is not None else 1e-12 * half

    def _default_popsize(self) -> int:
        need = 2 * math.ceil(self.MIN_ELITES / self.elite_frac / 2)        # even (antithetic pairs)
        return max(super()._default_popsize(), need)

    def _update(self, b: Batch) -> None:
        f = np.where(np.isfinite(b.f), b.f, np.inf)
        finite = int(np.count_nonzero(np.isfinite(f)))
        if finite == 0:
            return  # nothing to refit to (all rejected or non-finite): sample the same Gaussian again
        # rejected samples (+inf: infeasible in "feasible" mode) never become elites; refitting to
        # them would drag the mean to random infeasible points
        k = min(finite, max(1, int(round(self.elite_frac * len(f)))))
        elite = b.X[np.argsort(f, kind="stable")[:k]]
        # sums in row order (cumulative sums), as the core's CEM adds them
        new_mean = np.cumsum(elite, axis=0)[-1] / k
        new_sigma = self.sigma
        if k > 1:
            dev = elite - new_mean
            var = np.cumsum(dev * dev, axis=0)[-1] / k
            new_sigma = math.sqrt(np.cumsum(var / (self.scale * self.scale))[-1] / self.dim)
        self.mean = self.alpha * new_mean + (1 - self.alpha) * b.mean
        self.sigma = max(self.sigma_min, self.alpha * new_sigma + (1 - self.alpha) * self.sigma)


class ES(SamplingOptimizer):
    """Evolution strategy: Adam on the antithetic Stein gradient of the smoothed objective.
    sigma anneals geometrically to ``sigma_end``; the learning rate scales with sigma."""

    name = "es"
    needs_gradient = True

    def __init__(self, dim: int, bounds: Any, *, learning_rate: Optional[float] = None,
                 sigma_end: Optional[float] = None, beta1: float = 0.9, beta2: float = 0.999, **kw):
        super().__init__(dim, bounds, **kw)
        half = float(np.mean((self.upper - self.lower) / 2))
        self.lr0 = _positive(learning_rate, "learning_rate") if learning_rate is not None else 0.5 * self.sigma0
        self.sigma_end = _positive(sigma_end, "sigma_end") if sigma_end is not None else 1e-6 * half
        self.b1, self.b2 = float(beta1), float(beta2)
        self._m = np.zeros(self.dim)
        self._v = np.zeros(self.dim)

    def _update(self, b: Batch) -> None:
        g = b.gradient
        p = min(1.0, (self.t + 1) / self.iterations)
        if not np.all(np.isfinite(g)):
            # values near the float64 maximum overflow the Stein estimate: it has no usable
            # direction, and folding inf/NaN into Adam's moments would poison every later step
            self.sigma = _log_interp(self.sigma0, self.sigma_end, p)
            return
        self._m = self.b1 * self._m + (1 - self.b1) * g
        self._v = self.b2 * self._v + (1 - self.b2) * g * g
        mh = self._m / (1 - self.b1 ** (self.t + 1))
        vh = self._v / (1 - self.b2 ** (self.t + 1))
        lr = self.lr0 * (self.sigma / self.sigma0)  # lr0 * sigma overflows for a huge sigma0
        self.mean = b.mean - lr * self.scale * mh / (np.sqrt(vh) + 1e-12)
        self.sigma = _log_interp(self.sigma0, self.sigma_end, p)
