"""Reference implementation of the 24 noiseless BBOB functions of COCO (suite ``"bbob"``).

This module reproduces, in plain Python/NumPy, the values that COCO's C code computes for
the ``bbob`` suite: the same instance data (drawn with the legacy BBOB-2009 random number
generators and seeding rules) and the same chain of transformations, in the same order and
with the same floating-point operation order wherever that order can change the last bits.
It is meant as ground truth for ports (the C++ core) and for tests, not for speed.

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
3. **Evaluation** (:func:`evaluate`): one vectorised routine per function (``_f1`` ...
   ``_f24``), vectorised over rows with NumPy.  Sums over coordinates and matrix-vector
   products are accumulated in COCO's left-to-right order (a Python loop over the ``dim``
   coordinates, never over rows).  ``sin``, ``cos`` and ``sqrt`` of NumPy agree bitwise
   with the C library; ``exp``, ``log`` and ``pow`` are evaluated in long double and
   rounded once (``_exp``, ``_log``, ``_pow``), because NumPy's float64 SIMD versions
   differ in the last bit in ~5% of cases, which Weierstrass (f16) amplifies to 1e-11.
   Against cocoex, over 99% of values are bitwise equal and the largest relative
   difference seen is ~5e-14 (f16).

Transformations (names as in the BBOB function definitions): ``T_osz`` (oscillation,
``_tosz``), ``T_asy^beta`` (asymmetry, ``_tasy``), ``Lambda^alpha`` (diagonal conditioning
``alpha^(0.5 i/(D-1))``), the boundary penalty ``f_pen(x) = sum(max(0, |x_i| - 5)^2)``
times a per-function factor, and the final objective shift ``+ f_opt``.

Public API
----------
``instance(function, instance, dim) -> dict``
    All instance data (cached; arrays are read-only float64).
``evaluate(function, instance, X) -> ndarray``
    ``X`` of shape ``(N, dim)`` -> values of shape ``(N,)``.
``x_opt(function, instance, dim)`` / ``f_opt(function, instance, dim)``
    The true minimiser and the optimal value (as reported by COCO / IOHprofiler).

Keys of the instance dict (every value is a read-only float64 NumPy array; "scalar" means
a 0-d array, D = dim, P = number of Gallagher peaks)::

    all functions   f_opt (scalar)   optimal value = the fopt offset added to the raw function
                    x_opt (D,)       the true minimiser: evaluate(x_opt) == f_opt
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
from typing import Callable, Dict

import numpy as np

from .._validate import integer

__all__ = ["instance", "evaluate", "x_opt", "f_opt", "FUNCTION_NAMES"]

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
        if function == 9:
            # COCO's x_opt = R^T 1 / (2 scale), column sums left to right
            xo = np.cumsum(R, axis=0)[-1] / (2.0 * scale)
            d.update(b=np.full(D, 0.5))
        else:
            xo = np.cumsum(M, axis=0)[-1] / (2.0 * scale)
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
    for k, v in d.items():
        a = np.array(v, dtype=np.float64)  # copies, so shared arrays become independent
        a.setflags(write=False)
        out[k] = a
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
    """The global minimiser (a writable copy): ``evaluate(x_opt) == f_opt`` up to rounding.

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


# ---------------------------------------------------------------------------------------------
# Vectorised building blocks (sums always left to right, as in the C loops)
# ---------------------------------------------------------------------------------------------


# exp, log and pow: NumPy's float64 versions are SIMD approximations that differ from the
# C library in the last bit in a few percent of cases, and functions such as Weierstrass
# amplify such differences (1e-11 relative).  Evaluating them in extended precision and
# rounding once to float64 agrees with the (nearly correctly rounded) C library in all but
# ~0.1% of cases.  Where long double is no wider than double, plain float64 is used.
_LD = np.longdouble if np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant else None


def _exp(x):
    if _LD is None:
        return np.exp(x)
    return np.exp(np.asarray(x, dtype=_LD)).astype(np.float64)


def _log(x):
    if _LD is None:
        return np.log(x)
    return np.log(np.asarray(x, dtype=_LD)).astype(np.float64)


