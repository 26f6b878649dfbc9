"""Independent float64 NumPy reference for the test objective functions.

Every function takes X of shape (N, D) (float64) and returns ``(f, scale)``,
both of shape (N,).  ``f`` is the objective value per row; ``scale`` is a
condition magnitude used as a tolerance denominator by the tests:

    |f_test - f| <= rtol * max(scale, |f|, 1e-300)

For a plain sum of terms, ``scale`` is the sum of the terms' absolute values.
Where a term is a square (or power) of a quantity that itself suffers
cancellation (e.g. ``(x_{i+1} - x_i^2)^2``) the term's scale is built from the
absolute values of the inner parts, so that it bounds the first-order rounding
error even at an exact optimum.  Indices i in the docstrings are 1-based;
x_i is column i-1.

Arguments of the form pi*t are reduced exactly (remainder by 2.0 is exact)
before calling sin/cos, and further folded into |r| <= 1/4 or 1/2 so that
sin(pi*1), cos(pi/2), ... come out as exact zeros.
"""
import numpy as np

_E = np.e


def _cospi(t):
    """cos(pi*t): exact reduction to a in [0, 1], then an octant-style split
    (all subtractions below are exact by Sterbenz) so zeros come out exact."""
    a = np.abs(np.remainder(t, 2.0))
    a = np.where(a > 1.0, 2.0 - a, a)
    return np.where(a <= 0.25, np.cos(np.pi * a),
                    np.where(a <= 0.75, np.sin(np.pi * (0.5 - a)),
                             -np.cos(np.pi * (1.0 - a))))


def _sinpi(t):
    """sin(pi*t): exact reduction to r in [-0.5, 0.5] via sin(pi r) = sin(pi (1-r))."""
    r = np.remainder(t, 2.0)
    r = np.where(r > 1.5, r - 2.0, np.where(r > 0.5, 1.0 - r, r))
    return np.sin(np.pi * r)


def _as_x(X):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError("X must have shape (N, D)")
    return X


def _params(params, n, p):
    """Return params as (n, p) float64, broadcasting a (p,) vector."""
    if params is None:
        raise ValueError("this function requires params")
    P = np.asarray(params, dtype=np.float64)
    if P.ndim == 1:
        P = np.broadcast_to(P, (n, P.shape[0]))
    if P.shape != (n, p):
        raise ValueError(f"params must have shape ({p},) or ({n}, {p})")
    return P


def _even(X):
    if X.shape[1] % 2:
        raise ValueError("D must be even")


# ---------------------------------------------------------------- classic

def sphere(X, params=None):
    """f = sum x_i^2"""
    f = np.sum(X * X, axis=1)
    return f, f.copy()


def ellipsoid(X, params=None):
    """f = sum 10^(6 (i-1)/(D-1)) x_i^2   (weight 1 when D == 1)"""
    D = X.shape[1]
    w = np.ones(1) if D == 1 else 10.0 ** (6.0 * np.arange(D) / (D - 1))
    f = np.sum(w * X * X, axis=1)
    return f, f.copy()


def rosenbrock(X, params=None):
    """f = sum_{i=1}^{D-1} [100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2]"""
    if X.shape[1] < 2:
        raise ValueError("rosenbrock needs D >= 2")
    x, y = X[:, :-1], X[:, 1:]
    f = np.sum(100.0 * (y - x * x) ** 2 + (1.0 - x) ** 2, axis=1)
    s = np.sum(100.0 * (np.abs(y) + x * x) ** 2 + (1.0 + np.abs(x)) ** 2, axis=1)
    return f, s


def rastrigin(X, params=None):
    """f = 10 D + sum [x_i^2 - 10 cos(2 pi x_i)]"""
    D = X.shape[1]
    c = _cospi(2.0 * X)
    f = 10.0 * D + np.sum(X * X - 10.0 * c, axis=1)
    s = np.sum(X * X + 10.0 * np.abs(c) + 10.0, axis=1)
    return f, s


