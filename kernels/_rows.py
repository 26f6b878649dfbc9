"""Row math of the classic and GLENS functions on a tile of rows, shared by the evaluation and
smoothing kernels. Definitions are the core's (csrc/include/scoreopt/functions/classic.hpp and
glens.hpp), including its cancellation-free forms (rastrigin as x^2 + 20 sin^2(pi x), ackley
through expm1).

A tile holds R rows of one block of BD >= D columns: ``x`` (R, BD) the point's coordinates
i = ``col``, ``xp1`` / ``xp2`` the coordinates i + 1 / i + 2 and ``xm1`` / ``xm2`` i - 1 / i - 2
(zero where out of range; only the ones :func:`neighbours` lists for the function are read),
``valid`` (R, BD) marks real coordinates, ``df`` is D as a float of x's dtype, ``w`` the per-coordinate table (ellipsoid weights),
``p0``, ``p1`` (R, 1) per-row parameters, ``o0``..``o3`` the function's scalar options.
"""

import triton
import triton.language as tl

from ._math import E, PI, expm1, log1p, prod, reduce2, rint, sinpi_sq



class Fn:
    """Function ids (host side; the kernels take them as the constexpr FN)."""
    SPHERE, ELLIPSOID, ROSENBROCK, RASTRIGIN, ACKLEY, LEVY, GRIEWANK = 0, 1, 2, 3, 4, 5, 6
    SCHWEFEL, STYBLINSKI_TANG, ZAKHAROV, MICHALEWICZ, WEIERSTRASS, ALPINE1 = 7, 8, 9, 10, 11, 12
    GLENS_QP, GLENS_HIMMELBLAU, GLENS_ROSENBROCK, GLENS_LEVY = 20, 21, 22, 23


# the same ids as the constexpr globals that @triton.jit code may read
SPHERE, ELLIPSOID, ROSENBROCK = tl.constexpr(Fn.SPHERE), tl.constexpr(Fn.ELLIPSOID), tl.constexpr(Fn.ROSENBROCK)
RASTRIGIN, ACKLEY, LEVY = tl.constexpr(Fn.RASTRIGIN), tl.constexpr(Fn.ACKLEY), tl.constexpr(Fn.LEVY)
GRIEWANK, SCHWEFEL = tl.constexpr(Fn.GRIEWANK), tl.constexpr(Fn.SCHWEFEL)
STYBLINSKI_TANG, ZAKHAROV = tl.constexpr(Fn.STYBLINSKI_TANG), tl.constexpr(Fn.ZAKHAROV)
MICHALEWICZ, WEIERSTRASS, ALPINE1 = tl.constexpr(Fn.MICHALEWICZ), tl.constexpr(Fn.WEIERSTRASS), tl.constexpr(Fn.ALPINE1)
GLENS_QP, GLENS_HIMMELBLAU = tl.constexpr(Fn.GLENS_QP), tl.constexpr(Fn.GLENS_HIMMELBLAU)
GLENS_ROSENBROCK, GLENS_LEVY = tl.constexpr(Fn.GLENS_ROSENBROCK), tl.constexpr(Fn.GLENS_LEVY)

IDS = {
    "sphere": Fn.SPHERE, "ellipsoid": Fn.ELLIPSOID, "rosenbrock": Fn.ROSENBROCK,
    "rastrigin": Fn.RASTRIGIN, "ackley": Fn.ACKLEY, "levy": Fn.LEVY, "griewank": Fn.GRIEWANK,
    "schwefel": Fn.SCHWEFEL, "styblinski_tang": Fn.STYBLINSKI_TANG, "zakharov": Fn.ZAKHAROV,
    "michalewicz": Fn.MICHALEWICZ, "weierstrass": Fn.WEIERSTRASS, "alpine1": Fn.ALPINE1,
    "glens.qp": Fn.GLENS_QP, "glens.himmelblau": Fn.GLENS_HIMMELBLAU,
    "glens.rosenbrock": Fn.GLENS_ROSENBROCK, "glens.levy": Fn.GLENS_LEVY,
}


