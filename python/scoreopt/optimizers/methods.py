"""The built-in sampling methods: each is the compiled engine (see base.py) running the method's
update rule (csrc/src/sampling_rules.cpp). Every class takes the engine's arguments (dim, bounds,
popsize, seed, x0, sigma0, budget, restarts, antithetic: see :class:`EngineOptimizer`) and the
method's own options below, as keywords; defaults are the engine's.
"""

from __future__ import annotations

from .base import EngineOptimizer


class DIDA(EngineOptimizer):
    """Annealed Gaussian smoothing (DIDA). The mean takes the MPPI step (the Boltzmann-weighted
    mean, a gradient step of size sigma^2/lambda on the soft-min-smoothed objective) while the
    smoothing scale and the temperature follow schedules: large sigma makes the landscape nearly
    convex around the global basin, and annealing sigma to zero removes the smoothing bias.

    popsize: 100 by default. temperature: relative temperature tau (lambda = tau * std of the
    batch's f; 3: a soft weighting that keeps the update close to the smoothed gradient), annealed
    geometrically to ``temperature_end`` (default: constant). sigma anneals from sigma0 to
    ``sigma_end`` (default 1e-9 of the mean half-width) over each cycle: ``schedule``
    "geometric" or "cosine" (in log scale), or "adaptive" (shrink by ``shrink``, 0.8, whenever the
    mean's step falls below ``adapt_threshold``, 0.1, times sigma sqrt(dim): the current
    smoothing level has converged). step: fraction of the MPPI step taken (1).
    """

    name = "dida"


class CDIDA(EngineOptimizer):
    """Covariance-adapted annealed smoothing: DIDA whose smoothing kernel N(m, sigma^2 C) learns
    its shape C from the weighted samples, with restarts that spend the whole budget. The
    default method for problems whose structure is unknown (rotated, ill-conditioned,
    multimodal); the derivation is in csrc/src/covariance_rule.cpp and the docs.

    Each batch moves the mean to the weighted mean of the samples (the MPPI step on the
    smoothed objective), C toward the weighted second moment of the successful steps, and sigma
    by ``schedule``: "adaptive" (default, path-length control: sigma shrinks while the whitened
    mean steps cancel, grows while they line up) or DIDA's fixed "geometric" / "cosine" annealing
    to ``sigma_end`` over each cycle. ``weights``: "rank" (default; log-rank weights of the better
    half, invariant to increasing transforms of f) or "boltzmann" (exp(-(f - fmin) /
    (temperature std f)), ``temperature`` 1). ``covariance``: "full", "diagonal", "auto"
    (default: full up to 400 dimensions) or "isotropic" (C = I, DIDA's kernel). popsize: the
    first cycle's, 4 + floor(3 ln dim).

    Annealed smoothing (the fixed schedules): sigma follows the schedule over the first
    ``anneal_fraction`` (default 1) of each cycle, during which the mean takes ``mean_rate``
    (default 1) of each weighted step, averaging the noisy smoothed gradient over batches, and
    learns from the steps to the samples as evaluated (reflected into the box); after it, sigma
    is adapted by path-length control from ``sigma_end``, with whole steps (the local phase).
    For functions with a global structure under many local minima (rastrigin-like), e.g.
    ``covariance="isotropic", popsize=400, schedule="geometric", sigma0=1.5, sigma_end=0.15,
    anneal_fraction=0.85, restart_regime="equal", weights="boltzmann", temperature=2,
    antithetic=True`` on rastrigin's box [-5.12, 5.12] (sigma in units of x, about 0.3 and 0.03
    of the half-width): antithetic pairs cancel the even part of f around the mean (a bowl's
    spread over the batch) and near-linear Boltzmann weights take the step from the values rather
    than their ranks, so the step is the smoothed gradient with little noise. Measured in bench/RESULTS.md (shifted, rotated rastrigin, D = 100: 20 of 20
    seeds at 10^6 evaluations).

    Restarts (``restart_regime``): "bipop" (default) runs cycles until the budget is spent, each
    ended by its stopping tests (flat fitness below ``tolfun`` 1e-11, spread below ``tolx``
    1e-11 of the half-width, stagnation, a degenerate or ill-conditioned C) and started from a
    uniform point of the box, alternately with a doubled population and with a small one and a
    random smaller sigma0, whichever has spent less; "ipop" always doubles; "equal" splits the
    budget into ``restarts`` + 1 equal cycles. ``restarts`` caps their number (default: none).
    The result is the best point over all cycles; samples are not antithetic by default.
    """

    name = "cdida"


