"""Local solvers that record every iterate, for the k-neighborhood data and for the warm-start
evaluation (the k statistic).

All solvers take one parameter vector alpha (P,) and M starts x0 (M, d), and return a
:class:`SolveResult` whose ``paths[r]`` is run r's iterate path (iterations[r] + 1, d): row 0 is
the start, row m the m-th iterate, the last row the final iterate. ``iterations[r]`` is the
number of solver iterations performed, which is the paper's k for a converged run; failed runs
count at the cap (:meth:`SolveResult.k`).

* ``gradient_descent``: fixed-step GD, x_m = x_{m-1} - step * grad f(x_{m-1}), converged at the
  first m with ||x_m - x_{m-1}|| <= tol; all M runs advance together through one batched
  ``Problem.value_and_gradient`` call per step. A run whose iterate becomes non-finite fails.
* ``lbfgsb``: scipy's L-BFGS-B per run (``tol`` as scipy's ``minimize(tol=...)``, ``max_iter``
  as ``maxiter``), no bounds unless given; iterates recorded by the callback (one per scipy
  iteration, so ``iterations == nit``). Converged = scipy's ``success``.
* ``slsqp``: scipy's SLSQP per run with constraints; converged = ``success`` and every
  constraint satisfied to ``feas_tol``.

``converged`` is the solver's own verdict (plus feasibility), reported as is: scipy releases
differ in it (SLSQP 1.17 ends some runs at the optimum with status 8, "Positive directional
derivative for linesearch"), and the k statistic follows the solver that produced the data.
``messages[r]`` keeps the solver's words for run r.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .._validate import finite, integer
from ..problem_types import Problem

__all__ = ["SolveResult", "gradient_descent", "lbfgsb", "slsqp", "SOLVERS"]

SOLVERS = ("gd", "lbfgsb", "slsqp")
DEFAULT_MAX_ITER = {"gd": 100, "lbfgsb": 300, "slsqp": 1000}
_OPTIONS = {"gd": {"step", "tol", "max_iter"}, "lbfgsb": {"tol", "max_iter", "bounds"},
            "slsqp": {"tol", "max_iter", "feas_tol"}}


def check_options(solver: str, options: Dict[str, Any]) -> None:
    """Raise ValueError for an option ``solver`` does not take."""
    bad = set(options) - _OPTIONS[solver]
    if bad:
        raise ValueError(f"solver_options: {solver} takes {sorted(_OPTIONS[solver])}, got unknown {sorted(bad)}")


@dataclass
class SolveResult:
    """paths: list of M arrays (iterations[r] + 1, d); converged (M,) bool; iterations (M,) int64;
    fun (M,) objective value at the final iterate; cap: the solver's iteration cap; messages:
    M strings, the solver's own account of how each run ended."""

    paths: List[np.ndarray]
    converged: np.ndarray
    iterations: np.ndarray
    fun: np.ndarray
    cap: int
    messages: List[str]

    @property
    def final(self) -> np.ndarray:
        """Final iterates (M, d)."""
        return np.stack([p[-1] for p in self.paths])

    def k(self) -> np.ndarray:
        """The k statistic per run (M,): iterations when converged, the cap otherwise."""
        return np.where(self.converged, self.iterations, self.cap).astype(np.int64)


def _f64(a: Any) -> np.ndarray:
    """A float64 copy with numpy's canonical float64 dtype object. Arrays unpickled in worker
    processes carry an equal but distinct dtype instance, which the core's buffer check (an
    identity test) refuses; np.array(a, dtype=float64) keeps that instance, astype does not."""
    return np.asarray(a).astype(np.float64)


def _starts(problem: Problem, x0: Any) -> np.ndarray:
    x = _f64(x0)  # a copy: the solvers write into it
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[1] != problem.dim or x.shape[0] == 0:
        raise ValueError(f"x0: expected shape (M, {problem.dim}) with M >= 1, got {np.shape(x0)}")
    if not np.isfinite(x).all():
        raise ValueError("x0: contains NaN or Inf")
    return x


