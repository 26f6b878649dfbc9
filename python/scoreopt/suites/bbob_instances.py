"""Instance data of the 24 noiseless BBOB functions of COCO (suite ``"bbob"``).

This module reproduces, in plain Python/NumPy, the instance data that COCO's C code draws for
the ``bbob`` suite (the legacy BBOB-2009 random number generators and seeding rules), bit for
bit. :mod:`scoreopt.suites.bbob` hands these data to the core, which evaluates the functions.
The independent float64 evaluation that checks the core against COCO's definitions lives with
the tests (``tests/bbob_reference.py``): it ships nowhere near the production path.

Structure
---------
1. **Legacy random numbers** (``_unif``, ``_gauss``): the BBOB-2009 uniform generator (a
   Park-Miller minimal-standard LCG, ``a = 16807``, ``m = 2^31 - 1``, with a 32-slot
   Bays-Durham shuffle table filled after 40 warm-up draws) and the Box-Muller Gaussians
   built from it (``2N`` uniforms for ``N`` Gaussians: the first ``N`` go through
   ``sqrt(-2 log u)``, the last ``N`` through ``cos(2 pi u)``).  Scalar maths there uses the
   :mod:`math` module, i.e. the same C library calls as COCO, so instance data is bitwise
   identical.
2. **Instance data** (``_rotation``, ``_xopt``, ``_fopt``, :func:`instance`): with
   ``rseed = function + 10000 * instance`` (``rseed = 3 + 10000 * instance`` for f4 and
   ``17 + 10000 * instance`` for f18, which reuse f3's and f17's data),

   * ``xopt = 8 * floor(1e4 * u) / 1e4 - 4`` with ``u = unif(dim, rseed)`` (a 0 becomes
     ``-1e-5``); f12 draws it from ``rseed + 1000000``;
   * ``fopt = clip(round(100 * 100 * g1 / g2) / 100, -1000, 1000)`` with
     ``g1 = gauss(1, s)``, ``g2 = gauss(1, s + 1)``, ``s = fseed + 10000 * instance`` and
     ``fseed = function`` (3 for f4, 17 for f18);
   * rotation matrices: ``dim * dim`` Gaussians from a seed, read column-major into a
     matrix, then orthonormalised column by column with modified Gram-Schmidt.  ``R`` comes
     from ``rseed + 1000000`` and ``Q`` from ``rseed`` when a function uses two; the single
     rotation of f9, f19, f21, f22 comes from ``rseed`` and that of f10-f14 from
     ``rseed + 1000000``;
   * per-function specifics (f4's ``|xopt|`` on even indices, f5's optimum on the
     boundary, f8's ``0.75 * xopt``, f20's sign vector and x-hat/z-hat maps, the Gallagher
     peaks and conditionings of f21/f22, f24's ``+-mu0/2`` optimum, ...).

Public API
----------
``instance(function, instance, dim) -> dict``
    All instance data (cached; arrays are read-only float64).
``x_opt(function, instance, dim)`` / ``f_opt(function, instance, dim)``
    The true minimiser and the optimal value (as reported by COCO / IOHprofiler).

Keys of the instance dict (every value is a read-only float64 NumPy array; "scalar" means
a 0-d array, D = dim, P = number of Gallagher peaks)::

    all functions   f_opt (scalar)   optimal value = the fopt offset added to the raw function
                    x_opt (D,)       the true minimiser: f(x_opt) == f_opt
    f1  sphere                 shift
    f2  ellipsoid (separable)  shift, weights
    f3  Rastrigin (separable)  shift, lambda
    f4  Bueche-Rastrigin       shift, lambda, lambda_pos, penalty_factor
    f5  linear slope           shift, slope
    f6  attractive sector      shift, R, Q, lambda, M
    f7  step ellipsoid         shift, R, Q, lambda, M, weights, penalty_factor
    f8  Rosenbrock             shift, scale
    f9  Rosenbrock rotated     R, scale, M, b
    f10 ellipsoid (rotated)    shift, R, weights
    f11 discus                 shift, R
    f12 bent cigar             shift, R
    f13 sharp ridge            shift, R, Q, lambda, M
    f14 different powers       shift, R, exponents
    f15 Rastrigin (rotated)    shift, R, Q, lambda, M
    f16 Weierstrass            shift, R, Q, lambda, M, ak, bk, f0, penalty_factor
    f17 Schaffers F7 (cond 10)     shift, R, Q, lambda, M, penalty_factor
    f18 Schaffers F7 (cond 1000)   shift, R, Q, lambda, M, penalty_factor
    f19 Griewank-Rosenbrock F8F2   R, scale, M
    f20 Schwefel x*sin(x)      shift, sign, lambda
    f21 Gallagher 101 peaks    shift, R, peak_conditions, peak_heights, peak_scales, peaks,
                               penalty_factor
    f22 Gallagher 21 peaks     (as f21)
    f23 Katsuura               shift, R, Q, lambda, M, penalty_factor
    f24 Lunacek bi-Rastrigin   shift, R, Q, lambda, M, mu0, mu1, s

Meaning of the keys:

``shift`` (D,)
    The translation vector of the function (COCO's ``xopt``): the search point enters as
    ``x - shift``.  For f5 only its signs are used; for f20 and f24 it is the sign-carrying
    optimum ``+-4.2096874637/2`` and ``+-mu0/2``; for f21/f22 it is the global peak.
``R``, ``Q`` (D, D)
    Orthogonal matrices from the legacy Gram-Schmidt procedure, row index = output
    coordinate (``z_i = sum_j R_ij x_j``).  With two rotations ``R`` is from seed
    ``rseed + 1000000`` and ``Q`` from ``rseed``; a lone ``R`` is from ``rseed + 1000000``
    (f10-f14) or from ``rseed`` (f9, f19, f21, f22).
``lambda`` (D,)
    The diagonal conditioning factors of the function, computed exactly as COCO does:
    f3, f20: ``pow(10, 0.5 i/(D-1))`` (``Lambda^10``); f4: ``pow(sqrt(10), i/(D-1))``;
    f6, f13, f15: ``pow(sqrt(10), i/(D-1))``; f7: ``sqrt(pow(10, i/(D-1)))``;
    f16: ``pow(0.1, i/(D-1))`` (``Lambda^(1/100)``); f17: ``pow(sqrt(10), i/(D-1))``;
    f18: ``pow(sqrt(1000), i/(D-1))``; f23: ``pow(10, i/(D-1))``; f24: ``pow(10, i/(D-1))``.
``lambda_pos`` (D,)
    f4 only: the Bueche-Rastrigin factor used where the coordinate is positive
    (``10 * lambda_i`` on even 0-based indices, ``lambda_i`` elsewhere).
``M`` (D, D)
    The matrix that is actually applied (``z_i = b_i + sum_j M_ij x_j``): ``R diag(lambda) Q``
    for f6, f13, f15, f16, f23 (summed over k in COCO's order); ``diag(lambda) Q`` for f7,
    f17, f18, f24; ``scale * R`` for f9 and f19.
``b`` (D,)
    f9 only: the offset of the affine map (all 0.5).
``weights`` (D,)
    Coefficients of the raw ellipsoid: ``pow(1e6, i/(D-1))`` (f2, f10), ``pow(100, i/(D-1))``
    (f7).
``slope`` (D,)
    f5: signed slopes ``s_i = sign(shift_i) * pow(10, i/(D-1))``.
``scale`` (scalar)
    ``max(1, sqrt(D)/8)`` for f8, f9, f19.
``exponents`` (D,)
    f14: ``2 + 4 i/(D-1)``.
``ak``, ``bk`` (12,), ``f0`` (scalar)
    f16: ``0.5^k``, ``3^k`` and ``sum_k ak cos(pi bk)``.
``sign`` (D,)
    f20: the +-1 vector of the x-hat map (``-1`` where ``unif(D, rseed) < 0.5``).
``peaks`` (P, D)
    f21/f22: the local optima already rotated (``R y_i``, the global one scaled by 0.8),
    i.e. COCO's ``x_local`` transposed.  Peak 0 is the global optimum.
``peak_conditions`` (P,), ``peak_heights`` (P,), ``peak_scales`` (P, D)
    f21/f22: the conditionings ``alpha_i``, heights ``w_i`` (10 for the global peak, then
    equally spaced in [1.1, 9.1]) and the diagonal ``Lambda`` of each peak
    (``alpha_i^(perm_i(j)/(D-1) - 0.5)``, not yet multiplied by ``-0.5/D``).
``penalty_factor`` (scalar)
    Multiplier of ``f_pen``: 100 (f4), 1 (f7, f21, f22, f23), 10/D (f16), 10 (f17, f18).
``mu0``, ``mu1``, ``s`` (scalars)
    f24: the two funnel centres and the depth factor of the second funnel.

Limits.  Instance numbers are positive integers; the seeds stay exact up to about
``instance = 2e10`` (the C code casts ``seed / 127773`` to ``int``).  COCO's ``bbob``
suite itself only exposes D in {2, 3, 5, 10, 20, 40} and its fixed-size buffers only allow
rotations up to D = 44; this module accepts any D >= 2 and extends the same formulas
(they agree with IOHprofiler's BBOB, except f13 for D > 40, where IOHprofiler switches to
the large-scale sharp ridge with ceil(D/40) leading coordinates).
"""

