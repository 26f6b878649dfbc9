"""Fit the coefficients of the polynomial kernels of math.hpp and vecmath.hpp.

    python tools/fit_kernels.py sin [--terms 8]   math.hpp's Kernel<double>::sin_half_pi
                                                  (--terms 7: vecmath.hpp's sin_absolute)
    python tools/fit_kernels.py cos --terms 7     math.hpp's Kernel<double>::cos_half_pi
    python tools/fit_kernels.py log [--terms 8]   vecmath.hpp's log_reduce (log_dd, log_few_ulp)
    python tools/fit_kernels.py tosz_exp --terms 7  vecmath.hpp's tosz_stage_scale

sin: sin r = r + r z P(z), z = r^2, |r| <= pi/2 (FastMath's one-polynomial double sine, which
BBOB's few-ulp T_osz evaluates twice per coordinate); the error measured is sin's relative error.
log: log(1 + f) = f - f^2/2 + s (f^2/2 + R), s = f / (2 + f), R = z P(z), z = s^2,
|s| <= (sqrt 2 - 1) / (sqrt 2 + 1); the error measured is s (R - z P(z)) relative to log(1 + f).
cos: cos r = 1 - z/2 + z^2 P(z), z = r^2, |r| <= pi/2 (FastMath's cos_by_pi, the cosine sums of
f3, f4, f15, f24); the error measured is cos's, absolute.
tosz_exp: exp(w) - 1 = w + w^2 P(w) on |w| <= 0.098 (T_osz's exp(0.049 (sin a + sin b))); the
error measured is that of exp(w), relative.

P, with the given number of coefficients, is fitted by iteratively reweighted least squares on
Chebyshev nodes of z (Lawson's algorithm), in 40-digit arithmetic (mpmath). Printed: P's
coefficients as doubles (lowest first) and the error of the polynomial with those rounded
coefficients, evaluated exactly on a fine grid (the kernels' own rounding, measured by
tests/test_vecmath.py, comes on top). sin, 8 terms: 5.0e-18 (the Taylor series it replaced took
10 for 1.2e-18); 7 terms: 1.9e-16. log, 8 terms: 2.8e-19 = 2^-61.6 (the Taylor series to z^10 it
replaced: 1.2e-18 at the interval's edge). tosz_exp, 7 terms: 1.3e-17 (Taylor took 9). cos,
7 terms: 1.2e-17.
"""

from __future__ import annotations

import argparse

import mpmath as mp


def _setup(kernel: str):
    """(lo, h, target, scale, exact_error): P approximates target(z) on [lo, h]; scale(z) turns
    P's error into the measured one; exact_error(coeffs, z) is the measured error of the rounded
    P."""
    if kernel == "sin":
        lo, h = mp.mpf(0), (mp.pi / 2) ** 2

        def target(z):
            r = mp.sqrt(z)
            return (mp.sin(r) - r) / (z * r)

        def scale(z):
            r = mp.sqrt(z)
            return r**3 / mp.sin(r)

        def exact_error(coeffs, z):
            r = mp.sqrt(z)
            p = sum(mp.mpf(c) * z**j for j, c in enumerate(coeffs))
            return abs(r + r * z * p - mp.sin(r)) / abs(mp.sin(r))
    elif kernel == "cos":
        lo, h = mp.mpf(0), (mp.pi / 2) ** 2

        def target(z):
            return (mp.cos(mp.sqrt(z)) - 1 + z / 2) / z**2 if z != 0 else mp.mpf(1) / 24

        def scale(z):
            return z**2

        def exact_error(coeffs, z):
            p = sum(mp.mpf(c) * z**j for j, c in enumerate(coeffs))
            return abs(1 - z / 2 + z * z * p - mp.cos(mp.sqrt(z)))
    elif kernel == "log":
        lo, h = mp.mpf(0), ((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)) ** 2

        def target(z):
            s = mp.sqrt(z)
            return (2 * mp.atanh(s) / s - 2) / z

        def scale(z):
            s = mp.sqrt(z)
            return s * z / (2 * mp.atanh(s))

        def exact_error(coeffs, z):
            s = mp.sqrt(z)
            p = sum(mp.mpf(c) * z ** (j + 1) for j, c in enumerate(coeffs))
            return abs(s * (2 * mp.atanh(s) / s - 2 - p)) / (2 * mp.atanh(s))
    else:
        lo, h = -mp.mpf("0.098"), mp.mpf("0.098")

        def target(w):
            return (mp.expm1(w) - w) / w**2 if w != 0 else mp.mpf(0.5)

        def scale(w):
            return w**2 / mp.exp(w)

        def exact_error(coeffs, w):
            p = sum(mp.mpf(c) * w**j for j, c in enumerate(coeffs))
            return abs(w + w * w * p - mp.expm1(w)) / mp.exp(w)
    return lo, h, target, scale, exact_error


def fit(kernel: str, terms: int, nodes: int = 400, iterations: int = 30):
    mp.mp.dps = 40
    lo, h, target, scale, exact_error = _setup(kernel)
    zs = [lo + (h - lo) * (1 - mp.cos(mp.pi * (k + mp.mpf(0.5)) / nodes)) / 2 for k in range(nodes)]
    values = [target(z) for z in zs]
    scales = [scale(z) for z in zs]
    weight = [mp.mpf(1)] * nodes
    for _ in range(iterations):
        a = mp.matrix(nodes, terms)
        b = mp.matrix(nodes, 1)
        for i, z in enumerate(zs):
            w = scales[i] * weight[i]
            for j in range(terms):
                a[i, j] = w * z**j
            b[i] = w * values[i]
        c = mp.lu_solve(a.T * a, a.T * b)
        err = [scales[i] * (values[i] - sum(c[j] * zs[i] ** j for j in range(terms)))
               for i in range(nodes)]
        worst = max(abs(e) for e in err)
        weight = [weight[i] * mp.sqrt(abs(err[i]) / worst) + mp.mpf("1e-3") for i in range(nodes)]
    coeffs = [float(v) for v in c]
    grid = [lo + (h - lo) * (k / 4000) for k in range(1, 4001)]
    return coeffs, float(max(exact_error(coeffs, z) for z in grid))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kernel", choices=("sin", "cos", "log", "tosz_exp"))
    ap.add_argument("--terms", type=int, default=8, help="coefficients of P (default 8)")
    args = ap.parse_args(argv)
    if args.terms < 1:
        ap.error("--terms: expected an integer >= 1")
    coeffs, err = fit(args.kernel, args.terms)
    for j, c in enumerate(coeffs):
        print(f"c{j} = {c!r}")
    print(f"error with these doubles: {err:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
