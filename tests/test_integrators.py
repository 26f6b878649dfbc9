"""Score-field integrators against closed forms. With Gaussian data x0 ~ N(m, s0^2 I) the marginal
of x_t = alpha x0 + sigma eps is N(alpha m, (alpha^2 s0^2 + sigma^2) I), so its score, noise
prediction and probability-flow velocity are exact, and so is the flow map between times."""

import math

import numpy as np
import pytest

import scoreopt
from scoreopt import integrators as it
from scoreopt import smoothing

M, S0 = 2.0, 0.5  # data distribution N(M, S0^2)


def marginal(path, t):
    a, s, da, ds = it.schedule(path, t)
    std = math.sqrt(a * a * S0 * S0 + s * s)
    dstd = (a * da * S0 * S0 + s * ds) / std
    return a, s, da, ds, std, dstd


def exact_score(x, path, t):
    a, s, _, _, std, _ = marginal(path, t)
    return -(x - a * M) / (std * std)


def exact_velocity(x, path, t):
    # the Gaussian flow: mean a M moves with da M, deviations scale with std
    a, _, da, _, std, dstd = marginal(path, t)
    return da * M + (x - a * M) * (dstd / std)


def exact_eps(x, path, t):
    a, s, _, _, std, _ = marginal(path, t)
    return s * (x - a * M) / (std * std)


# ---- schedules ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["linear", "vp", "cosine"])
def test_schedule_derivatives_and_boundaries(path):
    for t in (0.05, 0.3, 0.7, 0.95):
        a, s, da, ds = it.schedule(path, t)
        h = 1e-6
        ap, sp, _, _ = it.schedule(path, t + h)
        am, sm, _, _ = it.schedule(path, t - h)
        assert da == pytest.approx((ap - am) / (2 * h), rel=1e-6, abs=1e-8)
        assert ds == pytest.approx((sp - sm) / (2 * h), rel=1e-6, abs=1e-8)
        if path != "linear":
            assert a * a + s * s == pytest.approx(1.0, abs=1e-12)  # variance preserving
    a0, s0, _, _ = it.schedule(path, 0.0)
    assert a0 == pytest.approx(1.0) and s0 == pytest.approx(0.0, abs=1e-12)
    a1, s1, _, _ = it.schedule(path, 1.0)
    assert a1 < 1e-2 and s1 == pytest.approx(1.0, abs=1e-4)


def test_schedule_closed_forms():
    t = 0.4
    integral = 0.1 * t + 0.5 * (20 - 0.1) * t * t
    a, s, da, ds = it.schedule("vp", t)
    assert a == pytest.approx(math.exp(-0.5 * integral), rel=1e-14)
    assert s == pytest.approx(math.sqrt(1 - math.exp(-integral)), rel=1e-14)
    f, g = it.sde_coefficients("vp", t)
    beta = 0.1 + t * (20 - 0.1)
    assert f == pytest.approx(-0.5 * beta, rel=1e-12) and g * g == pytest.approx(beta, rel=1e-12)
    sc = 0.008
    ab = math.cos((t + sc) / (1 + sc) * math.pi / 2) ** 2 / math.cos(sc / (1 + sc) * math.pi / 2) ** 2
    a, s, _, _ = it.schedule("cosine", t)
    assert a * a == pytest.approx(ab, rel=1e-13)
    assert it.schedule("linear", t) == (1 - t, t, -1.0, 1.0)


