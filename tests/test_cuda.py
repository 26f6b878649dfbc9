"""The CUDA backend (scoreopt/cuda.hpp, scoreopt._cuda_backend).

Two groups. The first runs everywhere: what the build reports, the errors of backend="cuda" and of
the C++ entry points on a machine without a device, and the input checks (CPU tensor, dtype,
contiguity) that come before any device work. The second needs a CUDA device and is skipped
without one: it compares every function's values and gradients, the smoothing estimator and the
integrator steps with the CPU core on the same inputs and noise.
"""

from __future__ import annotations

import numpy as np
import pytest

import scoreopt
from scoreopt import _core, integrators, problems, smoothing
from scoreopt.problem_types import BuiltinProblem

torch = pytest.importorskip("torch")

CUDA_BUILT = bool(scoreopt.backends()["cuda"])
DEVICES = int(scoreopt.backends()["cuda_devices"])
needs_device = pytest.mark.skipif(DEVICES == 0, reason="no CUDA device visible (scoreopt.backends()['cuda_devices'] == 0)")
no_device = pytest.mark.skipif(DEVICES > 0, reason="checks the behaviour without a CUDA device")


# ---- everywhere --------------------------------------------------------------------------------

def test_build_reports_cuda():
    info = scoreopt.build_info()
    if CUDA_BUILT:
        # CI and wheels compile the CUDA sources for Ampere and Hopper at least
        assert "cuda=on (" in info
        archs = info.split("cuda=on (")[1].split(")")[0].split(";")
        assert {"80", "90"} <= set(archs)
    else:
        assert "cuda=off" in info
        assert DEVICES == 0


@no_device
def test_cpp_entry_points_raise_without_device():
    want = "no usable CUDA device|no CUDA device|built without CUDA"
    with pytest.raises(RuntimeError, match=want):
        _core.cuda_require_device()
    p = problems.get("sphere", 4)._core
    # the device check comes first: no pointer is ever touched
    with pytest.raises(RuntimeError, match=want):
        _core.cuda_evaluate(p, 0, 1, 0, 0, 0, 0, True, 0)
    with pytest.raises(RuntimeError, match=want):
        _core.cuda_smoothing_estimate(p, 0, 1, 0, 1, 0, 0, 4, True, 0.0, False, 0, 0, None, None,
                                      None, 0, 0, 0, 0, 0, 0, 64, False, 0)
    with pytest.raises(RuntimeError, match=want):
        _core.cuda_integrator_euler(0, 0, 1, 4, 0.1, True, 0)
    with pytest.raises(RuntimeError, match=want):
        _core.cuda_integrator_ddpm(0, 0, 1, 4, 0.1, 0.5, 0.9, 0, 0, 0, False, 0)


@no_device
def test_backend_cuda_without_device_is_a_clear_error():
    p = problems.get("rastrigin", 3)
    X = np.zeros((2, 3))
    want = "without CUDA|no CUDA device is visible"
    with pytest.raises(ValueError, match=want):
        p.evaluate(X, backend="cuda")
    with pytest.raises(ValueError, match=want):
        smoothing.estimate(p, X, 0.5, samples=8, backend="cuda")
    with pytest.raises(ValueError, match=want):
        integrators.euler_step(X.copy(), X, 0.1, backend="cuda")
    with pytest.raises(ValueError, match=want):
        integrators.ddpm_step(X.copy(), X, 0.1, 0.5, 0.9, backend="cuda")


def test_integrators_have_no_triton_backend():
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match="no Triton kernels"):
        integrators.langevin_step(X, X, 0.1, backend="triton")


