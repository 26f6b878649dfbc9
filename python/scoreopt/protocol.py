"""The honest benchmark protocol: problem instances whose optimum is neither at the default start
nor at the box center, with a seeded random start that every method shares.

Why: the sampling methods start at the box center by default, and for rastrigin, ackley,
griewank, sphere, ... the standard box is centered on the optimum; an even function's
antithetic sample pairs then keep the mean exactly there. Measured, DIDA on rastrigin D = 100
with 200,000 evaluations: error 3e-13 from the center, ~10 with the optimum shifted by up to
20 % of the half-width, ~90-100 from uniform random starts. Figures from the centered setting
say where the search started, not what the method finds.

>>> from scoreopt import protocol, minimize
>>> inst = protocol.instance("rastrigin", 100, seed=0)
>>> r = minimize(inst.problem, method="dida", budget=200_000, x0=inst.x0, seed=0)
>>> inst.error(r.fun)                    # f - f*, exact: f* is known for every instance

``instance(name, dim, seed)`` builds, for the seed, the problem, its start ``x0`` and its known
optimum (value ``optimum`` and point ``x_opt``). The definition, per function (``RULES``):

* **shift and rotate** (sphere, ellipsoid, rosenbrock, rastrigin, ackley, levy, griewank,
  styblinski_tang, zakharov, weierstrass, alpine1): the problem is
  ``problems.get(name, dim, matrix=Q, shift=o)``, i.e. x -> f(Q (x - o)) on the function's
  standard box, with Q a Haar-random orthogonal matrix and o chosen so that the minimiser
  x* = o + Q^T z* (z* the function's own minimiser: 0, or 1 for rosenbrock and levy, or
  -2.9035 for styblinski_tang) is uniform in the central 80 % of the box:
  x*_i ~ U(c_i - 0.8 h_i, c_i + 0.8 h_i) (c the center, h the half-width). Each of these
  functions has its global minimum over all of R^dim at z*, so f* is unchanged and exact
  (the box minimum is the global one because x* lies inside the box).
  ``rotate=False`` keeps Q = I (shift only): evaluation is O(dim) instead of O(dim^2), for
  very large dims.
* **as defined** (schwefel, michalewicz): the standard box, no shift, no rotation. Schwefel
  2.26 is unbounded below outside its box, so its minimum (420.97 per coordinate, near the
  edge and away from the center already) exists only for that box; michalewicz's terms depend
  on the coordinate index and the box [0, pi]. Michalewicz has no known optimum for general
  dim: ``optimum`` is None (it has no error, only values).
* **bbob.f1 ... bbob.f24**: COCO's instance ``seed + 1`` (its own shift, rotation and f_opt;
  the BBOB optimum is uniform in [-4, 4]^dim), on [-5, 5]^dim.
* **cec2017.fN**: the organizers' shifted and rotated function (the data has one instance per
  function and dim, so only the start depends on the seed), on [-100, 100]^dim.
* GLENS families (parametric) have no instance: they raise.

In every case the start ``x0`` is uniform in the whole box, drawn from the seed, independent
of the shift and rotation. (The COCO harness, :mod:`scoreopt.benchmarking`, where COCO chooses
the instances, draws the start of each run and restart the same way from (seed, function,
instance, dim, restart): ``benchmarking.problem_start``.) The same (name, dim, seed) gives the same instance and start on
every machine (``numpy.random.SeedSequence`` of (seed, dim, crc32(name))).

``protocol="centered"`` is the **withdrawn** protocol, kept only to reproduce old figures: the
registry function as defined, ``x0`` None (every method's own default start, the box center
for scoreopt's sampling methods, which is the optimum of most classic functions).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Dict, Optional

import numpy as np

from . import problems
from ._validate import integer
from .problem_types import Problem

__all__ = ["Instance", "instance", "random_start", "rotation", "rule", "RULES", "PROTOCOLS",
           "OPTIMUM_REGION"]

PROTOCOLS = ("honest", "centered")

#: the minimiser is uniform in this fraction of the box around its center (per coordinate)
OPTIMUM_REGION = 0.8

_SHIFT_ROTATE = ("sphere", "ellipsoid", "rosenbrock", "rastrigin", "ackley", "levy", "griewank",
                 "styblinski_tang", "zakharov", "weierstrass", "alpine1")
_AS_DEFINED = ("schwefel", "michalewicz")

#: per classic function: how the honest instance is built (see the module docstring)
RULES: Dict[str, str] = {
    **{n: "shift and rotate" for n in _SHIFT_ROTATE},
    **{n: "as defined" for n in _AS_DEFINED},
}


def rule(name: str) -> str:
    """How the honest instance of ``name`` is built: "shift and rotate", "as defined",
    "bbob instance" or "cec2017 data"; raises for names without an honest instance."""
    if not isinstance(name, str):
        raise TypeError(f"name: expected a string, got {type(name).__name__}")
    if name in RULES:
        return RULES[name]
    if name.startswith("bbob.f") and name in problems.names("bbob"):
        return "bbob instance"
    if name.startswith("cec2017.f") and name in problems.names("cec2017"):
        return "cec2017 data"
    if name in problems.names("glens"):
        raise ValueError(f"name: {name} is a parametric GLENS family; the protocol builds "
                         "instances of fixed objectives only (classic, bbob.fN, cec2017.fN)")
    known = problems.names()
    if name in known:  # a registry function added without a rule: decide it here, explicitly
        raise ValueError(f"name: {name} has no honest-protocol rule yet (scoreopt.protocol.RULES)")
    raise ValueError(f"name: unknown function {name!r}; expected one of: {', '.join(known)}")


@dataclass
class Instance:
    """One problem of the protocol: evaluate ``problem``, start every method at ``x0``, and
    report ``error(f) = f - optimum``.

    name, dim, seed, protocol: what built it. rule: how (see :data:`RULES`). optimum, x_opt:
    the known minimum and a minimiser (None where unknown). shift: o of x -> f(Q (x - o))
    (None when not shifted); rotated: whether Q is a random rotation (Q itself is
    ``protocol.rotation(...)`` of the same seed; it is not stored twice)."""

    name: str
    dim: int
    seed: int
    protocol: str
    rule: str
    problem: Problem
    x0: Optional[np.ndarray]
    optimum: Optional[float]
    x_opt: Optional[np.ndarray]
    shift: Optional[np.ndarray] = None
    rotated: bool = False

    def error(self, f: float) -> float:
        """f - f*; raises when the optimum is unknown (michalewicz)."""
        if self.optimum is None:
            raise ValueError(f"f: {self.name} has no known optimum, so no error")
        return float(f) - self.optimum

    def describe(self) -> str:
        """One line for logs and JSON records."""
        if self.protocol == "centered":
            return f"{self.name} d={self.dim}: withdrawn centered protocol (standard problem, default start)"
        what = {"shift and rotate": "optimum shifted" + (" and rotated" if self.rotated else ""),
                "as defined": "standard box, as defined",
                "bbob instance": f"COCO instance {self.seed + 1}",
                "cec2017 data": "organizers' shift and rotation"}[self.rule]
        return f"{self.name} d={self.dim} seed={self.seed}: {what}, random start"

    def record(self) -> Dict[str, Any]:
        """JSON-ready facts of the instance (the rotation is rebuilt from the seed)."""
        return {"name": self.name, "dim": self.dim, "seed": self.seed, "protocol": self.protocol,
                "rule": self.rule, "optimum": self.optimum, "rotated": self.rotated,
                "x0": None if self.x0 is None else self.x0.tolist(),
                "x_opt": None if self.x_opt is None else self.x_opt.tolist(),
                "shift": None if self.shift is None else self.shift.tolist()}


def _streams(name: str, dim: int, seed: int):
    """Independent generators for (minimiser, rotation, start) of one (name, dim, seed)."""
    ss = np.random.SeedSequence([seed, dim, zlib.crc32(name.encode())])
    return [np.random.default_rng(s) for s in ss.spawn(3)]


def rotation(name: str, dim: int, seed: int) -> np.ndarray:
    """The Haar-random orthogonal Q of the honest instance (name, dim, seed): QR of a Gaussian
    matrix with the signs of R's diagonal moved into Q (otherwise Q is not uniform)."""
    rng = _streams(name, integer(dim, "dim", 1), integer(seed, "seed", 0))[1]
    Q, R = np.linalg.qr(rng.standard_normal((dim, dim)))
    return Q * np.sign(np.diag(R))


