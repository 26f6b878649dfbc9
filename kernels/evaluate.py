"""Batched evaluation in Triton: X (N, D) -> f (N,) and, where the core has it, the gradient
(N, D), for the classic and GLENS functions (with the core's affine wrapper
x -> f(scale * M (x - shift)) + bias) and the rotated BBOB function bbob.f15.

:func:`evaluate_triton` runs the kernels; :func:`evaluate_reference` is the same computation in
plain PyTorch (textbook formulas, gradients by autograd), the independent reference the tests
compare the kernels with. Each program evaluates BLOCK_R whole rows (one tile of BD >= D
columns); a rotation is a ``tl.dot`` of the tile with the matrix, in BK-wide slices, so rotated problems
need D <= 256 (:data:`MAX_DIM_ROTATED`), plain ones D <= :data:`MAX_DIM`.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Tuple

import numpy as np
import torch
import triton
import triton.language as tl

from . import _rows
from ._math import PI

__all__ = ["evaluate_triton", "evaluate_reference", "covered", "MAX_DIM", "MAX_DIM_ROTATED"]

MAX_DIM = 8192
MAX_DIM_ROTATED = 256
_BBOB = {"bbob.f15": 15}


def covered() -> Tuple[str, ...]:
    """Registry names the Triton kernels evaluate."""
    return tuple(_rows.IDS) + tuple(_BBOB)


def _not_covered(name: str) -> ValueError:
    return ValueError(f"backend='triton': {name} has no Triton kernel; covered are: {', '.join(covered())} "
                      f"(use backend='cpu' for the others)")


# -- kernels ----------------------------------------------------------------------------------

@triton.jit
def _dot(a, b, IEEE: tl.constexpr):
    if IEEE:
        return tl.dot(a, b, input_precision="ieee")
    else:
        return tl.dot(a, b)


@triton.jit
def _coords(X, SHIFT, MAT, rows, rmask, col, OFF: tl.constexpr, D, scale,
            HAS_MAT: tl.constexpr, HAS_SHIFT: tl.constexpr, BD: tl.constexpr, BK: tl.constexpr,
            IEEE: tl.constexpr):
    """z = scale * M (x - shift) at coordinates col + OFF of each row; 0 out of range. The
    product runs over BK-wide slices of (x - shift), loaded again from X (cache hits), so that
    no operand of a ``tl.dot`` is larger than BK x BD."""
    c = col + OFF
    cm = (c >= 0) & (c < D)
    if HAS_MAT:
        z = tl.zeros((rows.shape[0], BD), X.dtype.element_ty)
        for kb in tl.static_range(0, BD, BK):
            kr = kb + tl.arange(0, BK)[None, :]
            dk = tl.load(X + rows * D + kr, mask=rmask & (kr < D), other=0.0)
            if HAS_SHIFT:
                dk = dk - tl.load(SHIFT + kr, mask=kr < D, other=0.0)
            dk = tl.where(rmask & (kr < D), dk, 0.0)
            kc = kb + tl.arange(0, BK)[:, None]
            mt = tl.load(MAT + c * D + kc, mask=(kc < D) & cm, other=0.0)  # mt[k, i] = M[i + OFF, k]
            z += _dot(dk, mt, IEEE)
        z = scale * z
    else:
        m = rmask & cm
        z = tl.load(X + rows * D + c, mask=m, other=0.0)
        if HAS_SHIFT:
            z = z - tl.load(SHIFT + c, mask=cm, other=0.0)
        z = scale * z
    return tl.where(rmask & cm, z, 0.0)


@triton.jit
def _evaluate_kernel(X, F, G, P, W, MAT, SHIFT, CONSTS, N, D, p_stride,
                     FN: tl.constexpr, GRAD: tl.constexpr, HAS_P: tl.constexpr, NP: tl.constexpr,
                     HAS_MAT: tl.constexpr, HAS_SHIFT: tl.constexpr, HAS_W: tl.constexpr,
                     NM2: tl.constexpr, NM1: tl.constexpr, NP1: tl.constexpr, NP2: tl.constexpr,
                     BLOCK_R: tl.constexpr, BD: tl.constexpr, BK: tl.constexpr, IEEE: tl.constexpr):
    pid = tl.program_id(0)
    r1 = pid * BLOCK_R + tl.arange(0, BLOCK_R)
    rows = r1[:, None].to(tl.int64)
    col = tl.arange(0, BD)[None, :]
    rmask = rows < N
    valid = rmask & (col < D)
    dt = X.dtype.element_ty
    scale, bias, o0, o1, o2, o3, df = _rows.load_consts(CONSTS, X)
    x = _coords(X, SHIFT, MAT, rows, rmask, col, 0, D, scale, HAS_MAT, HAS_SHIFT, BD, BK, IEEE)
    xm2 = x
    xm1 = x
    xp1 = x
    xp2 = x
    if NM2:
        xm2 = _coords(X, SHIFT, MAT, rows, rmask, col, -2, D, scale, HAS_MAT, HAS_SHIFT, BD, BK, IEEE)
    if NM1:
        xm1 = _coords(X, SHIFT, MAT, rows, rmask, col, -1, D, scale, HAS_MAT, HAS_SHIFT, BD, BK, IEEE)
    if NP1:
        xp1 = _coords(X, SHIFT, MAT, rows, rmask, col, 1, D, scale, HAS_MAT, HAS_SHIFT, BD, BK, IEEE)
    if NP2:
        xp2 = _coords(X, SHIFT, MAT, rows, rmask, col, 2, D, scale, HAS_MAT, HAS_SHIFT, BD, BK, IEEE)
    w = x
    if HAS_W:
        w = tl.load(W + col, mask=col < D, other=0.0)
    p0 = tl.zeros((BLOCK_R, 1), dt)
    p1 = p0
    if HAS_P:
        p0 = tl.load(P + rows * p_stride, mask=rmask, other=0.0)
        if NP > 1:
            p1 = tl.load(P + rows * p_stride + 1, mask=rmask, other=0.0)
    v, g = _rows.row_math(FN, GRAD, x, xm2, xm1, xp1, xp2, col, D, df, valid, w, p0, p1, o0, o1, o2, o3)
    tl.store(F + r1, (v + bias).to(dt), mask=r1 < N)
    if GRAD:
        if HAS_MAT:
            # grad_x = scale M^T grad_z, BK output columns at a time
            j = tl.arange(0, BD)[:, None]
            gz = g.to(dt)
            for kb in tl.static_range(0, BD, BK):
                kr = kb + tl.arange(0, BK)[None, :]
                m = tl.load(MAT + j * D + kr, mask=(j < D) & (kr < D), other=0.0)  # m[j, k] = M[j, k]
                tl.store(G + rows * D + kr, (scale * _dot(gz, m, IEEE)).to(dt), mask=rmask & (kr < D))
        else:
            tl.store(G + rows * D + col, (scale * g).to(dt), mask=valid)


@triton.jit
def _tosz(x):
    xs = tl.where(x == 0.0, 1.0, tl.abs(x))
    t = tl.log(xs) / 0.1
    pos = tl.exp(0.1 * (t + 0.49 * (tl.sin(t) + tl.sin(0.79 * t))))
    neg = -tl.exp(0.1 * (t + 0.49 * (tl.sin(0.55 * t) + tl.sin(0.31 * t))))
    return tl.where(x > 0.0, pos, tl.where(x < 0.0, neg, x))


@triton.jit
def _bbob_f15_kernel(X, F, T, N, D, BLOCK_R: tl.constexpr, BD: tl.constexpr, BK: tl.constexpr):
    """f15 rotated Rastrigin, in double whatever X's dtype (as the core): table
    [f_opt, shift(D), R(D*D), M(D*D)], matrices column-major (M_ij at j*D + i). Both products
    run in BK-wide slices (no dot operand above BK x BD doubles)."""
    pid = tl.program_id(0)
    r1 = pid * BLOCK_R + tl.arange(0, BLOCK_R)
    rows = r1[:, None].to(tl.int64)
    col = tl.arange(0, BD)[None, :]
    rmask = rows < N
    valid = rmask & (col < D)
    f_opt = tl.load(T)
    # y = R (x - shift): slices of x - shift (from X) times rows kb.. of R^T
    y = tl.zeros((BLOCK_R, BD), tl.float64)
    for kb in tl.static_range(0, BD, BK):
        kr = kb + tl.arange(0, BK)[None, :]
        dk = tl.load(X + rows * D + kr, mask=rmask & (kr < D), other=0.0).to(tl.float64)
        dk = tl.where(rmask & (kr < D), dk - tl.load(T + 1 + kr, mask=kr < D, other=0.0), 0.0)
        kc = kb + tl.arange(0, BK)[:, None]
        rt = tl.load(T + 1 + D + kc * D + col, mask=(kc < D) & (col < D), other=0.0)  # rt[k, i] = R_ik
        y += tl.dot(dk, rt)
    y = _tosz(y)
    coef = (0.2 * col.to(tl.float64)) / (D * 1.0 - 1.0)
    ys = tl.where(y > 0.0, y, 1.0)
    y = tl.where(y > 0.0, tl.exp((1.0 + coef * tl.sqrt(ys)) * tl.log(ys)), y)
    y = tl.where(valid, y, 0.0)
    # z = M y, BK output coordinates at a time, each reduced into the Rastrigin sums at once
    s1 = tl.zeros((BLOCK_R,), tl.float64)
    s2 = tl.zeros((BLOCK_R,), tl.float64)
    kk = tl.arange(0, BD)[:, None]
    for jb in tl.static_range(0, BD, BK):
        jc = jb + tl.arange(0, BK)[None, :]
        mt = tl.load(T + 1 + D + D * D + kk * D + jc, mask=(kk < D) & (jc < D), other=0.0)  # mt[k, j] = M_jk
        z = tl.dot(y, mt)
        zm = rmask & (jc < D)
        s1 += tl.sum(tl.where(zm, tl.cos(z * (2.0 * PI)), 0.0), axis=1)
        s2 += tl.sum(tl.where(zm, z * z, 0.0), axis=1)
    v = 10.0 * (D * 1.0 - s1) + s2 + f_opt
    tl.store(F + r1, v.to(F.dtype.element_ty), mask=r1 < N)


# -- host side --------------------------------------------------------------------------------

def _pow2(n: int) -> int:
    return 1 << max(0, (int(n) - 1).bit_length())


def _weierstrass_base(a: float, b: float, kmax: int) -> float:
    s, ak, bk = 0.0, 1.0, 1.0
    for _ in range(kmax + 1):
        s += ak * math.cos(math.pi * math.remainder(bk, 2.0))
        ak *= a
        bk *= b
    return s


def _problem_tables(problem, device: str, dtype: torch.dtype):
    """Device copies of a problem's constant data."""
    out = {}
    matrix, shift, scale, bias = problem._core.affine()
    d = problem.dim
    out["matrix"] = None if not matrix else torch.tensor(matrix, dtype=torch.float64).reshape(d, d).to(dtype).to(device)
    out["shift"] = None if not shift else torch.tensor(shift, dtype=torch.float64).to(dtype).to(device)
    opts = list(problem._core.options.values())
    name = problem.name
    weights = None
    if name == "ellipsoid":
        lc = math.log(opts[0])
        weights = torch.tensor([math.exp(lc * i / (d - 1)) if d > 1 else 1.0 for i in range(d)],
                               dtype=torch.float64).to(dtype).to(device)
    out["weights"] = weights
    o = (opts + [0.0] * 4)[:4]
    if name == "weierstrass":
        o[3] = _weierstrass_base(opts[0], opts[1], int(opts[2]))
    out["consts"] = torch.tensor([scale, bias] + o + [float(d)], dtype=torch.float64, device=device)
    if name in _BBOB:
        from scoreopt.suites.bbob import pack

        out["table"] = torch.from_numpy(np.array(pack(problem.function, problem.instance, d))).to(device)
    return out


