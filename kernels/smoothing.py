"""The fused Gaussian-smoothing estimator in Triton, with the core's counter-based noise.

For each center x_m (M, D) and K samples y_k = clip(x_m + sigma_m A eps_k) it computes what
``scoreopt.smoothing.estimate`` computes on the CPU (csrc/src/smoothing_cpu.cpp): the smoothed
value (mean of the finite f), the Stein gradient (antithetic: mean over pairs of
(f+ - f-) / (2 sigma) eps; otherwise mean of (f - mean) eps / sigma), the Boltzmann-weighted
mean x + sum w_k (y_k - x) / sum w_k with w_k = exp(-(f_k - min f) / lambda) (an online
softmax: the running minimum rescales what was summed), the best sample, and the count of
non-finite values. A is the kernel's factor (``factor=``; csrc/src/smoothing_factor.hpp): the
identity, a diagonal, or a lower-triangular matrix; (A eps)_i is summed in double over l = 0..i in
increasing order inside the kernel, as the core sums it, and the gradient accumulated over eps is
taken to x's coordinates by A^{-T} once per center on the host (a triangular solve).

The noise is the core's: Philox4x32-10 keyed by the seed with counter (block, sample, center),
Box-Muller on each pair of words, coordinate q B + j taking normal q of block j
(csrc/include/scoreopt/random.hpp). It is generated inside the kernel where it is used and never
stored: a program owns one center and a lane of its sample chunks and keeps only O(D) running
sums, so memory is O(M L D) for L <= max(1, 1024 / M) lanes, never M x K x D. The logarithm,
sine and cosine are Triton's, not the core's polynomials, so the noise equals the core's to
rounding (~1e-7 relative in float32, ~1e-15 in float64), not bit for bit.

:func:`noise_triton` exposes the noise (compare with ``scoreopt.smoothing.noise``);
:func:`estimate_reference` is the plain-PyTorch reference (materializes the samples; small
sizes only).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np
import torch
import triton
import triton.language as tl

from . import _rows
from ._math import PI, reduce2
from .evaluate import _dot, _pow2, _tables, _not_covered, MAX_DIM, MAX_DIM_ROTATED, evaluate_reference

__all__ = ["estimate_triton", "estimate_reference", "noise_triton", "noise_reference"]

_NSTAT = 10  # n, mean, M2, fmin, argmin, nonfinite, gcount, shift, wmin, wsum


# -- noise ------------------------------------------------------------------------------------

@triton.jit
def _philox(c0, c1, c2, c3, k0, k1):
    for _ in tl.static_range(10):
        hi0 = tl.umulhi(c0, 0xD2511F53)
        lo0 = c0 * 0xD2511F53
        hi1 = tl.umulhi(c2, 0xCD9E8D57)
        lo1 = c2 * 0xCD9E8D57
        n0 = hi1 ^ c1 ^ k0
        n2 = hi0 ^ c3 ^ k1
        c0 = n0
        c1 = lo1
        c2 = n2
        c3 = lo0
        k0 = k0 + 0x9E3779B9
        k1 = k1 + 0xBB67AE85
    return c0, c1, c2, c3


@triton.jit
def _normal(coord, sample, clo, chi, k0, k1, D, F64: tl.constexpr):
    """eps[coord] of sample ``sample`` (uint32) of stream (clo, chi): coord (1, BD) int32,
    sample (R, 1) -> (R, BD). Out-of-range coordinates give garbage for the caller to mask."""
    B = (D + 3) // 4
    cc = tl.maximum(coord, 0)
    q = cc // B
    j = cc - q * B
    zero = sample * 0
    c0 = j.to(tl.uint32) + zero
    c1 = sample + (j * 0).to(tl.uint32)
    c2 = c0 * 0 + clo
    c3 = c0 * 0 + chi
    w0, w1, w2, w3 = _philox(c0, c1, c2, c3, c0 * 0 + k0, c0 * 0 + k1)
    a = tl.where(q < 2, w0, w2)
    b = tl.where(q < 2, w1, w3)
    if F64:
        u1 = (a.to(tl.float64) + 0.5) * (1.0 / 4294967296.0)
        u2 = (b.to(tl.float64) + 0.5) * (1.0 / 4294967296.0)
    else:
        u1 = ((a >> 8).to(tl.int32).to(tl.float32) + 0.5) * (1.0 / 16777216.0)
        u2 = ((b >> 8).to(tl.int32).to(tl.float32) + 0.5) * (1.0 / 16777216.0)
    rad = tl.sqrt(-2.0 * tl.log(u1))
    r = reduce2(2.0 * u2) * PI
    return tl.where(q % 2 == 0, rad * tl.cos(r), rad * tl.sin(r))


@triton.jit
def _keys(KEYS, stream):
    """(k0, k1, clo, chi) as uint32 from the int64 seed parts and the center's stream number."""
    k0 = tl.load(KEYS + 0).to(tl.uint32)
    k1 = tl.load(KEYS + 1).to(tl.uint32)
    clo = (stream & 0xFFFFFFFF).to(tl.uint32)
    chi = (stream >> 32).to(tl.uint32)
    return k0, k1, clo, chi


