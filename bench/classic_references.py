"""NumPy and torch reference formulas for scoreopt's 13 classic functions (the benchmark baselines
of bench/test_eval_throughput.py).

Each reference is written from the function's definition as scoreopt implements it
(csrc/include/scoreopt/functions/classic.hpp, csrc/src/registry.cpp), in the plain textbook form
a NumPy or torch user would write: it does NOT copy scoreopt's accuracy devices (rastrigin's
x^2 + 20 sin^2(pi x), ackley's expm1 form, the double-precision phases of michalewicz and
weierstrass). Options are scoreopt's defaults (the constants below); the benchmark checks that
the problem it times uses them.

The functions are dtype-generic: NumPy constants are cast to X's dtype (``_c``) and the torch
ones are Python floats, which keep a float32 tensor float32 in torch's type promotion. So the
same code is the float32 baseline and, on float64 input, the check of the definitions against
scoreopt's float64 evaluation (to ~1e-12 relative).

Each function is labelled compute-bound (transcendentals or a long arithmetic chain per
coordinate) or memory-bound (a few multiply-adds per coordinate: the time is reading X).
"""

from __future__ import annotations

import math

import numpy as np

try:  # torch is optional: the torch references are only used when it is installed
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

CLASSIC = ("sphere", "ellipsoid", "rosenbrock", "rastrigin", "ackley", "levy", "griewank",
           "schwefel", "styblinski_tang", "zakharov", "michalewicz", "weierstrass", "alpine1")

BOUND = {
    "sphere": "memory", "ellipsoid": "memory", "rosenbrock": "memory", "zakharov": "memory",
    "rastrigin": "compute", "ackley": "compute", "levy": "compute", "griewank": "compute",
    "schwefel": "compute", "styblinski_tang": "compute", "michalewicz": "compute",
    "weierstrass": "compute", "alpine1": "compute",
}

# scoreopt's default options (registry.cpp); OPTIONS[name] must equal problem.options.
ELLIPSOID_CONDITION = 1e6
MICHALEWICZ_M = 10
WEIERSTRASS_A, WEIERSTRASS_B, WEIERSTRASS_KMAX = 0.5, 3.0, 20
OPTIONS = {
    "ellipsoid": {"condition": ELLIPSOID_CONDITION},
    "michalewicz": {"m": float(MICHALEWICZ_M)},
    "weierstrass": {"a": WEIERSTRASS_A, "b": WEIERSTRASS_B, "kmax": float(WEIERSTRASS_KMAX)},
}
# Schwefel 2.26's offset, 418.9829 d to 16 digits (classic.hpp's kOffset)
SCHWEFEL_OFFSET = 418.98288727243369
# sum_k a^k cos(pi b^k): the inner sum at x = 0, subtracted d times (in double, once)
WEIERSTRASS_BASE = math.fsum(WEIERSTRASS_A ** k * math.cos(math.pi * WEIERSTRASS_B ** k)
                             for k in range(WEIERSTRASS_KMAX + 1))

# One-line definitions, as used below (x_i, i = 1..d).
FORMULAS = {
    "sphere": "sum x_i^2",
    "ellipsoid": "sum 1e6^((i-1)/(d-1)) x_i^2",
    "rosenbrock": "sum_{i<d} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2",
    "rastrigin": "10 d + sum x_i^2 - 10 cos(2 pi x_i)",
    "ackley": "-20 exp(-0.2 sqrt(mean x_i^2)) - exp(mean cos(2 pi x_i)) + 20 + e",
    "levy": "sin^2(pi w_1) + sum_{i<d} (w_i-1)^2 (1 + 10 sin^2(pi w_i + 1)) "
            "+ (w_d-1)^2 (1 + sin^2(2 pi w_d)), w = 1 + (x-1)/4",
    "griewank": "1 + sum x_i^2 / 4000 - prod cos(x_i / sqrt(i))",
    "schwefel": "418.98288727243369 d - sum x_i sin(sqrt|x_i|)",
    "styblinski_tang": "0.5 sum x_i^4 - 16 x_i^2 + 5 x_i",
    "zakharov": "sum x_i^2 + (sum 0.5 i x_i)^2 + (sum 0.5 i x_i)^4",
    "michalewicz": "-sum sin(x_i) sin(i x_i^2 / pi)^20   (m = 10)",
    "weierstrass": "sum_i sum_{k=0}^{20} 0.5^k cos(2 pi 3^k (x_i + 0.5)) "
                   "- d sum_{k=0}^{20} 0.5^k cos(pi 3^k)",
    "alpine1": "sum |x_i sin(x_i) + 0.1 x_i|",
}


