"""Independent float64 evaluation of the 24 noiseless BBOB functions of COCO (suite ``"bbob"``),
the reference the core's values are checked against (tests/test_bbob.py). It takes the instance
data from :mod:`scoreopt.suites.bbob_instances` and applies the same chain of transformations
as COCO's C code, in the same order and with the same floating-point operation order wherever
that order can change the last bits. Ground truth, not speed.

**Evaluation** (:func:`evaluate`): one vectorised routine per function (``_f1`` ...
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

``evaluate(function, instance, X) -> ndarray``: ``X`` of shape ``(N, dim)`` -> values of
shape ``(N,)``.
"""

from __future__ import annotations

import math
from typing import Callable, Dict

import numpy as np

from scoreopt.suites.bbob_instances import instance as _instance

_TWO_PI = 2.0 * math.pi

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
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2:
        raise ValueError(f"X: expected shape (N, dim), got {X.shape}")
    if X.shape[1] < 2:
        raise ValueError(f"X: dim must be >= 2, got {X.shape[1]}")
    d = _instance(function, instance, X.shape[1])
    if X.shape[0] == 0:
        return np.zeros(0)
    with np.errstate(all="ignore"):
        y = np.asarray(_EVAL[int(function)](d, X), dtype=np.float64)
    nan_rows = np.isnan(X).any(axis=1)
    if nan_rows.any():
        y = np.where(nan_rows, np.nan, y)
    return y
