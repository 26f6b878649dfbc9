"""HSM (hierarchical score matching) and constraints: scoreopt.optimizers.HSM,
scoreopt.minimize(method="hsm", constraints=...), scoreopt.constraints."""

import numpy as np
import pytest

import scoreopt
from scoreopt import constraints as C
from scoreopt.optimizers import HSM
from scoreopt.optimizers.hsm import FlowScoreModel, _fitness_weights, level_schedule


def fractal(X):
    """1-D Weierstrass-type fractal with a tilt; global minimum f(0.37) = 0 on [-2, 2]."""
    x = X[:, 0] - 0.37
    k = np.arange(10)
    return np.sum(0.6 ** k * (1 - np.cos(2 * np.pi * 3.0 ** k * x[:, None])), axis=1) + 0.5 * x * x


def test_level_schedule_is_geometric_in_the_smoothing_width():
    t = level_schedule(5, 0.6, 0.01)
    s = t / (1 - t)
    assert t[0] == pytest.approx(0.6) and t[-1] == pytest.approx(0.01)
    np.testing.assert_allclose(s[1:] / s[:-1], np.full(4, (s[-1] / s[0]) ** 0.25), rtol=1e-12)


def test_fitness_weights_are_boltzmann_on_the_median_spread_and_reject_nonfinite():
    f = np.array([1.0, 2.0, 3.0, np.inf, np.nan])
    w = _fitness_weights(f, 0.5)
    lam = 0.5 * (2.0 - 1.0)  # median of the finite values minus their min
    ref = np.exp(-(np.array([1.0, 2.0, 3.0]) - 1.0) / lam)
    np.testing.assert_allclose(w[:3], ref / ref.sum(), rtol=1e-14)
    assert w[3] == 0 and w[4] == 0


def test_flow_model_learns_the_gaussian_posterior_mean():
    # data u0 ~ N(m, s^2 I), z = (1 - t) u0 + t eps: E[u0 | z] = m + (1-t) s^2 / ((1-t)^2 s^2 + t^2) (z - (1-t) m)
    rng = np.random.default_rng(0)
    m, s, t = np.array([0.4, -0.3]), 0.25, 0.3
    U = m + s * rng.standard_normal((4000, 2))
    model = FlowScoreModel(2, width=64, depth=2, seed=1, lr=3e-3)
    model.fit(U, np.full(len(U), 1 / len(U)), steps=600, batch=512, t_low=0.2, t_high=0.4)
    Q = m + rng.uniform(-0.3, 0.3, size=(50, 2))
    z = (1 - t) * Q
    exact = m + (1 - t) * s * s / ((1 - t) ** 2 * s * s + t * t) * (z - (1 - t) * m)
    got = model.denoise(Q, t)
    assert np.max(np.abs(got - exact)) < 0.05


@pytest.mark.parametrize("score", ["smoothing", "flow"])
def test_hsm_tracks_the_global_minimum_of_a_fractal_where_gradient_descent_does_not(score):
    from scipy.optimize import minimize as sp_min

    x0 = np.array([-1.3])
    gd = sp_min(lambda z: fractal(z[None])[0], x0, method="L-BFGS-B", bounds=[(-2, 2)])
    assert abs(gd.x[0] - 0.37) > 0.3  # the local method stays in a local minimum near its start
    prob = scoreopt.problems.from_callable(fractal, 1, (-2.0, 2.0))
    kw = dict(train_steps=40, width=64, batch_size=128) if score == "flow" else {}
    opt = HSM(1, (-2.0, 2.0), budget=20_000, seed=0, x0=x0, score=score, refine=False, restarts=False,
              levels=12, t_max=0.7, t_min=0.002, **kw)
    while not opt.stop:
        opt.step(prob)
    final = opt.trajectories[0][-1, 0, 0]
    assert abs(final - 0.37) < 1e-2
    assert opt.result.fun < 0.1 and opt.result.message == "converged"


def test_hsm_minimize_on_rastrigin_and_budget_accounting():
    p = scoreopt.problems.get("rastrigin", dim=5)
    r = scoreopt.minimize(p, method="hsm", budget=30_000, seed=3, score="smoothing")
    assert r.fun < 1e-8 and r.nfev <= 30_000 and r.success
    assert r.fun == pytest.approx(float(p(r.x[None])[0]), abs=0)
    # budget is a hard cap also when a level would overrun it
    r2 = scoreopt.minimize(p, method="hsm", budget=1_000, seed=3, score="flow", train_steps=5)
    assert r2.nfev <= 1_000 and r2.message == "budget exhausted"


def test_hsm_is_reproducible():
    p = scoreopt.problems.get("ackley", dim=3)
    a = scoreopt.minimize(p, method="hsm", budget=3_000, seed=7, train_steps=10, width=32)
    b = scoreopt.minimize(p, method="hsm", budget=3_000, seed=7, train_steps=10, width=32)
    assert a.fun == b.fun and np.array_equal(a.x, b.x) and a.history == b.history


def test_parallel_exploration_moves_every_point():
    prob = scoreopt.problems.from_callable(fractal, 1, (-2.0, 2.0))
    opt = HSM(1, (-2.0, 2.0), budget=50_000, seed=1, score="smoothing", points=4, refine=False,
              restarts=False)
    while not opt.stop:
        opt.step(prob)
    tr = opt.trajectories[0]
    assert tr.shape == (opt.levels + 1, 4, 1)
    assert np.all(np.abs(tr[-1, :, 0] - 0.37) < 0.05)


# -- constraints ---------------------------------------------------------------------------------