from __future__ import annotations

import functools
import math
from typing import Dict

import numpy as np

from .._validate import integer

__all__ = ["instance", "x_opt", "f_opt", "FUNCTION_NAMES"]

#: COCO's names of the 24 bbob functions.
FUNCTION_NAMES: Dict[int, str] = {
    1: "sphere",
    2: "ellipsoid (separable)",
    3: "Rastrigin (separable)",
    4: "Bueche-Rastrigin",
    5: "linear slope",
    6: "attractive sector",
    7: "step ellipsoid",
    8: "Rosenbrock (original)",
    9: "Rosenbrock (rotated)",
    10: "ellipsoid (rotated)",
    11: "discus",
    12: "bent cigar",
    13: "sharp ridge",
    14: "different powers",
    15: "Rastrigin (rotated)",
    16: "Weierstrass",
    17: "Schaffers F7, condition 10",
    18: "Schaffers F7, condition 1000",
    19: "composite Griewank-Rosenbrock F8F2",
    20: "Schwefel x*sin(x)",
    21: "Gallagher's Gaussian 101-me peaks",
    22: "Gallagher's Gaussian 21-hi peaks",
    23: "Katsuura",
    24: "Lunacek bi-Rastrigin",
}

_PI = math.pi  # == COCO's coco_pi (3.14159265358979323846 rounded to double)
_TWO_PI = 2.0 * math.pi


