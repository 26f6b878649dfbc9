"""The Python face of the sampling engine (``scoreopt._core.SamplingOptimizer``, written once in
C++: csrc/src/sampling_optimizer.cpp and, for each method's update rule, sampling_rules.cpp).

``EngineOptimizer`` is what every built-in method (methods.py) is: arguments checked, arrays in
and out, result objects; the sampling, statistics, update rules, budget, restarts and pickling
happen in the engine. ``SamplingOptimizer`` is the base class for update rules written in
Python: the engine still samples, computes the batch statistics and keeps the books, and the
subclass moves the mean and sigma.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

import numpy as np

from .. import _arrays, _core
from .._validate import integer as _int_arg
from ..problem_types import BuiltinProblem, Problem, check_bounds


@dataclass
class Batch:
    """What a Python update rule sees of one iteration (all float64)."""

    mean: np.ndarray  # (D,) center the samples were drawn around
    sigma: float
    value: float  # mean f over the finite samples (the smoothed value)
    gradient: Optional[np.ndarray]  # (D,) Stein estimate of the smoothed gradient, in noise units
    weighted_mean: Optional[np.ndarray]  # (D,) Boltzmann-weighted mean of the samples
    best_x: np.ndarray  # (D,) best sample of the batch (the center when none is finite)
    best_f: float
    nonfinite: int
    X: Optional[np.ndarray] = None  # (K, D) the samples
    f: Optional[np.ndarray] = None  # (K,) their values as told


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


def _box(bounds: Any, dim: int) -> Tuple[np.ndarray, np.ndarray]:
    if bounds is None:
        raise ValueError("bounds: required, a pair (lower, upper) of scalars or arrays of shape (dim,)")
    lower, upper = check_bounds(bounds, dim)
    return np.ascontiguousarray(lower, np.float64), np.ascontiguousarray(upper, np.float64)


def _start(x0: Any, dim: int) -> Optional[np.ndarray]:
    if x0 is None:
        return None
    x0 = np.asarray(_arrays.to_array(x0, "x0").array, dtype=np.float64)  # non-numeric: TypeError naming x0
    if x0.shape != (dim,):
        raise ValueError(f"x0: expected shape ({dim},), got {x0.shape}")
    return x0


class EngineOptimizer:
    """A sampling optimizer run by the compiled engine: the search distribution
    N(mean, sigma^2 S C S) (S = diag(scale); C = I except for CDIDA, which learns it; Marginal
    centers each sample on a point of its own, a mixture over its last batch) inside a box,
    noise from the stream (seed, iteration), samples that leave the box reflected into it (its
    mirror point: no probability piles up on the boundary).

    dim: problem dimension; bounds: (lower, upper), scalars or (dim,) arrays (required: every
    evaluated point and every iterate lies in the box; in a box that is not a cube the noise of
    each coordinate is scaled by its half-width over the mean half-width); popsize: samples per
    iteration (even, antithetic pairs; default: the method's); seed: noise stream; x0: initial
    mean (default: the box center); sigma0: initial scale (default: 0.3 of the mean half-width);
    budget: evaluations the schedules are planned over and the run stops at (default: 1000
    iterations planned, no limit); restarts: split the budget into restarts + 1 cycles, each from a
    uniform random point of the box at sigma0 (the best point over all cycles is the result; CDIDA:
    see its restart regimes); antithetic: samples in pairs +eps, -eps (default, except CDIDA; never Marginal). options: the method's own (see each class), checked
    by the engine: an unknown name or a bad value raises ValueError/TypeError naming it.
    """

    name = ""  # the engine's method

    def __init__(self, dim: int, bounds: Any, *, popsize: Optional[int] = None, seed: int = 0,
                 x0: Any = None, sigma0: Optional[float] = None, budget: Optional[int] = None,
                 **options: Any):
        self.dim = _int_arg(dim, "dim", 1)
        self.lower, self.upper = _box(bounds, self.dim)
        options.update(popsize=popsize, seed=seed, sigma0=sigma0, budget=budget)
        self._engine = _core.SamplingOptimizer(self.name, self.lower, self.upper, _start(x0, self.dim), options)

    # -- ask / tell ---------------------------------------------------------------------------
    def ask(self) -> np.ndarray:
        """The next population: (popsize, dim), every row inside the box."""
        return self._engine.ask()

    def tell(self, X: Any, f: Any) -> None:
        """Report the values (popsize,) of the population (popsize, dim) from ``ask`` (NaN/Inf
        allowed: they count as the worst and are reported in ``result.nonfinite``)."""
        # by the input rule: strings, objects and complex numbers raise TypeError naming X or f
        X = np.ascontiguousarray(_arrays.to_array(X, "X").array, dtype=np.float64)
        f = np.ascontiguousarray(_arrays.to_array(f, "f").array, dtype=np.float64).reshape(-1)
        if X.shape != (self.popsize, self.dim):
            raise ValueError(f"X: expected the asked shape ({self.popsize}, {self.dim}), got {X.shape}")
        if f.shape != (self.popsize,):
            raise ValueError(f"f: expected {self.popsize} values, got shape {f.shape}")
        self._engine.tell(X, f)

    def step(self, problem: Problem) -> None:
        """One iteration on ``problem``: ask, evaluate, tell (for a built-in problem without
        parameters all three run in the core, with the same iterates)."""
        if isinstance(problem, BuiltinProblem) and problem.num_params == 0:
            self._engine.step(problem._core)
        else:
            X = self.ask()
            self.tell(X, problem.evaluate(X))

    def halt(self, message: str) -> None:
        """Stop before the budget is spent: ``stop`` is True and ``result.message`` is ``message``."""
        self._engine.halt(str(message))

    # -- state -------------------------------------------------------------------------------
    def save_state(self) -> bytes:
        """The whole state (options, box, search distribution, counters, best point, history) as
        bytes; ``load_state`` of them continues the run bit for bit (pickling uses the same)."""
        return self._engine.save()

    def load_state(self, state: bytes) -> None:
        """Continue from ``save_state()`` bytes of an optimizer of this method and dimension."""
        engine = _core.SamplingOptimizer.load(bytes(state))
        if engine.method != self._engine.method or engine.dim != self.dim:
            raise ValueError(f"state: written by a {engine.method} optimizer in dim {engine.dim}, not "
                             f"{self._engine.method} in dim {self.dim}")
        self._engine = engine
        self.lower, self.upper = engine.lower, engine.upper

    # -- status ------------------------------------------------------------------------------
    @property
    def popsize(self) -> int:
        """Samples per iteration in the current cycle (it grows with Ipop/Bipop restarts)."""
        return self._engine.popsize

    @property
    def cycles(self) -> int:
        """Cycles begun so far (1 + the restarts done)."""
        return self._engine.cycles

    @property
    def stop(self) -> bool:
        """True once the budget is spent (or the run was halted)."""
        return self._engine.stop

    @property
    def result(self) -> OptimizeResult:
        return OptimizeResult(**self._engine.result())

    @property
    def mean(self) -> np.ndarray:
        """(dim,) the center of the next population."""
        return self._engine.mean

    @property
    def sigma(self) -> float:
        return self._engine.sigma

    @property
    def temperature(self) -> Optional[float]:
        """The current relative temperature of the Boltzmann weights (0: the rule uses none; a
        :class:`SamplingOptimizer` subclass sets it as a class attribute, None: not computed)."""
        return self._engine.temperature

    @property
    def t(self) -> int:
        """Iterations done."""
        return self._engine.iteration

    @property
    def nfev(self) -> int:
        return self._engine.nfev

    @property
    def nonfinite(self) -> int:
        return self._engine.nonfinite

    @property
    def best_x(self) -> np.ndarray:
        return self._engine.best_x

    @property
    def best_f(self) -> float:
        return self._engine.best_f

    @property
    def history(self) -> List[float]:
        """Best value so far after each iteration."""
        return self._engine.history

    @property
    def iterations(self) -> int:
        """Iterations the budget allows (1000 without a budget)."""
        return self._engine.iterations

    @property
    def cycle_length(self) -> int:
        """Iterations of one annealing cycle (all of them without restarts)."""
        return self._engine.cycle_length

    @property
    def progress(self) -> float:
        """Fraction of the planned iterations done, in [0, 1]."""
        return min(1.0, self.t / self.iterations)

    @property
    def options(self) -> dict:
        """The method's options with their values (defaults filled in)."""
        return self._engine.options

    def __getattr__(self, name: str) -> Any:
        # the options read as attributes (opt.alpha, opt.budget, ...)
        engine = self.__dict__.get("_engine")  # absent while unpickling
        if engine is not None and not name.startswith("_"):
            options = engine.options
            if name in options:
                return options[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class SamplingOptimizer(EngineOptimizer):
    """Base class for update rules written in Python. (DIDA, MBD, MPPI, CEM and ES are rules of
    the compiled engine; write one here to try a new rule without compiling.)

    The engine samples, computes each batch's statistics and keeps the books (budget, best point,
    history, pickling); a subclass sets ``temperature`` (relative temperature of the weighted
    mean, lambda = temperature * std of the batch's f; None: not computed) and ``needs_gradient``,
    and implements ``_update(batch) -> (mean, sigma)``, the next search distribution. Arguments:
    as :class:`EngineOptimizer`, without restarts.
    """

    name = "external"
    temperature: Optional[float] = None
    needs_gradient = False

    def __init__(self, dim: int, bounds: Any, *, popsize: Optional[int] = None, seed: int = 0,
                 x0: Any = None, sigma0: Optional[float] = None, budget: Optional[int] = None,
                 antithetic: bool = True):
        super().__init__(dim, bounds, popsize=popsize, seed=seed, x0=x0, sigma0=sigma0, budget=budget,
                         antithetic=antithetic, temperature=self.temperature, gradient=self.needs_gradient)

    def tell(self, X: Any, f: Any) -> None:
        mean, sigma = self.mean, self.sigma
        super().tell(X, f)
        b = self._engine.last_batch()
        k = b["best"]
        batch = Batch(mean=mean, sigma=sigma, value=b["value"], gradient=b["gradient"],
                      weighted_mean=b["weighted_mean"], best_x=b["X"][k] if k >= 0 else mean.copy(),
                      best_f=float(b["f"][k]) if k >= 0 else np.nan, nonfinite=b["nonfinite"],
                      X=b["X"], f=b["f"])
        new_mean, new_sigma = self._update(batch)
        self._engine.set_search(np.asarray(new_mean, dtype=np.float64), float(new_sigma))

    def step(self, problem: Problem) -> None:
        X = self.ask()
        self.tell(X, problem.evaluate(X))

    def _update(self, batch: Batch) -> Tuple[np.ndarray, float]:
        raise NotImplementedError("a SamplingOptimizer subclass implements _update(batch) -> (mean, sigma)")