def _disk_problem():
    # minimize (x - 2)^2 + (y - 2)^2 inside the unit disk: optimum at (1, 1)/sqrt(2)
    f = lambda X: np.sum((X - 2.0) ** 2, axis=1)
    return scoreopt.problems.from_callable(f, 2, (-3.0, 3.0)), C.ball([0.0, 0.0], 1.0)


@pytest.mark.parametrize("mode", ["feasible", "penalty"])
@pytest.mark.parametrize("score", ["smoothing", "flow"])
def test_hsm_constrained_optimum_is_feasible(mode, score):
    prob, disk = _disk_problem()
    r = scoreopt.minimize(prob, method="hsm", budget=8_000, seed=0, constraints=[disk],
                          constraint_mode=mode, score=score, train_steps=20, width=32, batch_size=64)
    assert r.feasible and r.max_violation == 0.0
    assert np.linalg.norm(r.x) <= 1.0
    np.testing.assert_allclose(r.x, np.full(2, 2 ** -0.5), atol=1e-4)


def test_sampling_methods_with_constraints_return_feasible_points():
    prob, disk = _disk_problem()
    for method in ("dida", "mppi", "cem"):
        r = scoreopt.minimize(prob, method=method, budget=20_000, seed=0, constraints=disk)
        assert r.feasible and np.linalg.norm(r.x) <= 1.0
        assert r.fun == pytest.approx(float(prob(r.x[None])[0]))
        assert r.fun < (np.sqrt(8) - 1) ** 2 + 1e-2


def test_projection_makes_every_sample_feasible():
    seen = []
    f = lambda X: (seen.append(X.copy()), np.sum((X - 2.0) ** 2, axis=1))[1]
    prob = scoreopt.problems.from_callable(f, 2, (-3.0, 3.0))

    def project(X):  # radial projection onto the unit disk
        n = np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1.0)
        return X / n

    r = scoreopt.minimize(prob, method="hsm", budget=3_000, seed=0, score="smoothing",
                          constraints=C.ball([0, 0], 1.0), project=project, refine=False)
    allX = np.concatenate(seen)
    assert np.all(np.linalg.norm(allX, axis=1) <= 1.0 + 1e-12)
    assert r.feasible


def test_linear_constraint_and_jacobian():
    lin = C.linear([[1.0, 2.0], [-1.0, 0.0]], [1.0, 0.0])
    cs = C.as_constraints([lin, lambda X: X[:, 1] - 5.0], 2)
    X = np.array([[0.5, 0.1], [2.0, 0.0], [-1.0, 6.0]])
    v = cs.values(X)
    np.testing.assert_allclose(v[:, :2], X @ np.array([[1.0, 2.0], [-1.0, 0.0]]).T - [1.0, 0.0])
    np.testing.assert_array_equal(cs.feasible(X), [True, False, False])
    J = cs.jacobian(np.array([0.3, 0.2]))
    np.testing.assert_allclose(J, [[1, 2], [-1, 0], [0, 1]], atol=1e-6)


def test_constraint_errors_name_the_argument():
    prob, disk = _disk_problem()
    with pytest.raises(TypeError, match="constraints"):
        scoreopt.minimize(prob, method="hsm", budget=100, constraints=3)
    with pytest.raises(ValueError, match="constraint_mode"):
        scoreopt.minimize(prob, method="dida", budget=1000, constraints=disk, constraint_mode="soft")
    with pytest.raises(ValueError, match="constraints"):
        scoreopt.minimize(prob, method="dida", budget=1000, constraints=lambda X: np.zeros((len(X), 2, 2)))
    with pytest.raises(ValueError, match="project"):
        scoreopt.minimize(prob, method="dida", budget=1000, project=lambda X: X)
    with pytest.raises(ValueError, match="radius"):
        C.ball([0, 0], -1.0)
    with pytest.raises(ValueError, match="b"):
        C.linear(np.eye(2), [1.0])


def test_hsm_argument_errors():
    with pytest.raises(ValueError, match="score"):
        HSM(2, (-1, 1), score="learned")
    with pytest.raises(ValueError, match="sampling"):
        HSM(2, (-1, 1), sampling="nearby")
    with pytest.raises(ValueError, match="t_min"):
        HSM(2, (-1, 1), t_min=0.9, t_max=0.5)
    with pytest.raises(ValueError, match="t_max"):
        HSM(2, (-1, 1), t_max=1.5)
    with pytest.raises(ValueError, match="bounds"):
        HSM(2, None)
    with pytest.raises(ValueError, match="x0"):
        HSM(2, (-1, 1), x0=[0.0])
    opt = HSM(2, (-1, 1))
    with pytest.raises(ValueError, match="dim"):
        opt.step(scoreopt.problems.get("sphere", dim=3))


def test_benchmark_harness_drives_hsm_by_steps():
    # HSM has no ask/tell; the COCO/IOH harness gives it the observed function as a problem and
    # stops it at the budget or when on_batch says so
    from scoreopt import benchmarking

    calls = []

    def f(X):
        calls.append(len(X))
        return np.sum((X - 0.5) ** 2, axis=1)

    opt = benchmarking.make_optimizer("hsm", 3, (-5.0, 5.0), 2_000, 0)
    used = benchmarking.run_ask_tell(opt, f, 2_000)
    assert used == sum(calls) <= 2_000 and opt.result.fun < 1e-6
    opt = benchmarking.make_optimizer("hsm", 3, (-5.0, 5.0), 2_000, 0)
    used = benchmarking.run_ask_tell(opt, f, 2_000, on_batch=lambda n: n >= 300)
    assert 300 <= used <= 2_000 and used < 1_000