# ---------------------------------------------------------------------------------------------
# Legacy BBOB-2009 random numbers
# ---------------------------------------------------------------------------------------------


def _lcg_step(seed: int) -> int:
    """One step of the Park-Miller generator with Schrage's factorisation (as in COCO)."""
    tmp = int(math.floor(seed / 127773.0))
    seed = 16807 * (seed - tmp * 127773) - 2836 * tmp
    if seed < 0:
        seed += 2147483647
    return seed


def _unif(n: int, seed: int) -> np.ndarray:
    """``n`` uniform numbers in (0, 1] from the BBOB-2009 generator started at ``seed``."""
    seed = abs(int(seed))
    if seed < 1:
        seed = 1
    table = [0] * 32
    for i in range(39, -1, -1):
        seed = _lcg_step(seed)
        if i < 32:
            table[i] = seed
    rand = table[0]
    out = [0.0] * n
    for i in range(n):
        seed = _lcg_step(seed)
        k = int(math.floor(rand / 67108865.0))
        rand = table[k]
        table[k] = seed
        r = rand / 2.147483647e9
        out[i] = r if r != 0.0 else 1e-99
    return np.array(out, dtype=np.float64)


def _gauss(n: int, seed: int) -> np.ndarray:
    """``n`` standard normal numbers (Box-Muller on ``2n`` legacy uniforms)."""
    u = _unif(2 * n, seed).tolist()
    out = [0.0] * n
    for i in range(n):
        g = math.sqrt(-2.0 * math.log(u[i])) * math.cos(_TWO_PI * u[n + i])
        out[i] = g if g != 0.0 else 1e-99
    return np.array(out, dtype=np.float64)