def _pow(x, y):
    if _LD is None:
        return np.power(x, y)
    return np.power(np.asarray(x, dtype=_LD), np.asarray(y, dtype=_LD)).astype(np.float64)


def _rowsum(A: np.ndarray) -> np.ndarray:
    """Sum over the last axis, accumulated left to right (``0 + a_0 + a_1 + ...``)."""
    acc = A[..., 0].copy()
    for j in range(1, A.shape[-1]):
        acc += A[..., j]
    return acc


def _affine(X: np.ndarray, M: np.ndarray, b=None) -> np.ndarray:
    """``Z[:, i] = b_i + sum_j X[:, j] * M[i, j]``, the sum over j accumulated left to right."""
    MT = np.ascontiguousarray(M.T)
    Z = X[:, 0:1] * MT[0]
    if b is not None:
        Z = b + Z
    for j in range(1, X.shape[1]):
        Z += X[:, j:j + 1] * MT[j]
    return Z


def _tosz(x: np.ndarray) -> np.ndarray:
    """T_osz, the coordinate-wise oscillation (alpha = 0.1); also used on f-values."""
    pos = x > 0.0
    t = _log(np.abs(x)) / 0.1
    c1 = np.where(pos, 1.0, 0.55)
    c2 = np.where(pos, 0.79, 0.31)
    y = _pow(_exp(t + 0.49 * (np.sin(c1 * t) + np.sin(c2 * t))), 0.1)
    return np.where(pos, y, np.where(x < 0.0, -y, x))


def _tasy(x: np.ndarray, beta: float) -> np.ndarray:
    """T_asy^beta: x_i -> x_i^(1 + beta i/(D-1) sqrt(x_i)) for x_i > 0."""
    D = x.shape[1]
    coef = np.array([(beta * i) / (D - 1.0) for i in range(D)])
    pos = x > 0.0
    xp = np.where(pos, x, 1.0)
    return np.where(pos, _pow(xp, 1.0 + coef * np.sqrt(xp)), x)


def _penalty(X: np.ndarray) -> np.ndarray:
    """f_pen = sum_i max(0, |x_i| - 5)^2 (summed left to right)."""
    t = np.abs(X) - 5.0
    return _rowsum(np.where(t > 0.0, t * t, 0.0))


def _shifted(d, X):
    return X - d["shift"]


# ---------------------------------------------------------------------------------------------
# The 24 functions.  Each takes the instance dict and X (N, D), returns (N,).
# ---------------------------------------------------------------------------------------------


# f1: sphere.  f = ||x - xopt||^2 + fopt
def _f1(d, X):
    z = _shifted(d, X)
    return _rowsum(z * z) + d["f_opt"]


# f2: separable ellipsoid.  z = T_osz(x - xopt), f = sum 10^(6 i/(D-1)) z_i^2 + fopt
def _f2(d, X):
    z = _tosz(_shifted(d, X))
    return _rowsum(d["weights"] * z * z) + d["f_opt"]


def _rastrigin_raw(z):
    D = z.shape[1]
    s1 = _rowsum(np.cos(_TWO_PI * z))
    s2 = _rowsum(z * z)
    return np.where(np.isinf(s2), s2, 10.0 * (float(D) - s1) + s2)


# f3: separable Rastrigin.  z = Lambda^10 T_asy^0.2(T_osz(x - xopt))
def _f3(d, X):
    z = d["lambda"] * _tasy(_tosz(_shifted(d, X)), 0.2)
    return _rastrigin_raw(z) + d["f_opt"]


# f4: Bueche-Rastrigin.  z = s * T_osz(x - xopt) with s_i = 10^(i/(2(D-1))), times 10 for
# positive z_i at even (0-based) indices; f = Rastrigin(z) + fopt + 100 f_pen(x)
def _f4(d, X):
    t = _tosz(_shifted(d, X))
    z = np.where(t > 0.0, d["lambda_pos"], d["lambda"]) * t
    D = X.shape[1]
    raw = 10.0 * (float(D) - _rowsum(np.cos(_TWO_PI * z))) + _rowsum(z * z) + 0.0
    return (raw + d["f_opt"]) + d["penalty_factor"] * _penalty(X)