def ackley(X, params=None):
    """f = -20 exp(-0.2 sqrt(mean x^2)) - exp(mean cos(2 pi x)) + 20 + e"""
    D = X.shape[1]
    a = 20.0 * np.exp(-0.2 * np.sqrt(np.sum(X * X, axis=1) / D))
    b = np.exp(np.sum(_cospi(2.0 * X), axis=1) / D)
    f = (20.0 - a) + (_E - b)  # exact 0 at the origin
    return f, a + b + 20.0 + _E


def _levy_w(W):
    """Levy formula in terms of w:
    sin^2(pi w_1) + sum_{i<D} (w_i-1)^2 [1 + 10 sin^2(pi w_i + 1)]
                  + (w_D-1)^2 [1 + sin^2(2 pi w_D)]"""
    w1, wi, wD = W[:, 0], W[:, :-1], W[:, -1]
    t1 = _sinpi(w1) ** 2
    mid = 1.0 + 10.0 * np.sin(np.pi * wi + 1.0) ** 2
    last = 1.0 + _sinpi(2.0 * wD) ** 2
    f = t1 + np.sum((wi - 1.0) ** 2 * mid, axis=1) + (wD - 1.0) ** 2 * last
    s = (t1 + np.abs(w1) + np.sum((np.abs(wi) + 1.0) ** 2 * mid, axis=1)
         + (np.abs(wD) + 1.0) ** 2 * last)
    return f, s


def levy(X, params=None):
    """w_i = 1 + (x_i - 1)/4, then the Levy formula (see _levy_w)."""
    return _levy_w(1.0 + (X - 1.0) / 4.0)


def griewank(X, params=None):
    """f = 1 + sum x_i^2 / 4000 - prod cos(x_i / sqrt(i))"""
    D = X.shape[1]
    q = np.sum(X * X, axis=1) / 4000.0
    p = np.prod(np.cos(X / np.sqrt(np.arange(1, D + 1, dtype=np.float64))), axis=1)
    return 1.0 + q - p, 1.0 + q + np.abs(p)


def schwefel(X, params=None):
    """f = 418.98288727243369 D - sum x_i sin(sqrt|x_i|)"""
    D = X.shape[1]
    t = X * np.sin(np.sqrt(np.abs(X)))
    c = 418.98288727243369 * D
    return c - np.sum(t, axis=1), c + np.sum(np.abs(t), axis=1)


def styblinski_tang(X, params=None):
    """f = 0.5 sum (x_i^4 - 16 x_i^2 + 5 x_i)"""
    x2 = X * X
    f = 0.5 * np.sum(x2 * x2 - 16.0 * x2 + 5.0 * X, axis=1)
    s = 0.5 * np.sum(x2 * x2 + 16.0 * x2 + 5.0 * np.abs(X), axis=1)
    return f, s


def zakharov(X, params=None):
    """s1 = sum x_i^2, s2 = sum 0.5 i x_i; f = s1 + s2^2 + s2^4"""
    i = np.arange(1, X.shape[1] + 1, dtype=np.float64)
    s1 = np.sum(X * X, axis=1)
    s2 = np.sum(0.5 * i * X, axis=1)
    a = np.sum(np.abs(0.5 * i * X), axis=1)
    return s1 + s2 ** 2 + s2 ** 4, s1 + a ** 2 + a ** 4


def michalewicz(X, params=None, m=10):
    """f = -sum sin(x_i) sin(i x_i^2 / pi)^(2m),  m = 10"""
    i = np.arange(1, X.shape[1] + 1, dtype=np.float64)
    arg = i * X * X / np.pi
    sa = np.sin(arg)
    sx = np.sin(X)
    f = -np.sum(sx * sa ** (2 * m), axis=1)
    # |term| plus first-order sensitivity to rounding of the inner argument
    s = np.sum(np.abs(sx) * np.abs(sa) ** (2 * m - 1)
               * (np.abs(sa) + 2 * m * np.abs(np.cos(arg)) * np.abs(arg)), axis=1)
    return f, s