# ---- conversions --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["linear", "vp", "cosine"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conversions_match_exact_fields_and_round_trip(path, dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 7)).astype(dtype)
    rtol = 1e-12 if dtype == np.float64 else 1e-4
    for t in (0.1, 0.5, 0.9):
        sch = it.schedule(path, t)
        score = exact_score(x.astype(np.float64), path, t).astype(dtype)
        vel = it.score_to_velocity(score, x, sch)
        np.testing.assert_allclose(vel, exact_velocity(x.astype(np.float64), path, t), rtol=rtol * 10, atol=rtol * 10)
        np.testing.assert_allclose(it.velocity_to_score(vel, x, sch), score, rtol=rtol * 10, atol=rtol * 10)
        eps = it.score_to_eps(score, x, sch)
        np.testing.assert_allclose(eps, exact_eps(x.astype(np.float64), path, t), rtol=rtol, atol=rtol)
        np.testing.assert_allclose(it.eps_to_score(eps, x, sch), score, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(it.eps_to_velocity(eps, x, sch), vel, rtol=rtol * 10, atol=rtol * 10)
        np.testing.assert_allclose(it.velocity_to_eps(vel, x, sch), eps, rtol=rtol * 10, atol=rtol * 10)
        x0 = it.convert("eps", "x0", x, eps, sch)
        a, s, da, ds = sch
        np.testing.assert_allclose(x0, (x - s * eps) / a, rtol=rtol * 10, atol=rtol * 10)
        np.testing.assert_allclose(it.convert("x0", "velocity", x, x0, sch), da * x0 + ds * eps,
                                   rtol=rtol * 100, atol=rtol * 100)
        assert vel.dtype == dtype


def test_convert_in_place_and_singular():
    x = np.ones((3, 4))
    e = np.full((3, 4), 0.5)
    sch = it.schedule("vp", 0.5)
    out = it.convert("eps", "score", x, e, sch, out=e)
    assert out is e
    np.testing.assert_allclose(e, -0.5 / sch[1])
    with pytest.raises(ValueError, match="t: the conversion is singular"):
        it.convert("eps", "score", x, e, it.schedule("linear", 0.0))


def test_paths_and_fields_are_the_cores_bound_enums():
    from scoreopt import _core

    # the strings users pass are exactly the enum members' names, and map onto those members
    assert set(it.PATHS) == {"linear", "vp", "cosine"}
    assert set(it.FIELDS) == {"velocity", "score", "eps", "x0"}
    assert all(isinstance(v, _core.Path) and v.name == k for k, v in it.PATHS.items())
    assert all(isinstance(v, _core.Field) and v.name == k for k, v in it.FIELDS.items())
    assert it.schedule("cosine", 0.3) == _core.integrator_schedule(_core.Path.cosine, 0.3, 0.1, 20.0, 0.008)
    # a bare integer code is no longer accepted, and an enum built from an unknown integer is
    # refused by the binding
    with pytest.raises(TypeError):
        _core.integrator_schedule(2, 0.3, 0.1, 20.0, 0.008)
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="to: unknown field"):
        _core.integrator_convert(_core.Field.eps, _core.Field(7), 0.5, 0.5, 0.0, 0.0, x, x.copy(), x.copy())
    with pytest.raises(ValueError, match="path: unknown path"):
        _core.integrator_schedule(_core.Path(5), 0.3, 0.1, 20.0, 0.008)


# ---- ODE: Heun (second order) and Euler (first order) -------------------------------------------

def integrate_ode(x, path, t0, t1, n, method):
    dt = (t1 - t0) / n
    for k in range(n):
        t = t0 + (t1 - t0) * k / n
        v1 = exact_velocity(x, path, t)
        if method == "heun":
            xp = it.euler_step(x.copy(), v1, dt)
            v2 = exact_velocity(xp, path, t0 + (t1 - t0) * (k + 1) / n)
            it.heun_step(x, v1, v2, dt)
        else:
            it.euler_step(x, v1, dt)
    return x


@pytest.mark.parametrize("path,t_end", [("linear", 0.0), ("vp", 1e-3), ("cosine", 1e-3)])
def test_probability_flow_heun_transports_noise_to_data(path, t_end):
    rng = np.random.default_rng(1)
    _, _, _, _, std1, _ = marginal(path, 1.0)
    a1 = it.schedule(path, 1.0)[0]
    x = (a1 * M + std1 * rng.normal(size=(20_000, 5)))
    integrate_ode(x, path, 1.0, t_end, 200, "heun")
    a, _, _, _, std, _ = marginal(path, t_end)
    n = x.size
    assert abs(x.mean() - a * M) < 5 * std / math.sqrt(n)
    assert abs(x.std() / std - 1) < 5 / math.sqrt(2 * n) + 1e-3


@pytest.mark.parametrize("method,order", [("heun", 2), ("euler", 1)])
def test_convergence_order(method, order):
    path = "linear"
    rng = np.random.default_rng(2)
    std1 = marginal(path, 1.0)[4]
    x1 = std1 * rng.normal(size=(100, 3))
    exact = M + x1 * (S0 / std1)  # the flow map 1 -> 0 of a Gaussian is affine
    errs = [np.abs(integrate_ode(x1.copy(), path, 1.0, 0.0, n, method) - exact).max() for n in (20, 40, 80)]
    for e0, e1 in zip(errs, errs[1:]):
        assert e0 / e1 == pytest.approx(2 ** order, rel=0.15)