@triton.jit
def _noise_kernel(OUT, CENTERS, SAMPLES, KEYS, R, D, ANTI: tl.constexpr, F64: tl.constexpr,
                  BLOCK_R: tl.constexpr, BD: tl.constexpr):
    """OUT[r] = eps of (stream CENTERS[r], sample SAMPLES[r]) for r < R."""
    pid = tl.program_id(0)
    r = pid * BLOCK_R + tl.arange(0, BLOCK_R)[:, None]
    rm = r < R
    col = tl.arange(0, BD)[None, :]
    stream = tl.load(CENTERS + r, mask=rm, other=0)
    k = tl.load(SAMPLES + r, mask=rm, other=0)
    k0, k1, clo, chi = _keys(KEYS, stream)
    if ANTI:
        cnt = (k // 2).to(tl.uint32)
    else:
        cnt = k.to(tl.uint32)
    e = _normal(col, cnt, clo, chi, k0, k1, D, F64)
    if ANTI:
        e = tl.where(k % 2 == 1, -e, e)
    tl.store(OUT + r.to(tl.int64) * D + col, e.to(OUT.dtype.element_ty), mask=rm & (col < D))


def _key_tensor(seed: int, device) -> torch.Tensor:
    if not 0 <= seed < 2 ** 64:
        raise ValueError(f"seed: expected an integer in [0, 2^64), got {seed}")
    return torch.tensor([seed & 0xFFFFFFFF, seed >> 32], dtype=torch.int64, device=device)


def _noise_rows(seed: int, streams: torch.Tensor, samples: torch.Tensor, dim: int, antithetic: bool,
                dtype: torch.dtype) -> torch.Tensor:
    R = streams.numel()
    out = torch.empty((R, dim), dtype=dtype, device=streams.device)
    BD = _pow2(dim)
    BR = min(64, max(1, 4096 // BD))
    _noise_kernel[(triton.cdiv(R, BR),)](out, streams, samples, _key_tensor(seed, streams.device), R, dim,
                                         ANTI=bool(antithetic), F64=dtype == torch.float64,
                                         BLOCK_R=BR, BD=BD)
    return out


def noise_triton(seed: int, center: int, start: int, count: int, dim: int, *, antithetic: bool = True,
                 dtype: torch.dtype = torch.float64, device: Any = "cuda") -> torch.Tensor:
    """Rows [start, start + count) of noise stream ``center``: (count, dim), the same noise as
    ``scoreopt.smoothing.noise`` (to rounding)."""
    if center < 0 or center >= 2 ** 63 or start < 0 or count < 1 or dim < 1 or start + count > 2 ** 32:
        raise ValueError("center, start, count, dim: expected center >= 0, start >= 0, count >= 1, dim >= 1 "
                         "and start + count <= 2^32")
    streams = torch.full((count,), center, dtype=torch.int64, device=device)
    samples = torch.arange(start, start + count, dtype=torch.int64, device=device)
    return _noise_rows(seed, streams, samples, dim, antithetic, dtype)


def noise_reference(seed: int, center: int, start: int, count: int, dim: int, *,
                    antithetic: bool = True, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The same noise in plain PyTorch (int64 arithmetic for the uint32 Philox rounds)."""
    M32 = 0xFFFFFFFF
    k = torch.arange(start, start + count, dtype=torch.int64)
    cnt = k // 2 if antithetic else k
    B = (dim + 3) // 4
    j = torch.arange(B, dtype=torch.int64)
    c0 = j[None, :].expand(count, B).clone()
    c1 = cnt[:, None].expand(count, B).clone()
    c2 = torch.full_like(c0, center & M32)
    c3 = torch.full_like(c0, (center >> 32) & M32)
    k0, k1 = seed & M32, (seed >> 32) & M32
    for _ in range(10):
        # the 64-bit products overflow int64: the low words wrap correctly, the high words are
        # formed from 16-bit halves of the multiplier
        p0 = c0 * 0xD2511F53
        p1 = c2 * 0xCD9E8D57
        hi0 = ((c0 * (0xD2511F53 >> 16) + ((c0 * (0xD2511F53 & 0xFFFF)) >> 16)) >> 16) & M32
        hi1 = ((c2 * (0xCD9E8D57 >> 16) + ((c2 * (0xCD9E8D57 & 0xFFFF)) >> 16)) >> 16) & M32
        lo0, lo1 = p0 & M32, p1 & M32
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
        k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
    words = [c0, c1, c2, c3]
    if dtype == torch.float64:
        u = [(w.to(torch.float64) + 0.5) / 4294967296.0 for w in words]
    else:
        u = [((w >> 8).to(torch.float32) + 0.5) / 16777216.0 for w in words]
    z = []
    for a, b in ((u[0], u[1]), (u[2], u[3])):
        rad = torch.sqrt(-2.0 * torch.log(a))
        z += [rad * torch.cos(2 * math.pi * b), rad * torch.sin(2 * math.pi * b)]
    eps = torch.stack(z, dim=1)  # coordinate q B + j = normal q of block j
    eps = eps.reshape(count, 4 * B)[:, :dim]
    if antithetic:
        eps = torch.where((k % 2 == 1)[:, None], -eps, eps)
    return eps.to(dtype)


# -- the estimator kernel ---------------------------------------------------------------------

@triton.jit
def _shaped(c, cm, cnt, clo, chi, k0, k1, FAC, D, dt, F64: tl.constexpr, FACTOR: tl.constexpr):
    """(A eps)_c of the noise rows ``cnt`` (R, 1) at columns c (1, BC) (mask cm), in dt: the
    draws themselves without a factor (FACTOR 0); A_cc eps_c for a diagonal one (1, FAC holding
    D values); sum_{l <= c} A_cl eps_l for a lower-triangular one (2, FAC row-major D x D), a
    rank-one update per l in double, in increasing l (csrc/src/smoothing_factor.hpp)."""
    if FACTOR == 0:
        return _normal(c, cnt, clo, chi, k0, k1, D, F64).to(dt)
    elif FACTOR == 1:
        e = _normal(c, cnt, clo, chi, k0, k1, D, F64).to(dt).to(tl.float64)
        return (tl.load(FAC + c, mask=cm, other=0.0) * e).to(dt)
    else:
        acc = tl.zeros_like(cnt).to(tl.float64) + tl.zeros_like(c).to(tl.float64)  # (R, BC)
        for l in range(0, D):
            el = _normal(tl.zeros((1, 1), tl.int32) + l, cnt, clo, chi, k0, k1, D, F64).to(dt).to(tl.float64)
            a = tl.load(FAC + c * D + l, mask=cm & (l <= c), other=0.0)  # A[c, l]
            acc += a * el
        return acc.to(dt)


@triton.jit
def _sample(x_row, s, eps, LO, HI, c, cm, HAS_BOX: tl.constexpr):
    y = x_row + s * eps
    if HAS_BOX:
        y = tl.minimum(tl.maximum(y, tl.load(LO + c, mask=cm, other=0.0)), tl.load(HI + c, mask=cm, other=0.0))
    return y


@triton.jit
def _wrapped(XC, LO, HI, SHIFT, MAT, FAC, c, cm, cnt, sgn, clo, chi, k0, k1, s, scale, D, R: tl.constexpr,
             HAS_BOX: tl.constexpr, HAS_MAT: tl.constexpr, HAS_SHIFT: tl.constexpr, F64: tl.constexpr,
             FACTOR: tl.constexpr, BD: tl.constexpr, BK: tl.constexpr, IEEE: tl.constexpr):
    """The wrapped coordinates z = scale * M (y - shift) at columns c (1, BD) (mask cm) of the
    samples y = clip(x + sgn s A eps) of R noise rows ``cnt``. With a matrix, y is redrawn in
    BK-wide slices (no dot operand above BK x BD)."""
    dt = XC.dtype.element_ty
    if HAS_MAT:
        z = tl.zeros((R, BD), dt)
        # a loop, not unrolled: unrolled, every slice of M is hoisted out of the chunk loop and
        # held in shared memory at once (over 228 KB for float64 and D = 128)
        for kb in range(0, BD, BK):
            kr = kb + tl.arange(0, BK)[None, :]
            km = kr < D
            e = _shaped(kr, km, cnt, clo, chi, k0, k1, FAC, D, dt, F64, FACTOR)
            xk = tl.load(XC + kr, mask=km, other=0.0)
            yk = _sample(xk, s, sgn * e, LO, HI, kr, km, HAS_BOX)
            if HAS_SHIFT:
                yk = yk - tl.load(SHIFT + kr, mask=km, other=0.0)
            yk = tl.where(km, yk, 0.0)
            kc = kb + tl.arange(0, BK)[:, None]
            mt = tl.load(MAT + c * D + kc, mask=(kc < D) & cm, other=0.0)  # mt[k, i] = M[c_i, k]
            z += _dot(yk, mt, IEEE)
        z = scale * z
    else:
        e = _shaped(c, cm, cnt, clo, chi, k0, k1, FAC, D, dt, F64, FACTOR)
        xc = tl.load(XC + c, mask=cm, other=0.0)
        y = _sample(xc, s, sgn * e, LO, HI, c, cm, HAS_BOX)
        if HAS_SHIFT:
            y = y - tl.load(SHIFT + c, mask=cm, other=0.0)
        z = scale * y
    return tl.where(cm, z, 0.0)


@triton.jit
def _f_of(XC, LO, HI, SHIFT, MAT, W, FAC, y, col, valid, cnt, sgn, clo, chi, k0, k1, s, scale, bias, D, df,
          p0, p1, o0, o1, o2, o3,
          FN: tl.constexpr, HAS_BOX: tl.constexpr, HAS_MAT: tl.constexpr, HAS_SHIFT: tl.constexpr,
          HAS_W: tl.constexpr, NP1: tl.constexpr, NP2: tl.constexpr, F64: tl.constexpr,
          FACTOR: tl.constexpr, R: tl.constexpr, BD: tl.constexpr, BK: tl.constexpr, IEEE: tl.constexpr):
    """f of the samples y = clip(x + sgn s A eps) (R, BD) of noise rows ``cnt``, through the
    problem's affine wrapper: (R,)."""
    cm = col < D
    if HAS_MAT:
        z = _wrapped(XC, LO, HI, SHIFT, MAT, FAC, col, cm, cnt, sgn, clo, chi, k0, k1, s, scale, D, R,
                     HAS_BOX, HAS_MAT, HAS_SHIFT, F64, FACTOR, BD, BK, IEEE)
    else:  # the samples at hand need no redraw
        z = y
        if HAS_SHIFT:
            z = z - tl.load(SHIFT + col, mask=cm, other=0.0)
        z = scale * z
    z = tl.where(valid, z, 0.0)
    zp1 = z
    zp2 = z
    if NP1:
        zp1 = _wrapped(XC, LO, HI, SHIFT, MAT, FAC, col + 1, (col + 1) < D, cnt, sgn, clo, chi, k0, k1, s,
                       scale, D, R, HAS_BOX, HAS_MAT, HAS_SHIFT, F64, FACTOR, BD, BK, IEEE)
    if NP2:
        zp2 = _wrapped(XC, LO, HI, SHIFT, MAT, FAC, col + 2, (col + 2) < D, cnt, sgn, clo, chi, k0, k1, s,
                       scale, D, R, HAS_BOX, HAS_MAT, HAS_SHIFT, F64, FACTOR, BD, BK, IEEE)
    w = z
    if HAS_W:
        w = tl.load(W + col, mask=cm, other=0.0)
    v, _g = _rows.row_math(FN, False, z, z, z, zp1, zp2, col, D, df, valid, w, p0, p1, o0, o1, o2, o3)
    return v + bias


@triton.jit
def _chunk_stats(f, ok, n, mean, m2, fmin, argmin, kidx):
    """Chan's merge of one chunk's finite values (f (R,), ok mask, kidx sample numbers) into
    the running (n, mean, M2) and the running minimum."""
    fd = f.to(tl.float64)
    nc = tl.sum(ok.to(tl.float64), axis=0)
    sc = tl.sum(tl.where(ok, fd, 0.0), axis=0)
    mc = sc / tl.maximum(nc, 1.0)
    m2c = tl.sum(tl.where(ok, (fd - mc) * (fd - mc), 0.0), axis=0)
    tot = n + nc
    delta = mc - mean
    mean_new = tl.where(nc > 0, mean + delta * nc / tl.maximum(tot, 1.0), mean)
    m2_new = tl.where(nc > 0, m2 + m2c + delta * delta * n * nc / tl.maximum(tot, 1.0), m2)
    fm = tl.where(ok, fd, float("inf"))
    cmin = tl.min(fm, axis=0)
    # first sample attaining the chunk minimum
    cidx = tl.min(tl.where(fm == cmin, kidx, 2 ** 62), axis=0)
    better = cmin < fmin
    return tot, mean_new, m2_new, tl.where(better, cmin, fmin), tl.where(better, cidx, argmin)


@triton.jit
def _estimate_kernel(X, SIGMA, P, W, MAT, SHIFT, FAC, CONSTS, KEYS, LO, HI, LAM, STATS, G, ESUM, WACC,
                     M, K, D, p_stride, sigma_stride, lanes, chunks,
                     FN: tl.constexpr, ANTI: tl.constexpr, WANT_G: tl.constexpr, WANT_W: tl.constexpr,
                     STATS_PASS: tl.constexpr, HAS_P: tl.constexpr, NPAR: tl.constexpr,
                     HAS_BOX: tl.constexpr, HAS_MAT: tl.constexpr, HAS_SHIFT: tl.constexpr,
                     HAS_W: tl.constexpr, NP1: tl.constexpr, NP2: tl.constexpr, F64: tl.constexpr,
                     FACTOR: tl.constexpr, BLOCK: tl.constexpr, BD: tl.constexpr, BK: tl.constexpr,
                     IEEE: tl.constexpr):
    c = tl.program_id(0)
    lane = tl.program_id(1)
    dt = X.dtype.element_ty
    col = tl.arange(0, BD)[None, :]
    cmask = col < D
    XC = X + c.to(tl.int64) * D
    x_row = tl.load(XC + col, mask=cmask, other=0.0)
    s = tl.load(SIGMA + c * sigma_stride)
    scale, bias, o0, o1, o2, o3, df = _rows.load_consts(CONSTS, X)
    stream = tl.load(KEYS + 2) + c
    k0, k1, clo, chi = _keys(KEYS, stream)
    p0 = tl.zeros((BLOCK, 1), dt)
    p1 = p0
    if HAS_P:
        p0 = p0 + tl.load(P + c * p_stride)
        if NPAR > 1:
            p1 = p1 + tl.load(P + c * p_stride + 1)
    lam = tl.load(LAM + c)
    # running sums (double)
    n = tl.zeros((), tl.float64)
    mean = tl.zeros((), tl.float64)
    m2 = tl.zeros((), tl.float64)
    fmin = tl.zeros((), tl.float64) + float("inf")
    argmin = tl.zeros((), tl.int64) - 1
    nonfinite = tl.zeros((), tl.float64)
    gcount = tl.zeros((), tl.float64)
    shift = tl.zeros((), tl.float64)
    has_shift = tl.zeros((), tl.int32)
    wmin = tl.zeros((), tl.float64) + float("inf")
    wsum = tl.zeros((), tl.float64)
    g = tl.zeros((1, BD), tl.float64)
    es = tl.zeros((1, BD), tl.float64)
    wacc = tl.zeros((1, BD), tl.float64)
    r = tl.arange(0, BLOCK)[:, None]
    for ch in range(lane, chunks, lanes):
        u = ch * BLOCK + r  # pair number (antithetic) or sample number
        if ANTI:
            um = u < K // 2
        else:
            um = u < K
        valid = um & cmask
        cnt = u.to(tl.uint32)
        eps = _normal(col, cnt, clo, chi, k0, k1, D, F64).to(dt)
        eps = tl.where(valid, eps, 0.0)
        if FACTOR == 0:
            ae = eps
        else:  # the sample's step A eps; the Stein sums below stay in eps's coordinates
            ae = tl.where(valid, _shaped(col, cmask, cnt, clo, chi, k0, k1, FAC, D, dt, F64, FACTOR), 0.0)
        y = _sample(x_row, s, ae, LO, HI, col, cmask, HAS_BOX)
        f = _f_of(XC, LO, HI, SHIFT, MAT, W, FAC, y, col, valid, cnt, 1.0, clo, chi, k0, k1, s, scale, bias,
                  D, df, p0, p1, o0, o1, o2, o3, FN, HAS_BOX, HAS_MAT, HAS_SHIFT, HAS_W, NP1, NP2, F64,
                  FACTOR, BLOCK, BD, BK, IEEE)
        um1 = tl.sum(um.to(tl.int32), axis=1) > 0  # (R,)
        ok = um1 & (tl.abs(f) < float("inf"))
        if ANTI:
            y2 = _sample(x_row, s, -ae, LO, HI, col, cmask, HAS_BOX)
            f2 = _f_of(XC, LO, HI, SHIFT, MAT, W, FAC, y2, col, valid, cnt, -1.0, clo, chi, k0, k1, s, scale,
                       bias, D, df, p0, p1, o0, o1, o2, o3, FN, HAS_BOX, HAS_MAT, HAS_SHIFT, HAS_W, NP1,
                       NP2, F64, FACTOR, BLOCK, BD, BK, IEEE)
            ok2 = um1 & (tl.abs(f2) < float("inf"))
            kid = (ch * BLOCK + tl.arange(0, BLOCK)).to(tl.int64) * 2
        else:
            kid = (ch * BLOCK + tl.arange(0, BLOCK)).to(tl.int64)
        if STATS_PASS:
            nonfinite += tl.sum((um1 & ~ok).to(tl.float64), axis=0)
            n, mean, m2, fmin, argmin = _chunk_stats(f, ok, n, mean, m2, fmin, argmin, kid)
            if ANTI:
                nonfinite += tl.sum((um1 & ~ok2).to(tl.float64), axis=0)
                n, mean, m2, fmin, argmin = _chunk_stats(f2, ok2, n, mean, m2, fmin, argmin, kid + 1)
            if WANT_G:
                if ANTI:
                    both = ok & ok2
                    coef = tl.where(both, (f.to(tl.float64) - f2.to(tl.float64)) / (2.0 * s.to(tl.float64)), 0.0)
                    g += tl.sum(coef[:, None] * eps.to(tl.float64), axis=0)[None, :]
                    gcount += tl.sum(both.to(tl.float64), axis=0)
                else:
                    fd = f.to(tl.float64)
                    # differences from a lane reference value keep the float sums well conditioned
                    first = tl.sum(tl.where(ok, fd, 0.0), axis=0) / tl.maximum(tl.sum(ok.to(tl.float64), axis=0), 1.0)
                    take = (has_shift == 0) & (tl.sum(ok.to(tl.int32), axis=0) > 0)
                    shift = tl.where(take, first, shift)
                    has_shift = tl.where(take, 1, has_shift)
                    coef = tl.where(ok, fd - shift, 0.0)
                    okd = tl.where(ok, 1.0, 0.0).to(tl.float64)
                    g += tl.sum(coef[:, None] * eps.to(tl.float64), axis=0)[None, :]
                    es += tl.sum(okd[:, None] * eps.to(tl.float64), axis=0)[None, :]
                    gcount += tl.sum(okd, axis=0)
        if WANT_W:
            fd = tl.where(ok, f.to(tl.float64), float("inf"))
            lo = tl.min(fd, axis=0)
            if ANTI:
                fd2 = tl.where(ok2, f2.to(tl.float64), float("inf"))
                lo = tl.minimum(lo, tl.min(fd2, axis=0))
            new_min = tl.minimum(wmin, lo)
            resc = tl.where(wsum > 0, tl.exp(-(wmin - new_min) / lam), 1.0)
            resc = tl.where(new_min < float("inf"), resc, 1.0)
            wacc = wacc * resc
            wsum = wsum * resc
            wmin = new_min
            wk = tl.where(ok, tl.exp(-(fd - wmin) / lam), 0.0)
            wacc += tl.sum(wk[:, None] * (y - x_row).to(tl.float64), axis=0)[None, :]
            wsum += tl.sum(wk, axis=0)
            if ANTI:
                wk2 = tl.where(ok2, tl.exp(-(fd2 - wmin) / lam), 0.0)
                wacc += tl.sum(wk2[:, None] * (y2 - x_row).to(tl.float64), axis=0)[None, :]
                wsum += tl.sum(wk2, axis=0)
    base = (c * lanes + lane).to(tl.int64)
    st = STATS + base * 10
    if STATS_PASS:
        tl.store(st + 0, n)
        tl.store(st + 1, mean)
        tl.store(st + 2, m2)
        tl.store(st + 3, fmin)
        tl.store(st + 4, argmin.to(tl.float64))
        tl.store(st + 5, nonfinite)
        tl.store(st + 6, gcount)
        tl.store(st + 7, shift)
        if WANT_G:
            tl.store(G + base * D + col, g, mask=cmask)
            if not ANTI:
                tl.store(ESUM + base * D + col, es, mask=cmask)
    if WANT_W:
        tl.store(st + 8, wmin)
        tl.store(st + 9, wsum)
        tl.store(WACC + base * D + col, wacc, mask=cmask)


# -- host side --------------------------------------------------------------------------------

def _as_device(a, dtype, device):
    return torch.as_tensor(np.array(a, dtype=np.float64)).to(dtype=dtype, device=device)


def _shape_rows(eps: torch.Tensor, fac: Optional[torch.Tensor]) -> torch.Tensor:
    """A eps for each row of eps (a few rows: the best samples), in float64 rounded to eps's
    dtype, as the kernel forms them (summed in another order: equal to rounding)."""
    if fac is None:
        return eps
    e = eps.to(torch.float64)
    return (e * fac if fac.dim() == 1 else e @ fac.T).to(eps.dtype)


def _solve_transpose(fac: Optional[torch.Tensor], g: torch.Tensor) -> torch.Tensor:
    """A^{-T} g for each row of g (M, D) in float64: the Stein gradient from the coordinates of
    eps to those of x, once per center (solve_transpose in csrc/src/smoothing_factor.hpp)."""
    if fac is None:
        return g
    if fac.dim() == 1:
        return g / fac
    return torch.linalg.solve_triangular(fac.T, g.T, upper=True).T


def estimate_triton(problem: Any, X: Any, sigma: Any, *, samples: int, temperature: Optional[float] = None,
                    antithetic: bool = True, seed: int = 0, params: Any = None, bounds: Any = None,
                    relative_temperature: bool = False, center_offset: int = 0, gradient: bool = True,
                    factor: Any = None):
    """The estimator of ``scoreopt.smoothing.estimate`` on the Triton backend; the arguments are
    that function's (``factor`` included: checked by ``scoreopt.smoothing.check_factor``, read in
    float64 on X's device). Returns the fields (value, gradient, weighted_mean, best_x, best_f,
    nonfinite) as torch tensors on X's device: (M,), (M, D), (M, D), (M, D), (M,), (M,) int64,
    or without the M axis for one center (D,)."""
    from scoreopt import _dispatch
    from scoreopt.problem_types import check_bounds
    from scoreopt.smoothing import check_factor, check_options

    name = problem.name
    if name not in _rows.IDS:
        raise _not_covered(name)
    K, seed, center_offset = check_options(samples, antithetic, seed, center_offset, temperature)
    if K > 2 ** 32:
        raise ValueError(f"samples: at most 2^32 per center, got {K}")
    Xt, single = _dispatch.torch_input(problem, X)
    if not bool(torch.isfinite(Xt).all()):
        raise ValueError("X: contains NaN or Inf; expected finite values")
    M, D = Xt.shape
    if center_offset + M > 2 ** 63:
        raise ValueError("center_offset: too large (center_offset + M must stay below 2^63)")
    dev, dt = Xt.device, Xt.dtype
    if _dispatch._arrays.is_torch(sigma):
        s = sigma.detach().to(device=dev, dtype=dt).reshape(-1)
    else:
        s = torch.as_tensor(np.asarray(sigma, dtype=np.float64).reshape(-1)).to(device=dev, dtype=dt)
    if s.numel() not in (1, M):
        raise ValueError(f"sigma: expected a scalar or shape ({M},), got {tuple(np.shape(sigma))}")
    if not bool((torch.isfinite(s) & (s > 0)).all()):
        raise ValueError("sigma: expected finite values > 0")
    s = s.contiguous()
    tabs = _tables(problem, dev, dt)
    has_mat = tabs["matrix"] is not None
    limit = MAX_DIM_ROTATED if has_mat else MAX_DIM
    if D > limit:
        raise ValueError(f"X: the Triton estimator handles dim <= {limit}"
                         f"{' for rotated problems' if has_mat else ''}, got {D}")
    p = _dispatch.torch_params(problem, params, dt, dev, M)
    lo = hi = None
    if bounds is not None:
        lo_np, hi_np = check_bounds(bounds, D)
        lo, hi = _as_device(lo_np, dt, dev), _as_device(hi_np, dt, dev)
    A = check_factor(factor, D)
    fac = None if A is None else torch.tensor(A, device=dev)  # float64, row-major (a copy: A is read-only)
    factor_kind = 0 if A is None else (1 if A.ndim == 1 else 2)
    fn = _rows.IDS[name]
    _, _, np1, np2 = _rows.neighbours(fn, False)
    BD = max(16 if has_mat else 1, _pow2(D))
    BLOCK = min(64, max(16 if has_mat else 1, 2048 // BD))
    units = K // 2 if antithetic else K
    chunks = triton.cdiv(units, BLOCK)
    lanes = max(1, min(chunks, 16, -(-1024 // M)))
    keys = torch.tensor([seed & 0xFFFFFFFF, seed >> 32, center_offset], dtype=torch.int64, device=dev)
    f64 = torch.float64
    stats = torch.zeros((M, lanes, _NSTAT), dtype=f64, device=dev)
    want_g = bool(gradient)
    want_w = temperature is not None
    G = torch.zeros((M, lanes, D), dtype=f64, device=dev) if want_g else stats
    ES = torch.zeros((M, lanes, D), dtype=f64, device=dev) if (want_g and not antithetic) else stats
    WA = torch.zeros((M, lanes, D), dtype=f64, device=dev) if want_w else stats
    lam = torch.full((M,), float(temperature) if want_w else 1.0, dtype=f64, device=dev)
    dummy = tabs["consts"]
    common = dict(FN=fn, ANTI=bool(antithetic), HAS_P=p is not None,
                  NPAR=0 if p is None else p.shape[1], HAS_BOX=lo is not None, HAS_MAT=has_mat,
                  HAS_SHIFT=tabs["shift"] is not None, HAS_W=tabs["weights"] is not None, NP1=np1,
                  NP2=np2, F64=dt == f64, FACTOR=factor_kind, BLOCK=BLOCK, BD=BD, BK=32 if BD <= 128 else 16,
                  IEEE=dt == torch.float32)
    args = lambda: (Xt, s, dummy if p is None else p,  # noqa: E731
                    dummy if tabs["weights"] is None else tabs["weights"],
                    dummy if tabs["matrix"] is None else tabs["matrix"],
                    dummy if tabs["shift"] is None else tabs["shift"], dummy if fac is None else fac,
                    tabs["consts"], keys,
                    dummy if lo is None else lo, dummy if hi is None else hi, lam, stats, G, ES, WA,
                    M, K, D, 0 if p is None or p.shape[0] == 1 else p.shape[1], 0 if s.numel() == 1 else 1,
                    lanes, chunks)
    relative = want_w and relative_temperature
    _estimate_kernel[(M, lanes)](*args(), WANT_G=want_g, WANT_W=want_w and not relative, STATS_PASS=True,
                                 **common)
    # merge the lanes (Chan for mean / M2)
    n_l, mean_l, m2_l = stats[..., 0], stats[..., 1], stats[..., 2]
    n = n_l.sum(1)
    mean = (n_l * mean_l).sum(1) / n.clamp_min(1)
    m2 = (m2_l + n_l * (mean_l - mean[:, None]) ** 2).sum(1)
    if relative:
        sd = torch.where(n > 1, torch.sqrt(m2 / (n - 1).clamp_min(1)), torch.zeros_like(n))
        lam = float(temperature) * sd
        lam = torch.where(lam > 0, lam, torch.full_like(lam, torch.finfo(f64).max))
        _estimate_kernel[(M, lanes)](*args(), WANT_G=False, WANT_W=True, STATS_PASS=False, **common)
    value = torch.where(n > 0, mean, torch.full_like(mean, float("nan"))).to(dt)
    fmin_l = stats[..., 3]
    lane_best = torch.argmin(fmin_l, dim=1)
    best_f64 = fmin_l.gather(1, lane_best[:, None])[:, 0]
    best_k = stats[..., 4].gather(1, lane_best[:, None])[:, 0].to(torch.int64)
    found = best_k >= 0
    nonfinite = stats[..., 5].sum(1).to(torch.int64)
    best_f = torch.where(found, best_f64, torch.full_like(best_f64, float("nan"))).to(dt)
    streams = torch.arange(M, dtype=torch.int64, device=dev) + center_offset
    eps = _noise_rows(seed, streams, best_k.clamp_min(0), D, antithetic, dt)
    sM = s.expand(M) if s.numel() == 1 else s
    best_x = Xt + sM[:, None] * _shape_rows(eps, fac)
    if lo is not None:
        best_x = torch.minimum(torch.maximum(best_x, lo), hi)
    best_x = torch.where(found[:, None], best_x, Xt)
    grad = None
    if want_g:
        gcount = stats[..., 6].sum(1)
        if antithetic:
            gs = G.sum(1)
            div = gcount
        else:
            gs = (G + (stats[..., 7] - mean[:, None])[..., None] * ES).sum(1)
            div = gcount * sM.to(f64)
        grad = torch.where(gcount[:, None] > 0, gs / div.clamp_min(1e-300)[:, None], torch.zeros_like(gs))
        grad = _solve_transpose(fac, grad).to(dt)  # from eps's coordinates to x's
    wmean = None
    if want_w:
        wmin_l, wsum_l = stats[..., 8], stats[..., 9]
        wmin = wmin_l.min(1).values
        fac = torch.where(wsum_l > 0, torch.exp(-(wmin_l - wmin[:, None]) / lam[:, None]), torch.zeros_like(wsum_l))
        wsum = (fac * wsum_l).sum(1)
        wv = (fac[..., None] * WA).sum(1)
        wmean = torch.where(wsum[:, None] > 0, Xt.to(f64) + wv / wsum.clamp_min(1e-300)[:, None], Xt.to(f64)).to(dt)
    out = [value, grad, wmean, best_x, best_f, nonfinite]
    if single:
        out = [None if a is None else a[0] for a in out]
    return tuple(out)


def estimate_reference(problem: Any, X: torch.Tensor, sigma: Any, *, samples: int,
                       temperature: Optional[float] = None, antithetic: bool = True, seed: int = 0,
                       params: Any = None, bounds: Any = None, relative_temperature: bool = False,
                       center_offset: int = 0, gradient: bool = True, factor: Any = None):
    """Plain-PyTorch reference of :func:`estimate_triton` for X (M, D): materializes the
    (K, D) samples of each center (noise from :func:`noise_reference`, shaped by the factor A as
    y = x + sigma A eps), evaluates them with :func:`scoreopt.kernels.evaluate.evaluate_reference`,
    and forms the same fields in float64 (the gradient A^{-T} times the sum over eps)."""
    M, D = X.shape
    f64 = torch.float64
    Am = None  # the factor as a dense lower-triangular float64 matrix
    if factor is not None:
        Am = torch.as_tensor(np.asarray(factor, dtype=np.float64))
        Am = torch.diag(Am) if Am.dim() == 1 else Am
    s = torch.as_tensor(np.asarray(sigma, dtype=np.float64).reshape(-1))
    out = {k: [] for k in ("value", "gradient", "wmean", "best_x", "best_f", "nonfinite")}
    for c in range(M):
        sc = float(s[0 if s.numel() == 1 else c])
        eps = noise_reference(seed, center_offset + c, 0, samples, D, antithetic=antithetic, dtype=X.dtype)
        Y = X[c] + sc * (eps if Am is None else (eps.to(f64) @ Am.T).to(X.dtype))
        if bounds is not None:
            Y = torch.minimum(torch.maximum(Y, torch.as_tensor(bounds[0], dtype=X.dtype)),
                              torch.as_tensor(bounds[1], dtype=X.dtype))
        pc = None
        if params is not None:
            pp = torch.as_tensor(np.asarray(params, dtype=np.float64)).reshape(-1, problem.num_params)
            pc = pp[0 if pp.shape[0] == 1 else c][None, :].to(X.dtype)
        elif problem.default_params is not None:
            pc = torch.as_tensor(problem.default_params).reshape(1, -1).to(X.dtype)
        f = evaluate_reference(problem, Y, pc)[0].to(f64)
        ok = torch.isfinite(f)
        out["nonfinite"].append(int((~ok).sum()))
        out["value"].append(f[ok].mean() if ok.any() else torch.tensor(float("nan"), dtype=f64))
        kb = int(torch.argmin(torch.where(ok, f, torch.full_like(f, float("inf"))))) if ok.any() else -1
        out["best_f"].append(f[kb] if kb >= 0 else torch.tensor(float("nan"), dtype=f64))
        out["best_x"].append(Y[kb] if kb >= 0 else X[c])
        e = eps.to(f64)
        if antithetic:
            pok = ok[0::2] & ok[1::2]
            coef = torch.where(pok, (f[0::2] - f[1::2]) / (2 * sc), torch.zeros_like(f[0::2]))
            g = (coef[:, None] * e[0::2]).sum(0) / max(int(pok.sum()), 1)
        else:
            mu = out["value"][-1]
            coef = torch.where(ok, (f - mu) / sc, torch.zeros_like(f))
            g = (coef[:, None] * e).sum(0) / max(int(ok.sum()), 1)
        if Am is not None:
            g = torch.linalg.solve(Am.T, g)
        out["gradient"].append(g)
        if temperature is not None:
            lam = float(temperature)
            if relative_temperature:
                sd = float(f[ok].std()) if int(ok.sum()) > 1 else 0.0
                lam = lam * sd if lam * sd > 0 else float(np.finfo(np.float64).max)
            fmin = f[ok].min() if ok.any() else 0.0
            w = torch.where(ok, torch.exp(-(torch.where(ok, f, fmin) - fmin) / lam), torch.zeros_like(f))
            out["wmean"].append(X[c].to(f64) + (w[:, None] * (Y.to(f64) - X[c].to(f64))).sum(0) / w.sum()
                                if w.sum() > 0 else X[c].to(f64))
    st = lambda k: torch.stack([torch.as_tensor(v) for v in out[k]])  # noqa: E731
    return (st("value"), st("gradient") if gradient else None, st("wmean") if temperature is not None else None,
            st("best_x"), st("best_f"), torch.tensor(out["nonfinite"]))