def weierstrass(X, params=None, a=0.5, b=3.0, kmax=20):
    """f = sum_i sum_{k=0}^{kmax} a^k cos(2 pi b^k (x_i + 0.5))
           - D sum_{k=0}^{kmax} a^k cos(pi b^k),   a=0.5, b=3, kmax=20"""
    D = X.shape[1]
    xs = X + 0.5
    f = np.zeros(X.shape[0])
    s = np.zeros(X.shape[0])
    const = 0.0
    for k in range(kmax + 1):
        ak, bk = a ** k, b ** k
        c = _cospi(2.0 * bk * xs)
        f += ak * np.sum(c, axis=1)
        s += ak * np.sum(np.abs(c), axis=1)
        const += ak * float(_cospi(bk))  # b = 3: b^k is odd, so cos(pi b^k) = -1
    return f - D * const, s + D * abs(const)


def alpine1(X, params=None):
    """f = sum |x_i sin(x_i) + 0.1 x_i|"""
    f = np.sum(np.abs(X * np.sin(X) + 0.1 * X), axis=1)
    return f, f.copy()


# ---------------------------------------------------------------- GLENS

def qp(X, params):
    """P=1 (alpha), D even:
    f = 0.5 sum x_i^2 + alpha sum_{j=1}^{D/2} softplus(-x_{2j-1} - x_{2j})"""
    _even(X)
    al = _params(params, X.shape[0], 1)[:, 0]
    x, y = X[:, 0::2], X[:, 1::2]
    sp = np.sum(np.logaddexp(0.0, -x - y), axis=1)
    q = 0.5 * np.sum(X * X, axis=1)
    s = q + np.abs(al) * (sp + np.sum(np.abs(x) + np.abs(y), axis=1))
    return q + al * sp, s


def himmelblau(X, params, lam=10.0):
    """P=2 (alpha1, alpha2), D even, m = D/2:
    f = (2/D) sum_{j=1}^{m} [(x_{2j-1}^2 + x_{2j} - a1)^2 + (x_{2j-1} + x_{2j}^2 - a2)^2]
        + lam (2/(D-2)) sum_{j=1}^{m-1} (x_{2j-1} - x_{2j+1})^2   (0 when D == 2)"""
    _even(X)
    D = X.shape[1]
    P = _params(params, X.shape[0], 2)
    a1, a2 = P[:, :1], P[:, 1:]
    x, y = X[:, 0::2], X[:, 1::2]
    u = x * x + y - a1
    v = x + y * y - a2
    f = (2.0 / D) * np.sum(u * u + v * v, axis=1)
    s = (2.0 / D) * np.sum((x * x + np.abs(y) + np.abs(a1)) ** 2
                           + (np.abs(x) + y * y + np.abs(a2)) ** 2, axis=1)
    if D > 2:
        d = x[:, :-1] - x[:, 1:]
        g = lam * (2.0 / (D - 2)) * np.sum(d * d, axis=1)
        f = f + g
        s = s + abs(lam) * (2.0 / (D - 2)) * np.sum(
            (np.abs(x[:, :-1]) + np.abs(x[:, 1:])) ** 2, axis=1)
    return f, s


def rosenbrock_glens(X, params):
    """P=2 (alpha1, alpha2), D even:
    f = sum_{j=1}^{D/2} [a1 ((x_{2j-1} - a2)^2 - (x_{2j} - a2))^2 + ((x_{2j-1} - a2) - 1)^2]"""
    _even(X)
    P = _params(params, X.shape[0], 2)
    a1, a2 = P[:, :1], P[:, 1:]
    u = X[:, 0::2] - a2
    v = X[:, 1::2] - a2
    f = np.sum(a1 * (u * u - v) ** 2 + (u - 1.0) ** 2, axis=1)
    mu = np.abs(X[:, 0::2]) + np.abs(a2)
    mv = np.abs(X[:, 1::2]) + np.abs(a2)
    s = np.sum(np.abs(a1) * (mu * mu + mv) ** 2 + (mu + 1.0) ** 2, axis=1)
    return f, s