class Marginal(EngineOptimizer):
    """Factorized annealed smoothing: the weighted density of the last batch, kept whole as the
    product of its marginals and smoothed at scale sigma. Every coordinate of every new sample is
    drawn independently from its weighted marginal, x_i = x_(j,i) + sigma s_i z_i with the
    parent j drawn by weight (a kernel-density marginal, so a coordinate keeps all its good
    basins until the weights decide between them); sigma anneals on DIDA's fixed schedule
    (``schedule`` "geometric", default, or "cosine") from ``sigma0`` (0.3 of the mean half-width)
    to ``sigma_end`` (1e-9 of it, below sigma0) over each cycle, and on each coordinate the kernel
    is at most half the parents' weighted spread and at least ``spread_floor`` (0.05, in [0, 0.5])
    of it: h_i = max(min(sigma s_i, 0.5 sd_w(x_i)), 0.05 sd_w(x_i)). Coordinates of different
    scales converge each at its own, and a weakly selected one keeps searching within its spread
    after the schedule's sigma has passed below it. The first batch of a cycle is
    centered on the start and on uniform points of the box (its samples: those centers plus the
    kernel's noise at sigma0, reflected). The rule is in csrc/src/marginal_rule.cpp.

    For separable problems (f a sum of functions of one coordinate each), multimodal ones above
    all, where the factorization is exact: Schwefel 2.26, whose optimum lies near a corner,
    defeats CDIDA and BIPOP-CMA-ES and not this one (bench/RESULTS.md). On rotated problems the
    factorization loses the dependencies between coordinates (a rotated ellipsoid is out of its
    reach): use CDIDA. popsize: 40 dim, at most a cycle's budget / 150 (budget / ((restarts + 1)
    150)) and a batch of 2^25 numbers, at least 200. A larger batch resolves each coordinate's
    basins better against the noise of the other coordinates' terms, as long as about 150
    batches remain to anneal over (bench/RESULTS.md). ``weights``: "rank" (default; log-rank
    weights of the better half) or "boltzmann" (exp(-(f - fmin) / (temperature std f)),
    ``temperature`` 1; read only with Boltzmann weights). Samples are never antithetic (each has its own center;
    ``antithetic=True`` is an error). Restarts: ``restarts`` equal cycles.
    """

    name = "marginal"


class MPPI(EngineOptimizer):
    """Model-predictive path integral: the Boltzmann-weighted mean at a fixed sigma and relative
    ``temperature`` (1)."""

    name = "mppi"


class MBD(EngineOptimizer):
    """Model-based diffusion, black-box form: T = budget / popsize reverse steps (per cycle) with
    betas linearly spaced in [``beta_start``, ``beta_end``] (1e-4, 1e-2); at step t the samples
    are N(x0_hat, sigma_t^2 I) with sigma_t = sqrt((1 - abar_t) / abar_t) times the mean
    half-width, noisiest first, and x0_hat becomes their Boltzmann-weighted mean (relative
    ``temperature`` 0.1, as in the reference code)."""

    name = "mbd"


class CEM(EngineOptimizer):
    """Cross-entropy method: refit the mean and an isotropic sigma to the best ``elite_frac``
    (0.1) of the population, smoothed by ``alpha`` (0.7), sigma kept above ``sigma_min``
    (1e-12 of the mean half-width). Non-finite values (rejected samples) are never elites. The
    default popsize keeps at least 5 elites (50 at elite_frac 0.1)."""

    name = "cem"


class ES(EngineOptimizer):
    """Evolution strategy: Adam (``beta1`` 0.9, ``beta2`` 0.999) on the antithetic Stein gradient
    of the smoothed objective. sigma anneals geometrically to ``sigma_end`` (1e-6 of the mean
    half-width); the learning rate (``learning_rate``, default 0.5 sigma0) scales with sigma."""

    name = "es"