def _ellipsoid_weights64(d):
    """condition^((i-1)/(d-1)), i = 1..d, in double (scoreopt's table; 1 when d = 1)."""
    if d == 1:
        return np.ones(1)
    return np.exp(math.log(ELLIPSOID_CONDITION) * np.arange(d) / (d - 1))


# --------------------------------------------------------------------------- NumPy

def _c(X, v):
    """The constant v in X's dtype (so a float32 X stays float32)."""
    return X.dtype.type(v)


def np_sphere(X):
    return np.sum(X * X, axis=1)


def np_ellipsoid(X):
    w = _ellipsoid_weights64(X.shape[1]).astype(X.dtype)
    return np.sum(w * (X * X), axis=1)


def np_rosenbrock(X):
    x, y = X[:, :-1], X[:, 1:]
    return np.sum(_c(X, 100.0) * (y - x * x) ** 2 + (_c(X, 1.0) - x) ** 2, axis=1)


def np_rastrigin(X):
    d = X.shape[1]
    return _c(X, 10.0 * d) + np.sum(X * X - _c(X, 10.0) * np.cos(_c(X, 2.0 * math.pi) * X), axis=1)


def np_ackley(X):
    inv_d = _c(X, 1.0 / X.shape[1])
    a = _c(X, -20.0) * np.exp(_c(X, -0.2) * np.sqrt(np.sum(X * X, axis=1) * inv_d))
    b = np.exp(np.sum(np.cos(_c(X, 2.0 * math.pi) * X), axis=1) * inv_d)
    return a - b + _c(X, 20.0 + math.e)


def np_levy(X):
    one, pi = _c(X, 1.0), _c(X, math.pi)
    W = one + (X - one) * _c(X, 0.25)
    w1, wi, wd = W[:, 0], W[:, :-1], W[:, -1]
    t1 = np.sin(pi * w1) ** 2
    mid = np.sum((wi - one) ** 2 * (one + _c(X, 10.0) * np.sin(pi * wi + one) ** 2), axis=1)
    last = (wd - one) ** 2 * (one + np.sin(_c(X, 2.0 * math.pi) * wd) ** 2)
    return t1 + mid + last


def np_griewank(X):
    inv_sqrt_i = (1.0 / np.sqrt(np.arange(1, X.shape[1] + 1, dtype=np.float64))).astype(X.dtype)
    return (_c(X, 1.0) + np.sum(X * X, axis=1) * _c(X, 1.0 / 4000.0)
            - np.prod(np.cos(X * inv_sqrt_i), axis=1))


def np_schwefel(X):
    return _c(X, SCHWEFEL_OFFSET * X.shape[1]) - np.sum(X * np.sin(np.sqrt(np.abs(X))), axis=1)


def np_styblinski_tang(X):
    Z = X * X
    return _c(X, 0.5) * np.sum(Z * Z - _c(X, 16.0) * Z + _c(X, 5.0) * X, axis=1)


def np_zakharov(X):
    half_i = (0.5 * np.arange(1, X.shape[1] + 1, dtype=np.float64)).astype(X.dtype)
    s2 = np.sum(half_i * X, axis=1)
    q = s2 * s2
    return np.sum(X * X, axis=1) + q + q * q


def np_michalewicz(X):
    i_over_pi = (np.arange(1, X.shape[1] + 1, dtype=np.float64) / math.pi).astype(X.dtype)
    return -np.sum(np.sin(X) * np.sin(i_over_pi * (X * X)) ** (2 * MICHALEWICZ_M), axis=1)


def np_weierstrass(X):
    a, b = WEIERSTRASS_A, WEIERSTRASS_B
    Xh = X + _c(X, 0.5)
    s = np.zeros(X.shape[0], dtype=X.dtype)
    for k in range(WEIERSTRASS_KMAX + 1):
        s += _c(X, a ** k) * np.sum(np.cos(_c(X, 2.0 * math.pi * b ** k) * Xh), axis=1)
    return s - _c(X, X.shape[1] * WEIERSTRASS_BASE)


def np_alpine1(X):
    return np.sum(np.abs(X * np.sin(X) + _c(X, 0.1) * X), axis=1)


NUMPY_FUNCS = {
    "sphere": np_sphere, "ellipsoid": np_ellipsoid, "rosenbrock": np_rosenbrock,
    "rastrigin": np_rastrigin, "ackley": np_ackley, "levy": np_levy, "griewank": np_griewank,
    "schwefel": np_schwefel, "styblinski_tang": np_styblinski_tang, "zakharov": np_zakharov,
    "michalewicz": np_michalewicz, "weierstrass": np_weierstrass, "alpine1": np_alpine1,
}