# ---- stochastic steps ---------------------------------------------------------------------------

def test_reverse_sde_euler_maruyama_reaches_data():
    path, n, t_end = "vp", 1000, 1e-3
    B, D = 20_000, 5
    a1, _, _, _, std1, _ = marginal(path, 1.0)
    x = a1 * M + std1 * np.random.default_rng(3).normal(size=(B, D))
    dt = (t_end - 1.0) / n
    for k in range(n):
        t = 1.0 + k * dt
        f, g = it.sde_coefficients(path, t)
        it.euler_maruyama_step(x, exact_score(x, path, t), f, g, dt, seed=7, step=k)
    a, _, _, _, std, _ = marginal(path, t_end)
    assert abs(x.mean() - a * M) < 0.01
    assert abs(x.std() / std - 1) < 0.02


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_langevin_converges_to_gaussian(dtype):
    # for score -(x - m)/s^2 the chain is AR(1) with stationary variance s^2 / (1 - eps / (2 s^2))
    m, s, eps = -1.0, 0.7, 0.01
    x = np.zeros((20_000, 5), dtype)
    for k in range(1500):
        it.langevin_step(x, (-(x - m) / (s * s)).astype(dtype), eps, seed=11, step=k)
    var = s * s / (1 - eps / (2 * s * s))
    assert abs(x.mean() - m) < 0.01
    assert abs(x.var() / var - 1) < 0.02


def test_ddpm_with_exact_eps_reaches_data():
    T = 1000
    betas = np.linspace(1e-4, 0.02, T)
    abar = np.cumprod(1 - betas)
    B, D = 20_000, 5
    a, s = math.sqrt(abar[-1]), math.sqrt(1 - abar[-1])
    x = a * M + math.sqrt(a * a * S0 * S0 + s * s) * np.random.default_rng(4).normal(size=(B, D))
    for i in range(T - 1, -1, -1):
        a, s = math.sqrt(abar[i]), math.sqrt(1 - abar[i])
        eps = s * (x - a * M) / (a * a * S0 * S0 + s * s)
        it.ddpm_step(x, eps, betas[i], abar[i], abar[i - 1] if i > 0 else 1.0, seed=5, step=i)
    assert abs(x.mean() - M) < 0.01
    assert abs(x.std() / S0 - 1) < 0.02


def test_noise_is_keyed_by_seed_step_row():
    B, D, eps = 64, 9, 0.02
    x = np.zeros((B, D))
    it.langevin_step(x, np.zeros((B, D)), eps, seed=3, step=17)
    z = smoothing.noise(3, 17, 0, B, D, antithetic=False)
    np.testing.assert_allclose(x, math.sqrt(2 * eps) * z, rtol=1e-14)
    # a later chunk of rows draws the same noise with row_offset
    y = np.zeros((10, D))
    it.langevin_step(y, np.zeros((10, D)), eps, seed=3, step=17, row_offset=20)
    np.testing.assert_array_equal(y, x[20:30])
    # same seed: same bits; another seed or step: different noise
    x2 = np.zeros((B, D))
    it.langevin_step(x2, np.zeros((B, D)), eps, seed=3, step=17)
    np.testing.assert_array_equal(x, x2)
    x3 = np.zeros((B, D))
    it.langevin_step(x3, np.zeros((B, D)), eps, seed=4, step=17)
    assert not np.array_equal(x, x3)


def test_results_do_not_depend_on_threads():
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(3000, 33))
    sc = rng.normal(size=x0.shape)
    out = []
    n0 = scoreopt.num_threads()
    try:
        for n in (1, max(2, n0)):
            scoreopt.set_num_threads(n)
            x = x0.copy()
            it.euler_maruyama_step(x, sc, -0.5, 1.3, -0.01, seed=2, step=5)
            it.ddpm_step(x, sc, 0.01, 0.5, 0.505, seed=2, step=6)
            it.heun_step(x, sc, sc, 0.1)
            out.append(x)
    finally:
        scoreopt.set_num_threads(0)
    np.testing.assert_array_equal(out[0], out[1])