@pytest.mark.parametrize("call", ["evaluate", "estimate", "euler"])
def test_cuda_backend_rejects_bad_tensors(call):
    """The module's own checks, in the order type, dtype, contiguity, device: all of them can be
    exercised with CPU tensors."""
    from scoreopt import _cuda_backend as cb

    p = problems.get("sphere", 4)

    def run(X):
        if call == "evaluate":
            return cb.evaluate(p, X, None, False)
        if call == "estimate":
            return cb.smoothing_estimate(p, X, 0.5, samples=8)
        return cb.euler_step(X, X, 0.1)

    with pytest.raises(TypeError, match="X: the CUDA backend takes torch CUDA tensors, got ndarray|"
                                        "x: the CUDA backend takes torch CUDA tensors, got ndarray"):
        run(np.zeros((3, 4)))
    with pytest.raises(TypeError, match="expected a float32 or float64 tensor, got torch.float16"):
        run(torch.zeros(3, 4, dtype=torch.float16))
    with pytest.raises(TypeError, match="expected a float32 or float64 tensor, got torch.int64"):
        run(torch.zeros(3, 4, dtype=torch.int64))
    with pytest.raises(ValueError, match="must be contiguous"):
        run(torch.zeros(4, 3).T)
    with pytest.raises(ValueError, match="needs a CUDA tensor, got one on device 'cpu'"):
        run(torch.zeros(3, 4))


def test_cuda_backend_rejects_callable_problems():
    from scoreopt import _cuda_backend as cb

    p = problems.from_callable(lambda X: (X ** 2).sum(1), 2, (-1, 1))
    with pytest.raises(ValueError, match="built-in problems only"):
        cb.evaluate(p, torch.zeros(2, 2), None, False)


# ---- on a device -------------------------------------------------------------------------------

def _cuda(a, dtype):
    return torch.as_tensor(np.asarray(a), dtype=dtype, device="cuda")


def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == torch.float32 else dict(rtol=1e-11, atol=1e-11)


def _cec2017_problem(function: int, dim: int, seed: int) -> BuiltinProblem:
    """A cec2017 problem with synthetic (valid) instance data in the official layout, so the
    comparison needs no data files: shifts, orthogonal rotations, 1-based shuffles."""
    from scoreopt.suites import cec2017 as suite

    rng = np.random.default_rng(seed)
    K = suite._components(function)
    O = rng.uniform(-80, 80, (K, dim))
    M = np.stack([np.linalg.qr(rng.normal(size=(dim, dim)))[0] for _ in range(K)])
    parts = [O.ravel(), M.ravel()]
    if suite._shuffled(function):
        parts.append(np.stack([rng.permutation(dim) + 1 for _ in range(K)]).astype(np.float64).ravel())
    values = np.concatenate(parts)
    data = np.concatenate([values, values - values.astype(np.float32).astype(np.float64)])
    core = _core.Problem(f"cec2017.f{function}", dim, {}).with_data(data)
    return BuiltinProblem(core, bounds=(-100.0, 100.0))


def _all_problems():
    out = []
    for info in _core.registry():
        name = info["name"]
        d = 6 if info["min_dim"] <= 6 else info["min_dim"]
        p = problems.get(name, d)
        out.append(pytest.param(p, id=name))
    for f in range(1, 25):
        out.append(pytest.param(problems.bbob(f, 1, 10), id=f"bbob.f{f}"))
    for f in [1] + list(range(3, 31)):
        out.append(pytest.param(_cec2017_problem(f, 10, f), id=f"cec2017.f{f}"))
    return out


def _points(p, n, dtype, seed=0):
    lo, hi = p.bounds
    rng = np.random.default_rng(seed)
    X = lo + (hi - lo) * rng.random((n, p.dim))
    return X.astype(np.float32 if dtype == torch.float32 else np.float64)


def _params(p, n, seed=1):
    if p.num_params == 0:
        return None
    lo, hi = p.param_bounds
    return np.random.default_rng(seed).uniform(lo, hi, (n, p.num_params))


@needs_device
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("p", _all_problems())
def test_evaluate_matches_cpu(p, dtype):
    from scoreopt import _cuda_backend as cb

    n = 300  # several blocks of 64 rows and a ragged last one
    X = _points(p, n, dtype)
    P = _params(p, n)
    Pc = None if P is None else P.astype(X.dtype)
    want_f = p.evaluate(X, Pc)
    f, g = cb.evaluate(p, _cuda(X, dtype), None if P is None else _cuda(P, dtype), p.has_gradient)
    assert f.device.type == "cuda" and f.dtype == dtype and f.shape == (n,)
    scale = max(1.0, float(np.abs(want_f).max()))
    np.testing.assert_allclose(f.cpu().numpy(), want_f, rtol=_tol(dtype)["rtol"], atol=_tol(dtype)["atol"] * scale)
    if p.has_gradient:
        want_g = p.gradient(X, Pc)
        gs = max(1.0, float(np.abs(want_g).max()))
        np.testing.assert_allclose(g.cpu().numpy(), want_g, rtol=_tol(dtype)["rtol"] * 10,
                                   atol=_tol(dtype)["atol"] * 10 * gs)