# f5: linear slope.  f = sum 5|s_i| - s_i x_i, with x_i clamped at the boundary on the
# side of the optimum (x_i * xbest_i >= 25 counts as xbest_i)
def _f5(d, X):
    s = d["slope"]
    best = d["x_opt"]
    inside = X * best < 25.0
    terms = np.where(inside, 5.0 * np.abs(s) - s * X, 5.0 * np.abs(s) - s * best)
    return _rowsum(terms) + d["f_opt"]


# f6: attractive sector.  z = R Lambda^10 Q (x - xopt) (= M (x - xopt)),
# f = T_osz(sum (100 z_i)^2 if z_i xopt_i > 0 else z_i^2)^0.9 + fopt
def _f6(d, X):
    z = _affine(_shifted(d, X), d["M"])
    raw = _rowsum(np.where(d["shift"] * z > 0.0, 100.0 * 100.0 * z * z, z * z))
    y = _tosz(raw)  # the oscillation applied to the f-value (same formula)
    return _pow(y, 0.9) + d["f_opt"]


# f7: step ellipsoid.  zhat = Lambda^10 Q (x - xopt), rounded (to integers if |.| > 0.5,
# else to 0.1), z = R zround, f = 0.1 max(|zhat_1|/1e4, sum 100^(i/(D-1)) z_i^2)
# + f_pen(x) + fopt
def _f7(d, X):
    zhat = _affine(_shifted(d, X), d["M"])
    x1 = zhat[:, 0]
    zr = np.where(np.abs(zhat) > 0.5, np.floor(zhat + 0.5), np.floor(10.0 * zhat + 0.5) / 10.0)
    z = _affine(zr, d["R"])
    s = _rowsum(d["weights"] * z * z)
    a = np.abs(x1) * 1.0e-4
    return 0.1 * np.where(a >= s, a, s) + _penalty(X) * d["penalty_factor"] + d["f_opt"]


def _rosenbrock_raw(z):
    a = z[:, :-1] * z[:, :-1] - z[:, 1:]
    b = z[:, :-1] - 1.0
    return 100.0 * _rowsum(a * a) + _rowsum(b * b)


# f8: original Rosenbrock.  z = max(1, sqrt(D)/8) (x - 0.75 xopt) + 1
def _f8(d, X):
    z = d["scale"] * _shifted(d, X) - (-1.0)
    return _rosenbrock_raw(z) + d["f_opt"]


# f9: rotated Rosenbrock.  z = max(1, sqrt(D)/8) R x + 1/2
def _f9(d, X):
    z = _affine(X, d["M"], d["b"])
    return _rosenbrock_raw(z) + d["f_opt"]


# f10: rotated ellipsoid.  z = T_osz(R (x - xopt))
def _f10(d, X):
    z = _tosz(_affine(_shifted(d, X), d["R"]))
    return _rowsum(d["weights"] * z * z) + d["f_opt"]


# f11: discus.  z = T_osz(R (x - xopt)), f = 1e6 z_1^2 + sum_{i>1} z_i^2
def _f11(d, X):
    z = _tosz(_affine(_shifted(d, X), d["R"]))
    w = np.ones(X.shape[1])
    w[0] = 1.0e6
    return _rowsum(w * z * z) + d["f_opt"]


# f12: bent cigar.  z = R T_asy^0.5(R (x - xopt)), f = z_1^2 + 1e6 sum_{i>1} z_i^2
def _f12(d, X):
    R = d["R"]
    z = _affine(_tasy(_affine(_shifted(d, X), R), 0.5), R)
    w = np.full(X.shape[1], 1.0e6)
    w[0] = 1.0
    return _rowsum(w * z * z) + d["f_opt"]


# f13: sharp ridge.  z = R Lambda^10 Q (x - xopt), f = z_1^2 + 100 sqrt(sum_{i>1} z_i^2)
def _f13(d, X):
    z = _affine(_shifted(d, X), d["M"])
    return (100.0 * np.sqrt(_rowsum(z[:, 1:] * z[:, 1:]) / 1.0) + z[:, 0] * z[:, 0] / 1.0
            + d["f_opt"])


# f14: different powers.  z = R (x - xopt), f = sqrt(sum |z_i|^(2 + 4 i/(D-1)))
def _f14(d, X):
    z = _affine(_shifted(d, X), d["R"])
    return np.sqrt(_rowsum(_pow(np.abs(z), d["exponents"]))) + d["f_opt"]


