"""The smoothing estimator with a shaped kernel, samples y = x + sigma A eps (``factor=A``).

Checked against an independent float64 NumPy estimator built from the same noise
(``smoothing.noise``), for a full lower-triangular and a diagonal A, float32 and float64, with and
without antithetic pairs, bounds and a relative temperature; the identity factor against no factor
(bit for bit); a quadratic's closed forms (its smoothed gradient is 2 H x for any A, its smoothed
value f(x) + sigma^2 tr(H A A^T)); the Python (callable) path against the fused one; and the
checks of bad factors, in Python and in the core. The CUDA path is checked in test_cuda.py, the
Triton path in test_kernels_triton.py.
"""

import numpy as np
import pytest

from scoreopt import _core, problems, smoothing

D = 5


def full_factor(d=D, seed=0):
    rng = np.random.default_rng(seed)
    return np.tril(rng.normal(size=(d, d)), -1) * 0.4 + np.diag(rng.uniform(0.3, 2.0, d))


def diagonal_factor(d=D, seed=1):
    return np.random.default_rng(seed).uniform(0.2, 2.5, d)


def reference(p, X, sigma, A, *, samples, temperature, antithetic, seed, center_offset=0,
              relative=False, bounds=None):
    """The estimator written out in float64 NumPy from its definition, on the estimator's noise."""
    X = np.atleast_2d(np.asarray(X, np.float64))
    M, d = X.shape
    s = np.broadcast_to(np.asarray(sigma, np.float64).reshape(-1), (M,))
    Am = np.diag(A) if A.ndim == 1 else A
    out = {k: [] for k in ("value", "gradient", "weighted_mean", "best_x", "best_f")}
    for c in range(M):
        eps = smoothing.noise(seed, center_offset + c, 0, samples, d, antithetic=antithetic)
        Y = X[c] + s[c] * eps @ Am.T
        if bounds is not None:
            Y = np.clip(Y, *bounds)
        f = p.evaluate(Y)
        mean = f.mean()
        if antithetic:  # (f+ - f-) / (2 sigma) e over the pairs
            g = ((f[0::2] - f[1::2])[:, None] * eps[0::2]).sum(0) / (2 * s[c]) / (samples // 2)
        else:  # (f - mean f) / sigma e over the samples
            g = ((f - mean)[:, None] * eps).sum(0) / (s[c] * samples)
        out["gradient"].append(np.linalg.solve(Am.T, g))  # A^{-T}: the gradient with respect to x
        lam = temperature * f.std(ddof=1) if relative else temperature
        w = np.exp(-(f - f.min()) / lam)
        out["weighted_mean"].append(X[c] + (w[:, None] * (Y - X[c])).sum(0) / w.sum())
        out["value"].append(mean)
        out["best_x"].append(Y[np.argmin(f)])
        out["best_f"].append(f.min())
    return {k: np.array(v) for k, v in out.items()}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("kind", ["full", "diagonal"])
@pytest.mark.parametrize("antithetic,relative,bounded", [(True, False, False), (False, True, False),
                                                         (True, True, True), (False, False, True)])
def test_matches_numpy_reference(dtype, kind, antithetic, relative, bounded):
    p = problems.get("rastrigin", D)
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, (3, D)).astype(dtype)
    sigma = np.array([0.3, 0.1, 0.6], dtype)
    A = full_factor() if kind == "full" else diagonal_factor()
    bounds = (-1.2, 1.1) if bounded else None
    kw = dict(samples=512, temperature=2.0, antithetic=antithetic, seed=7, center_offset=4,
              relative_temperature=relative, bounds=bounds)
    got = smoothing.estimate(p, X, sigma, factor=A, **kw)
    want = reference(p, X, sigma, A, samples=512, temperature=2.0, antithetic=antithetic, seed=7,
                     center_offset=4, relative=relative, bounds=bounds)
    assert got.gradient.dtype == dtype and got.weighted_mean.dtype == dtype
    assert np.all(got.nonfinite == 0)
    # float64: rounding only (the reference sums in another order); float32: the samples are
    # formed and evaluated in float32
    tol = dict(rtol=1e-9, atol=1e-9) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-4)
    for field in ("value", "best_f", "best_x", "weighted_mean"):
        np.testing.assert_allclose(getattr(got, field), want[field], err_msg=field, **tol)
    gscale = np.abs(want["gradient"]).max()
    gtol = 1e-9 if dtype == np.float64 else 2e-3
    np.testing.assert_allclose(got.gradient, want["gradient"], rtol=gtol, atol=gtol * gscale)
    if bounded:
        assert np.all(got.best_x >= -1.2) and np.all(got.best_x <= 1.1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("antithetic", [True, False])
def test_identity_factor_is_bit_identical_to_none(dtype, antithetic):
    p = problems.get("levy", 6)
    X = np.random.default_rng(3).uniform(-2, 2, (4, 6)).astype(dtype)
    kw = dict(samples=300, temperature=0.5, relative_temperature=True, antithetic=antithetic, seed=11,
              bounds=(-2.5, 2.2))
    plain = smoothing.estimate(p, X, 0.4, **kw)
    for A in (np.eye(6), np.ones(6), np.eye(6, dtype=np.float32)):
        shaped = smoothing.estimate(p, X, 0.4, factor=A, **kw)
        for field in ("value", "gradient", "weighted_mean", "best_x", "best_f", "nonfinite"):
            np.testing.assert_array_equal(getattr(shaped, field), getattr(plain, field), err_msg=field)


def test_factor_changes_the_samples():
    """A factor is used: a scaled identity moves every field, and the best sample is x + sigma A eps."""
    p = problems.get("rastrigin", D)
    x = np.linspace(-0.8, 1.3, D)
    a = smoothing.estimate(p, x, 0.3, samples=64, temperature=1.0, seed=1)
    b = smoothing.estimate(p, x, 0.3, samples=64, temperature=1.0, seed=1, factor=2 * np.eye(D))
    assert a.value != b.value
    assert not np.allclose(a.gradient, b.gradient)
    # A = 2 I with sigma is A = I with 2 sigma, up to the A^{-T} = I / 2 of the gradient
    c = smoothing.estimate(p, x, 0.6, samples=64, temperature=1.0, seed=1)
    np.testing.assert_allclose(b.value, c.value, rtol=1e-12)
    np.testing.assert_allclose(b.best_x, c.best_x, rtol=1e-12)
    np.testing.assert_allclose(b.gradient, c.gradient, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", ["full", "diagonal"])
def test_quadratic_closed_form(kind):
    """f(x) = |R (x - b)|^2 = (x - b)^T H (x - b), H = R^T R: the smoothed value is
    f(x) + sigma^2 tr(H A A^T) and the smoothed gradient is 2 H (x - b) whatever A is."""
    rng = np.random.default_rng(4)
    R = rng.normal(size=(D, D))
    b = rng.normal(size=D)
    p = problems.get("sphere", D).affine(matrix=R, shift=b)
    A = full_factor() if kind == "full" else diagonal_factor()
    Am = np.diag(A) if A.ndim == 1 else A
    X = rng.uniform(-1, 1, (2, D))
    s, K = 0.5, 400_000
    H = R.T @ R
    fx = np.einsum("md,de,me->m", X - b, H, X - b)
    for antithetic in (True, False):
        e = smoothing.estimate(p, X, s, samples=K, antithetic=antithetic, seed=3, factor=A)
        np.testing.assert_allclose(e.value, fx + s * s * np.trace(H @ Am @ Am.T), rtol=0.01)
        exact = 2 * (X - b) @ H
        # the error is statistical (with pairs only that of the sample second moment of eps)
        np.testing.assert_allclose(e.gradient, exact, atol=0.04 * np.abs(exact).max())


def test_quadratic_gradient_without_pairs_converges():
    """Without pairs the estimate is noisy; its error shrinks like 1/sqrt(K) towards 2 H x."""
    rng = np.random.default_rng(6)
    R = rng.normal(size=(D, D))
    p = problems.get("sphere", D).affine(matrix=R)
    A = full_factor(seed=3)
    x = rng.uniform(-1, 1, D)
    exact = 2 * R.T @ R @ x
    errs = [np.abs(smoothing.estimate(p, x, 0.3, samples=K, antithetic=False, seed=9, factor=A).gradient
                   - exact).max() for K in (1_000, 400_000)]
    assert errs[1] < errs[0] / 5 and errs[1] < 0.05 * np.abs(exact).max()


@pytest.mark.parametrize("antithetic,relative", [(True, False), (False, True)])
@pytest.mark.parametrize("kind", ["full", "diagonal"])
def test_core_and_python_paths_agree(kind, antithetic, relative):
    """A Python callable materializes A eps in NumPy; the core shapes the same noise itself."""
    p = problems.get("levy", D)
    q = problems.from_callable(p.evaluate, D, p.bounds)
    X = np.random.default_rng(5).uniform(-2, 2, (3, D))
    A = full_factor() if kind == "full" else diagonal_factor()
    kw = dict(samples=256, temperature=0.7, antithetic=antithetic, relative_temperature=relative,
              seed=2, factor=A, bounds=(-2.4, 2.4))
    a = smoothing.estimate(p, X, 0.3, **kw)
    b = smoothing.estimate(q, X, 0.3, chunk_size=50, **kw)
    for field in ("value", "gradient", "weighted_mean", "best_x", "best_f", "nonfinite"):
        np.testing.assert_allclose(getattr(b, field), getattr(a, field), rtol=1e-10, atol=1e-10,
                                   err_msg=field)


def test_factor_from_torch_and_integers():
    import torch  # a dev requirement (requirements-dev.txt)

    p = problems.get("sphere", 3)
    A = np.array([[1.0, 0, 0], [0.5, 2.0, 0], [-1.0, 0.25, 0.5]])
    want = smoothing.estimate(p, np.ones(3), 0.2, samples=32, factor=A)
    got = smoothing.estimate(p, np.ones(3), 0.2, samples=32, factor=torch.tensor(A, dtype=torch.float32))
    np.testing.assert_array_equal(got.gradient, want.gradient)  # A's entries are exact in float32
    np.testing.assert_array_equal(smoothing.estimate(p, np.ones(3), 0.2, samples=32, factor=[1, 2, 3]).value,
                                  smoothing.estimate(p, np.ones(3), 0.2, samples=32, factor=np.array([1.0, 2, 3])).value)


@pytest.mark.parametrize("factor,error,match", [
    (np.eye(4), ValueError, r"factor: expected shape \(5,\).*or \(5, 5\).*got \(4, 4\)"),
    (np.ones((5, 4)), ValueError, r"factor: expected shape .*got \(5, 4\)"),
    (np.ones((1, 5, 5)), ValueError, r"factor: expected shape"),
    (np.float64(2.0), ValueError, r"factor: expected shape .*got \(\)"),
    (np.triu(np.ones((5, 5))), ValueError, r"factor: expected a lower-triangular matrix .*at \[0, 1\]"),
    (np.diag([1.0, 2, 0, 1, 1]), ValueError, r"factor: expected a diagonal > 0 .*got 0 at \[2, 2\]"),
    (np.array([1.0, -1, 1, 1, 1]), ValueError, r"factor: expected a diagonal > 0 .*got -1 at \[1\]"),
    (np.where(np.eye(5) > 0, 1.0, np.tril(np.full((5, 5), np.inf))), ValueError,
     r"factor: expected finite values, got inf at \[1, 0\]"),
    (np.array([1.0, np.nan, 1, 1, 1]), ValueError, r"factor: expected finite values, got nan at \[1\]"),
    (np.eye(5) * (1 + 1j), TypeError, r"factor: expected a real numeric array, got dtype complex128"),
    ("eye", TypeError, r"factor: expected a numeric array, got str"),
    (np.array([object()] * 5), TypeError, r"factor: expected a real numeric array, got dtype object"),
])
def test_bad_factor(factor, error, match):
    p = problems.get("sphere", D)
    with pytest.raises(error, match=match):
        smoothing.estimate(p, np.zeros((2, D)), 0.5, samples=8, factor=factor)
    calls = []
    q = problems.from_callable(lambda Y: calls.append(len(Y)) or p.evaluate(Y), D, p.bounds)
    with pytest.raises(error, match=match):
        smoothing.estimate(q, np.zeros((2, D)), 0.5, samples=8, factor=factor)
    assert not calls  # checked before anything is evaluated


def test_core_checks_the_factor_itself():
    """The C++ estimator checks its factor too (the Python checks are not the only ones)."""
    p = problems.get("sphere", 3)
    X = np.zeros((1, 3))
    s = np.array([0.5])
    args = (p._core, X, s, None, 8, True, 0.0, False, 0, 0, None, None)
    e = _core.smoothing_estimate(*args, np.array([[1.0, 0, 0], [2, 1, 0], [3, 4, 1]]), True, False)
    assert e[1].shape == (1, 3)
    with pytest.raises(ValueError, match=r"factor: expected a lower-triangular matrix .*at \[1, 2\]"):
        _core.smoothing_estimate(*args, np.array([[1.0, 0, 0], [2, 1, 5], [3, 4, 1]]), True, False)
    with pytest.raises(ValueError, match=r"factor: expected a diagonal > 0 .*at \[2\]"):
        _core.smoothing_estimate(*args, np.array([1.0, 1.0, -0.0]), True, False)
    with pytest.raises(ValueError, match=r"factor: expected shape \(3,\) or \(3, 3\)"):
        _core.smoothing_estimate(*args, np.ones((3, 2)), True, False)
    F = np.zeros((1, 8))
    with pytest.raises(ValueError, match=r"factor: expected finite values"):
        _core.smoothing_statistics(X, s, F, True, 0.0, False, 0, 0, None, None,
                                   np.array([1.0, np.nan, 1.0]), True, False)