@needs_device
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_evaluate_affine_broadcast_params_and_single_point(dtype):
    rng = np.random.default_rng(3)
    d = 7
    p = problems.get("ackley", d).affine(matrix=rng.normal(size=(d, d)), shift=rng.normal(size=d),
                                         scale=0.7, bias=2.5)
    X = _points(p, 130, dtype)
    f, g = p.value_and_gradient(_cuda(X, dtype), backend="cuda")
    np.testing.assert_allclose(f.cpu().numpy(), p.evaluate(X), **_tol(dtype))
    np.testing.assert_allclose(g.cpu().numpy(), p.gradient(X), rtol=_tol(dtype)["rtol"] * 10,
                               atol=_tol(dtype)["atol"] * 10)
    q = problems.get("glens.qp", 4)
    P = _params(q, 1)[0]
    X = _points(q, 65, dtype)
    f = q.evaluate(_cuda(X, dtype), P, backend="cuda")  # (P,) broadcast to every row
    np.testing.assert_allclose(f.cpu().numpy(), q.evaluate(X, P.astype(X.dtype)), **_tol(dtype))
    levy = problems.get("levy", 5)
    x1 = np.array([0.1, -0.2, 0.3, 1.4, 0.5])
    f1, g1 = levy.value_and_gradient(_cuda(x1, dtype), backend="cuda")
    assert f1.shape == () and g1.shape == (5,)
    np.testing.assert_allclose(f1.item(), levy.evaluate(x1), rtol=_tol(dtype)["rtol"])


@needs_device
def test_evaluate_long_rows_unstaged_path():
    """Rows too long for shared memory (float64 with gradient, d = 1500) take the global-memory
    path of the row kernel."""
    p = problems.get("rosenbrock", 1500)
    X = _points(p, 70, torch.float64) * 0.01
    f, g = p.value_and_gradient(_cuda(X, torch.float64), backend="cuda")
    np.testing.assert_allclose(f.cpu().numpy(), p.evaluate(X), rtol=1e-11)
    np.testing.assert_allclose(g.cpu().numpy(), p.gradient(X), rtol=1e-10, atol=1e-10)


@needs_device
def test_evaluate_reports_nonfinite_rows_and_params():
    p = problems.get("sphere", 3)
    X = torch.zeros(100, 3, device="cuda", dtype=torch.float64)
    X[41, 1] = float("nan")
    X[77, 0] = float("inf")
    with pytest.raises(ValueError, match=r"X: contains NaN or Inf \(first at row 41\)"):
        p.evaluate(X, backend="cuda")
    q = problems.get("glens.qp", 3)
    P = torch.ones(100, q.num_params, device="cuda", dtype=torch.float64)
    P[5, 0] = float("nan")
    with pytest.raises(ValueError, match=r"params: contains NaN or Inf \(row 5\)"):
        q.evaluate(torch.zeros(100, 3, device="cuda", dtype=torch.float64), P, backend="cuda")
    with pytest.raises(ValueError, match="has no analytic gradient"):
        problems.bbob(3, 1, 4).gradient(torch.zeros(2, 4, device="cuda"), backend="cuda")


@needs_device
def test_evaluate_runs_on_torch_current_stream():
    p = problems.get("rastrigin", 16)
    X = _points(p, 5000, torch.float32)
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        Xc = _cuda(X, torch.float32)  # produced on s: the kernel must be ordered after it
        f = p.evaluate(Xc, backend="cuda")
    s.synchronize()
    np.testing.assert_allclose(f.cpu().numpy(), p.evaluate(X), rtol=2e-5, atol=2e-5)


def _estimates_close(got, want, dtype, f32_tol=1e-4):
    tol = dict(rtol=f32_tol, atol=f32_tol) if dtype == torch.float32 else dict(rtol=1e-9, atol=1e-9)
    for field in ("value", "gradient", "weighted_mean", "best_x", "best_f", "nonfinite"):
        a, b = getattr(got, field), getattr(want, field)
        if b is None:
            assert a is None, field
            continue
        assert a.device.type == "cuda", field
        np.testing.assert_allclose(a.cpu().numpy(), np.asarray(b), err_msg=field, **tol)


