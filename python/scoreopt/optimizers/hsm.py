"""HSM: global optimization by gradients from hierarchical score-matching spaces (Li, arXiv
2601.11639).

The fitness becomes a density p(y) ∝ q(y) exp(-f(y) / T) over the samples' distribution q (the
box, or a neighbourhood of the current point), and the hierarchy is its forward diffusion: at
scale t the landscape is p smoothed by a Gaussian of width s(t) = t / (1 - t) (linear / SiT
path z = (1 - t) u + t eps, in a frame where the box or the neighbourhood has half-width 1). At
large t the smoothed density is nearly log-concave and its gradient points to the global basin;
lowering t restores detail. At every level the optimizer ascends log p_t with Tweedie's formula:

    x <- x + eta * (x0_hat_t(x) - x),   x0_hat_t = E[y | z = (1 - t) x]  (= x + s^2 grad log p_t)

The denoiser x0_hat comes from one of two score sources, so they can be compared on the same
problem:

* ``score="flow"``: a flow-matching velocity model v(z, t) (PyTorch MLP) trained on the
  fitness-weighted samples of the level; x0_hat = z - t v. ``sampling="global"`` draws the
  training samples over the whole box; ``"local"`` (the paper's local efficient score matching)
  draws them in a cube of half-width ``local_radius`` * s around
  the current point, so the model always learns a well-scaled piece of the landscape (the
  default; at coarse levels that cube covers the box).
* ``score="smoothing"``: model-free, the core's fused smoothing estimator: x0_hat is the
  Boltzmann-weighted mean of samples y ~ N(x, s^2) (the same posterior mean, estimated by Monte
  Carlo instead of learned).

After the last level a local stage (``refine``) descends on f itself at t -> 0: L-BFGS-B (with
the problem's gradient, or batched finite differences: central inside, one-sided within a step
of a bound) or, with constraints, SLSQP. Every point HSM evaluates lies in the box: samples are
reflected into it (the engine's rule, ``_core.reflect_into_box``: no mass piles up on the
bounds), descent steps are clipped, the difference stencils stay inside, and the local solver's
iterates are evaluated at their projection onto the box. The
hierarchy then restarts from a fresh point while budget remains (``restarts``); the result is
the best feasible point seen.

Constraints follow the paper: samples are restricted to the feasible set (``project`` moves a
sample onto it when the user knows how, the box is handled by reflection, and what is still
infeasible is rejected: it gets +inf, i.e. zero weight), so the learned score points away from
infeasible regions. ``constraint_mode="penalty"`` uses f + w * sum(max(0, g)^2) instead.

Parallel exploration (``points`` > 1) moves several points through the same hierarchy. With
local sampling one model is trained on all the points' neighbourhoods at once, which is what the
paper reports as failing in high dimension (conflicting gradients); bench/hsm.py measures it.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np

from .. import _arrays, _core, smoothing
from .._validate import UINT64_MAX, real
from ..constraints import ConstrainedProblem, ConstraintSet, as_constraints, check_project
from ..problem_types import Problem, check_bounds
from .base import OptimizeResult

__all__ = ["HSM", "FlowScoreModel", "level_schedule"]


class _BudgetSpent(Exception):
    pass


def level_schedule(levels: int, t_max: float, t_min: float) -> np.ndarray:
    """Diffusion scales t_0 > ... > t_{L-1}, geometric in the smoothing width s = t / (1 - t)."""
    s_max, s_min = t_max / (1 - t_max), t_min / (1 - t_min)
    s = s_max * (s_min / s_max) ** (np.arange(levels) / max(1, levels - 1))
    return s / (1 + s)


class FlowScoreModel:
    """Velocity model v(z, t) of the linear path z = (1 - t) u + t eps, eps ~ N(0, I), trained
    by weighted flow matching: E_w || v(z, t) - (eps - u) ||^2. Inputs are in a normalized frame
    (samples roughly in [-1, 1]^D).

    dim: D; width, depth: the MLP; seed: initialization and training noise (deterministic);
    threads: torch intra-op threads while training and predicting."""

    def __init__(self, dim: int, *, width: int = 128, depth: int = 3, seed: int = 0, lr: float = 2e-3,
                 frequencies: int = 8, threads: int = 1):
        import torch

        self.torch = torch
        self.dim = dim
        self.threads = int(threads)
        self.gen = torch.Generator().manual_seed(int(seed))
        self.freqs = torch.arange(1, frequencies + 1, dtype=torch.float32) * np.pi
        with torch.random.fork_rng(devices=[]):  # seeded initialization, global RNG untouched
            torch.manual_seed(int(seed))
            layers: List[Any] = []
            n_in = dim + 1 + 2 * frequencies
            for _ in range(depth):
                layers += [torch.nn.Linear(n_in, width), torch.nn.SiLU()]
                n_in = width
            last = torch.nn.Linear(n_in, dim)
            layers.append(last)
            self.net = torch.nn.Sequential(*layers)
            # the velocity of the untrained model is ~0, so early levels move little
            torch.nn.init.zeros_(last.weight)
            torch.nn.init.zeros_(last.bias)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=lr)

    def _features(self, z, t):
        torch = self.torch
        tt = t[:, None] * self.freqs[None, :]
        return torch.cat([z, t[:, None], torch.sin(tt), torch.cos(tt)], dim=1)

    def velocity(self, z, t):
        """z: (B, D) tensor, t: (B,) tensor -> (B, D)."""
        return self.net(self._features(z, t))

    def _one_thread(self):
        """The model is small: one intra-op thread is fastest, and on a loaded machine torch's
        spinning worker threads make a step 100x slower (measured: 0.5 s vs 63 s for 200 steps
        with 2 threads while other processes held both cores). Restored afterwards."""
        torch = self.torch
        model = self

        class _Scope:
            def __enter__(self):
                self.n = torch.get_num_threads()
                torch.set_num_threads(model.threads)

            def __exit__(self, *exc):
                torch.set_num_threads(self.n)

        return _Scope()

    def fit(self, U: np.ndarray, w: np.ndarray, *, steps: int, batch: int, t_low: float, t_high: float) -> float:
        """Train on samples U (n, D) with weights w (n,) (summing to 1); t ~ U(t_low, t_high).
        Returns the last batch loss."""
        with self._one_thread():
            return self._fit(U, w, steps, batch, t_low, t_high)

    def _fit(self, U, w, steps, batch, t_low, t_high) -> float:
        torch = self.torch
        Ut = torch.as_tensor(U, dtype=torch.float32)
        p = torch.as_tensor(w, dtype=torch.float64)
        loss = torch.zeros(())
        for _ in range(steps):
            # resampling by weight is the weighted loss with unit weights, at lower variance
            idx = torch.multinomial(p, batch, replacement=True, generator=self.gen)
            u = Ut[idx]
            eps = torch.randn(u.shape, generator=self.gen)
            t = t_low + (t_high - t_low) * torch.rand(batch, generator=self.gen)
            z = (1 - t)[:, None] * u + t[:, None] * eps
            loss = torch.mean((self.velocity(z, t) - (eps - u)) ** 2)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
        return float(loss.detach())

    def denoise(self, U: np.ndarray, t: float) -> np.ndarray:
        """x0_hat of points U (m, D) seen at scale t: E[u | z = (1 - t) U] = z - t v(z, t)."""
        torch = self.torch
        with torch.no_grad(), self._one_thread():
            z = (1 - t) * torch.as_tensor(U, dtype=torch.float32)
            v = self.velocity(z, torch.full((z.shape[0],), float(t)))
            return (z - t * v).double().numpy()


def _fitness_weights(f: np.ndarray, temperature: float) -> np.ndarray:
    """Boltzmann weights exp(-(f - min) / lam) with lam = temperature * (median - min) of the
    finite values: a robust scale (the std of a Rosenbrock sample is dominated by one outlier);
    non-finite (rejected) samples get weight 0. Computed by the core (``_core.boltzmann_weights``,
    the formulas of csrc/src/smoothing_statistics.hpp)."""
    return _core.boltzmann_weights(np.ascontiguousarray(f, dtype=np.float64), float(temperature), "median")


def _difference_stencil(x: np.ndarray, h: np.ndarray, lower: np.ndarray, upper: np.ndarray):
    """Per coordinate i, the offsets a_i, b_i of a 3-point derivative stencil at x (points x,
    x + a_i e_i, x + b_i e_i, all in [lower, upper]) and its weights c0, ca, cb: the derivative of
    the quadratic through the three values, so f'(x_i) ~ c0 f(x) + ca f(x + a e_i) + cb f(x + b e_i)
    with O(h^2) error in every case.

    Inside: central differences (a, b = h, -h; weights 0, 1/2h, -1/2h). Within h of a bound:
    one-sided second-order differences into the box (upper: a, b = -h, -2h, i.e.
    (3 f(x) - 4 f(x - h) + f(x - 2h)) / 2h; lower: a, b = h, 2h), so the stencil never steps
    outside (a user's simulator may be undefined there). h is capped at a quarter of the box
    width so that the one-sided points fit."""
    h = np.minimum(h, (upper - lower) / 4)
    up = x + h > upper
    down = ~up & (x - h < lower)
    a = np.where(up, -h, h)
    b = np.where(up, -2 * h, np.where(down, 2 * h, -h))
    # Lagrange weights of the derivative at 0 of the quadratic through (0, a, b)
    c0 = -(a + b) / (a * b)
    ca = -b / (a * (a - b))
    cb = -a / (b * (b - a))
    return a, b, c0, ca, cb


class HSM:
    """Hierarchical score-matching optimizer. Runs with ``step(problem)`` (or through
    ``scoreopt.minimize(..., method="hsm")``); it needs the problem inside its loop (models are
    trained between evaluations), so it has no ask/tell interface.

    dim, bounds: the box (required). budget: evaluations (default 10,000 * dim).
    score: "flow" (learned) or "smoothing" (model-free). sampling: "global" (the box at every
    level), "local" (a cube of half-width local_radius * s(t) around each point; the box while
    that is larger) or "auto" (local). levels, t_max, t_min: the hierarchy (see level_schedule).
    inner_steps, step_size: Tweedie ascent steps per level and eta. samples: training samples per
    level and point (flow) or estimator samples per step (smoothing); default 20 * dim, at least
    64, halved (down to 16) while one hierarchy would cost more than half the budget. temperature: relative to the samples' (median - min) spread. points: parallel
    exploration. local_radius: half-width of the local sampling cube in units of s(t).
    refine: local descent at t -> 0 after the hierarchy. restarts: run the hierarchy again while
    budget remains. width, depth, train_steps, batch_size, lr: the flow model.
    constraints, constraint_mode ("feasible" | "penalty"), penalty, project: see
    scoreopt.constraints.
    """

    name = "hsm"

    def __init__(self, dim: int, bounds: Any, *, budget: Optional[int] = None, seed: int = 0,
                 x0: Any = None, score: str = "flow", sampling: str = "auto", levels: int = 10,
                 t_max: float = 0.6, t_min: float = 0.01, inner_steps: int = 5, step_size: float = 0.7,
                 samples: Optional[int] = None, temperature: float = 0.5, points: int = 1,
                 local_radius: float = 3.0, refine: bool = True, restarts: bool = True,
                 width: int = 128, depth: int = 3, train_steps: int = 100, batch_size: int = 256,
                 lr: float = 2e-3, refine_maxiter: int = 2000, constraints: Any = None,
                 constraint_mode: str = "feasible", penalty: float = 1e3,
                 project: Optional[Callable] = None):
        from .._validate import integer

        self.dim = integer(dim, "dim", 1)
        if bounds is None:
            raise ValueError("bounds: required, a pair (lower, upper) of scalars or arrays of shape (dim,)")
        self.lower, self.upper = check_bounds(bounds, self.dim)
        if np.any(self.upper <= self.lower):
            raise ValueError("bounds: upper must be > lower in every coordinate")
        if score not in ("flow", "smoothing"):
            raise ValueError(f"score: expected 'flow' or 'smoothing', got {score!r}")
        if sampling not in ("auto", "global", "local"):
            raise ValueError(f"sampling: expected 'auto', 'global' or 'local', got {sampling!r}")
        self.score = score
        # "auto" is local: at coarse levels the neighbourhood covers the box (global sampling), at
        # fine levels global samples are far too sparse to resolve the detail of p_t
        self.sampling = "local" if sampling == "auto" else sampling
        self.seed = integer(seed, "seed", 0, UINT64_MAX)  # the smoothing score's noise key
        self.budget = integer(budget, "budget", 1) if budget is not None else 10_000 * self.dim
        self.levels = integer(levels, "levels", 1)
        for name, v in (("t_max", t_max), ("t_min", t_min)):
            if not (isinstance(v, (int, float)) and 0 < v < 1):
                raise ValueError(f"{name}: expected a value in (0, 1), got {v!r}")
        if t_min > t_max:
            raise ValueError(f"t_min: expected <= t_max ({t_max}), got {t_min}")
        self.ts = level_schedule(self.levels, float(t_max), float(t_min))
        self.step_size = self._positive(step_size, "step_size")
        self.inner_steps = integer(inner_steps, "inner_steps", 1)
        self.points = integer(points, "points", 1)
        if samples is not None:
            self.samples = integer(samples, "samples", 2)
        else:
            # 20 per dimension, but a whole hierarchy may use at most half the budget, so that a
            # small budget still reaches the local stage
            self.samples = max(64, 20 * self.dim)
            while self.samples > 16 and self.levels * self._level_cost(score, self.samples) > self.budget // 2:
                self.samples //= 2
        if score == "smoothing" and self.samples % 2:
            self.samples += 1  # antithetic pairs
        self.temperature = self._positive(temperature, "temperature")
        self.local_radius = self._positive(local_radius, "local_radius")
        self.refine, self.restarts = bool(refine), bool(restarts)
        self.width, self.depth = integer(width, "width", 1), integer(depth, "depth", 1)
        self.train_steps = integer(train_steps, "train_steps", 1)
        self.batch_size = integer(batch_size, "batch_size", 1)
        self.lr = self._positive(lr, "lr")
        self.refine_maxiter = integer(refine_maxiter, "refine_maxiter", 1)
        self.cons: ConstraintSet = as_constraints(constraints, self.dim)
        self.constraint_mode = constraint_mode
        if constraint_mode not in ("feasible", "penalty"):
            raise ValueError(f"constraint_mode: expected 'feasible' or 'penalty', got {constraint_mode!r}")
        self.penalty = self._positive(penalty, "penalty")
        self.project = check_project(project)
        self.rng = np.random.default_rng(self.seed)
        self.half = (self.upper - self.lower) / 2
        self.center = (self.lower + self.upper) / 2
        if x0 is not None:
            x0 = np.asarray(_arrays.to_array(x0, "x0").array, dtype=np.float64)
            if x0.shape != (self.dim,):
                raise ValueError(f"x0: expected shape ({self.dim},), got {x0.shape}")
            if not np.all(np.isfinite(x0)):
                raise ValueError("x0: contains NaN or Inf")
        self.x0 = x0
        self.nfev = 0
        self.nit = 0
        self.nonfinite = 0
        self.best_x = self.center.copy()
        self.best_f = np.inf
        self.history: List[float] = []
        #: per episode: the points after each level, (levels + 1, points, dim), for plots
        self.trajectories: List[np.ndarray] = []
        self.episodes = 0
        #: the best feasible value found by each finished episode (hierarchy + local stage)
        self.episode_best: List[float] = []
        self._ep_best = np.inf
        self._streams = 0  # noise streams of the smoothing estimator used so far
        self._gen: Optional[Iterator[None]] = None
        self._message = ""
        self._problem: Optional[Problem] = None

    def _level_cost(self, score: str, samples: int) -> int:
        """Evaluations one level spends."""
        if score == "flow":
            return self.points * (samples + self.inner_steps)
        return self.points * self.inner_steps * samples

    @staticmethod
    def _positive(v, name):
        v = real(v, name)
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"{name}: expected a finite value > 0, got {v!r}")
        return v

    # -- evaluation with budget, box, projection and constraints ------------------------------
    def _feasible_points(self, X: np.ndarray) -> np.ndarray:
        X = _core.reflect_into_box(np.ascontiguousarray(X, dtype=np.float64), self.lower, self.upper)
        if self.project is not None:
            P = np.asarray(self.project(X.copy()), dtype=np.float64)
            if P.shape != X.shape:
                raise ValueError(f"project: returned shape {P.shape}, expected {X.shape}")
            X = np.clip(P, self.lower, self.upper)
        return X

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        """Values of the rows of X (already feasible-projected) on the working problem; spends
        budget and tracks the best feasible point. Raises _BudgetSpent when the budget is out."""
        left = self.budget - self.nfev
        if left <= 0:
            raise _BudgetSpent
        cut = X.shape[0] > left
        if cut:
            X = X[:left]
        f = np.asarray(self._work.evaluate(X), dtype=np.float64).reshape(-1)
        self._account(X, f)
        if cut:
            raise _BudgetSpent
        return f

    def _account(self, X: np.ndarray, f: np.ndarray) -> None:
        self.nfev += X.shape[0]
        bad = ~np.isfinite(f)
        self.nonfinite += int(bad.sum()) if self.constraint_mode == "penalty" or not len(self.cons) else 0
        if len(self.cons):
            # in penalty mode f carries the penalty, which is 0 at the feasible points kept here
            fv = np.where(self.cons.feasible(X) & ~bad, f, np.inf)
        else:
            fv = np.where(bad, np.inf, f)
        self._keep_best(X, fv)

    def _keep_best(self, X: np.ndarray, fv: np.ndarray) -> None:
        k = int(np.argmin(fv))
        if np.isfinite(fv[k]):
            self._ep_best = min(self._ep_best, float(fv[k]))
            if fv[k] < self.best_f:
                self.best_f, self.best_x = float(fv[k]), X[k].copy()

    # -- the algorithm --------------------------------------------------------------------------
    def step(self, problem: Problem) -> None:
        """Advance by one level (or one local-refinement stage) on ``problem``."""
        if not isinstance(problem, Problem):
            raise TypeError(f"problem: expected a scoreopt Problem, got {type(problem).__name__}")
        if problem.dim != self.dim:
            raise ValueError(f"problem: dim {problem.dim} does not match the optimizer's {self.dim}")
        if self._gen is None:
            self._problem = problem
            self._work = (ConstrainedProblem(problem, self.cons, self.constraint_mode, self.penalty)
                          if len(self.cons) else problem)
            self._gen = self._run()
        elif problem is not self._problem:
            raise ValueError("problem: an HSM run is tied to the problem of its first step")
        if self._message:
            return
        try:
            next(self._gen)
        except _BudgetSpent:
            self._message = "budget exhausted"
        except StopIteration:
            self._message = self._message or "converged"
        self.nit += 1
        self.history.append(self.best_f)

    def halt(self, message: str) -> None:
        """Stop before the budget is spent: ``stop`` is True and ``result.message`` is ``message``."""
        self._message = str(message)

    @property
    def stop(self) -> bool:
        if not self._message and self.nfev >= self.budget:
            self._message = "budget exhausted"
        return bool(self._message)

    def _run(self) -> Iterator[None]:
        while True:
            self._ep_best = np.inf
            yield from self._episode()
            self.episode_best.append(self._ep_best)
            self.episodes += 1
            if not self.restarts:
                self._message = "converged"
                return

    def _start_points(self) -> np.ndarray:
        P = self.center + self.half * self.rng.uniform(-1, 1, size=(self.points, self.dim))
        if self.episodes == 0 and self.x0 is not None:
            P[0] = self.x0
        return self._feasible_points(P)

    def _episode(self) -> Iterator[None]:
        X = self._start_points()
        self._evaluate(X)
        traj = [X.copy()]
        self.trajectories.append(np.asarray(traj))
        model = None
        if self.score == "flow":
            # torch takes 64-bit seeds: reduce (a no-op for seeds below ~9e12)
            model = FlowScoreModel(self.dim, width=self.width, depth=self.depth,
                                   seed=(self.seed * 1_000_003 + self.episodes) % 2 ** 63, lr=self.lr)
        # Restarts cycle through shorter hierarchies (starting at a third and at two thirds of
        # the levels): the coarsest levels pick the same basin from any start, so repeating the
        # full hierarchy would only repeat its answer, while shorter ones explore other basins.
        first = (self.episodes % 3) * self.levels // 3
        for t in self.ts[first:]:
            s = t / (1 - t)
            if self.score == "flow":
                assert model is not None  # built above for score="flow"
                X = yield from self._flow_level(model, X, float(t), s)
            else:
                X = yield from self._smoothing_level(X, s)
            traj.append(X.copy())
            self.trajectories[-1] = np.asarray(traj)
        if self.refine:
            for i in np.argsort(self._values_of(X)):
                self._refine(X[i])
                yield

    def _values_of(self, X: np.ndarray) -> np.ndarray:
        # the points' values were spent already; re-evaluating costs len(X) evaluations, which
        # buys an ordering for the refinement (best point first)
        if X.shape[0] == 1:
            return np.zeros(1)
        return self._evaluate(X)

    def _frame(self, X: np.ndarray, s: float):
        """Per point: frame center (P, D) and half-width (P, D) of its sampling region, and the
        model's t in that frame."""
        if self.sampling == "global":
            return self._frame_global(X, s)
        rho = self.local_radius * s
        if rho >= 1.0:  # the neighbourhood covers the box: sample the box itself
            return self._frame_global(X, s)
        h = np.broadcast_to(self.half * rho, X.shape)
        return X.copy(), h, s / rho

    def _frame_global(self, X: np.ndarray, s: float):
        return np.broadcast_to(self.center, X.shape), np.broadcast_to(self.half, X.shape), s

    def _flow_level(self, model: FlowScoreModel, X: np.ndarray, t: float, s: float):
        c, h, s_frame = self._frame(X, s)
        t_frame = s_frame / (1 + s_frame)
        n = self.samples
        U_all, w_all = [], []
        for p in range(X.shape[0]):
            U = self.rng.uniform(-1, 1, size=(n, self.dim))
            Y = self._feasible_points(c[p] + h[p] * U)
            f = self._evaluate(Y)
            if len(self.cons) and self.constraint_mode == "feasible":
                f = np.where(self.cons.feasible(Y), f, np.inf)
            U_all.append((Y - c[p]) / h[p])
            w_all.append(_fitness_weights(f, self.temperature))
        U = np.concatenate(U_all)
        w = np.concatenate(w_all)
        if w.sum() <= 0:  # nothing feasible or finite at this level: keep the points
            return X
        w = w / w.sum()
        model.fit(U, w, steps=self.train_steps, batch=self.batch_size,
                  t_low=max(1e-3, 0.5 * t_frame), t_high=min(0.99, 2.0 * t_frame))
        for _ in range(self.inner_steps):
            x0 = c + h * model.denoise((X - c) / h, t_frame)
            X = self._feasible_points(X + self.step_size * (x0 - X))
            self._evaluate(X)
        yield
        return X

    def _smoothing_level(self, X: np.ndarray, s: float):
        sigma = float(np.mean(self.half)) * s
        if self.project is not None or len(self.cons):
            return (yield from self._smoothing_level_feasible(X, sigma))
        for _ in range(self.inner_steps):
            if self.budget - self.nfev < self.samples * X.shape[0]:
                raise _BudgetSpent
            e = smoothing.estimate(self._work, X, sigma, samples=self.samples,
                                   temperature=self.temperature, relative_temperature=True,
                                   seed=self.seed, center_offset=self._streams,
                                   bounds=(self.lower, self.upper), gradient=False)
            self.nfev += self.samples * X.shape[0]
            self._streams += X.shape[0]
            self.nonfinite += int(np.sum(e.nonfinite))
            bx, bf = np.atleast_2d(e.best_x), np.atleast_1d(e.best_f)
            self._consider(bx, bf)
            X = self._feasible_points(X + self.step_size * (np.atleast_2d(e.weighted_mean) - X))
        yield
        return X

    def _smoothing_level_feasible(self, X: np.ndarray, sigma: float):
        """The same estimate as the fused one (same noise streams, same weights), with every
        sample moved onto the feasible set before it is evaluated and averaged: the fused
        estimator only knows the box."""
        K = self.samples
        for _ in range(self.inner_steps):
            if self.budget - self.nfev < K * X.shape[0]:
                raise _BudgetSpent
            for p in range(X.shape[0]):
                eps = smoothing.noise(self.seed, self._streams, 0, K, self.dim)
                self._streams += 1
                Y = self._feasible_points(X[p] + sigma * eps)
                f = self._evaluate(Y)
                _, k_best, _, x0, _ = _core.population_statistics(Y, f, X[p], self.temperature, None,
                                                                   0.0, False)
                if k_best < 0:
                    continue  # nothing feasible around this point: it stays
                X[p] = self._feasible_points((X[p] + self.step_size * (x0 - X[p]))[None])[0]
        yield
        return X

    def _consider(self, X: np.ndarray, f: np.ndarray) -> None:
        """Points evaluated inside the fused estimator (already counted in nfev)."""
        fv = np.asarray(f, dtype=np.float64)
        if len(self.cons):
            fv = np.where(self.cons.feasible(X), fv, np.inf)
        self._keep_best(X, fv)

    # -- local stage at t -> 0 ------------------------------------------------------------------
    def _fun_grad(self, x: np.ndarray):
        """f and its gradient at x (in the box): the problem's own gradient, or finite
        differences in one batch of 2 D + 1 points (step ~ cbrt(eps) relative to the box), all
        inside the box; see :func:`_difference_stencil`."""
        prob = self._problem
        assert prob is not None  # set by step() before the local stage runs
        if prob.has_gradient:
            if self.budget - self.nfev < 1:
                raise _BudgetSpent
            f, g = prob.value_and_gradient(x[None])
            f, g = np.asarray(f, dtype=np.float64), np.asarray(g, dtype=np.float64)
            self._account(x[None], f)
            return float(f[0]), g[0]
        h = 6e-6 * np.maximum(np.abs(x), np.mean(self.half) * 1e-3)
        a, b, c0, ca, cb = _difference_stencil(x, h, self.lower, self.upper)
        idx = np.arange(self.dim)
        A = np.repeat(x[None], self.dim, axis=0)
        B = A.copy()
        A[idx, idx] += a
        B[idx, idx] += b
        # x + a e_i lands on the bound exactly when it should; rounding must not leave the box
        P = np.clip(np.concatenate([x[None], A, B]), self.lower, self.upper)
        left = self.budget - self.nfev
        if left < P.shape[0]:
            raise _BudgetSpent
        f = np.asarray(prob.evaluate(P), dtype=np.float64)
        self._account(P, f)
        return float(f[0]), c0 * f[0] + ca * f[1:self.dim + 1] + cb * f[self.dim + 1:]

    def _refine(self, x: np.ndarray) -> None:
        from scipy.optimize import minimize as sp_minimize

        x = np.clip(x, self.lower, self.upper)
        bounds = list(zip(self.lower, self.upper))
        cache: Dict[bytes, Tuple[float, np.ndarray]] = {}

        def fg(z):
            key = z.tobytes()
            if key not in cache:
                # L-BFGS-B's iterates are projected onto the box, SLSQP's can leave it by a
                # step's rounding or more (its line search is not bound-aware): the problem is
                # only ever evaluated at the nearest point of the box
                z = np.clip(np.asarray(z, dtype=np.float64), self.lower, self.upper)
                f, g = self._fun_grad(z)
                if not np.isfinite(f):
                    f, g = 1e300, np.zeros_like(g)
                cache.clear()
                cache[key] = (f, g)
            return cache[key]

        if not len(self.cons):
            sp_minimize(lambda z: fg(z)[0], x, jac=lambda z: fg(z)[1], method="L-BFGS-B", bounds=bounds,
                        options=dict(maxiter=self.refine_maxiter, ftol=1e-15, gtol=1e-12, maxcor=20))
            return
        cons = [dict(type="ineq", fun=lambda z: -self.cons.values(z[None])[0],
                     jac=lambda z: -self.cons.jacobian(z))]
        r = sp_minimize(lambda z: fg(z)[0], x, jac=lambda z: fg(z)[1], method="SLSQP", bounds=bounds,
                        constraints=cons, options=dict(maxiter=self.refine_maxiter, ftol=1e-12))
        if self.project is not None:
            # SLSQP ends within its tolerance of the constraints, often outside by ~1e-12; the
            # projection of its answer is feasible exactly and loses nothing measurable
            self._evaluate(self._feasible_points(np.asarray(r.x, dtype=np.float64)[None]))

    # -- result ---------------------------------------------------------------------------------
    @property
    def result(self) -> OptimizeResult:
        ok = np.isfinite(self.best_f)
        viol = float(self.cons.violation(self.best_x[None])[0]) if len(self.cons) else 0.0
        msg = self._message or "running"
        return OptimizeResult(x=self.best_x.copy(), fun=float(self.best_f), nfev=self.nfev, nit=self.nit,
                              success=bool(ok), message=msg if ok else "no feasible finite value seen",
                              history=list(self.history), nonfinite=self.nonfinite, method=self.name,
                              feasible=bool(ok and viol <= 0.0), max_violation=viol)
