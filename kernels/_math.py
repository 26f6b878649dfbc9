"""Elementwise helpers shared by the Triton kernels (``tl`` has no rint, expm1, log1p or a
product reduction, and ``libdevice`` is not available under the interpreter)."""

import triton
import triton.language as tl

# globals read inside @triton.jit must be constexpr
PI = tl.constexpr(3.141592653589793)
E = tl.constexpr(2.718281828459045)


@triton.jit
def rint(x):
    # round half up instead of half even: only used for range reductions, where either works
    return tl.floor(x + 0.5)


@triton.jit
def sinpi_sq(x):
    """sin^2(pi x): period 1, reduced exactly to [-1/2, 1/2] before the multiply by pi."""
    r = x - rint(x)
    s = tl.sin(r * PI)
    return s * s


@triton.jit
def reduce2(x):
    """x mod 2 into [-1, 1] (exact for the magnitudes where it matters)."""
    return x - 2.0 * rint(x * 0.5)


@triton.jit
def expm1(x):
    # Kahan's trick: (u - 1) x / log(u) is accurate to a few ulps near 0
    u = tl.exp(x)
    um1 = u - 1.0
    safe = tl.where((um1 == 0.0) | (um1 == -1.0) | (u == float("inf")), 1.0, um1)
    r = safe * x / tl.log(tl.where(safe == 1.0, 2.0, u))
    return tl.where(um1 == 0.0, x, tl.where(um1 == -1.0, -1.0, tl.where(u == float("inf"), u, r)))


@triton.jit
def log1p(x):
    u = 1.0 + x
    um1 = u - 1.0
    r = tl.log(u) * x / tl.where(um1 == 0.0, 1.0, um1)
    return tl.where(um1 == 0.0, x, r)


@triton.jit
def _mul(a, b):
    return a * b


@triton.jit
def prod(x, axis):
    return tl.reduce(x, axis, _mul)