@needs_device
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("antithetic", [True, False], ids=["antithetic", "plain"])
@pytest.mark.parametrize("relative", [False, True], ids=["abs", "rel"])
def test_estimator_matches_cpu(dtype, antithetic, relative):
    p = problems.get("rastrigin", 9)
    X = _points(p, 5, dtype, seed=4) * 0.5
    sigma = np.array([0.3, 0.5, 1.0, 0.2, 0.7], X.dtype)
    kw = dict(samples=1000, temperature=0.5, antithetic=antithetic, seed=11, center_offset=3,
              relative_temperature=relative)
    want = smoothing.estimate(p, X, sigma, **kw)
    got = smoothing.estimate(p, _cuda(X, dtype), _cuda(sigma, dtype), backend="cuda", chunk_size=96, **kw)
    _estimates_close(got, want, dtype)


@needs_device
def test_estimator_bounds_params_affine_and_nonfinite():
    rng = np.random.default_rng(5)
    q = problems.get("glens.rosenbrock", 6)
    X = _points(q, 3, torch.float64) * 0.3
    P = _params(q, 3)
    kw = dict(samples=256, temperature=1.0, seed=2, bounds=(-0.5, 0.8))
    want = smoothing.estimate(q, X, 0.4, params=P, **kw)
    got = smoothing.estimate(q, _cuda(X, torch.float64), 0.4, params=_cuda(P, torch.float64), backend="cuda", **kw)
    _estimates_close(got, want, torch.float64)
    a = problems.get("griewank", 6).affine(matrix=rng.normal(size=(6, 6)), shift=rng.normal(size=6))
    want = smoothing.estimate(a, X, 0.4, samples=64, gradient=False)
    got = smoothing.estimate(a, _cuda(X, torch.float64), 0.4, samples=64, gradient=False, backend="cuda")
    _estimates_close(got, want, torch.float64)
    # far outside its float range rosenbrock overflows: non-finite values are counted, not used
    r = problems.get("rosenbrock", 4)
    Xf = np.full((2, 4), 1e18, np.float32)
    want = smoothing.estimate(r, Xf, 1.0, samples=16, temperature=1.0)
    got = smoothing.estimate(r, _cuda(Xf, torch.float32), 1.0, samples=16, temperature=1.0, backend="cuda")
    assert int(got.nonfinite.sum()) == int(np.sum(want.nonfinite)) > 0
    _estimates_close(got, want, torch.float32)


def _factor(kind, d, seed=6):
    rng = np.random.default_rng(seed)
    if kind == "diagonal":
        return rng.uniform(0.2, 2.5, d)
    return np.tril(rng.normal(size=(d, d)), -1) * 0.3 + np.diag(rng.uniform(0.3, 2.0, d))


@needs_device
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kind", ["full", "diagonal"])
@pytest.mark.parametrize("antithetic,relative,bounded", [(True, False, False), (False, True, True)],
                         ids=["antithetic", "plain-rel-bounded"])
def test_estimator_with_factor_matches_cpu(dtype, kind, antithetic, relative, bounded):
    """The shaped kernel (samples x + sigma A eps): the row kernel shapes the staged noise, the
    weighted mean takes whole samples, the gradient gets A^{-T} at the end; as on the CPU."""
    p = problems.get("rastrigin", 9)
    X = _points(p, 5, dtype, seed=4) * 0.5
    sigma = np.array([0.3, 0.5, 1.0, 0.2, 0.7], X.dtype)
    kw = dict(samples=1000, temperature=0.5, antithetic=antithetic, seed=11, center_offset=3,
              relative_temperature=relative, factor=_factor(kind, 9),
              bounds=(-2.0, 2.5) if bounded else None)
    want = smoothing.estimate(p, X, sigma, **kw)
    got = smoothing.estimate(p, _cuda(X, dtype), _cuda(sigma, dtype), backend="cuda", chunk_size=96, **kw)
    # float32: A^{-T} scales the values' rounding differences by up to 1 / min(diag A)
    _estimates_close(got, want, dtype, f32_tol=5e-4)