def levy_glens(X, params):
    """P=1 (alpha): w_i = 1 + (x_i - alpha - 1)/4, then the Levy formula."""
    al = _params(params, X.shape[0], 1)[:, :1]
    return _levy_w(1.0 + (X - al - 1.0) / 4.0)


# ---------------------------------------------------------------- dispatch

_FUNCS = {
    "sphere": sphere, "ellipsoid": ellipsoid, "rosenbrock": rosenbrock,
    "rastrigin": rastrigin, "ackley": ackley, "levy": levy,
    "griewank": griewank, "schwefel": schwefel,
    "styblinski_tang": styblinski_tang, "zakharov": zakharov,
    "michalewicz": michalewicz, "weierstrass": weierstrass, "alpine1": alpine1,
    "qp": qp, "himmelblau": himmelblau, "rosenbrock_glens": rosenbrock_glens,
    "levy_glens": levy_glens,
}
NAMES = list(_FUNCS)
GLENS_NAMES = ["qp", "himmelblau", "rosenbrock_glens", "levy_glens"]


def value(name, X, params=None):
    """Evaluate function `name` on rows of X (N, D); params None, (P,) or (N, P).
    Returns (f, scale), each (N,) float64."""
    X = _as_x(X)
    fn = _FUNCS[name]
    if name in GLENS_NAMES:
        return fn(X, params)
    return fn(X)


def check_self():
    """Assert known optima."""
    for D in (1, 2, 5, 10):
        z = np.zeros((1, D))
        for n in ("sphere", "rastrigin", "griewank", "zakharov", "alpine1",
                  "weierstrass"):
            f, _ = value(n, z)
            assert f[0] == 0.0, (n, D, f)
        assert abs(value("ackley", z)[0][0]) <= 1e-15
        o = np.ones((1, D))
        assert value("levy", o)[0][0] == 0.0
        if D >= 2:
            assert value("rosenbrock", o)[0][0] == 0.0
        f, _ = value("schwefel", np.full((1, D), 420.968746359982025))
        assert abs(f[0]) <= 1e-9 * D, f
        f, _ = value("styblinski_tang", np.full((1, D), -2.903534027771178))
        assert abs(f[0] + 39.16616570377142 * D) <= 1e-9, f
    f, _ = value("himmelblau", np.array([[3.0, 2.0]]), np.array([11.0, 7.0]))
    assert f[0] == 0.0, f
    for D in (2, 4, 6):
        o = np.ones((2, D))
        assert np.all(value("rosenbrock_glens", o, np.array([100.0, 0.0]))[0] == 0.0)
        f, _ = value("levy_glens", np.full((2, D), 1.5), np.array([[0.5], [0.5]]))
        assert np.all(f == 0.0), f
    f, _ = value("michalewicz", np.array([[2.20, 1.57]]))
    assert abs(f[0] + 1.8013) < 1e-3, f
    for n in NAMES:  # shapes, finiteness and scale >= |f| sanity on random rows
        D = 4
        X = np.random.default_rng(0).uniform(-3, 3, (7, D))
        p = {"qp": [1.0], "levy_glens": [0.3], "himmelblau": [11.0, 7.0],
             "rosenbrock_glens": [100.0, 0.5]}.get(n)
        f, s = value(n, X, None if p is None else np.array(p))
        assert f.shape == s.shape == (7,) and np.all(np.isfinite(f)), n
        assert np.all(s >= np.abs(f) * (1 - 1e-12)), n
    return True