# f15: rotated Rastrigin.  z = R Lambda^10 Q T_asy^0.2(T_osz(R (x - xopt)))
def _f15(d, X):
    t = _tasy(_tosz(_affine(_shifted(d, X), d["R"])), 0.2)
    return _rastrigin_raw(_affine(t, d["M"])) + d["f_opt"]


# f16: Weierstrass.  z = R Lambda^(1/100) Q T_osz(R (x - xopt)),
# f = 10 (1/D sum_i sum_k 0.5^k cos(2 pi 3^k (z_i + 1/2)) - f0)^3 + 10/D f_pen(x) + fopt
def _f16(d, X):
    z = _affine(_tosz(_affine(_shifted(d, X), d["R"])), d["M"])
    ak, bk = d["ak"], d["bk"]
    N, D = z.shape
    acc = np.zeros(N)
    for i in range(D):
        u = _TWO_PI * (z[:, i] + 0.5)
        for k in range(ak.shape[0]):
            acc += np.cos(u * bk[k]) * ak[k]
    raw = 10.0 * _pow(acc / float(D) - d["f0"], 3.0)
    return (raw + d["f_opt"]) + d["penalty_factor"] * _penalty(X)


# f17 / f18: Schaffers F7 (condition 10 / 1000).  z = Lambda^cond Q T_asy^0.5(R (x - xopt)),
# f = (1/(D-1) sum sqrt(s_i) (1 + sin^2(50 s_i^0.2)))^2 + 10 f_pen(x) + fopt,
# s_i = sqrt(z_i^2 + z_{i+1}^2)
def _f17(d, X):
    z = _affine(_tasy(_affine(_shifted(d, X), d["R"]), 0.5), d["M"])
    D = z.shape[1]
    t = z[:, :-1] * z[:, :-1] + z[:, 1:] * z[:, 1:]
    sn = np.sin(50.0 * _pow(t, 0.1))
    raw = _rowsum(_pow(t, 0.25) * (1.0 + sn * sn))
    raw = raw / (float(D) - 1.0)
    raw = raw * raw
    return (raw + d["f_opt"]) + d["penalty_factor"] * _penalty(X)


_f18 = _f17


# f19: composite Griewank-Rosenbrock F8F2.  z = max(1, sqrt(D)/8) R x + 1/2,
# s_i = 100 (z_i^2 - z_{i+1})^2 + (1 - z_i)^2, f = 10/(D-1) sum (s_i/4000 - cos s_i) + 10
def _f19(d, X):
    z = _affine(X, d["M"]) - (-0.5)
    D = z.shape[1]
    c1 = z[:, :-1] * z[:, :-1] - z[:, 1:]
    c2 = 1.0 - z[:, :-1]
    s = 100.0 * c1 * c1 + c2 * c2
    r = _rowsum(s / 4000.0 - np.cos(s))
    return (10.0 + 10.0 * r / float(D - 1)) + d["f_opt"]


# f20: Schwefel x*sin(x).  xhat = 2 sign * x, zhat_1 = xhat_1,
# zhat_i = xhat_i + 0.25 (xhat_{i-1} - 2|xopt_{i-1}|), z = 100 (Lambda^10 (zhat - 2|xopt|)
# + 2|xopt|), f = 0.01 (418.9828872724339 - 1/D sum z_i sin(sqrt|z_i|) + f_pen(z/100)*1e4)
def _f20(d, X):
    D = X.shape[1]
    xh = 2.0 * (d["sign"] * X)
    two_abs = 2.0 * np.abs(d["shift"])
    zh = xh.copy()
    zh[:, 1:] = xh[:, 1:] + 0.25 * (xh[:, :-1] - two_abs[:-1])
    z = 100.0 * (d["lambda"] * (zh - two_abs) - (-two_abs))
    t = np.abs(z) - 500.0
    pen = _rowsum(np.where(t > 0.0, t * t, 0.0))
    s = _rowsum(z * np.sin(np.sqrt(np.abs(z))))
    return 0.01 * (pen + 418.9828872724339 - s / float(D)) + d["f_opt"]


