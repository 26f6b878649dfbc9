"""GLENS problem families: a parametric :class:`~scoreopt.Problem` together with the
distribution its parameters are drawn from, the box its uniform solver starts are drawn from,
and the local solver whose iterates make the k-neighborhood data set.

>>> fam = get_family("himmelblau", 100)
>>> alpha = fam.sample_params(np.random.default_rng(0), 5)      # (5, 2)
>>> x0 = fam.sample_starts(np.random.default_rng(1), 20)         # (20, 100)
>>> res = fam.solve(alpha[0], x0)                                 # 20 L-BFGS-B runs

Settings of the paper (Sections 4.1-4.4, 6) and its public code:

========== ========================= ================= =========================================
family     parameter box             start box         solver
========== ========================= ================= =========================================
qp         alpha in [0, 30]          [-2, 2]^d         fixed-step GD, step 0.1, stop when
                                                       ||x_m - x_{m-1}|| <= 1e-2, cap 100
himmelblau alpha in [1, 50]^2        [-10, 10]^d       L-BFGS-B, tol 1e-3, maxiter 300, no bounds
rosenbrock [50, 200] x [-1.5, 0]     [-4, 4]^d         L-BFGS-B, tol 1e-3, maxiter 300, no bounds
levy       alpha in [-2, 2]          [-10, 10]^d       L-BFGS-B, tol 1e-3, maxiter 300, no bounds
robot      see :mod:`.robot`         see :mod:`.robot` SLSQP (the paper uses SNOPT)
========== ========================= ================= =========================================

The parameter box is also the min-max scaling box of the learned models (``scale_params``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from .._validate import integer
from ..problem_types import Problem
from . import solvers as _solvers
from . import family_registry

__all__ = ["Family", "get_family", "FAMILY_NAMES"]

Box = Tuple[np.ndarray, np.ndarray]
# What the constructor accepts for a box: (lower, upper), each a scalar or a sequence; __post_init__
# turns it into a Box.
BoxLike = Tuple[Any, Any]
Sampler = Callable[[np.random.Generator, int], np.ndarray]

FAMILY_NAMES = ("qp", "himmelblau", "rosenbrock", "levy", "robot")

# (parameter box, start box half-width or (lo, hi), solver, solver options, optimum tolerance)
_GD = {"step": 0.1, "tol": 1e-2, "max_iter": 100}
_LBFGSB = {"tol": 1e-3, "max_iter": 300}
_SETTINGS: Dict[str, Tuple[Tuple[List[float], List[float]], Tuple[float, float], str, dict, float]] = {
    "qp": (([0.0], [30.0]), (-2.0, 2.0), "gd", _GD, 0.5),
    "himmelblau": (([1.0, 1.0], [50.0, 50.0]), (-10.0, 10.0), "lbfgsb", _LBFGSB, 0.5),
    "rosenbrock": (([50.0, -1.5], [200.0, 0.0]), (-4.0, 4.0), "lbfgsb", _LBFGSB, 0.5),
    "levy": (([-2.0], [2.0]), (-10.0, 10.0), "lbfgsb", _LBFGSB, 0.5),
}


def _box(b: Any, n: int, name: str) -> Box:
    try:
        lo, hi = b
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a pair (lower, upper) of scalars or arrays of shape ({n},)") from None
    out = []
    for v in (lo, hi):
        a = np.asarray(v, dtype=np.float64)
        if a.ndim == 0:
            a = np.full(n, float(a))
        if a.shape != (n,):
            raise ValueError(f"{name}: bounds must be scalars or have shape ({n},), got {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError(f"{name}: bounds contain NaN or Inf")
        a.setflags(write=False)
        out.append(a)
    if np.any(out[0] > out[1]):
        raise ValueError(f"{name}: lower > upper at index {int(np.argmax(out[0] > out[1]))}")
    return out[0], out[1]


@dataclass(eq=False)
class Family:
    """A parametric problem family with its data-collection settings.

    problem: the objective; ``problem.value_and_gradient(X (M, d), alpha (P,))``.
    param_bounds: (lower (P,), upper (P,)), where parameters are drawn (uniformly unless
    ``sampler`` is given) and the box for min-max scaling to [0, 1].
    init_bounds: (lower (d,), upper (d,)), the box of uniform solver starts.
    solver: "gd" (batched fixed-step gradient descent), "lbfgsb" (scipy L-BFGS-B) or "slsqp"
    (scipy SLSQP, needs ``constraints``); solver_options: keyword arguments of that solver in
    :mod:`scoreopt.glens.solvers` (``max_iter`` is the cap at which failures are counted).
    sampler: optional ``sampler(rng, n) -> (n, P)`` replacing the uniform draw.
    constraints: for "slsqp", ``constraints(alpha (P,)) -> list`` of scipy constraint dicts;
    variable_bounds: optional (lower (d,), upper (d,)) passed to SLSQP.
    optimum_tol: distance under which two converged points count as the same local optimum.
    """

    name: str
    problem: Problem
    param_bounds: BoxLike
    init_bounds: BoxLike
    solver: str
    solver_options: Dict[str, Any] = field(default_factory=dict)
    sampler: Optional[Sampler] = None
    constraints: Optional[Callable[[np.ndarray], list]] = None
    variable_bounds: Optional[BoxLike] = None
    optimum_tol: float = 0.5
    # (name, dim) when built by get_family: pickled as that recipe (the core problem is not picklable)
    _recipe: Optional[Tuple[str, int]] = field(default=None, repr=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError("name: expected a non-empty string")
        if not isinstance(self.problem, Problem):
            raise TypeError(f"problem: expected a scoreopt Problem, got {type(self.problem).__name__}")
        self.param_bounds = _box(self.param_bounds, self.problem.num_params, "param_bounds")
        self.init_bounds = _box(self.init_bounds, self.problem.dim, "init_bounds")
        if self.solver not in _solvers.SOLVERS:
            raise ValueError(f"solver: expected one of {', '.join(_solvers.SOLVERS)}, got {self.solver!r}")
        if self.solver == "slsqp" and self.constraints is None:
            raise ValueError("constraints: the slsqp solver needs constraints(alpha) -> list of scipy constraints")
        if self.solver != "slsqp" and not self.problem.has_gradient:
            raise ValueError(f"problem: solver {self.solver!r} needs an analytic gradient; {self.problem.name!r} has none")
        if self.sampler is not None and not callable(self.sampler):
            raise TypeError("sampler: expected a callable sampler(rng, n) -> (n, P)")
        if self.variable_bounds is not None:
            self.variable_bounds = _box(self.variable_bounds, self.problem.dim, "variable_bounds")
        self.solver_options = dict(self.solver_options)
        _solvers.check_options(self.solver, self.solver_options)
        if not (np.isfinite(self.optimum_tol) and self.optimum_tol > 0):
            raise ValueError(f"optimum_tol: expected a positive number, got {self.optimum_tol!r}")

    # -- facts -------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return self.problem.dim

    @property
    def num_params(self) -> int:
        return self.problem.num_params

    @property
    def cap(self) -> int:
        """Iteration cap of the solver: failed runs count k = cap."""
        return int(self.solver_options.get("max_iter", _solvers.DEFAULT_MAX_ITER[self.solver]))

    def __repr__(self) -> str:
        return f"Family({self.name!r}, dim={self.dim}, solver={self.solver!r})"

    def __reduce__(self):
        if self._recipe is not None:
            return (get_family, self._recipe)
        return super().__reduce__()

    def describe(self) -> dict:
        """JSON-able settings (written to a data set's manifest)."""
        return {"family": self.name, "dim": self.dim, "num_params": self.num_params,
                "param_bounds": [self.param_bounds[0].tolist(), self.param_bounds[1].tolist()],
                "init_bounds": [self.init_bounds[0].tolist(), self.init_bounds[1].tolist()],
                "solver": self.solver, "solver_options": dict(self.solver_options),
                "optimum_tol": self.optimum_tol}

    # -- sampling ----------------------------------------------------------------------
    def sample_params(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n parameter vectors: (n, P) float64."""
        n = integer(n, "n", 1)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        P = self.num_params
        if self.sampler is None:
            lo, hi = self.param_bounds
            return lo + (hi - lo) * rng.random((n, P))
        a = np.asarray(self.sampler(rng, n), dtype=np.float64)
        if a.shape != (n, P):
            raise ValueError(f"sampler: expected shape ({n}, {P}) for n={n}, got {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError("sampler: returned NaN or Inf")
        return a

    def sample_starts(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n solver starts drawn uniformly from init_bounds: (n, d) float64."""
        n = integer(n, "n", 1)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        lo, hi = self.init_bounds
        return lo + (hi - lo) * rng.random((n, self.dim))

    def scale_params(self, alpha: Any) -> np.ndarray:
        """Min-max scale parameters (..., P) to [0, 1] with param_bounds (a zero-width side maps to 0)."""
        a = np.asarray(alpha, dtype=np.float64)
        if a.shape[-1:] != (self.num_params,):
            raise ValueError(f"alpha: expected shape (..., {self.num_params}), got {a.shape}")
        lo, hi = self.param_bounds
        w = np.where(hi > lo, hi - lo, 1.0)
        return (a - lo) / w

    # -- solving -----------------------------------------------------------------------
    def check_params(self, alpha: Any) -> np.ndarray:
        a = np.asarray(alpha, dtype=np.float64)
        if a.shape != (self.num_params,):
            raise ValueError(f"alpha: expected shape ({self.num_params},), got {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError("alpha: contains NaN or Inf")
        return a

    def solve(self, alpha: Any, x0: Any, **overrides: Any) -> "_solvers.SolveResult":
        """Run the family's solver for parameter alpha (P,) from every start x0 (M, d).
        overrides: solver options replacing the family's for this call."""
        a = self.check_params(alpha)
        opts = dict(self.solver_options)
        opts.update(overrides)
        if self.solver == "gd":
            return _solvers.gradient_descent(self.problem, a, x0, **opts)
        if self.solver == "lbfgsb":
            return _solvers.lbfgsb(self.problem, a, x0, **opts)
        assert self.constraints is not None  # __post_init__ requires them for "slsqp"
        return _solvers.slsqp(self.problem, a, x0, constraints=self.constraints(a),
                              bounds=self.variable_bounds, **opts)


def get_family(name: str, dim: int) -> Family:
    """A built-in family: "qp", "himmelblau", "rosenbrock", "levy" (GLENS eqs. 18-22, any even
    dim for the first three) or "robot" (Section 6; dim must be 81 = 1 + 4 T with T = 20, or pass
    any 1 + 4 T to choose T)."""
    if not isinstance(name, str):
        raise TypeError(f"name: expected a string, got {type(name).__name__}")
    dim = integer(dim, "dim", 1)
    builder = family_registry.lookup(name)
    if builder is not None:
        fam = builder(dim)
        fam._recipe = (name, dim)
        return fam
    if name not in _SETTINGS:
        raise ValueError(f"name: unknown family {name!r}; expected one of: {', '.join(FAMILY_NAMES)}")
    from .. import problems

    pbox, sbox, solver, opts, tol = _SETTINGS[name]
    prob = problems.glens(name, dim)
    return Family(name=name, problem=prob, param_bounds=pbox, init_bounds=sbox, solver=solver,
                  solver_options=dict(opts), optimum_tol=tol, _recipe=(name, dim))