def random_start(lower: Any, upper: Any, seed: int, *key: Any) -> np.ndarray:
    """A start uniform in the box [lower, upper], drawn from ``(seed, *key)`` (key: ints or strings
    that name the problem and the restart); the same arguments give the same point."""
    lower = np.asarray(lower, dtype=np.float64)
    upper = np.asarray(upper, dtype=np.float64)
    if lower.shape != upper.shape or lower.ndim != 1:
        raise ValueError(f"lower, upper: expected two arrays of shape (dim,), got {lower.shape} "
                         f"and {upper.shape}")
    words = [integer(seed, "seed", 0)] + [zlib.crc32(k.encode()) if isinstance(k, str) else int(k)
                                         for k in key]
    rng = np.random.default_rng(np.random.SeedSequence(words))
    return lower + (upper - lower) * rng.random(lower.shape[0])


def instance(name: str, dim: int, seed: int = 0, *, protocol: str = "honest",
             rotate: bool = True) -> Instance:
    """The protocol's instance of function ``name`` in dimension ``dim`` for ``seed`` (see the
    module docstring for the definition per function).

    protocol: "honest" (the default) or "centered" (withdrawn; the standard problem and no x0).
    rotate: False keeps the classic functions shifted but unrotated (O(dim) evaluation)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol: expected one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    seed = integer(seed, "seed", 0)
    dim = integer(dim, "dim", 1)
    how = rule(name)
    if protocol == "centered":
        p = problems.get(name, dim)
        return Instance(name, dim, seed, protocol, how, p, None, p.optimum, p.x_opt)
    if how == "bbob instance":
        p = problems.get(name, dim, instance=seed + 1)
    else:
        p = problems.get(name, dim)  # also checks dim against the function's minimum
    lower, upper = (np.asarray(b, dtype=np.float64) for b in p.bounds)
    r_opt, _, r_start = _streams(name, dim, seed)
    x0 = lower + (upper - lower) * r_start.random(dim)
    if how != "shift and rotate":
        return Instance(name, dim, seed, protocol, how, p, x0, p.optimum, p.x_opt)
    center, half = (lower + upper) / 2, (upper - lower) / 2
    x_star = center + OPTIMUM_REGION * half * r_opt.uniform(-1.0, 1.0, dim)
    z_star = p.x_opt  # the function's own minimiser, global over R^dim (see RULES)
    Q = rotation(name, dim, seed) if rotate else None
    shift = x_star - (z_star if Q is None else Q.T @ z_star)
    q = problems.get(name, dim, matrix=Q, shift=shift)
    # the wrapper computes its minimiser by solving Q z = z*: equal to x_star up to rounding
    return Instance(name, dim, seed, protocol, how, q, x0, q.optimum, x_star.copy(),
                    shift=shift, rotated=Q is not None)