def test_steps_match_numpy_and_are_in_place():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = rng.normal(size=(300, 17)).astype(dtype)
        v1 = rng.normal(size=x.shape).astype(dtype)
        v2 = rng.normal(size=x.shape).astype(dtype)
        ref = x + dtype(0.05) * (v1 + v2)
        out = it.heun_step(x, v1, v2, 0.1)
        assert out is x
        np.testing.assert_allclose(x, ref, rtol=1e-6 if dtype == np.float32 else 1e-14,
                                   atol=1e-6 if dtype == np.float32 else 1e-14)
        ref = x + dtype(0.1) * v1
        it.euler_step(x, v1, 0.1)
        np.testing.assert_allclose(x, ref, rtol=1e-6 if dtype == np.float32 else 1e-14,
                                   atol=1e-6 if dtype == np.float32 else 1e-14)
    # a single point (D,) works in place too
    p = np.zeros(4)
    it.euler_step(p, np.ones(4), 0.5)
    np.testing.assert_array_equal(p, 0.5)
    # DDPM last step (alpha_bar_prev = 1) is the posterior mean, noise-free
    x = rng.normal(size=(5, 3))
    e = rng.normal(size=(5, 3))
    ref = (x - 0.02 / math.sqrt(1 - 0.98) * e) / math.sqrt(1 - 0.02)
    it.ddpm_step(x, e, 0.02, 0.98, 1.0)
    np.testing.assert_allclose(x, ref, rtol=1e-13)


def test_bad_inputs_raise():
    x = np.zeros((4, 3))
    v = np.zeros((4, 3))
    with pytest.raises(ValueError, match="v: shape"):
        it.euler_step(x, np.zeros((4, 2)), 0.1)
    with pytest.raises(TypeError, match="v2: dtype"):
        it.heun_step(x, v, v.astype(np.float32), 0.1)
    with pytest.raises(ValueError, match="x: must be C-contiguous"):
        it.euler_step(np.zeros((3, 4)).T, v, 0.1)
    with pytest.raises(ValueError, match="v1: must be C-contiguous"):
        it.heun_step(x, np.zeros((3, 4)).T, v, 0.1)
    with pytest.raises(ValueError, match="dt: expected a finite value"):
        it.euler_step(x, v, float("nan"))
    with pytest.raises(ValueError, match="dt: expected a finite value"):
        it.heun_step(x, v, v, float("inf"))
    with pytest.raises(TypeError, match="x: expected float32 or float64"):
        it.euler_step(np.zeros((4, 3), np.int64), v, 0.1)
    with pytest.raises(TypeError, match="x: expected a NumPy array"):
        it.euler_step([[0.0]], [[1.0]], 0.1)
    ro = np.zeros((4, 3))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="x: must be writable"):
        it.euler_step(ro, v, 0.1)
    with pytest.raises(ValueError, match="step_size: expected a value >= 0"):
        it.langevin_step(x, v, -1.0)
    with pytest.raises(ValueError, match="g: expected a value >= 0"):
        it.euler_maruyama_step(x, v, 0.0, -1.0, 0.1)
    with pytest.raises(ValueError, match="seed: expected an integer >= 0"):
        it.langevin_step(x, v, 0.1, seed=-1)
    with pytest.raises(ValueError, match="beta: expected a value in"):
        it.ddpm_step(x, v, 1.5, 0.5, 0.6)
    with pytest.raises(ValueError, match="alpha_bar: expected a value in"):
        it.ddpm_step(x, v, 0.1, 1.0, 1.0)
    with pytest.raises(ValueError, match="path: expected one of"):
        it.schedule("ve", 0.5)
    with pytest.raises(ValueError, match=r"t: expected a value in \[0, 1\]"):
        it.schedule("vp", 1.5)
    with pytest.raises(ValueError, match="beta_min"):
        it.schedule("vp", 0.5, beta_min=-1.0)
    with pytest.raises(ValueError, match="to: expected one of"):
        it.convert("eps", "noise", x, v, it.schedule("vp", 0.5))
    with pytest.raises(ValueError, match="row_offset"):
        it.langevin_step(x, v, 0.1, row_offset=2 ** 32)