# f21 / f22: Gallagher's Gaussian 101-me / 21-hi peaks.
# f = T_osz(10 - max_i w_i exp(-1/(2D) (R x - y_i)^T Lambda_i (R x - y_i)))^2 + f_pen(x) + fopt
def _f21(d, X):
    N, D = X.shape
    pen = _penalty(X) * d["penalty_factor"]
    tx = _affine(X, d["R"])
    peaks, sc = d["peaks"], d["peak_scales"]
    acc = np.zeros((N, peaks.shape[0]))
    for j in range(D):
        t = tx[:, j:j + 1] - peaks[:, j]
        acc += sc[:, j] * t * t
    vals = d["peak_heights"] * _exp((-0.5 / float(D)) * acc)
    f = np.maximum(np.max(vals, axis=1), 0.0)
    f = 10.0 - f
    y = _tosz(f)
    return (y * y + pen) + d["f_opt"]


_f22 = _f21


# f23: Katsuura.  z = R Lambda^100 Q (x - xopt),
# f = 10/D^2 prod_i (1 + i sum_{j=1}^{32} |2^j z_i - round(2^j z_i)| / 2^j)^(10/D^1.2)
#     - 10/D^2 + f_pen(x) + fopt
def _f23(d, X):
    z = _affine(_shifted(d, X), d["M"])
    N, D = z.shape
    t = np.zeros_like(z)
    for j in range(1, 33):
        p = math.pow(2.0, float(j))
        u = p * z
        t += np.abs(u - np.floor(u + 0.5)) / p
    e = 10.0 / math.pow(float(D), 1.2)
    res = np.ones(N)
    for i in range(D):
        res *= _pow(1.0 + (float(i) + 1.0) * t[:, i], e)
    raw = 10.0 / float(D) / float(D) * (-1.0 + res)
    return (raw + d["f_opt"]) + d["penalty_factor"] * _penalty(X)


# f24: Lunacek bi-Rastrigin.  xhat = 2 sign(xopt) x, z = R Lambda^100 Q (xhat - mu0),
# f = min(sum (xhat - mu0)^2, D + s sum (xhat - mu1)^2) + 10 (D - sum cos 2 pi z_i)
#     + 1e4 f_pen(x) + fopt
def _f24(d, X):
    D = X.shape[1]
    mu0, mu1, s = float(d["mu0"]), float(d["mu1"]), float(d["s"])
    pen = _penalty(X)
    xh = np.where(d["shift"] < 0.0, -(2.0 * X), 2.0 * X)
    a = xh - mu0
    z = _affine(_affine(a, d["M"]), d["R"])
    s1 = _rowsum(a * a)
    b = xh - mu1
    s2 = _rowsum(b * b)
    s3 = _rowsum(np.cos(_TWO_PI * z))
    other = 1.0 * float(D) + s * s2
    res = np.where(s1 <= other, s1, other) + 10.0 * (float(D) - s3) + 1e4 * pen
    return res + d["f_opt"]


_EVAL: Dict[int, Callable[[dict, np.ndarray], np.ndarray]] = {
    i: globals()[f"_f{i}"] for i in range(1, 25)
}


def evaluate(function: int, instance: int, X: np.ndarray) -> np.ndarray:
    """Values of bbob ``function`` / ``instance`` at the rows of ``X``.

    ``X`` has shape ``(N, dim)`` (a single point of shape ``(dim,)`` is taken as ``N = 1``);
    the result has shape ``(N,)``, float64.  Rows containing NaN give NaN, as in COCO.
    """
    _check_args(function, instance)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2:
        raise ValueError(f"X: expected shape (N, dim), got {X.shape}")
    if X.shape[1] < 2:
        raise ValueError(f"X: dim must be >= 2, got {X.shape[1]}")
    d = _instance_cached(int(function), int(instance), int(X.shape[1]))
    if X.shape[0] == 0:
        return np.zeros(0)
    with np.errstate(all="ignore"):
        y = np.asarray(_EVAL[int(function)](d, X), dtype=np.float64)
    nan_rows = np.isnan(X).any(axis=1)
    if nan_rows.any():
        y = np.where(nan_rows, np.nan, y)
    return y
