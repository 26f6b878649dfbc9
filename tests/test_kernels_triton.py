"""The Triton kernels of scoreopt.kernels under Triton's CPU interpreter (CI has no GPU), at
small sizes: each kernel against its plain-PyTorch reference and against the CPU core."""

import os

os.environ["TRITON_INTERPRET"] = "1"  # before triton is imported anywhere in this process

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("triton")

import scoreopt  # noqa: E402
from scoreopt import problems, smoothing  # noqa: E402
from scoreopt.kernels import evaluate as tev  # noqa: E402
from scoreopt.kernels import smoothing as tsm  # noqa: E402

DTYPES = [torch.float64, torch.float32]
# relative error bounds (|a - b| <= tol (1 + |b|)): values, gradients
TOL = {torch.float64: (1e-11, 1e-10), torch.float32: (5e-5, 3e-4)}


def _close(a, b, tol):
    a = torch.as_tensor(a).double()
    b = torch.as_tensor(b).double()
    assert a.shape == b.shape
    err = ((a - b).abs() / (1 + b.abs())).max().item()
    assert err <= tol, f"relative error {err:.3g} > {tol:.3g}"


def _problem(name, d):
    if name.startswith("bbob."):
        return problems.get(name, d, instance=3)
    return problems.get(name, d)