def _rotation(seed: int, dim: int) -> np.ndarray:
    """The legacy random orthogonal matrix: Gaussian entries (column-major), then modified
    Gram-Schmidt on the columns with sums accumulated left to right."""
    B = _gauss(dim * dim, seed).reshape(dim, dim).T.copy()  # B[i, j] = g[j * dim + i]
    for i in range(dim):
        col = B[:, i]
        for j in range(i):
            prod = np.cumsum(col * B[:, j])[-1]
            col = col - prod * B[:, j]
        prod = np.cumsum(col * col)[-1]
        B[:, i] = col / math.sqrt(prod)
    return B


def _xopt(seed: int, dim: int) -> np.ndarray:
    """The legacy optimum location in [-4, 4]^dim on a 1e-4 grid (0 is replaced by -1e-5)."""
    u = _unif(dim, seed)
    x = 8.0 * np.floor(1e4 * u) / 1e4 - 4.0
    x[x == 0.0] = -1e-5
    return x


def _fopt(function: int, inst: int) -> float:
    """The legacy objective offset, rounded to 1e-2 and clipped to [-1000, 1000]."""
    fseed = {4: 3, 18: 17}.get(function, function)
    s = fseed + 10000 * inst
    g1 = float(_gauss(1, s)[0])
    g2 = float(_gauss(1, s + 1)[0])
    v = math.floor(100.0 * 100.0 * g1 / g2 + 0.5) / 100.0
    return min(1000.0, max(-1000.0, v))


def _pows(base: float, dim: int, scale: float = 1.0) -> np.ndarray:
    """``[pow(base, scale * i / (dim - 1)) for i in range(dim)]`` with the C library pow."""
    return np.array([math.pow(base, scale * i / (dim - 1.0)) for i in range(dim)])


