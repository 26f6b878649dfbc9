"""The 24 noiseless BBOB functions of COCO (suite ``"bbob"``) in the compiled core.

>>> from scoreopt import problems
>>> p = problems.bbob(15, instance=1, dim=10)   # f15, rotated Rastrigin
>>> p.evaluate(X)                               # X (N, 10) -> (N,), float32 or float64
>>> p.optimum, p.x_opt                          # COCO's f_opt and the true minimiser

float64 values agree with COCO (cocoex) to 1e-13 of ``max(|f|, |f_opt|)``, many bitwise
(tests/test_bbob.py; the exceptions and why are in bbob.hpp, "Accuracy", and the README). float32 input is evaluated in double (with the instance data at double
precision) and the result rounded, so float32 values are within ~6e-8 relative of COCO's.
The instance data (shifts, rotations, f_opt, Gallagher peaks, ...) comes from
:mod:`scoreopt.suites.bbob_instances` and is handed to the core as one flat vector, whose
layout per function is defined by :func:`pack` below and, on the C++ side, documented next
to each struct in ``csrc/include/scoreopt/functions/bbob.hpp``: the two must stay in sync.

BBOB functions have no analytic gradient: ``gradient()`` raises ``ValueError``.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, List

import numpy as np

from .._validate import integer

from .. import _core
from ..problem_types import BuiltinProblem
from . import bbob_instances

__all__ = ["bbob", "pack", "BbobProblem"]


def _colmajor(a: np.ndarray) -> np.ndarray:
    """A matrix stored column-major: element (i, j) at index j * rows + i."""
    return np.asarray(a, dtype=np.float64).T.ravel()


# The flat layout of each function's instance data (bbob.hpp documents the same layout next to
# each C++ struct): the keys of bbob_instances.instance() below, in order, each flattened, then
# the residuals of all of them (see _pack_cached). Conventions: f_opt first, then the scalars,
# the vectors (D values), the matrices; matrices ("R", "M") are COLUMN-major (index j * D + i
# holds M_ij); the Gallagher "peaks" and "peak_scales" (P, D) are stored coordinate-major
# (index j * P + p holds peak p's coordinate j), i.e. column-major as well; T_asy's coefficients
# (derived, below) last.
_MATRICES = ("R", "M", "Ms", "peaks", "peak_scales")
# Values the core reads that COCO does not generate, derived from the instance. f24's "Ms":
# M with column j times 2 sign(shift_j) (exact), so that the core evaluates M a as one blocked
# product Ms (x - shift), bitwise (bbob.hpp, F24).
# "tasy_coef_<beta>": T_asy^beta's exponent coefficients beta i / (D - 1), i = 0..D-1, rounded as
# COCO rounds them (beta i, then the division: the same doubles), which the core reads instead of
# dividing per coordinate and row (a vector division took 0.28 of T_asy's time; bbob.hpp, tasy).


def _tasy_coefficients(beta: float) -> Callable[[Dict[str, Any]], np.ndarray]:
    def coefficients(inst: Dict[str, Any]) -> np.ndarray:
        d = len(inst["shift"])
        return (beta * np.arange(d, dtype=np.float64)) / (d - 1.0)

    return coefficients


_DERIVED = {"Ms": lambda inst: np.asarray(inst["M"]) * (2.0 * np.sign(inst["shift"]))[None, :],
            "tasy_coef_0.2": _tasy_coefficients(0.2), "tasy_coef_0.5": _tasy_coefficients(0.5)}
_LAYOUT: Dict[int, List[str]] = {
    1: ["f_opt", "shift"],
    2: ["f_opt", "shift", "weights"],
    3: ["f_opt", "shift", "lambda", "tasy_coef_0.2"],
    4: ["f_opt", "penalty_factor", "shift", "lambda", "lambda_pos"],
    5: ["f_opt", "x_opt", "slope"],
    6: ["f_opt", "shift", "M"],
    7: ["f_opt", "penalty_factor", "shift", "weights", "M", "R"],
    8: ["f_opt", "scale", "shift"],
    9: ["f_opt", "b", "M"],
    10: ["f_opt", "shift", "weights", "R"],
    11: ["f_opt", "shift", "R"],
    12: ["f_opt", "shift", "R", "tasy_coef_0.5"],
    13: ["f_opt", "shift", "M"],
    14: ["f_opt", "shift", "exponents", "R"],
    15: ["f_opt", "shift", "R", "M", "tasy_coef_0.2"],
    16: ["f_opt", "penalty_factor", "f0", "ak", "bk", "shift", "R", "M"],
    17: ["f_opt", "penalty_factor", "shift", "R", "M", "tasy_coef_0.5"],
    18: ["f_opt", "penalty_factor", "shift", "R", "M", "tasy_coef_0.5"],
    19: ["f_opt", "M"],
    20: ["f_opt", "sign", "shift", "lambda"],
    21: ["f_opt", "penalty_factor", "peak_heights", "R", "peaks", "peak_scales"],
    22: ["f_opt", "penalty_factor", "peak_heights", "R", "peaks", "peak_scales"],
    23: ["f_opt", "penalty_factor", "shift", "M"],
    24: ["f_opt", "mu0", "mu1", "s", "shift", "R", "Ms"],
}


def _check(function: Any, instance: Any, dim: Any) -> None:
    for name, v in (("function", function), ("instance", instance), ("dim", dim)):
        integer(v, name)
    if not 1 <= int(function) <= 24:
        raise ValueError(f"function: expected a bbob function number in 1..24, got {function}")
    if int(instance) < 1:
        raise ValueError(f"instance: expected a positive integer, got {instance}")
    if int(dim) < 2:
        raise ValueError(f"dim: bbob functions need dim >= 2, got {dim}")


@functools.lru_cache(maxsize=256)
def _pack_cached(function: int, instance: int, dim: int) -> np.ndarray:
    inst = bbob_instances.instance(function, instance, dim)
    parts = []
    for key in _LAYOUT[function]:
        a = _DERIVED[key](inst) if key in _DERIVED else inst[key]
        parts.append(_colmajor(a) if key in _MATRICES else np.asarray(a, dtype=np.float64).ravel())
    values = np.concatenate(parts)
    # The residuals v - float32(v), exact in float64: float32 evaluation reads every value as
    # float32(v) + float32(residual), i.e. to ~2^-48 relative (bbob.hpp, "float").
    residuals = values - values.astype(np.float32).astype(np.float64)
    out = np.concatenate([values, residuals])
    out.setflags(write=False)
    return out


def pack(function: int, instance: int, dim: int) -> np.ndarray:
    """The flat instance-data vector the core's ``bbob.f<function>`` reads (float64, read-only,
    cached): the values in the layout of ``_LAYOUT`` / ``bbob.hpp``, then as many residuals
    ``v - float64(float32(v))`` (used by float32 evaluation only)."""
    _check(function, instance, dim)
    return _pack_cached(int(function), int(instance), int(dim))


class BbobProblem(BuiltinProblem):
    """A bbob problem: a :class:`BuiltinProblem` with the suite's instance data, the known
    optimum (``optimum``, ``x_opt``), and ``function`` / ``instance`` numbers. No gradient."""

    function: int
    instance: int

    @property
    def has_gradient(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"Problem({self.name!r}, dim={self.dim}, instance={self.instance})"


def bbob(function: int, instance: int, dim: int) -> BbobProblem:
    """COCO's bbob ``function`` (1..24), ``instance`` (>= 1) in dimension ``dim`` (>= 2), on
    the box [-5, 5]^dim, evaluated by the compiled core."""
    _check(function, instance, dim)
    function, instance, dim = int(function), int(instance), int(dim)
    core = _core.Problem(f"bbob.f{function}", dim, {}).with_data(pack(function, instance, dim))
    p = BbobProblem(core, bounds=(-5.0, 5.0))
    p._optimum = bbob_instances.f_opt(function, instance, dim)
    p._x_opt = bbob_instances.x_opt(function, instance, dim)
    p.function = function
    p.instance = instance
    return p