def neighbours(fn: int, grad: bool):
    """(needs i-2, i-1, i+1, i+2) for function ``fn``: which shifted tiles its row math reads."""
    m2 = m1 = p1 = p2 = False
    if fn in (Fn.ROSENBROCK, Fn.GLENS_QP, Fn.GLENS_ROSENBROCK):
        p1 = True
        m1 = grad
    elif fn == Fn.GLENS_HIMMELBLAU:
        p1 = p2 = True
        m1 = m2 = grad
    elif fn == Fn.GRIEWANK and grad:
        m1 = p1 = True
    return m2, m1, p1, p2


@triton.jit
def load_consts(CONSTS, X):
    """The function's constant table (``evaluate._tables``, "consts"): the input scale and
    output bias in X's dtype, the four scalar options o0..o3, and float(D) in X's dtype."""
    dt = X.dtype.element_ty
    return (tl.load(CONSTS + 0).to(dt), tl.load(CONSTS + 1).to(dt), tl.load(CONSTS + 2), tl.load(CONSTS + 3),
            tl.load(CONSTS + 4), tl.load(CONSTS + 5), tl.load(CONSTS + 6).to(dt))


@triton.jit
def _levy(x, col, D, valid, shift, GRAD: tl.constexpr):
    w = 1.0 + (x - shift - 1.0) * 0.25
    u = w - 1.0
    inner = valid & (col < D - 1)
    a = w * PI + 1.0
    sn = tl.sin(a)
    body = tl.sum(tl.where(inner, u * u * (1.0 + 10.0 * sn * sn), 0.0), axis=1)
    w0 = tl.sum(tl.where(valid & (col == 0), w, 0.0), axis=1)
    wl = tl.sum(tl.where(valid & (col == D - 1), w, 0.0), axis=1)
    r0 = reduce2(w0) * PI
    s0 = tl.sin(r0)
    rl = reduce2(2.0 * wl) * PI
    sl = tl.sin(rl)
    ul = wl - 1.0
    v = s0 * s0 + body + ul * ul * (1.0 + sl * sl)
    g = x * 0.0
    if GRAD:
        cn = tl.cos(a)
        g = tl.where(inner, 0.25 * (2.0 * u * (1.0 + 10.0 * sn * sn) + u * u * (20.0 * PI) * sn * cn), 0.0)
        c0 = tl.cos(r0)
        cl = tl.cos(rl)
        g0 = 0.25 * (2.0 * PI) * s0 * c0
        gl = 0.25 * (2.0 * ul * (1.0 + sl * sl) + ul * ul * (4.0 * PI) * sl * cl)
        g = g + tl.where(valid & (col == 0), g0[:, None], 0.0) + tl.where(valid & (col == D - 1), gl[:, None], 0.0)
    return v, g


