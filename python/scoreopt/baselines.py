"""External baselines at an exact evaluation budget: pycma (CMA-ES, or sep-CMA from dim 500
on; IPOP-CMA-ES; BIPOP-CMA-ES) and scipy's differential_evolution and dual_annealing, each behind
a counting wrapper that keeps the best value among the first ``budget`` evaluations, so every
method is judged the same way. Used by ``scoreopt compare``, ``scoreopt bench`` and
``bench/quality.py``; needs ``cma`` / ``scipy``.

Every baseline takes the start ``x0`` of the benchmark protocol (:mod:`scoreopt.protocol`)
where it has one: pycma's first run starts there, differential evolution puts it in its initial
population, dual annealing starts its chain there. Without ``x0`` the start is uniform in the
box, drawn from the seed.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

BASELINES = ("cma", "cma_ipop", "cma_bipop", "de", "dual_annealing")
SEP_CMA_DIM = 500  # from this dim on, "cma" is sep-CMA (diagonal covariance)


def available() -> List[str]:
    """The baselines whose packages are installed."""
    import importlib.util

    out = []
    if importlib.util.find_spec("cma") is not None:
        out += ["cma", "cma_ipop", "cma_bipop"]
    if importlib.util.find_spec("scipy") is not None:
        out += ["de", "dual_annealing"]
    return out


# -- the counting wrapper -------------------------------------------------------------------------
class BudgetCounter:
    """Wraps a problem's objective: counts evaluated points (rows of a batch count one each) and
    keeps the best value, and its point, among the first ``budget`` evaluations. Points beyond
    the budget are still evaluated and returned (the caller must not be fed fake values) but do
    not count towards the result."""

    def __init__(self, problem: Any, budget: int):
        self.problem = problem
        self.budget = int(budget)
        self.n = 0  # every evaluation made, within the budget or not
        self.best_f = math.inf
        self.best_x: Optional[np.ndarray] = None
        self.history: List[Tuple[int, float]] = []  # (evaluations, best so far) after each call

    @property
    def used(self) -> int:
        """Evaluations counted towards the budget."""
        return min(self.n, self.budget)

    def batch(self, X: np.ndarray) -> np.ndarray:
        """X (N, dim) -> (N,) float64."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        f = np.asarray(self.problem.evaluate(X), dtype=np.float64).reshape(-1)
        self._record(X, f)
        return f

    def scalar(self, x: np.ndarray) -> float:
        """x (dim,) -> float."""
        x = np.ascontiguousarray(x, dtype=np.float64).reshape(1, -1)
        f = np.asarray(self.problem.evaluate(x), dtype=np.float64).reshape(-1)
        self._record(x, f)
        return float(f[0])

    def _record(self, X: np.ndarray, f: np.ndarray) -> None:
        within = max(0, min(len(f), self.budget - self.n))
        self.n += len(f)
        if within == 0:
            return
        g = np.where(np.isfinite(f[:within]), f[:within], np.inf)
        k = int(np.argmin(g))
        if g[k] < self.best_f:
            self.best_f = float(g[k])
            self.best_x = X[k].copy()
        self.history.append((self.used, self.best_f))


# -- the baselines --------------------------------------------------------------------------------------
# Each returns a dict with at least best_f, nfev (evaluations counted towards the budget),
# nfev_total (all evaluations made) and counted_by; anything else is recorded as is.

def _cma_run(es, problem, counter: BudgetCounter, budget: int, lower, upper) -> int:
    """Drive one pycma run until it stops or the budget is spent; returns how many points of a
    last, partly fitting population were dropped."""
    while not es.stop() and counter.n < budget:
        solutions = es.ask()
        # pycma's bound transformation keeps the solutions in the box; the clip only guards
        # against rounding at the bounds
        X = np.clip(np.asarray(solutions, dtype=np.float64), lower, upper)
        room = budget - counter.n
        if len(X) > room:  # the last population: evaluate what fits, no tell
            counter.batch(X[:room])
            return len(X) - room
        es.tell(solutions, counter.batch(X).tolist())
    return 0


def _start(problem, x0: Any, lower: np.ndarray, upper: np.ndarray) -> Optional[np.ndarray]:
    """The protocol's start, checked (None stays None)."""
    if x0 is None:
        return None
    x0 = np.asarray(x0, dtype=np.float64)
    if x0.shape != (problem.dim,):
        raise ValueError(f"x0: expected shape ({problem.dim},), got {x0.shape}")
    if not np.all(np.isfinite(x0)):
        raise ValueError("x0: contains NaN or Inf")
    if np.any((x0 < lower) | (x0 > upper)):
        raise ValueError("x0: outside the problem's box")
    return x0