@needs_device
def test_estimator_with_factor_identity_long_rows_and_errors():
    p = problems.get("levy", 7)
    X = _points(p, 3, torch.float64, seed=2) * 0.5
    kw = dict(samples=256, temperature=1.0, seed=4, bounds=(-3.0, 3.0))
    plain = smoothing.estimate(p, _cuda(X, torch.float64), 0.4, backend="cuda", **kw)
    for A in (np.eye(7), np.ones(7), torch.eye(7, device="cuda")):  # a device tensor is read back
        shaped = smoothing.estimate(p, _cuda(X, torch.float64), 0.4, backend="cuda", factor=A, **kw)
        for field in ("value", "gradient", "weighted_mean", "best_x", "best_f", "nonfinite"):
            assert torch.equal(getattr(shaped, field), getattr(plain, field)), field
    # rows too long for shared memory (float64, d = 300): samples are shaped in the thread's
    # scratch row; the weighted mean's kernel holds one sample's noise in shared memory
    q = problems.get("ellipsoid", 300)
    Xq = _points(q, 2, torch.float64, seed=3) * 0.1
    A = _factor("full", 300)
    want = smoothing.estimate(q, Xq, 0.05, samples=64, temperature=1.0, factor=A)
    got = smoothing.estimate(q, _cuda(Xq, torch.float64), 0.05, samples=64, temperature=1.0, factor=A,
                             backend="cuda")
    _estimates_close(got, want, torch.float64)
    Xc = torch.zeros(2, 7, device="cuda")
    with pytest.raises(ValueError, match=r"factor: expected a lower-triangular matrix .*at \[0, 1\]"):
        smoothing.estimate(p, Xc, 0.5, samples=8, backend="cuda", factor=np.triu(np.ones((7, 7))))
    with pytest.raises(ValueError, match=r"factor: expected shape \(7,\) .*or \(7, 7\)"):
        smoothing.estimate(p, Xc, 0.5, samples=8, backend="cuda", factor=np.ones(6))
    with pytest.raises(ValueError, match=r"factor: expected a diagonal > 0"):
        smoothing.estimate(p, Xc, 0.5, samples=8, backend="cuda", factor=np.zeros(7))


@needs_device
def test_estimator_bad_inputs():
    p = problems.get("sphere", 3)
    X = torch.zeros(2, 3, device="cuda")
    with pytest.raises(ValueError, match="sigma: expected finite values > 0"):
        smoothing.estimate(p, X, torch.tensor([0.5, -1.0], device="cuda"), samples=8, backend="cuda")
    X[1, 2] = float("nan")
    with pytest.raises(ValueError, match=r"X: contains NaN or Inf \(row 1\)"):
        smoothing.estimate(p, X, 0.5, samples=8, backend="cuda")


@needs_device
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_integrator_steps_match_cpu(dtype):
    rng = np.random.default_rng(8)
    npdt = np.float32 if dtype == torch.float32 else np.float64
    B, D = 37, 11
    x0 = rng.normal(size=(B, D)).astype(npdt)
    u, w = rng.normal(size=(B, D)).astype(npdt), rng.normal(size=(B, D)).astype(npdt)
    steps = [
        (integrators.euler_step, (u, 0.1), {}),
        (integrators.heun_step, (u, w, -0.05), {}),
        (integrators.euler_maruyama_step, (u, -0.3, 1.2, -0.01), dict(seed=4, step=9, row_offset=5)),
        (integrators.langevin_step, (u, 0.02), dict(seed=1, step=2)),
        (integrators.ddpm_step, (u, 0.02, 0.5, 0.6), dict(seed=3, step=7, row_offset=100)),
        (integrators.ddpm_step, (u, 0.02, 0.5, 1.0), {}),  # last step: no noise
    ]
    for fn, args, kw in steps:
        want = fn(x0.copy(), *args, **kw)
        xc = _cuda(x0, dtype)
        out = fn(xc, *[_cuda(a, dtype) if isinstance(a, np.ndarray) else a for a in args], **kw)
        assert out is xc or out.data_ptr() == xc.data_ptr()  # in place
        np.testing.assert_allclose(xc.cpu().numpy(), want, err_msg=fn.__name__, **_tol(dtype))