# --------------------------------------------------------------------------- torch
# Python-float constants keep a float32 tensor float32 in torch's type promotion. Index-dependent
# constants (weights, i, 1/sqrt(i)) are built from torch.arange inside the function, in double
# and then cast to X's dtype, so that torch.compile traces them (d comes from X's shape).

def _index(X):
    """i = 1..d as a float64 tensor on X's device."""
    return torch.arange(1, X.shape[1] + 1, dtype=torch.float64, device=X.device)


def th_sphere(X):
    return torch.sum(X * X, dim=1)


def th_ellipsoid(X):
    d = X.shape[1]
    if d == 1:
        return torch.sum(X * X, dim=1)
    w = torch.exp((_index(X) - 1.0) * (math.log(ELLIPSOID_CONDITION) / (d - 1))).to(X.dtype)
    return torch.sum(w * (X * X), dim=1)


def th_rosenbrock(X):
    x, y = X[:, :-1], X[:, 1:]
    return torch.sum(100.0 * (y - x * x) ** 2 + (1.0 - x) ** 2, dim=1)


def th_rastrigin(X):
    d = X.shape[1]
    return 10.0 * d + torch.sum(X * X - 10.0 * torch.cos((2.0 * math.pi) * X), dim=1)


def th_ackley(X):
    inv_d = 1.0 / X.shape[1]
    a = -20.0 * torch.exp(-0.2 * torch.sqrt(torch.sum(X * X, dim=1) * inv_d))
    b = torch.exp(torch.sum(torch.cos((2.0 * math.pi) * X), dim=1) * inv_d)
    return a - b + (20.0 + math.e)


def th_levy(X):
    W = 1.0 + (X - 1.0) * 0.25
    w1, wi, wd = W[:, 0], W[:, :-1], W[:, -1]
    t1 = torch.sin(math.pi * w1) ** 2
    mid = torch.sum((wi - 1.0) ** 2 * (1.0 + 10.0 * torch.sin(math.pi * wi + 1.0) ** 2), dim=1)
    last = (wd - 1.0) ** 2 * (1.0 + torch.sin((2.0 * math.pi) * wd) ** 2)
    return t1 + mid + last


def th_griewank(X):
    inv_sqrt_i = torch.rsqrt(_index(X)).to(X.dtype)
    return (1.0 + torch.sum(X * X, dim=1) * (1.0 / 4000.0)
            - torch.prod(torch.cos(X * inv_sqrt_i), dim=1))


def th_schwefel(X):
    return SCHWEFEL_OFFSET * X.shape[1] - torch.sum(X * torch.sin(torch.sqrt(torch.abs(X))), dim=1)


def th_styblinski_tang(X):
    Z = X * X
    return 0.5 * torch.sum(Z * Z - 16.0 * Z + 5.0 * X, dim=1)


def th_zakharov(X):
    half_i = (0.5 * _index(X)).to(X.dtype)
    s2 = torch.sum(half_i * X, dim=1)
    q = s2 * s2
    return torch.sum(X * X, dim=1) + q + q * q


def th_michalewicz(X):
    i_over_pi = (_index(X) / math.pi).to(X.dtype)
    return -torch.sum(torch.sin(X) * torch.sin(i_over_pi * (X * X)) ** (2 * MICHALEWICZ_M), dim=1)


def th_weierstrass(X):
    a, b = WEIERSTRASS_A, WEIERSTRASS_B
    Xh = X + 0.5
    s = torch.zeros(X.shape[0], dtype=X.dtype, device=X.device)
    for k in range(WEIERSTRASS_KMAX + 1):
        s = s + a ** k * torch.sum(torch.cos((2.0 * math.pi * b ** k) * Xh), dim=1)
    return s - X.shape[1] * WEIERSTRASS_BASE


def th_alpine1(X):
    return torch.sum(torch.abs(X * torch.sin(X) + 0.1 * X), dim=1)


TORCH_FUNCS = {
    "sphere": th_sphere, "ellipsoid": th_ellipsoid, "rosenbrock": th_rosenbrock,
    "rastrigin": th_rastrigin, "ackley": th_ackley, "levy": th_levy, "griewank": th_griewank,
    "schwefel": th_schwefel, "styblinski_tang": th_styblinski_tang, "zakharov": th_zakharov,
    "michalewicz": th_michalewicz, "weierstrass": th_weierstrass, "alpine1": th_alpine1,
}

assert set(NUMPY_FUNCS) == set(TORCH_FUNCS) == set(BOUND) == set(FORMULAS) == set(CLASSIC)