def run_cma(problem, budget: int, seed: int, popsize: Optional[int], restarts: bool = False,
            x0: Any = None) -> Dict[str, Any]:
    """pycma from ``x0`` (default: a uniform random start), sigma0 = 0.3 of the box width.
    restarts=True is IPOP-CMA-ES: after each stop, a new run from a new random start with twice
    the population, until the budget is spent."""
    import cma

    lower, upper = (np.asarray(b, dtype=np.float64) for b in problem.bounds)
    dim = problem.dim
    rng = np.random.default_rng(seed)
    sigma0 = 0.3 * float(np.mean(upper - lower))
    diagonal = dim >= SEP_CMA_DIM
    counter = BudgetCounter(problem, budget)
    first = _start(problem, x0, lower, upper)
    truncated, runs, pop, stops = 0, 0, popsize, []
    while counter.n < budget and (runs == 0 or restarts):
        x0 = lower + rng.random(dim) * (upper - lower)  # drawn even when unused: same stream
        if runs == 0 and first is not None:
            x0 = first
        opts = cma.CMAOptions()
        opts.set({"bounds": [lower.tolist(), upper.tolist()], "seed": seed + 1 + 1000 * runs,
                  "maxfevals": budget - counter.n, "verbose": -9, "verb_log": 0, "verb_disp": 0})
        if pop:
            opts.set("popsize", int(pop))
        if diagonal:
            opts.set("CMA_diagonal", True)
        es = cma.CMAEvolutionStrategy(x0.tolist(), sigma0, opts)
        truncated = _cma_run(es, problem, counter, budget, lower, upper)
        stops.append({k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in es.stop().items()})
        pop = 2 * int(es.popsize)
        runs += 1
    variant = ("IPOP-" if restarts else "") + ("sep-CMA (diagonal)" if diagonal else "CMA-ES")
    return dict(best_f=counter.best_f, best_x=counter.best_x, history=counter.history,
                nfev=counter.used, nfev_total=counter.n, counted_by="wrapper", variant=variant,
                runs=runs, sigma0=sigma0, truncated_last_population=truncated, stop=stops[-1] or {"budget": budget})


class _Spent(Exception):
    """Raised inside pycma's loop when the budget is spent or the caller's target is hit."""


def pycma_restarts(f: Callable[[np.ndarray], float], lower: Any, upper: Any, budget: int, seed: int,
                   starts: Callable[[int], np.ndarray], *, bipop: bool, sigma0: float,
                   done: Optional[Callable[[], bool]] = None) -> Dict[str, Any]:
    """pycma's own restart strategies through ``cma.fmin2(..., restarts=9, bipop=bipop)``:
    BIPOP-CMA-ES (bipop=True) or IPOP-CMA-ES (bipop=False), on the scalar objective ``f``,
    with exactly at most ``budget`` calls of ``f``.

    Every call of ``f`` gets a point inside [lower, upper] (pycma's bound transformation; the
    clip only removes rounding). ``starts(k)`` is the k-th (re)start point: fmin2 calls it for
    each of its runs, and once its 9 IPOP restarts are used up while budget remains, fmin2 is
    called again (seed + 1000 k) with further starts. ``done()`` (e.g. COCO's final target) ends
    the run early. pycma's ``seed`` option seeds numpy's global generator, which BIPOP's small
    runs draw from, so a run is reproducible. Returns nfev, fmin2_calls and cma_runs."""
    import cma

    lower = np.asarray(lower, dtype=np.float64)
    upper = np.asarray(upper, dtype=np.float64)
    nfev, k, calls = 0, 0, 0

    def objective(x):
        nonlocal nfev
        # fmin2 has no clean way to stop at an exact count; raising leaves its loop at once
        if nfev >= budget or (done is not None and done()):
            raise _Spent
        nfev += 1
        return float(f(np.clip(np.asarray(x, dtype=np.float64), lower, upper)))

    def next_start():
        nonlocal k
        x = starts(k)
        k += 1
        return np.asarray(x, dtype=np.float64)

    while nfev < budget and not (done is not None and done()):
        opts = {"bounds": [lower.tolist(), upper.tolist()], "seed": seed + 1 + 1000 * calls,
                "maxfevals": budget - nfev, "verbose": -9, "verb_log": 0, "verb_disp": 0}
        calls += 1
        before = nfev
        try:
            cma.fmin2(objective, next_start, sigma0, opts, restarts=9, bipop=bool(bipop))
        except _Spent:
            break
        if nfev == before:  # pycma refused to evaluate anything: do not spin
            break
    return dict(nfev=nfev, fmin2_calls=calls, cma_runs=k)