def _params(problem: Problem, alpha: Any) -> Optional[np.ndarray]:
    if problem.num_params == 0:
        if alpha is not None and np.size(alpha) != 0:
            raise ValueError(f"alpha: problem {problem.name!r} takes no parameters")
        return None
    a = _f64(alpha)
    if a.shape != (problem.num_params,):
        raise ValueError(f"alpha: expected shape ({problem.num_params},), got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError("alpha: contains NaN or Inf")
    return a


def _value_grad(problem: Problem, X: np.ndarray, a: Optional[np.ndarray]):
    return problem.value_and_gradient(X, a) if a is not None else problem.value_and_gradient(X)


def gradient_descent(problem: Problem, alpha: Any, x0: Any, *, step: float = 0.1, tol: float = 1e-2,
                     max_iter: int = 100) -> SolveResult:
    """Batched fixed-step gradient descent of M runs (see the module docstring).
    alpha: (P,); x0: (M, d)."""
    step = finite(step, "step")
    tol = finite(tol, "tol")
    if step <= 0 or tol < 0:
        raise ValueError(f"step, tol: expected step > 0 and tol >= 0, got {step}, {tol}")
    max_iter = integer(max_iter, "max_iter", 1)
    a = _params(problem, alpha)
    x = _starts(problem, x0)
    M = x.shape[0]
    history = [x.copy()]
    iterations = np.zeros(M, dtype=np.int64)
    converged = np.zeros(M, dtype=bool)
    active = np.arange(M)
    for m in range(1, max_iter + 1):
        _, g = _value_grad(problem, x[active], a)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is caught just below
            new = x[active] - step * g
            moved = np.linalg.norm(new - x[active], axis=1)
        ok = np.isfinite(new).all(axis=1) & np.isfinite(moved)
        x[active[ok]] = new[ok]
        iterations[active[ok]] = m
        history.append(x.copy())
        done = ok & (moved <= tol)
        converged[active[done]] = True
        # a run whose next iterate is not finite stops where it was, unconverged
        active = active[ok & ~done]
        if active.size == 0:
            break
    H = np.stack(history)  # (steps + 1, M, d); rows past a run's end repeat its final iterate
    paths = [np.ascontiguousarray(H[: iterations[r] + 1, r]) for r in range(M)]
    f = np.asarray(problem.evaluate(x, a) if a is not None else problem.evaluate(x), dtype=np.float64)
    messages = ["step below tol" if converged[r] else
                "iteration cap reached" if iterations[r] == max_iter else "next iterate not finite"
                for r in range(M)]
    return SolveResult(paths, converged, iterations, f, max_iter, messages)


def _scalar_fun(problem: Problem, a: Optional[np.ndarray]):
    def fun(x):
        v, g = _value_grad(problem, x.reshape(1, -1), a)
        return float(v[0]), np.array(g[0], dtype=np.float64)

    return fun


def lbfgsb(problem: Problem, alpha: Any, x0: Any, *, tol: float = 1e-3, max_iter: int = 300,
           bounds: Any = None) -> SolveResult:
    """scipy L-BFGS-B from every start (see the module docstring). alpha: (P,); x0: (M, d);
    bounds: None (the paper's setting) or (lower (d,), upper (d,))."""
    from scipy.optimize import minimize

    tol = finite(tol, "tol")
    max_iter = integer(max_iter, "max_iter", 1)
    a = _params(problem, alpha)
    X = _starts(problem, x0)
    sb = None
    if bounds is not None:
        lo, hi = (np.broadcast_to(np.asarray(b, dtype=np.float64), (problem.dim,)) for b in bounds)
        sb = list(zip(lo, hi))
    fun = _scalar_fun(problem, a)
    return _run_scipy(X, max_iter, lambda x, cb: minimize(
        fun, x, jac=True, method="L-BFGS-B", tol=tol, bounds=sb, callback=cb,
        options={"maxiter": max_iter}), fun, None)


def slsqp(problem: Problem, alpha: Any, x0: Any, *, constraints: Sequence[dict], bounds: Any = None,
          tol: float = 1e-6, max_iter: int = 1000, feas_tol: float = 1e-6) -> SolveResult:
    """scipy SLSQP from every start. constraints: scipy constraint dicts ({"type": "ineq" or
    "eq", "fun": c(x) -> (n_c,), "jac": optional}); ineq means c(x) >= 0. bounds: optional
    (lower (d,), upper (d,)). A run converges when SLSQP reports success and no constraint is
    violated by more than feas_tol."""
    from scipy.optimize import minimize

    tol = finite(tol, "tol")
    feas_tol = finite(feas_tol, "feas_tol")
    max_iter = integer(max_iter, "max_iter", 1)
    a = _params(problem, alpha)
    X = _starts(problem, x0)
    if not isinstance(constraints, (list, tuple)):
        raise TypeError(f"constraints: expected a list of scipy constraint dicts, got {type(constraints).__name__}")
    sb = None
    if bounds is not None:
        sb = list(zip(*(np.broadcast_to(np.asarray(b, dtype=np.float64), (problem.dim,)) for b in bounds)))
    fun = _scalar_fun(problem, a)

    def violation(x: np.ndarray) -> float:
        v = 0.0
        for c in constraints:
            r = np.asarray(c["fun"](x), dtype=np.float64)
            v = max(v, float(np.max(-r)) if c["type"] == "ineq" else float(np.max(np.abs(r))), 0.0)
        if sb is not None:
            lo, hi = np.array(sb).T
            v = max(v, float(np.max(lo - x)), float(np.max(x - hi)))
        return v

    return _run_scipy(X, max_iter, lambda x, cb: minimize(
        fun, x, jac=True, method="SLSQP", tol=tol, bounds=sb, constraints=list(constraints),
        callback=cb, options={"maxiter": max_iter}), fun, lambda x: violation(x) <= feas_tol)


def _one_blas_thread():
    """scipy's L-BFGS-B and SLSQP call BLAS on vectors of length d; BLAS worker threads only
    add synchronisation there, and on a loaded machine made a run ten times slower (measured:
    30 runs at d = 100, 2.8 s with 2 OpenBLAS threads, 0.07 s with 1). threadpoolctl is optional."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _run_scipy(X: np.ndarray, max_iter: int, run, fun, feasible) -> SolveResult:
    with _one_blas_thread():
        return _run_scipy_runs(X, max_iter, run, fun, feasible)


def _run_scipy_runs(X: np.ndarray, max_iter: int, run, fun, feasible) -> SolveResult:
    M = X.shape[0]
    paths, conv, its, fs = [], np.zeros(M, dtype=bool), np.zeros(M, dtype=np.int64), np.zeros(M)
    messages: List[str] = []
    for r in range(M):
        path = [X[r].copy()]
        res = run(X[r].copy(), lambda xk: path.append(np.array(xk, dtype=np.float64)))
        xf = np.asarray(res.x, dtype=np.float64)
        # scipy reports the final iterate in res.x; the callback saw the same point, except when
        # it stops inside an iteration (line-search failure): then res.x ends the path
        if not np.array_equal(path[-1], xf):
            path.append(xf)
        P = np.stack(path)
        paths.append(P)
        its[r] = P.shape[0] - 1
        ok = bool(res.success) and np.isfinite(xf).all()
        if ok and feasible is not None:
            ok = feasible(xf)
        conv[r] = ok
        fs[r] = fun(xf)[0]
        messages.append(str(res.message))
    return SolveResult(paths, conv, its, fs, max_iter, messages)
