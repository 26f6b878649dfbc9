"""Inequality constraints g(x) <= 0 for ``scoreopt.minimize(..., constraints=[...])``.

A constraint is a batched callable ``g(X (N, D)) -> (N,)`` or ``(N, m)`` (m constraints at once),
feasible where every value is <= 0, or one of the built-ins below (linear, ball). Two ways to use
them, as the HSM paper compares:

* ``mode="feasible"`` (default): samples are restricted to the feasible set. An infeasible sample
  is rejected (it gets the value +inf, which every estimator in scoreopt gives zero weight), after
  an optional ``project`` callable has had the chance to move it onto the feasible set (boxes are
  always handled by clipping). The score a model learns from such data points away from the
  infeasible region, so no penalty weight has to be tuned.
* ``mode="penalty"``: f(x) + weight * sum(max(0, g(x))^2), the classical quadratic penalty.

Feasibility of the returned point is reported in ``OptimizeResult.feasible`` and
``OptimizeResult.max_violation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, overload

import numpy as np

from . import _arrays
from .problem_types import CallableProblem, Problem

__all__ = ["Constraint", "linear", "ball", "ConstraintSet", "as_constraints"]

Batch = Callable[[np.ndarray], Any]


@dataclass
class Constraint:
    """g(X (N, D)) -> (N,) or (N, m); feasible where every value <= 0. jac (optional):
    X (N, D) -> (N, m, D) or (N, D), used by local refinement instead of finite differences."""

    fun: Batch
    jac: Optional[Batch] = None
    name: str = "g"

    def values(self, X: np.ndarray) -> np.ndarray:
        v = np.asarray(self.fun(X), dtype=np.float64)
        n = X.shape[0]
        if v.ndim == 1 and v.shape[0] == n:
            return v[:, None]
        if v.ndim == 2 and v.shape[0] == n:
            return v
        raise ValueError(f"constraints: {self.name} returned shape {v.shape} for {n} points; "
                         f"expected ({n},) or ({n}, m)")


def linear(A: Any, b: Any, name: str = "linear") -> Constraint:
    """A x <= b. A: (m, D), b: (m,)."""
    A = np.atleast_2d(np.asarray(_arrays.to_array(A, "A").array, dtype=np.float64))
    b = np.asarray(_arrays.to_array(b, "b").array, dtype=np.float64).reshape(-1)
    if b.shape[0] != A.shape[0]:
        raise ValueError(f"b: expected shape ({A.shape[0]},) to match A {A.shape}, got {b.shape}")
    _arrays.check_finite(A, "A")
    _arrays.check_finite(b, "b")
    return Constraint(lambda X: X @ A.T - b, lambda X: np.broadcast_to(A, (X.shape[0],) + A.shape), name)


def ball(center: Any, radius: float, name: str = "ball") -> Constraint:
    """||x - center|| <= radius, written as ||x - c||^2 - r^2 <= 0 (smooth)."""
    c = np.asarray(_arrays.to_array(center, "center").array, dtype=np.float64).reshape(-1)
    r = float(radius)
    if not np.isfinite(r) or r <= 0:
        raise ValueError(f"radius: expected a finite value > 0, got {radius!r}")
    return Constraint(lambda X: np.sum((X - c) ** 2, axis=1) - r * r, lambda X: 2.0 * (X - c), name)


class ConstraintSet:
    """The constraints of one problem, evaluated together: (N, D) -> (N, m_total)."""

    def __init__(self, items: Sequence[Constraint], dim: int):
        self.items: List[Constraint] = list(items)
        self.dim = dim

    def __len__(self) -> int:
        return len(self.items)

    def values(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if not self.items:
            return np.zeros((X.shape[0], 0))
        return np.concatenate([c.values(X) for c in self.items], axis=1)

    def violation(self, X: np.ndarray) -> np.ndarray:
        """Largest violation max(0, max_j g_j(x)) per row: (N,); NaN counts as violated."""
        v = self.values(X)
        if v.shape[1] == 0:
            return np.zeros(v.shape[0])
        v = np.where(np.isnan(v), np.inf, v)
        return np.maximum(0.0, v.max(axis=1))

    def feasible(self, X: np.ndarray, tol: float = 0.0) -> np.ndarray:
        return self.violation(X) <= tol

    def jacobian(self, x: np.ndarray, h: float = 1e-7) -> np.ndarray:
        """(m_total, D) at one point: analytic where given, central differences otherwise."""
        x = np.asarray(x, dtype=np.float64)
        blocks = []
        for c in self.items:
            if c.jac is not None:
                J = np.asarray(c.jac(x[None]), dtype=np.float64)[0]
                blocks.append(J.reshape(-1, self.dim))
                continue
            E = np.eye(self.dim) * h
            P = np.concatenate([x + E, x - E])
            V = c.values(P)
            blocks.append(((V[: self.dim] - V[self.dim:]) / (2 * h)).T)
        return np.concatenate(blocks, axis=0) if blocks else np.zeros((0, self.dim))


def as_constraints(constraints: Any, dim: int) -> ConstraintSet:
    """Normalize the ``constraints=`` argument: None, one constraint, or a list of callables /
    Constraint objects."""
    if constraints is None:
        return ConstraintSet([], dim)
    if callable(constraints) or isinstance(constraints, Constraint):
        constraints = [constraints]
    try:
        items = list(constraints)
    except TypeError:
        raise TypeError("constraints: expected a callable g(X) -> (N,) or (N, m), a Constraint, "
                        f"or a list of them; got {type(constraints).__name__}") from None
    out = []
    for i, c in enumerate(items):
        if isinstance(c, Constraint):
            out.append(c)
        elif callable(c):
            out.append(Constraint(c, None, getattr(c, "__name__", f"g{i}")))
        else:
            raise TypeError(f"constraints[{i}]: expected a callable or a Constraint, got {type(c).__name__}")
    return ConstraintSet(out, dim)


@overload
def check_project(project: None) -> None: ...
@overload
def check_project(project: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]: ...
def check_project(project: Any) -> Optional[Callable[[np.ndarray], np.ndarray]]:
    if project is not None and not callable(project):
        raise TypeError(f"project: expected a callable X (N, D) -> (N, D) or None, got {type(project).__name__}")
    return project


class ConstrainedProblem(CallableProblem):
    """``problem`` seen through its constraints: in "feasible" mode infeasible points (after the
    optional projection, which the caller applies before evaluating) are +inf; in "penalty" mode
    f + weight * sum(max(0, g)^2)."""

    def __init__(self, problem: Problem, cons: ConstraintSet, mode: str = "feasible",
                 penalty: float = 1e3):
        if mode not in ("feasible", "penalty"):
            raise ValueError(f"constraint_mode: expected 'feasible' or 'penalty', got {mode!r}")
        penalty = float(penalty)
        if not np.isfinite(penalty) or penalty <= 0:
            raise ValueError(f"penalty: expected a finite value > 0, got {penalty!r}")
        self.base, self.cons, self.mode, self.weight = problem, cons, mode, penalty

        def fn(X):
            X = np.asarray(X, dtype=np.float64)
            f = np.asarray(problem.evaluate(X), dtype=np.float64)
            g = cons.values(X)
            if mode == "penalty":
                return f + penalty * np.sum(np.maximum(0.0, g) ** 2, axis=1)
            return np.where(np.all(g <= 0, axis=1), f, np.inf)

        super().__init__(fn, problem.dim, problem.bounds, vectorized=True,
                         name=f"{problem.name}[{mode}]")