def run_cma_restarts(problem, budget: int, seed: int, *, bipop: bool, x0: Any = None) -> Dict[str, Any]:
    """BIPOP-CMA-ES (bipop=True) or IPOP-CMA-ES through :func:`pycma_restarts`: the first run
    from ``x0`` (default: uniform in the box), every restart from a new uniform start drawn
    from the seed; sigma0 = 0.2 of the mean box width (2 on [-5, 5], the setting of COCO's
    pycma reference runs)."""
    lower, upper = (np.asarray(b, dtype=np.float64) for b in problem.bounds)
    first = _start(problem, x0, lower, upper)
    rng = np.random.default_rng(seed)
    counter = BudgetCounter(problem, budget)

    def starts(k):
        x = lower + rng.random(problem.dim) * (upper - lower)
        return first if k == 0 and first is not None else x

    sigma0 = 0.2 * float(np.mean(upper - lower))
    out = pycma_restarts(counter.scalar, lower, upper, budget, seed, starts, bipop=bipop, sigma0=sigma0)
    return dict(best_f=counter.best_f, best_x=counter.best_x, history=counter.history,
                nfev=counter.used, nfev_total=counter.n, counted_by="wrapper",
                variant="BIPOP-CMA-ES" if bipop else "IPOP-CMA-ES (fmin2)", sigma0=sigma0,
                fmin2_calls=out["fmin2_calls"], cma_runs=out["cma_runs"])


def de_settings(dim: int, budget: int, popsize: int = 15, min_generations: int = 10):
    """(popsize, population, maxiter) with (maxiter + 1) * population <= budget: popsize lowered
    until the initial population plus ``min_generations`` generations fit (when possible)."""
    pop = lambda ps: max(5, ps * dim)  # scipy's population size (no fixed coordinates)
    while popsize > 1 and (min_generations + 1) * pop(popsize) > budget:
        popsize -= 1
    population = pop(popsize)
    maxiter = budget // population - 1
    if maxiter < 0:
        raise ValueError(f"de: budget {budget} is smaller than one population ({population})")
    return popsize, population, maxiter


def run_de(problem, budget: int, seed: int, x0: Any = None) -> Dict[str, Any]:
    from scipy.optimize import differential_evolution

    lower, upper = (np.asarray(b, dtype=np.float64) for b in problem.bounds)
    x0 = _start(problem, x0, lower, upper)
    popsize, population, maxiter = de_settings(problem.dim, budget)
    counter = BudgetCounter(problem, budget)
    # vectorized=True: the objective gets X of shape (dim, S)
    res = differential_evolution(lambda Xt: counter.batch(np.asarray(Xt).T),
                                 bounds=list(zip(lower, upper)), vectorized=True,
                                 updating="deferred", rng=seed, polish=False, maxiter=maxiter,
                                 popsize=popsize, tol=0, x0=x0)
    return dict(best_f=counter.best_f, best_x=counter.best_x, history=counter.history,
                nfev=counter.used, nfev_total=counter.n,
                counted_by="wrapper", popsize=popsize, population=population, maxiter=maxiter,
                # with vectorized=True scipy's nfev counts objective calls, not points
                nit=int(res.nit), scipy_nfev_calls=int(res.nfev), message=str(res.message))


def run_dual_annealing(problem, budget: int, seed: int, x0: Any = None) -> Dict[str, Any]:
    from scipy.optimize import dual_annealing

    lower, upper = (np.asarray(b, dtype=np.float64) for b in problem.bounds)
    x0 = _start(problem, x0, lower, upper)
    counter = BudgetCounter(problem, budget)
    res = dual_annealing(counter.scalar, bounds=list(zip(lower, upper)), maxfun=budget, rng=seed,
                         x0=x0)
    return dict(best_f=counter.best_f, best_x=counter.best_x, history=counter.history,
                nfev=counter.used, nfev_total=counter.n,
                counted_by="wrapper", overshoot=max(0, counter.n - budget),
                scipy_nfev=int(res.nfev), scipy_fun=float(res.fun), message=" ".join(res.message)
                if isinstance(res.message, (list, tuple)) else str(res.message))


def run(method: str, problem: Any, budget: int, seed: int, *, x0: Any = None,
        cma_popsize: Optional[int] = 100) -> Dict[str, Any]:
    """Run one baseline from the start ``x0`` (the protocol's; default: uniform in the box from
    the seed): returns a dict with best_f, best_x, nfev (within the budget), nfev_total,
    history [(evaluations, best so far)] and method-specific details."""
    if method == "cma":
        return run_cma(problem, budget, seed, cma_popsize, x0=x0)
    if method == "cma_ipop":
        return run_cma(problem, budget, seed, cma_popsize, restarts=True, x0=x0)
    if method == "cma_bipop":
        return run_cma_restarts(problem, budget, seed, bipop=True, x0=x0)
    if method == "de":
        return run_de(problem, budget, seed, x0=x0)
    if method == "dual_annealing":
        return run_dual_annealing(problem, budget, seed, x0=x0)
    raise ValueError(f"method: unknown baseline {method!r}; expected one of: {', '.join(BASELINES)}")