def _tables(problem, device, dtype):
    # a problem's data never changes (variants are new objects): kept on the problem itself
    cache = problem.__dict__.setdefault("_triton_tables", {})
    key = (str(device), dtype)
    if key not in cache:
        cache[key] = _problem_tables(problem, str(device), dtype)
    return cache[key]


def evaluate_triton(problem: Any, X: torch.Tensor, params: Optional[torch.Tensor] = None,
                    want_grad: bool = False) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """Values (N,) and, with ``want_grad``, the gradient (N, D) of a built-in problem.

    X: (N, D) contiguous float32/float64 tensor (CUDA, or CPU under TRITON_INTERPRET=1).
    params: None or a (1 or N, P) tensor of X's dtype on X's device (GLENS families)."""
    name = problem.name
    N, D = X.shape
    if X.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"X: expected float32 or float64, got {X.dtype}")
    X = X.contiguous()
    tabs = _tables(problem, X.device, X.dtype)
    f = torch.empty(N, dtype=X.dtype, device=X.device)
    if name in _BBOB:
        if want_grad:
            raise ValueError(f"gradient: {name} has no analytic gradient")
        if D > MAX_DIM_ROTATED:
            raise ValueError(f"X: the Triton kernel of {name} handles dim <= {MAX_DIM_ROTATED}, got {D}")
        BD = max(16, _pow2(D))
        BR = 16
        _bbob_f15_kernel[(triton.cdiv(N, BR),)](X, f, tabs["table"], N, D, BLOCK_R=BR, BD=BD, BK=min(BD, 32 if BD <= 128 else 16))
        return f, None
    if name not in _rows.IDS:
        raise _not_covered(name)
    fn = _rows.IDS[name]
    has_mat = tabs["matrix"] is not None
    limit = MAX_DIM_ROTATED if has_mat else MAX_DIM
    if D > limit:
        raise ValueError(f"X: the Triton kernels handle dim <= {limit}"
                         f"{' for rotated problems' if has_mat else ''}, got {D}")
    if params is not None:
        params = params.to(X.dtype).contiguous()
    m2, m1, p1, p2 = _rows.neighbours(fn, want_grad)
    BD = max(16 if has_mat else 1, _pow2(D))
    BR = min(64, max(1, 4096 // BD))
    if has_mat:
        BR = max(16, BR)
    g = torch.empty_like(X) if want_grad else f
    dummy = tabs["consts"]
    _evaluate_kernel[(triton.cdiv(N, BR),)](
        X, f, g, dummy if params is None else params,
        dummy if tabs["weights"] is None else tabs["weights"],
        dummy if tabs["matrix"] is None else tabs["matrix"],
        dummy if tabs["shift"] is None else tabs["shift"], tabs["consts"], N, D,
        0 if params is None or params.shape[0] == 1 else params.shape[1],
        FN=fn, GRAD=bool(want_grad), HAS_P=params is not None,
        NP=0 if params is None else params.shape[1], HAS_MAT=has_mat,
        HAS_SHIFT=tabs["shift"] is not None, HAS_W=tabs["weights"] is not None,
        NM2=m2, NM1=m1, NP1=p1, NP2=p2, BLOCK_R=BR, BD=BD, BK=min(BD, 32 if BD <= 128 else 16), IEEE=X.dtype == torch.float32)
    return f, (g if want_grad else None)


# -- plain PyTorch reference ------------------------------------------------------------------

def _levy_ref(x, shift):
    w = 1.0 + (x - shift - 1.0) / 4.0
    body = ((w[:, :-1] - 1) ** 2 * (1 + 10 * torch.sin(math.pi * w[:, :-1] + 1) ** 2)).sum(1)
    wl = w[:, -1]
    return torch.sin(math.pi * w[:, 0]) ** 2 + body + (wl - 1) ** 2 * (1 + torch.sin(2 * math.pi * wl) ** 2)


def _tosz_ref(x):
    xs = torch.where(x == 0, torch.ones_like(x), x.abs())
    t = torch.log(xs) / 0.1
    pos = torch.pow(torch.exp(t + 0.49 * (torch.sin(t) + torch.sin(0.79 * t))), 0.1)
    neg = -torch.pow(torch.exp(t + 0.49 * (torch.sin(0.55 * t) + torch.sin(0.31 * t))), 0.1)
    return torch.where(x > 0, pos, torch.where(x < 0, neg, x))


def _value_ref(problem, z, p):
    name = problem.name
    d = z.shape[1]
    i = torch.arange(1, d + 1, dtype=z.dtype, device=z.device)
    opts = list(problem._core.options.values())
    if name == "sphere":
        return (z * z).sum(1)
    if name == "ellipsoid":
        w = opts[0] ** ((i - 1) / max(d - 1, 1)) if d > 1 else torch.ones_like(i)
        return (w * z * z).sum(1)
    if name == "rosenbrock":
        return (100 * (z[:, 1:] - z[:, :-1] ** 2) ** 2 + (1 - z[:, :-1]) ** 2).sum(1)
    if name == "rastrigin":
        return 10 * d + (z * z - 10 * torch.cos(2 * math.pi * z)).sum(1)
    if name == "ackley":
        return (-20 * torch.exp(-0.2 * torch.sqrt((z * z).mean(1))) - torch.exp(torch.cos(2 * math.pi * z).mean(1))
                + 20 + math.e)
    if name == "levy":
        return _levy_ref(z, 0.0)
    if name == "griewank":
        return 1 + (z * z).sum(1) / 4000 - torch.cos(z / torch.sqrt(i)).prod(1)
    if name == "schwefel":
        return 418.98288727243369 * d - (z * torch.sin(torch.sqrt(z.abs()))).sum(1)
    if name == "styblinski_tang":
        return 0.5 * (z ** 4 - 16 * z ** 2 + 5 * z).sum(1)
    if name == "zakharov":
        s2 = (0.5 * i * z).sum(1)
        return (z * z).sum(1) + s2 ** 2 + s2 ** 4
    if name == "michalewicz":
        m = opts[0]
        return -(torch.sin(z) * torch.sin(i * z * z / math.pi) ** (2 * m)).sum(1)
    if name == "weierstrass":
        a, b, kmax = opts[0], opts[1], int(opts[2])
        k = torch.arange(kmax + 1, dtype=torch.float64, device=z.device)
        ak, bk = a ** k, b ** k
        zz = z.to(torch.float64)[..., None]
        inner = (ak * torch.cos(2 * math.pi * bk * (zz + 0.5))).sum(-1)
        return (inner.sum(1) - d * (ak * torch.cos(math.pi * bk)).sum()).to(z.dtype)
    if name == "alpine1":
        return (z * torch.sin(z) + 0.1 * z).abs().sum(1)
    a, b = z[:, 0::2], z[:, 1::2]
    if name == "glens.qp":
        return 0.5 * (z * z).sum(1) + p[:, 0] * torch.nn.functional.softplus(-a - b).sum(1)
    if name == "glens.himmelblau":
        lam = opts[0]
        s = ((a * a + b - p[:, :1]) ** 2 + (a + b * b - p[:, 1:2]) ** 2).sum(1)
        cpl = ((a[:, :-1] - a[:, 1:]) ** 2).sum(1)
        return 2.0 / d * s + (lam * 2.0 / (d - 2) * cpl if d > 2 else 0.0)
    if name == "glens.rosenbrock":
        y1, y2 = a - p[:, 1:2], b - p[:, 1:2]
        return (p[:, :1] * (y1 * y1 - y2) ** 2 + (y1 - 1) ** 2).sum(1)
    if name == "glens.levy":
        return _levy_ref(z, p[:, :1])
    if name == "bbob.f15":
        from scoreopt.suites.bbob import pack

        t = torch.from_numpy(np.array(pack(problem.function, problem.instance, d))).to(z.device)
        shift = t[1:1 + d]
        R = t[1 + d:1 + d + d * d].reshape(d, d).T  # column-major storage
        M = t[1 + d + d * d:1 + d + 2 * d * d].reshape(d, d).T
        y = _tosz_ref((z.to(torch.float64) - shift) @ R.T)
        coef = 0.2 * torch.arange(d, dtype=torch.float64, device=z.device) / (d - 1)
        y = torch.where(y > 0, torch.pow(y.clamp_min(1e-300), 1 + coef * torch.sqrt(y.clamp_min(0))), y)
        zz = y @ M.T
        return (10 * (d - torch.cos(2 * math.pi * zz).sum(1)) + (zz * zz).sum(1) + t[0]).to(z.dtype)
    raise _not_covered(name)


def evaluate_reference(problem: Any, X: torch.Tensor, params: Optional[torch.Tensor] = None,
                       want_grad: bool = False) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """The plain-PyTorch reference of :func:`evaluate_triton`: X (N, D) -> (f (N,), grad (N, D)
    or None), textbook formulas, gradients by autograd."""
    matrix, shift, scale, bias = problem._core.affine()
    d = problem.dim
    Xr = X.detach().clone().requires_grad_(want_grad)
    y = Xr
    if shift:
        y = y - torch.tensor(shift, dtype=X.dtype, device=X.device)
    if matrix:
        y = y @ torch.tensor(matrix, dtype=X.dtype, device=X.device).reshape(d, d).T
    y = scale * y
    p = None if params is None else params.to(X.dtype).expand(X.shape[0], -1)
    f = _value_ref(problem, y, p) + bias
    if not want_grad:
        return f.detach(), None
    (g,) = torch.autograd.grad(f.sum(), Xr)
    return f.detach(), g