@triton.jit
def row_math(FN: tl.constexpr, GRAD: tl.constexpr, x, xm2, xm1, xp1, xp2, col, D, df, valid, w,
             p0, p1, o0, o1, o2, o3):
    """(values (R,), gradient (R, BD) or zeros) of function FN on the tile; df is D in x's
    dtype (a float32 D would round the double path's constants)."""
    zero = x * 0.0
    g = zero
    if FN == SPHERE:
        v = tl.sum(tl.where(valid, x * x, 0.0), axis=1)
        if GRAD:
            g = 2.0 * x
    elif FN == ELLIPSOID:
        v = tl.sum(tl.where(valid, w * x * x, 0.0), axis=1)
        if GRAD:
            g = 2.0 * w * x
    elif FN == ROSENBROCK:
        m = valid & (col < D - 1)
        a = xp1 - x * x
        b = 1.0 - x
        v = tl.sum(tl.where(m, 100.0 * a * a + b * b, 0.0), axis=1)
        if GRAD:
            g = tl.where(m, -400.0 * x * a - 2.0 * b, 0.0) + tl.where(valid & (col >= 1), 200.0 * (x - xm1 * xm1), 0.0)
    elif FN == RASTRIGIN:
        v = tl.sum(tl.where(valid, x * x + 20.0 * sinpi_sq(x), 0.0), axis=1)
        if GRAD:
            r = reduce2(x) * PI
            g = 2.0 * x + (40.0 * PI) * tl.sin(r) * tl.cos(r)
    elif FN == ACKLEY:
        s1 = tl.sum(tl.where(valid, x * x, 0.0), axis=1)
        s2 = tl.sum(tl.where(valid, 2.0 * sinpi_sq(x), 0.0), axis=1)
        rms = tl.sqrt(s1 / df)
        v = -20.0 * expm1(-0.2 * rms) - E * expm1(-s2 / df)
        if GRAD:
            a = tl.where(rms > 0.0, 4.0 * tl.exp(-0.2 * rms) / (df * tl.where(rms > 0.0, rms, 1.0)), 0.0)
            b = E * tl.exp(-s2 / df) * (4.0 * PI) / df
            r = reduce2(x) * PI
            g = a[:, None] * x + b[:, None] * (tl.sin(r) * tl.cos(r))
    elif FN == LEVY:
        v, g = _levy(x, col, D, valid, 0.0, GRAD)
    elif FN == GLENS_LEVY:
        v, g = _levy(x, col, D, valid, p0, GRAD)
    elif FN == GRIEWANK:
        colf = col.to(x.dtype)
        rt = tl.sqrt(colf + 1.0)
        u = x / rt
        c = tl.where(valid, tl.cos(u), 1.0)
        s = tl.sum(tl.where(valid, x * x, 0.0), axis=1)
        v = (1.0 - prod(c, 1)) + s / 4000.0
        if GRAD:
            # prod_{j != i} cos(u_j) as an exclusive prefix times an exclusive suffix product
            cm1 = tl.where(valid & (col >= 1), tl.cos(xm1 / tl.sqrt(tl.maximum(colf, 1.0))), 1.0)
            cp1 = tl.where(valid & (col + 1 < D), tl.cos(xp1 / tl.sqrt(colf + 2.0)), 1.0)
            pre = tl.cumprod(cm1, 1)
            suf = tl.cumprod(cp1, 1, reverse=True)
            g = x / 2000.0 + tl.sin(u) / rt * pre * suf
    elif FN == SCHWEFEL:
        r = tl.sqrt(tl.abs(x))
        sn = tl.sin(r)
        v = 418.98288727243369 * df - tl.sum(tl.where(valid, x * sn, 0.0), axis=1)
        if GRAD:
            g = -(sn + 0.5 * r * tl.cos(r))
    elif FN == STYBLINSKI_TANG:
        z = x * x
        v = 0.5 * tl.sum(tl.where(valid, z * z - 16.0 * z + 5.0 * x, 0.0), axis=1)
        if GRAD:
            g = 2.0 * z * x - 16.0 * x + 2.5
    elif FN == ZAKHAROV:
        ci = col * 1.0 + 1.0
        s1 = tl.sum(tl.where(valid, x * x, 0.0), axis=1)
        s2 = tl.sum(tl.where(valid, 0.5 * ci * x, 0.0), axis=1)
        q = s2 * s2
        v = s1 + q + q * q
        if GRAD:
            k = 2.0 * s2 + 4.0 * s2 * s2 * s2
            g = 2.0 * x + k[:, None] * 0.5 * ci
    elif FN == MICHALEWICZ:
        # the 2m-th power magnifies the error of sin(i x^2 / pi): formed and reduced in double
        m = o0.to(tl.int32)
        xd = x.to(tl.float64)
        vv = ((col * 1.0 + 1.0).to(tl.float64) * (xd * xd)) / PI
        sv = tl.sin(vv).to(x.dtype)
        base = sv * sv
        pm1 = zero + 1.0
        for _ in range(0, m - 1):
            pm1 = pm1 * base
        p = pm1 * base
        sx = tl.sin(x)
        v = -tl.sum(tl.where(valid, sx * p, 0.0), axis=1)
        if GRAD:
            cv = tl.cos(vv).to(x.dtype)
            g = -(tl.cos(x) * p + sx * (2.0 * o0).to(x.dtype) * (pm1 * sv) * cv * 2.0 * (col * 1.0 + 1.0) * x / PI)
    elif FN == WEIERSTRASS:
        # phases b^k (x + 1/2) reach 3^20: in double, reduced exactly mod 2; o3 = the inner
        # sum at x = 0 (computed on the host)
        kmax = o2.to(tl.int32)
        xd = x.to(tl.float64)
        s = xd * 0.0
        ds = xd * 0.0
        ak = xd * 0.0 + 1.0
        bk2 = xd * 0.0 + 2.0
        for _ in range(0, kmax + 1):
            t = (xd + 0.5) * bk2
            r = (t - 2.0 * rint(0.5 * t)) * PI
            s += ak * tl.cos(r)
            ds -= ak * bk2 * PI * tl.sin(r)
            ak = ak * o0
            bk2 = bk2 * o1
        v = tl.sum(tl.where(valid, (s - o3).to(x.dtype), 0.0), axis=1)
        if GRAD:
            g = ds.to(x.dtype)
    elif FN == ALPINE1:
        sn = tl.sin(x)
        u = x * sn + 0.1 * x
        v = tl.sum(tl.where(valid, tl.abs(u), 0.0), axis=1)
        if GRAD:
            du = sn + x * tl.cos(x) + 0.1
            g = tl.where(u > 0.0, du, tl.where(u < 0.0, -du, 0.0))
    elif FN == GLENS_QP:
        even = valid & (col % 2 == 0)
        z = -x - xp1
        sp = tl.maximum(z, 0.0) + log1p(tl.exp(-tl.abs(z)))
        v = 0.5 * tl.sum(tl.where(valid, x * x, 0.0), axis=1) + tl.sum(tl.where(even, p0 * sp, 0.0), axis=1)
        if GRAD:
            zz = tl.where(col % 2 == 0, z, -xm1 - x)
            e = tl.exp(-tl.abs(zz))
            sig = tl.where(zz >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
            g = x - p0 * sig
    elif FN == GLENS_HIMMELBLAU:
        even = valid & (col % 2 == 0)
        h = 2.0 / df
        kc = tl.where(D > 2, o0.to(x.dtype) * 2.0 / tl.where(D > 2, df - 2.0, 1.0), 0.0)
        u = x * x + xp1 - p0
        vq = x + xp1 * xp1 - p1
        s = tl.sum(tl.where(even, u * u + vq * vq, 0.0), axis=1)
        cpl_m = even & (col + 2 < D)
        e = x - xp2
        cpl = tl.sum(tl.where(cpl_m, e * e, 0.0), axis=1)
        v = h * s + kc * cpl
        if GRAD:
            ge = h * (4.0 * u * x + 2.0 * vq) + tl.where(cpl_m, 2.0 * kc * e, 0.0) \
                - tl.where(col >= 2, 2.0 * kc * (xm2 - x), 0.0)
            uo = xm1 * xm1 + x - p0
            vo = xm1 + x * x - p1
            go = h * (2.0 * uo + 4.0 * vo * x)
            g = tl.where(col % 2 == 0, ge, go)
    else:  # GLENS_ROSENBROCK
        even = valid & (col % 2 == 0)
        y1 = x - p1
        y2 = xp1 - p1
        u = y1 * y1 - y2
        vv = y1 - 1.0
        v = tl.sum(tl.where(even, p0 * u * u + vv * vv, 0.0), axis=1)
        if GRAD:
            yo1 = xm1 - p1
            uo = yo1 * yo1 - (x - p1)
            g = tl.where(col % 2 == 0, 4.0 * p0 * u * y1 + 2.0 * vv, -2.0 * p0 * uo)
    return v, tl.where(valid, g, 0.0)