def _inputs(p, n, dt, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = p.bounds
    X = torch.tensor(rng.uniform(lo, hi, size=(n, p.dim)), dtype=dt)
    params = None
    if p.num_params:
        plo, phi = p.param_bounds
        params = torch.tensor(rng.uniform(plo, phi, size=(n, p.num_params)), dtype=dt)
    return X, params


def test_covered_names():
    cov = set(tev.covered())
    assert set(problems.names("classic")) <= cov
    assert set(problems.names("glens")) <= cov
    assert "bbob.f15" in cov


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", tev.covered())
def test_evaluate_against_reference_and_core(name, dt):
    d = 6
    p = _problem(name, d)
    X, params = _inputs(p, 37, dt)
    grad = p.has_gradient
    f, g = tev.evaluate_triton(p, X, params, grad)
    fr, gr = tev.evaluate_reference(p, X, params, grad)
    pn = None if params is None else params.numpy()
    tv, tg = TOL[dt]
    assert f.dtype == dt and f.shape == (37,)
    _close(f, fr, tv * (10 if name in ("weierstrass", "michalewicz") else 1))
    _close(f, p.evaluate(X.numpy(), pn), tv)
    if grad:
        assert g.shape == X.shape and g.dtype == dt
        _close(g, p.gradient(X.numpy(), pn), tg)
        if name not in ("weierstrass",):  # the reference's autograd through 21 cosines is looser
            _close(g, gr, tg * 10)


@pytest.mark.parametrize("name", ["sphere", "ackley", "levy", "griewank", "rastrigin", "michalewicz"])
def test_dimension_one_and_odd_tiles(name):
    for d in (1, 19):
        p = problems.get(name, d)
        X, _ = _inputs(p, 5, torch.float64, seed=d)
        f, g = tev.evaluate_triton(p, X, None, True)
        fc, gc = p.value_and_gradient(X.numpy())
        _close(f, fc, 1e-12)
        _close(g, gc, 1e-10)


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", ["rosenbrock", "griewank", "glens.himmelblau", "levy", "zakharov", "ellipsoid"])
def test_affine_wrapper(name, dt):
    rng = np.random.default_rng(4)
    for d in (6, 40):  # 40: the rotation runs in two 32-wide slices
        Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        p = problems.get(name, d, matrix=Q, shift=rng.normal(size=d), scale=0.7, bias=3.0)
        X = torch.tensor(rng.uniform(-2, 2, size=(21, d)), dtype=dt)
        params = torch.tensor([11.0, 7.0], dtype=dt) if p.num_params else None
        f, g = tev.evaluate_triton(p, X, None if params is None else params[None, :], True)
        pn = None if params is None else params.numpy()
        fc, gc = p.value_and_gradient(X.numpy(), pn)
        tv, tg = TOL[dt]
        _close(f, fc, tv)
        _close(g, gc, tg)
        fr, gr = tev.evaluate_reference(p, X, None if params is None else params[None, :], True)
        _close(f, fr, tv)
        _close(g, gr, tg * 10)
    # shift and scale without a matrix (the elementwise path)
    p = problems.get(name, 8, shift=np.arange(8.0) / 8, scale=1.3, bias=-1.0)
    X = torch.rand(9, 8, dtype=dt)
    params = torch.tensor([[3.0, 2.0]], dtype=dt) if p.num_params else None
    f, g = tev.evaluate_triton(p, X, params, True)
    fc, gc = p.value_and_gradient(X.numpy(), None if params is None else params.numpy())
    _close(f, fc, TOL[dt][0])
    _close(g, gc, TOL[dt][1])


def test_public_api_triton_backend():
    p = problems.get("rastrigin", 5)
    X = torch.rand(11, 5, dtype=torch.float64) * 4 - 2
    f = p.evaluate(X, backend="triton")
    assert isinstance(f, torch.Tensor) and f.device == X.device and f.dtype == X.dtype
    _close(f, p.evaluate(X.numpy()), 1e-12)
    f2, g2 = p.value_and_gradient(X, backend="triton")
    _close(g2, p.gradient(X.numpy()), 1e-10)
    _close(p.gradient(X, backend="triton"), g2, 0.0)
    _close(p(X, backend="triton"), f, 0.0)
    # one point -> a 0-d tensor and a (D,) gradient
    v, g = p.value_and_gradient(X[3], backend="triton")
    assert v.shape == () and g.shape == (5,)
    _close(v, f[3], 0.0)
    # half precision becomes float32, as on the CPU path
    fh = p.evaluate(X.half(), backend="triton")
    assert fh.dtype == torch.float32
    # GLENS: default params, broadcast params, per-row params as a tensor
    q = problems.glens("himmelblau", 6, params=[11.0, 7.0])
    Y = torch.rand(8, 6, dtype=torch.float64)
    _close(q.evaluate(Y, backend="triton"), q.evaluate(Y.numpy()), 1e-12)
    P = torch.rand(8, 2, dtype=torch.float64) * 10 + 1
    _close(q.evaluate(Y, P, backend="triton"), q.evaluate(Y.numpy(), P.numpy()), 1e-12)
    # bbob.f15 through the registry name and problems.bbob
    b = problems.bbob(15, instance=2, dim=10)
    Z = torch.rand(7, 10, dtype=torch.float32) * 10 - 5
    _close(b.evaluate(Z, backend="triton"), b.evaluate(Z.numpy()), 1e-6)


def test_triton_errors():
    p = problems.get("rastrigin", 5)
    with pytest.raises(ValueError, match=r"X: contains NaN or Inf \(first at row 2\)"):
        X = torch.zeros(4, 5)
        X[2, 1] = float("nan")
        p.evaluate(X, backend="triton")
    with pytest.raises(ValueError, match="X: expected 5 columns"):
        p.evaluate(torch.zeros(3, 4), backend="triton")
    with pytest.raises(ValueError, match="X: empty batch"):
        p.evaluate(torch.zeros(0, 5), backend="triton")
    with pytest.raises(ValueError, match="params: rastrigin takes no parameters"):
        p.evaluate(torch.zeros(3, 5), params=[1.0], backend="triton")
    q = problems.glens("qp", 4)
    with pytest.raises(ValueError, match="params: glens.qp needs 1 parameter"):
        q.evaluate(torch.zeros(3, 4), backend="triton")
    with pytest.raises(ValueError, match="gradient: bbob.f15 has no analytic gradient"):
        problems.bbob(15, 1, 4).gradient(torch.zeros(3, 4), backend="triton")
    with pytest.raises(ValueError, match=r"bbob.f3 has no Triton kernel; covered are: sphere, .*bbob.f15"):
        problems.bbob(3, 1, 4).evaluate(torch.zeros(3, 4), backend="triton")
    with pytest.raises(ValueError, match="no Triton kernel"):
        smoothing.estimate(problems.bbob(15, 1, 4), torch.zeros(2, 4), 0.1, samples=8, backend="triton")
    with pytest.raises(ValueError, match="dim <= 256 for rotated problems"):
        r = problems.get("sphere", 260, matrix=np.eye(260))
        r.evaluate(torch.zeros(2, 260), backend="triton")
    with pytest.raises(ValueError, match="X: must be a torch tensor|X must be a torch tensor"):
        p.evaluate(np.zeros((2, 5)), backend="triton")


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
def test_noise_matches_core(dt):
    npdt = np.float64 if dt == torch.float64 else np.float32
    tol = 1e-14 if dt == torch.float64 else 2e-6
    for d in (1, 5, 8, 13):
        for anti in (True, False):
            seed, center = 2 ** 33 + 7, 2 ** 32 + 3
            a = tsm.noise_triton(seed, center, 5, 9, d, antithetic=anti, dtype=dt, device="cpu")
            b = torch.as_tensor(smoothing.noise(seed, center, 5, 9, d, antithetic=anti, dtype=npdt))
            c = tsm.noise_reference(seed, center, 5, 9, d, antithetic=anti, dtype=dt)
            assert a.shape == (9, d) and a.dtype == dt
            _close(a, b, tol)
            _close(c, b, tol * 4)
    # the noise is standard normal (a check of the transform, not just of agreement)
    z = tsm.noise_triton(3, 0, 0, 512, 16, antithetic=False, dtype=torch.float64, device="cpu")
    assert abs(z.mean().item()) < 0.05 and abs(z.std().item() - 1) < 0.05


ESTIMATOR_CASES = [
    ("rastrigin", {}, dict(temperature=1.0)),
    ("rosenbrock", {}, dict(temperature=0.5, relative_temperature=True)),
    ("glens.himmelblau", dict(params=[11.0, 7.0]), dict(temperature=2.0, bounds=(-1.0, 1.0))),
    ("levy", {}, dict(antithetic=False, temperature=1.0)),
    ("sphere", {}, dict(antithetic=False, gradient=True)),
    ("ackley", dict(shift=[0.5] * 6, scale=2.0, bias=1.0), dict(temperature=0.3)),
]


def _assert_estimates_match(a, b, X, dt):
    """The Triton estimate a against the CPU core's b, field by field: the same fields present,
    torch tensors on X's device with b's shapes, within the dtype's tolerances."""
    tv, tg = TOL[dt]
    for field in ("value", "gradient", "weighted_mean", "best_x", "best_f", "nonfinite"):
        u, v = getattr(a, field), getattr(b, field)
        assert (u is None) == (v is None), field
        if u is None:
            continue
        assert isinstance(u, torch.Tensor) and u.device == X.device and u.shape == v.shape
        _close(u, v, tg if field == "gradient" else tv * 10)
    assert a.nonfinite.dtype == torch.int64


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("case", ESTIMATOR_CASES, ids=[c[0] for c in ESTIMATOR_CASES])
def test_estimator_matches_cpu_core(case, dt):
    name, pk, ek = case
    p = problems.get(name, 6, **pk)
    rng = np.random.default_rng(1)
    X = torch.tensor(rng.uniform(-2, 2, size=(3, 6)), dtype=dt)
    a = smoothing.estimate(p, X, [0.3, 0.2, 0.5], samples=64, seed=5, center_offset=2, backend="triton", **ek)
    b = smoothing.estimate(p, X.numpy(), np.array([0.3, 0.2, 0.5]), samples=64, seed=5, center_offset=2, **ek)
    _assert_estimates_match(a, b, X, dt)


def test_estimator_rotated_and_reference():
    rng = np.random.default_rng(2)
    d = 40  # two 32-wide slices of the rotation
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    p = problems.get("rosenbrock", d, matrix=Q, shift=rng.normal(size=d) * 0.1)
    X = torch.tensor(rng.uniform(-1, 1, size=(2, d)), dtype=torch.float64)
    kw = dict(samples=32, temperature=1.5, seed=9)
    a = tsm.estimate_triton(p, X, 0.4, **kw)
    b = smoothing.estimate(p, X.numpy(), 0.4, **kw)
    r = tsm.estimate_reference(p, X, 0.4, **kw)
    for u, v, w in zip(a, (b.value, b.gradient, b.weighted_mean, b.best_x, b.best_f, b.nonfinite), r):
        _close(u, v, 1e-10)
        _close(u, w, 1e-10)


def test_estimator_single_center_nonfinite_and_errors():
    p = problems.get("sphere", 6)
    x = torch.full((6,), 1e19, dtype=torch.float32)  # every sample overflows to inf in float32
    e = smoothing.estimate(p, x, 1.0, samples=16, temperature=1.0, backend="triton")
    c = smoothing.estimate(p, x.numpy(), 1.0, samples=16, temperature=1.0)
    assert e.value.shape == () and e.best_x.shape == (6,)
    assert int(e.nonfinite) == 16 == int(c.nonfinite)
    assert torch.isnan(e.value) and torch.isnan(e.best_f)
    assert torch.equal(e.best_x, x) and torch.equal(e.weighted_mean, x)
    assert torch.equal(e.gradient, torch.zeros(6))
    X = torch.zeros(2, 6)
    with pytest.raises(ValueError, match="samples: antithetic sampling needs an even count"):
        smoothing.estimate(p, X, 0.1, samples=7, backend="triton")
    with pytest.raises(ValueError, match="sigma: expected finite values > 0"):
        smoothing.estimate(p, X, -1.0, samples=8, backend="triton")
    with pytest.raises(ValueError, match=r"sigma: expected a scalar or shape \(2,\)"):
        smoothing.estimate(p, X, [0.1, 0.2, 0.3], samples=8, backend="triton")
    with pytest.raises(ValueError, match="temperature"):
        smoothing.estimate(p, X, 0.1, samples=8, temperature=0.0, backend="triton")
    f = problems.from_callable(lambda Y: (Y ** 2).sum(1), dim=6, bounds=(-1, 1))
    with pytest.raises(ValueError, match="callable problem .* runs in Python on the CPU only"):
        smoothing.estimate(f, X, 0.1, samples=8, backend="triton")


def _factor(kind, d, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "diagonal":
        return rng.uniform(0.3, 2.0, d)
    return np.tril(rng.normal(size=(d, d)), -1) * 0.4 + np.diag(rng.uniform(0.3, 2.0, d))


# (problem, factor kind, estimator options); the bounded cases clip some samples (asserted)
FACTOR_CASES = [
    ("rastrigin", {}, "full", dict(temperature=1.0, bounds=(-1.0, 0.9))),
    ("levy", {}, "diagonal", dict(antithetic=False, temperature=0.5, relative_temperature=True,
                                  bounds=(-1.2, 1.0))),
    ("rosenbrock", {}, "full", dict(antithetic=False, temperature=2.0)),
    ("glens.himmelblau", dict(params=[11.0, 7.0]), "diagonal", dict(temperature=0.7, relative_temperature=True)),
]


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("case", FACTOR_CASES, ids=[f"{c[0]}-{c[2]}" for c in FACTOR_CASES])
def test_estimator_with_factor_matches_cpu_core(case, dt):
    """factor=A on the Triton backend against the CPU core with the same A: the same samples
    x + sigma A eps (clipped into the box), the same A^{-T} on the gradient."""
    name, pk, kind, ek = case
    d, K = 6, 96
    p = problems.get(name, d, **pk)
    A = _factor(kind, d)
    rng = np.random.default_rng(1)
    X = torch.tensor(rng.uniform(-1, 1, size=(3, d)), dtype=dt)
    sigma = np.array([0.3, 0.2, 0.5])
    kw = dict(samples=K, seed=5, center_offset=2, factor=A, **ek)
    a = smoothing.estimate(p, X, sigma, backend="triton", **kw)
    b = smoothing.estimate(p, X.numpy(), sigma, **kw)
    _assert_estimates_match(a, b, X, dt)
    assert a.gradient.dtype == dt
    if "bounds" in ek:  # the box is active: some shaped samples leave it before clipping
        lo, hi = ek["bounds"]
        Am = np.diag(A) if A.ndim == 1 else A
        anti = ek.get("antithetic", True)
        Y = np.concatenate([X.double().numpy()[c] + sigma[c] * smoothing.noise(5, 2 + c, 0, K, d, antithetic=anti)
                            @ Am.T for c in range(3)])
        assert np.any(Y < lo) and np.any(Y > hi)
        assert bool(((a.best_x >= lo) & (a.best_x <= hi)).all())


def test_estimator_with_factor_rotated_and_reference():
    """A rotated problem redraws the samples slice by slice (shaped there too); against the CPU
    core and the plain-PyTorch reference."""
    rng = np.random.default_rng(2)
    d = 40  # two 32-wide slices of the rotation
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    p = problems.get("rosenbrock", d, matrix=Q, shift=rng.normal(size=d) * 0.1)
    X = torch.tensor(rng.uniform(-1, 1, size=(2, d)), dtype=torch.float64)
    for kind in ("full", "diagonal"):
        kw = dict(samples=16, temperature=1.5, seed=9, factor=_factor(kind, d, seed=3), bounds=(-1.5, 1.5))
        a = tsm.estimate_triton(p, X, 0.4, **kw)
        b = smoothing.estimate(p, X.numpy(), 0.4, **kw)
        r = tsm.estimate_reference(p, X, 0.4, **kw)
        for u, v, w in zip(a, (b.value, b.gradient, b.weighted_mean, b.best_x, b.best_f, b.nonfinite), r):
            _close(u, v, 1e-10)
            _close(u, w, 1e-10)


@pytest.mark.parametrize("dt", DTYPES, ids=["f64", "f32"])
def test_estimator_identity_factor_equals_no_factor(dt):
    p = problems.get("levy", 5)
    X = torch.tensor(np.random.default_rng(3).uniform(-2, 2, (2, 5)), dtype=dt)
    for anti in (True, False):
        kw = dict(samples=32, temperature=0.5, relative_temperature=True, antithetic=anti, seed=11,
                  bounds=(-2.5, 2.2), backend="triton")
        plain = smoothing.estimate(p, X, 0.4, **kw)
        for A in (np.eye(5), np.ones(5), torch.eye(5, dtype=torch.float32)):
            shaped = smoothing.estimate(p, X, 0.4, factor=A, **kw)
            for field in ("value", "gradient", "weighted_mean", "best_x", "best_f", "nonfinite"):
                assert torch.equal(getattr(shaped, field), getattr(plain, field)), field


@pytest.mark.parametrize("factor,error,match", [
    (np.eye(4), ValueError, r"factor: expected shape \(5,\).*or \(5, 5\).*got \(4, 4\)"),
    (torch.ones(5, 4), ValueError, r"factor: expected shape .*got \(5, 4\)"),
    (np.triu(np.ones((5, 5))), ValueError, r"factor: expected a lower-triangular matrix .*at \[0, 1\]"),
    (torch.tensor([1.0, -1, 1, 1, 1]), ValueError, r"factor: expected a diagonal > 0 .*got -1 at \[1\]"),
    (np.array([1.0, np.nan, 1, 1, 1]), ValueError, r"factor: expected finite values, got nan at \[1\]"),
    (np.eye(5) * (1 + 1j), TypeError, r"factor: expected a real numeric array, got dtype complex128"),
    ("eye", TypeError, r"factor: expected a numeric array, got str"),
])
def test_estimator_bad_factor(factor, error, match):
    """The Triton backend checks factor with smoothing.check_factor, as the CPU and CUDA ones do."""
    p = problems.get("sphere", 5)
    with pytest.raises(error, match=match):
        smoothing.estimate(p, torch.zeros(2, 5), 0.5, samples=8, factor=factor, backend="triton")
    with pytest.raises(error, match=match):
        tsm.estimate_triton(p, torch.zeros(2, 5), 0.5, samples=8, factor=factor)


def test_estimator_allocates_no_samples():
    """The fused estimator never materializes the M x K x D samples: every torch allocation it
    makes is O(lanes x M x D), here far below one sample batch."""
    from torch.profiler import ProfilerActivity, profile

    p = problems.get("rastrigin", 8)
    M, K, D = 2, 2048, 8
    X = torch.rand(M, D)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        e = tsm.estimate_triton(p, X, 0.3, samples=K, temperature=1.0)
    sizes = [ev.cpu_memory_usage for ev in prof.events() if ev.cpu_memory_usage > 0]
    samples_bytes = M * K * D * 4
    assert sizes, "the profiler saw no allocation at all"
    assert max(sizes) <= samples_bytes / 32, (max(sizes), samples_bytes)
    assert sum(sizes) <= samples_bytes / 4, (sum(sizes), samples_bytes)
    # and the estimate is still the core's
    c = smoothing.estimate(p, X.numpy(), 0.3, samples=K, temperature=1.0)
    _close(e[0], c.value, 1e-5)
    _close(e[1], c.gradient, 1e-3)


@pytest.mark.parametrize("ek", [dict(temperature=0.7, relative_temperature=True),
                                dict(antithetic=False, temperature=2.0, relative_temperature=True),
                                dict(antithetic=False, temperature=0.5)],
                         ids=["pairs-relative", "single-relative", "single-absolute"])
def test_estimator_statistics_match_the_core_statistics(ek):
    """The Triton kernel's own statistics against the core's (smoothing_statistics.hpp, through
    _core.smoothing_statistics) on the same f values; the last center lies outside the box, so all
    its samples clip to one corner: a flat batch, whose weights must be uniform."""
    p = problems.get("rastrigin", 5)
    rng = np.random.default_rng(4)
    X = rng.uniform(-0.8, 0.8, size=(3, 5))
    X[2] = 5.0
    sigma = np.array([0.3, 0.2, 0.4])
    K, seed, offset = 32, 5, 2
    anti = ek.get("antithetic", True)
    F = np.empty((3, K))
    for c in range(3):
        Y = np.clip(X[c] + sigma[c] * smoothing.noise(seed, offset + c, 0, K, 5, antithetic=anti), -1.0, 1.0)
        F[c] = p.evaluate(Y)
    core = scoreopt._core.smoothing_statistics(
        X, sigma, F, anti, ek["temperature"], ek.get("relative_temperature", False), seed, offset,
        [-1.0] * 5, [1.0] * 5, None, True, True)
    tri = tsm.estimate_triton(p, torch.tensor(X), sigma, samples=K, seed=seed, center_offset=offset,
                              bounds=(-1.0, 1.0), **ek)
    for u, v in zip(tri, core):
        _close(u, v, 1e-10)
    # the flat batch: uniform weights average identical samples, pairs cancel in the gradient
    assert np.array_equal(core[2][2], np.ones(5)) and torch.equal(tri[2][2], torch.ones(5, dtype=torch.float64))
    assert np.array_equal(core[1][2], np.zeros(5))
    assert core[0][2] == F[2, 0] == p.evaluate(np.ones((1, 5)))[0]