def _rlq(R: np.ndarray, lam: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """``R diag(lam) Q`` with COCO's evaluation order: sum over k of (R_ik * lam_k) * Q_kj."""
    M = np.zeros_like(R)
    for k in range(R.shape[0]):
        M += (R[:, k] * lam[k])[:, None] * Q[k, :][None, :]
    return M


# ---------------------------------------------------------------------------------------------
# Instance data
# ---------------------------------------------------------------------------------------------


def _check_args(function, inst, dim=None):
    for name, v in (("function", function), ("instance", inst), ("dim", dim)):
        if v is not None:
            integer(v, name)
    if not 1 <= int(function) <= 24:
        raise ValueError(f"function: expected 1..24, got {function}")
    if int(inst) < 1:
        raise ValueError(f"instance: expected a positive integer, got {inst}")
    if dim is not None and int(dim) < 2:
        raise ValueError(f"dim: expected an integer >= 2, got {dim}")


@functools.lru_cache(maxsize=256)
def _instance_cached(function: int, inst: int, dim: int) -> Dict[str, np.ndarray]:
    D = dim
    rseed = function + 10000 * inst
    if function == 4:
        rseed = 3 + 10000 * inst
    elif function == 18:
        rseed = 17 + 10000 * inst
    fopt = _fopt(function, inst)
    d: Dict[str, object] = {"f_opt": fopt}

    if function in (1, 2, 3, 6, 7, 10, 11, 13, 14, 15, 16, 17, 18, 23):
        d["shift"] = _xopt(rseed, D)
        d["x_opt"] = d["shift"]

    if function == 2:  # separable ellipsoid
        d["weights"] = _pows(1.0e6, D)
    elif function == 3:  # separable Rastrigin: Lambda^10
        d["lambda"] = _pows(10.0, D, 0.5)
    elif function == 4:  # Bueche-Rastrigin (data of f3: rseed 3 + 10000 i)
        s = _xopt(rseed, D)
        s[0::2] = np.abs(s[0::2])
        lam = _pows(math.sqrt(10.0), D)
        lam_pos = lam.copy()
        lam_pos[0::2] = lam[0::2] * 10.0
        d.update(shift=s, x_opt=s, **{"lambda": lam, "lambda_pos": lam_pos}, penalty_factor=100.0)
    elif function == 5:  # linear slope: optimum at the boundary, on the side of sign(xopt)
        s = _xopt(rseed, D)
        best = np.where(s < 0.0, -5.0, 5.0)
        base = _pows(math.sqrt(100.0), D)
        d.update(shift=s, x_opt=best, slope=np.where(best > 0.0, base, -base))
    elif function in (6, 13, 15):  # attractive sector, sharp ridge, rotated Rastrigin
        R, Q = _rotation(rseed + 1000000, D), _rotation(rseed, D)
        lam = _pows(math.sqrt(10.0), D)
        d.update(R=R, Q=Q, M=_rlq(R, lam, Q), **{"lambda": lam})
    elif function == 7:  # step ellipsoid
        R, Q = _rotation(rseed + 1000000, D), _rotation(rseed, D)
        lam = np.array([math.sqrt(math.pow(100.0 / 10.0, i / float(D - 1))) for i in range(D)])
        d.update(R=R, Q=Q, M=lam[:, None] * Q, weights=_pows(100.0, D), penalty_factor=1.0,
                 **{"lambda": lam})
    elif function == 8:  # Rosenbrock
        s = _xopt(rseed, D) * 0.75
        d.update(shift=s, x_opt=s, scale=max(1.0, math.sqrt(D) / 8.0))
    elif function in (9, 19):  # rotated Rosenbrock, Griewank-Rosenbrock
        R = _rotation(rseed, D)
        scale = max(1.0, math.sqrt(D) / 8.0)
        M = R * scale
        # COCO's x_opt = R^T 1 / (2 scale) for both (z = scale R x + 1/2 is 1 there), column
        # sums left to right
        xo = np.cumsum(R, axis=0)[-1] / (2.0 * scale)
        if function == 9:
            d.update(b=np.full(D, 0.5))
        d.update(R=R, scale=scale, M=M, x_opt=xo)
    elif function == 10:  # rotated ellipsoid
        d.update(R=_rotation(rseed + 1000000, D), weights=_pows(1.0e6, D))
    elif function == 11:  # discus
        d.update(R=_rotation(rseed + 1000000, D))
    elif function == 12:  # bent cigar: xopt drawn from rseed + 1000000
        s = _xopt(rseed + 1000000, D)
        d.update(shift=s, x_opt=s, R=_rotation(rseed + 1000000, D))
    elif function == 14:  # different powers
        d.update(R=_rotation(rseed + 1000000, D),
                 exponents=np.array([2.0 + (4.0 * i) / (D - 1.0) for i in range(D)]))
    elif function == 16:  # Weierstrass
        R, Q = _rotation(rseed + 1000000, D), _rotation(rseed, D)
        lam = _pows(1.0 / math.sqrt(100.0), D)
        ak = np.array([math.pow(0.5, float(k)) for k in range(12)])
        bk = np.array([math.pow(3.0, float(k)) for k in range(12)])
        f0 = 0.0
        for k in range(12):
            f0 += ak[k] * math.cos(_TWO_PI * bk[k] * 0.5)
        d.update(R=R, Q=Q, M=_rlq(R, lam, Q), ak=ak, bk=bk, f0=f0, penalty_factor=10.0 / D,
                 **{"lambda": lam})
    elif function in (17, 18):  # Schaffers F7
        cond = 10.0 if function == 17 else 1000.0
        R, Q = _rotation(rseed + 1000000, D), _rotation(rseed, D)
        lam = _pows(math.sqrt(cond), D)
        d.update(R=R, Q=Q, M=Q * lam[:, None], penalty_factor=10.0, **{"lambda": lam})
    elif function == 20:  # Schwefel
        u = _unif(D, rseed)
        sign = np.where(u < 0.5, -1.0, 1.0)
        s = sign * (0.5 * 4.2096874637)
        d.update(shift=s, x_opt=s, sign=sign, **{"lambda": _pows(10.0, D, 0.5)})
    elif function in (21, 22):  # Gallagher
        d.update(_gallagher(rseed, D, 101 if function == 21 else 21))
    elif function == 23:  # Katsuura
        R, Q = _rotation(rseed + 1000000, D), _rotation(rseed, D)
        lam = _pows(math.sqrt(100.0), D)
        d.update(R=R, Q=Q, M=_rlq(R, lam, Q), penalty_factor=1.0, **{"lambda": lam})
    elif function == 24:  # Lunacek bi-Rastrigin
        R, Q = _rotation(rseed + 1000000, D), _rotation(rseed, D)
        mu0 = 2.5
        g = _gauss(D, rseed)
        s = np.where(g < 0.0, -0.5 * mu0, 0.5 * mu0)
        lam = np.array([math.pow(math.sqrt(100.0), float(i) / float(D - 1)) for i in range(D)])
        sfac = 1.0 - 0.5 / (math.sqrt(float(D + 20)) - 4.1)
        d.update(shift=s, x_opt=s, R=R, Q=Q, M=lam[:, None] * Q, mu0=mu0,
                 mu1=-math.sqrt((mu0 * mu0 - 1.0) / sfac), s=sfac, **{"lambda": lam})

    out: Dict[str, np.ndarray] = {}
    for key, v in d.items():
        a = np.array(v, dtype=np.float64)  # copies, so shared arrays become independent
        a.setflags(write=False)
        out[key] = a
    return out


def _gallagher(rseed: int, D: int, P: int) -> Dict[str, object]:
    """Gallagher's peaks (f21: P = 101, f22: P = 21)."""
    maxcond = 1000.0
    if P == 101:
        cond0, b, c = math.sqrt(1000.0), 10.0, 5.0
    else:
        cond0, b, c = 1000.0, 9.8, 4.9
    R = _rotation(rseed, D)
    # conditionings: a random permutation of 1000^(k/(P-2)), the global peak gets cond0
    order = np.argsort(_unif(P - 1, rseed), kind="stable")
    cond = np.empty(P)
    heights = np.empty(P)
    cond[0], heights[0] = cond0, 10.0
    for i in range(1, P):
        cond[i] = math.pow(maxcond, float(order[i - 1]) / float(P - 2))
        heights[i] = float(i - 1) / float(P - 2) * (9.1 - 1.1) + 1.1
    # per-peak diagonal scalings: cond_i^(perm(j)/(D-1) - 0.5) with a random permutation
    scales = np.empty((P, D))
    for i in range(P):
        perm = np.argsort(_unif(D, rseed + 1000 * i), kind="stable")
        scales[i] = [math.pow(cond[i], float(perm[j]) / float(D - 1) - 0.5) for j in range(D)]
    # peak locations y_i = b * u - c (global one times 0.8), stored rotated: R y_i
    Y = b * _unif(D * P, rseed).reshape(P, D) - c
    xopt = 0.8 * Y[0]  # 0.8 * (b * u - c)
    peaks = np.zeros((D, P))
    for k in range(D):
        peaks += R[:, k][:, None] * Y[:, k][None, :]
    peaks[:, 0] *= 0.8
    return {"shift": xopt, "x_opt": xopt, "R": R, "peak_conditions": cond,
            "peak_heights": heights, "peak_scales": scales, "peaks": peaks.T,
            "penalty_factor": 1.0}


def instance(function: int, instance: int, dim: int) -> Dict[str, np.ndarray]:
    """All instance data COCO generates for bbob ``function`` (1..24), ``instance`` (>= 1)
    and dimension ``dim`` (>= 2).

    Returns a new dict (the arrays inside are cached and read-only, all float64; scalars
    are 0-d arrays).  The keys of each function and their meaning are listed in the module
    docstring; every dict has ``f_opt`` (the optimal value, COCO's fopt) and ``x_opt`` (the
    true minimiser).
    """
    _check_args(function, instance, dim)
    return dict(_instance_cached(int(function), int(instance), int(dim)))


def x_opt(function: int, instance: int, dim: int) -> np.ndarray:
    """The global minimiser (a writable copy): the function's value there is ``f_opt`` up to rounding.

    It differs from the translation vector ``shift`` for f5 (the boundary point
    ``5 * sign(shift)``), f8 (``0.75 * xopt``), f9/f19 (``R^T 1 / (2 scale)``); for f20 and
    f24 it is the sign-carrying point COCO reports (``+-4.2096874637/2``, ``+-1.25``).
    """
    _check_args(function, instance, dim)
    return np.array(_instance_cached(int(function), int(instance), int(dim))["x_opt"])


def f_opt(function: int, instance: int, dim: int) -> float:
    """The optimal value (COCO's ``fopt``, which COCO and IOHprofiler report as optimum)."""
    _check_args(function, instance, dim)
    return float(_instance_cached(int(function), int(instance), int(dim))["f_opt"])
