"""Fit the coefficients of math.hpp's Kernel<double>::sin_half_pi (FastMath's one-polynomial double
sine, which BBOB's few-ulp T_osz evaluates twice per coordinate).

    python tools/fit_sin_kernel.py [--degree 7]

sin r = r + r z P(z), z = r^2, |r| <= pi/2, P of the given degree fitted to the *relative* error
of sin by iteratively reweighted least squares on Chebyshev nodes of z (Lawson's algorithm), in
40-digit arithmetic (mpmath). Prints P's coefficients as doubles (lowest first) and the relative
error of the polynomial with those rounded coefficients, evaluated exactly on a fine grid (the
kernel's own rounding, measured by tests/test_vecmath.py::test_sin_by_pi_double, comes on top).
Degree 7 gives 5e-18 (the Taylor series it replaced needed degree 9 for 1.2e-18); degree 6 1.5e-16.
"""

from __future__ import annotations

import argparse

import mpmath as mp


def fit(degree: int, half_width=None, nodes: int = 400, iterations: int = 30):
    mp.mp.dps = 40
    h = mp.pi / 2 if half_width is None else mp.mpf(half_width)
    zs = [h**2 * (1 - mp.cos(mp.pi * (k + mp.mpf(0.5)) / nodes)) / 2 for k in range(nodes)]

    def target(z):  # (sin r - r) / r^3, the function P approximates
        r = mp.sqrt(z)
        return (mp.sin(r) - r) / (z * r)

    scale = [mp.sqrt(z) ** 3 / mp.sin(mp.sqrt(z)) for z in zs]  # P's error -> sin's relative error
    values = [target(z) for z in zs]
    weight = [mp.mpf(1)] * nodes
    for _ in range(iterations):
        a = mp.matrix(nodes, degree + 1)
        b = mp.matrix(nodes, 1)
        for i, z in enumerate(zs):
            s = scale[i] * weight[i]
            for j in range(degree + 1):
                a[i, j] = s * z**j
            b[i] = s * values[i]
        c = mp.lu_solve(a.T * a, a.T * b)
        err = [scale[i] * (values[i] - sum(c[j] * zs[i] ** j for j in range(degree + 1)))
               for i in range(nodes)]
        worst = max(abs(e) for e in err)
        weight = [weight[i] * mp.sqrt(abs(err[i]) / worst) + mp.mpf("1e-3") for i in range(nodes)]
    coeffs = [float(v) for v in c]
    grid = [h * k / 20000 for k in range(1, 20001)]
    rel = max(abs(r + r**3 * sum(mp.mpf(cj) * r ** (2 * j) for j, cj in enumerate(coeffs)) - mp.sin(r))
              / abs(mp.sin(r)) for r in grid)
    return coeffs, float(rel)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--degree", type=int, default=7, help="degree of P in z (default 7)")
    args = ap.parse_args(argv)
    if args.degree < 1:
        ap.error("--degree: expected an integer >= 1")
    coeffs, rel = fit(args.degree)
    for j, c in enumerate(coeffs):
        print(f"c{j} = {c!r}")
    print(f"relative error with these doubles: {rel:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
