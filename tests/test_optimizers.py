"""The sampling-based optimizers: ask/tell against the fused path, bounds, NaN handling,
reproducibility, minimize() and the `scoreopt run` command."""

import io
import json
import logging
import subprocess
import sys

import numpy as np
import pytest

import scoreopt
from scoreopt import problems
from scoreopt.optimizers import CDIDA, CEM, DIDA, ES, MBD, METHODS, MPPI, Marginal

ALL = [DIDA, CDIDA, MBD, MPPI, CEM, ES, Marginal]


@pytest.mark.parametrize("method,bounds,options", [
    ("dida", None, {}), ("dida", None, dict(schedule="adaptive")), ("dida", None, dict(restarts=3)),
    ("mppi", None, {}), ("mbd", None, {}), ("cem", None, {}), ("es", None, {}),
    ("cdida", None, {}), ("cdida", None, dict(restart_regime="ipop", weights="boltzmann")),
    ("cdida", None, dict(covariance="diagonal", schedule="cosine", restart_regime="equal", restarts=2)),
    ("dida", ([-5.12] * 4 + [-2.0] * 4, [5.12] * 4 + [3.0] * 4), {}),  # not a cube
    ("es", ([-5.12] * 4 + [-2.0] * 4, [5.12] * 4 + [3.0] * 4), {}),
    ("marginal", None, {}), ("marginal", None, dict(weights="boltzmann", schedule="cosine", restarts=2)),
    ("marginal", ([-5.12] * 4 + [-2.0] * 4, [5.12] * 4 + [3.0] * 4), {})])
def test_ask_tell_from_python_equals_minimize(method, bounds, options):
    """One engine: ask/tell driven from Python, step() and minimize() on a built-in problem give
    the same iterates, bit for bit (they once were two paths that disagreed on 21 of 50 runs)."""
    p = problems.get("rastrigin", 8)
    bounds = bounds or p.bounds
    means = []
    r = scoreopt.minimize(p, bounds=bounds, method=method, budget=6000, seed=5,
                          callback=lambda o: means.append(o.mean), **options)
    opt = METHODS[method](8, bounds, budget=6000, seed=5, **options)
    stepped = METHODS[method](8, bounds, budget=6000, seed=5, **options)
    k = 0
    while not opt.stop:
        X = opt.ask()
        opt.tell(X, p.evaluate(X))
        stepped.step(p)
        assert np.array_equal(opt.mean, means[k]) and np.array_equal(stepped.mean, means[k])
        assert opt.sigma == stepped.sigma
        k += 1
    q = opt.result
    assert k == r.nit == len(means) > 10
    assert r.fun == q.fun and np.array_equal(r.x, q.x) and r.history == q.history


def test_a_python_callable_and_the_builtin_problem_give_the_same_run():
    """bbob f16, instance 6, D = 20: through a Python callable and as a built-in problem these
    once took two paths and ended at 0.288 and 0.264; now they are the same run."""
    p = problems.bbob(16, 6, 20)
    a = scoreopt.minimize(p, method="dida", budget=20_000, seed=0)
    b = scoreopt.minimize(lambda X: p.evaluate(X), dim=20, bounds=p.bounds, method="dida", budget=20_000, seed=0)
    assert a.fun == b.fun and a.history == b.history and np.array_equal(a.x, b.x)


def _relative_weights(f, tau):
    lam = tau * f[np.isfinite(f)].std(ddof=1)
    fmin = np.nanmin(np.where(np.isfinite(f), f, np.nan))
    return np.where(np.isfinite(f), np.exp(-(np.where(np.isfinite(f), f, fmin) - fmin) / lam), 0.0)


def test_mppi_step_is_the_boltzmann_weighted_mean():
    """The weighted mean of a batch, NaN/Inf left out, as float64 NumPy computes it."""
    p = problems.get("rastrigin", 5)
    opt = MPPI(5, p.bounds, popsize=40, seed=1, temperature=0.7)
    X = opt.ask()
    f = p.evaluate(X)
    f[[3, 8]] = np.nan, np.inf
    opt.tell(X, f)
    w = _relative_weights(f, 0.7)
    np.testing.assert_allclose(opt.mean, (w[:, None] * X).sum(0) / w.sum(), rtol=1e-13, atol=1e-14)
    assert opt.nonfinite == 2 and opt.sigma == opt.options["sigma0"]


def test_dida_step_and_schedules_closed_form():
    """DIDA: the mean lands on the weighted mean; sigma follows sigma0^(1-p) sigma_end^p (or its
    cosine form) and the temperature tau0^(1-p) tau_end^p, p the fraction of the budget done."""
    p = problems.get("ackley", 6)
    for schedule in ("geometric", "cosine"):
        opt = DIDA(6, p.bounds, popsize=20, budget=20 * 50, seed=2, temperature=2.0, temperature_end=0.5,
                   sigma_end=1e-4, schedule=schedule)
        s0 = opt.sigma
        assert s0 == pytest.approx(0.3 * 32.768)
        for t in range(1, 6):
            X = opt.ask()
            f = p.evaluate(X)
            tau = opt.temperature
            opt.tell(X, f)
            w = _relative_weights(f, tau)
            np.testing.assert_allclose(opt.mean, (w[:, None] * X).sum(0) / w.sum(), rtol=1e-13, atol=1e-14)
            q = t / 50 if schedule == "geometric" else (1 - np.cos(np.pi * t / 50)) / 2
            assert opt.sigma == pytest.approx(s0 ** (1 - q) * 1e-4 ** q, rel=1e-13)
            assert opt.temperature == pytest.approx(2.0 ** (1 - t / 50) * 0.5 ** (t / 50), rel=1e-13)


def test_cem_refit_is_the_elite_mean_and_std():
    """CEM on a box that is not a cube: the elites' mean and the RMS of their per-coordinate
    std in noise units (each coordinate over its scale), blended by alpha."""
    lo, hi = np.array([-1.0, -4.0, 0.0, 2.0]), np.array([1.0, 4.0, 3.0, 2.5])
    f = problems.from_callable(lambda X: ((X - 0.3) ** 2 * [1, 2, 3, 4]).sum(1), 4, (lo, hi))
    opt = CEM(4, (lo, hi), popsize=30, elite_frac=0.2, alpha=0.6, seed=4)
    m0, s0 = opt.mean, opt.sigma
    X = opt.ask()
    v = f(X)
    v[[0, 5]] = np.nan  # never elites
    opt.tell(X, v)
    E = X[np.argsort(np.where(np.isfinite(v), v, np.inf), kind="stable")[:6]]
    scale = (hi - lo) / 2 / np.mean((hi - lo) / 2)
    refit = np.sqrt(np.mean(E.var(axis=0) / scale ** 2))
    np.testing.assert_allclose(opt.mean, 0.6 * E.mean(0) + 0.4 * m0, rtol=1e-13, atol=1e-15)
    assert opt.sigma == pytest.approx(0.6 * refit + 0.4 * s0, rel=1e-13)


def test_es_step_is_adam_on_the_stein_gradient():
    """ES: Adam (bias-corrected) on the antithetic Stein gradient of the batch, from the noise
    stream (seed, iteration); sigma anneals geometrically and the learning rate follows it."""
    from scoreopt import smoothing

    p = problems.get("rosenbrock", 3)
    opt = ES(3, (-2.0, 2.0), popsize=8, seed=2, budget=8 * 10)
    m, v = np.zeros(3), np.zeros(3)
    s0, lr0, s_end = opt.sigma, 0.5 * opt.sigma, 1e-6 * 2.0
    for t in range(3):
        mean, sigma = opt.mean, opt.sigma
        eps = smoothing.noise(2, t, 0, 8, 3)
        X = opt.ask()
        np.testing.assert_allclose(X, np.clip(mean + sigma * eps, -2, 2), rtol=1e-15, atol=1e-16)
        f = p.evaluate(X)
        opt.tell(X, f)
        g = ((f[0::2] - f[1::2]) / (2 * sigma))[:, None] * eps[0::2]
        g = g.mean(0)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        step = lr0 * sigma / s0 * (m / (1 - 0.9 ** (t + 1))) / (np.sqrt(v / (1 - 0.999 ** (t + 1))) + 1e-12)
        np.testing.assert_allclose(opt.mean, np.clip(mean - step, -2, 2), rtol=1e-13, atol=1e-15)
        q = (t + 1) / 10
        assert opt.sigma == pytest.approx(s0 ** (1 - q) * s_end ** q, rel=1e-13)


def test_mbd_sigma_table_is_the_ddpm_formula():
    """MBD samples at sigma_t = sqrt((1 - abar_t) / abar_t) times the half-width, betas linear in
    [beta_start, beta_end] over the budget's iterations, noisiest first."""
    T = 25
    opt = MBD(2, (-3.0, 3.0), popsize=4, budget=4 * T, beta_start=1e-3, beta_end=0.05)
    f = problems.get("sphere", 2)
    sigmas = [opt.sigma]
    while not opt.stop:
        X = opt.ask()
        opt.tell(X, f(X))
        sigmas.append(opt.sigma)
    abar = np.cumprod(1 - np.linspace(1e-3, 0.05, T))
    np.testing.assert_allclose(sigmas[:T], (np.sqrt((1 - abar) / abar) * 3.0)[::-1], rtol=1e-13)
    assert sigmas[T] == sigmas[T - 1]  # past the table: the last level


def test_restarts_start_a_new_cycle_from_a_uniform_point():
    p = problems.get("schwefel", 3)
    opt = DIDA(3, p.bounds, popsize=10, budget=10 * 12, seed=3, restarts=2)
    assert opt.cycle_length == 4
    starts = []
    while not opt.stop:
        X = opt.ask()
        opt.tell(X, p.evaluate(X))
        if opt.t % 4 == 0:
            starts.append((opt.mean, opt.sigma))
    assert len(starts) == 3  # after cycles 1 and 2, and the run's end (no restart after the last)
    s0 = opt.options["sigma0"]
    for mean, sigma in starts[:2]:
        assert sigma == s0 and np.all(mean >= p.bounds[0]) and np.all(mean <= p.bounds[1])
    assert starts[2][1] < s0 and not np.array_equal(starts[0][0], starts[1][0])


@pytest.mark.parametrize("method", ["dida", "cdida", "mppi", "mbd", "cem", "es", "marginal"])
def test_pickled_optimizer_resumes_bit_for_bit(method):
    import pickle

    p = problems.get("levy", 5)
    a = METHODS[method](5, p.bounds, budget=3000, seed=9, **({"restarts": 2} if method == "dida" else {}))
    for _ in range(7):
        a.step(p)
    X = a.ask()
    state = pickle.dumps(a)  # between ask and tell: the asked population comes back with it
    b = pickle.loads(state)
    for o in (a, b):
        o.tell(X, p.evaluate(X))
        while not o.stop:
            o.step(p)
    ra, rb = a.result, b.result
    assert ra.fun == rb.fun and np.array_equal(ra.x, rb.x) and ra.history == rb.history and ra.nfev == rb.nfev
    assert np.array_equal(a.mean, b.mean) and a.sigma == b.sigma
    c = METHODS[method](5, p.bounds, budget=3000, seed=9)
    c.load_state(a.save_state())
    assert c.result.history == ra.history
    with pytest.raises(ValueError, match="state: written by a"):
        METHODS["mppi" if method != "mppi" else "es"](5, p.bounds).load_state(a.save_state())
    with pytest.raises(ValueError, match="state: not a scoreopt sampling optimizer state"):
        c.load_state(b"x" * 40)


def test_a_rule_written_in_python_runs_on_the_engine():
    """SamplingOptimizer subclasses get the engine's samples and statistics: MPPI's rule written
    in Python follows the built-in MPPI bit for bit."""
    from scoreopt.optimizers import SamplingOptimizer

    class PyMPPI(SamplingOptimizer):
        temperature = 1.0

        def _update(self, b):
            return b.weighted_mean, b.sigma

    class HalvingES(SamplingOptimizer):
        needs_gradient = True

        def _update(self, b):
            assert b.weighted_mean is None and b.X.shape == (self.popsize, self.dim)
            return b.mean - 0.1 * b.gradient, b.sigma / 2

    p = problems.get("rastrigin", 4)
    a, b = PyMPPI(4, p.bounds, seed=1, budget=1600), MPPI(4, p.bounds, seed=1, budget=1600)
    while not a.stop:
        for o in (a, b):
            X = o.ask()
            o.tell(X, p.evaluate(X))
        assert np.array_equal(a.mean, b.mean)
    assert a.result.history == b.result.history and a.result.method == "external"
    h = HalvingES(4, p.bounds, popsize=6, budget=60)
    s0 = h.sigma
    while not h.stop:
        h.step(p)
    assert h.sigma == s0 / 2 ** 10 and h.nfev == 60
    with pytest.raises(NotImplementedError, match="_update"):
        SamplingOptimizer(2, (-1, 1), popsize=2).step(problems.get("sphere", 2))


@pytest.mark.parametrize("cls", ALL)
def test_bounds_are_respected(cls):
    lo, hi = np.array([0.5, -1.0, 2.0]), np.array([1.0, 3.0, 2.5])
    opt = cls(3, (lo, hi), popsize=20, seed=0, budget=2000, x0=[10.0, -10.0, 0.0])
    assert np.all(opt.mean >= lo) and np.all(opt.mean <= hi)
    f = problems.from_callable(lambda X: ((X - 7) ** 2).sum(1), 3, (lo, hi))
    while not opt.stop:
        X = opt.ask()
        assert np.all(X >= lo) and np.all(X <= hi)
        opt.tell(X, f(X))
        assert np.all(opt.mean >= lo) and np.all(opt.mean <= hi)
    r = opt.result
    assert np.all(r.x >= lo) and np.all(r.x <= hi)
    assert r.nfev <= 2000 and r.nit == len(r.history)
    assert r.fun < f(np.clip([10.0, -10.0, 0.0], lo, hi))  # and it made progress towards the corner


@pytest.mark.parametrize("method", sorted(METHODS))
def test_nan_values_are_worst_counted_and_reported(method):
    def f(X):
        v = ((X - 0.3) ** 2).sum(1)
        v[X[:, 0] < -1] = np.nan
        v[X[:, 1] > 1.5] = np.inf
        return v

    r = scoreopt.minimize(f, dim=4, bounds=(-3, 3), method=method, budget=4000, seed=1)
    assert r.nonfinite > 0
    assert np.isfinite(r.fun) and r.success
    assert r.x[0] >= -1 and r.x[1] <= 1.5


def test_cem_never_refits_to_rejected_samples():
    """+inf marks a rejected sample (feasible-mode constraints): never an elite. With one finite
    value it is the only elite; with none, the Gaussian stays where it was."""
    opt = CEM(2, (-3.0, 3.0), popsize=20, budget=200)
    m0, s0 = opt.mean.copy(), opt.sigma
    X = opt.ask()
    opt.tell(X, np.full(20, np.inf))
    assert np.array_equal(opt.mean, m0) and opt.sigma == s0
    X = opt.ask()
    f = np.full(20, np.inf)
    f[13] = 1.0
    opt.tell(X, f)
    np.testing.assert_allclose(opt.mean, opt.alpha * X[13] + (1 - opt.alpha) * m0, rtol=0, atol=1e-15)
    assert opt.sigma == pytest.approx(s0, rel=1e-15)


def test_cem_default_population_keeps_enough_elites():
    """With 2 elites of 16 (the generic default at dim 2) CEM's sigma collapsed before the mean
    reached a minimum 3 sigma0 away; the default now keeps 5 elites."""
    assert CEM(2, (-3.0, 3.0)).popsize == 50 and CEM(2, (-3.0, 3.0), elite_frac=0.25).popsize == 20
    assert CEM(2, (-3.0, 3.0), popsize=16).popsize == 16
    f = lambda X: np.sum((X - 2.0) ** 2, axis=1)
    for seed in range(3):
        r = scoreopt.minimize(f, dim=2, bounds=(-3, 3), method="cem", budget=20_000, seed=seed)
        assert r.fun < 1e-6

@pytest.mark.parametrize("method", sorted(METHODS))
def test_reproducible_from_seed(method):
    p = problems.get("ackley", 5)
    a = scoreopt.minimize(p, method=method, budget=3000, seed=7)
    b = scoreopt.minimize(p, method=method, budget=3000, seed=7)
    c = scoreopt.minimize(p, method=method, budget=3000, seed=8)
    assert a.fun == b.fun and np.array_equal(a.x, b.x) and a.history == b.history
    assert a.fun != c.fun


def test_dida_finds_global_minima_where_local_search_does_not():
    for name, budget in (("rastrigin", 40_000), ("ackley", 40_000), ("levy", 100_000), ("griewank", 40_000)):
        p = problems.get(name, 20)
        r = scoreopt.minimize(p, method="dida", budget=budget, seed=0)
        assert r.fun - p.optimum < 1e-6, (name, r.fun)
    # plain gradient descent from the same start stalls in a local minimum of rastrigin
    p = problems.get("rastrigin", 20)
    x = np.full(20, 2.9)
    for _ in range(2000):
        x = x - 1e-3 * p.gradient(x)
    assert p.evaluate(x) > 10


def test_dida_schedules():
    p = problems.get("rastrigin", 10)
    for schedule in ("geometric", "cosine", "adaptive"):
        r = scoreopt.minimize(p, method="dida", budget=30_000, schedule=schedule, seed=0)
        assert r.fun < 1e-3, (schedule, r.fun)
    with pytest.raises(ValueError, match="schedule: expected one of geometric, cosine, adaptive"):
        DIDA(3, (-1, 1), schedule="linear")


def test_minimize_with_a_callable_and_callback():
    seen = []

    def cb(opt):
        seen.append(opt.best_f)
        return len(seen) >= 5

    r = scoreopt.minimize(lambda X: (X ** 2).sum(1), dim=3, bounds=(-2, 2), budget=10_000, callback=cb)
    assert len(seen) == 5 and r.nit == 5 and r.message == "stopped by callback"
    r = scoreopt.minimize(lambda x: float(x @ x), dim=3, bounds=(-2, 2), budget=2000, vectorized=False)
    assert r.fun < 1e-2 and r.nfev <= 2000


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_minimize_progress_bar(monkeypatch):
    # on a terminal: tqdm's bar on stderr, with the best value as its postfix
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    r = scoreopt.minimize(problems.get("sphere", 4), budget=2000, progress=True)
    out = term.getvalue()
    assert out.startswith("\r") and "dida:" in out and f"{r.nfev}/2000" in out
    assert f"best={r.fun:.6g}" in out


def test_minimize_progress_not_on_a_terminal(capsys, caplog):
    # stderr redirected: no bar, the progress goes to the "scoreopt.progress" logger instead
    with caplog.at_level(logging.INFO, logger="scoreopt"):
        r = scoreopt.minimize(problems.get("sphere", 4), budget=2000, progress=True)
    assert capsys.readouterr().err == ""
    msgs = [rec.getMessage() for rec in caplog.records if rec.name == "scoreopt.progress"]
    # the label is the method's name (cdida, the default)
    assert msgs and msgs[-1].startswith(f"cdida: {r.nfev}/2000 evals ({100 * r.nfev / 2000:.0f}%), best={r.fun:.6g}")


def test_minimize_and_optimizer_errors():
    p = problems.get("sphere", 3)
    with pytest.raises(ValueError, match="method: unknown method 'nope'; expected one of"):
        scoreopt.minimize(p, method="nope")
    with pytest.raises(ValueError, match="dim, bounds: required when fun is a callable"):
        scoreopt.minimize(lambda X: X.sum(1))
    with pytest.raises(TypeError, match="fun: expected a scoreopt Problem or a callable"):
        scoreopt.minimize(42)
    with pytest.raises(ValueError, match="dim: the problem has dim 3, got 4"):
        scoreopt.minimize(p, dim=4)
    with pytest.raises(ValueError, match="fun: glens.qp is a parametric family"):
        scoreopt.minimize(problems.glens("qp", 4))
    with pytest.raises(ValueError, match="popsize: antithetic sampling needs an even popsize, got 7"):
        DIDA(3, (-1, 1), popsize=7)
    with pytest.raises(ValueError, match="bounds: required"):
        DIDA(3, None)
    with pytest.raises(ValueError, match="bounds: upper must be > lower"):
        DIDA(2, ([0, 0], [1, 0]))
    with pytest.raises(ValueError, match="x0: expected shape \\(3,\\)"):
        DIDA(3, (-1, 1), x0=[0, 0])
    with pytest.raises(ValueError, match="sigma0: expected a finite value > 0"):
        DIDA(3, (-1, 1), sigma0=-1)
    with pytest.raises(ValueError, match="budget: expected an integer >= 100"):
        DIDA(3, (-1, 1), budget=10)
    # options are checked by the engine: unknown names, wrong kinds and bad values are errors
    with pytest.raises(ValueError, match="temprature: not an option of dida; its options: popsize, "):
        DIDA(3, (-1, 1), temprature=1.0)
    with pytest.raises(ValueError, match="schedule: not an option of mppi"):
        MPPI(3, (-1, 1), schedule="cosine")
    with pytest.raises(ValueError, match="restarts: not an option of external"):
        scoreopt._core.SamplingOptimizer("external", [0.0], [1.0], None, {"restarts": 1})
    with pytest.raises(ValueError, match="method: expected one of dida, mppi, mbd, cem, es, cdida, external, marginal, got 'nope'"):
        scoreopt._core.SamplingOptimizer("nope", [0.0], [1.0], None, {})
    with pytest.raises(TypeError, match="popsize: expected an integer, got a real number"):
        DIDA(3, (-1, 1), popsize=8.0)
    with pytest.raises(TypeError, match="schedule: expected a string, got an integer"):
        DIDA(3, (-1, 1), schedule=1)
    with pytest.raises(TypeError, match="temperature: expected a number, a bool or a string, got list"):
        DIDA(3, (-1, 1), temperature=[1.0])
    with pytest.raises(ValueError, match="alpha: expected a fraction in \\(0, 1\\], got 1.5"):
        CEM(3, (-1, 1), alpha=1.5)
    with pytest.raises(ValueError, match="beta_start, beta_end: expected 0 < beta_start < beta_end < 1"):
        MBD(3, (-1, 1), beta_start=0.1, beta_end=0.01)
    with pytest.raises(ValueError, match="sigma_end: must be below sigma0"):
        DIDA(3, (-1, 1), sigma_end=1.0)
    with pytest.raises(ValueError, match="temperature: expected a finite value > 0, got -1"):
        MPPI(3, (-1, 1), temperature=-1)
    with pytest.raises(ValueError, match="seed: expected an integer >= 0, got -2"):
        ES(3, (-1, 1), seed=-2)
    opt = DIDA(3, (-1, 1), popsize=4)
    with pytest.raises(ValueError, match="tell: call ask\\(\\) first"):
        opt.tell(np.zeros((4, 3)), np.zeros(4))
    X = opt.ask()
    with pytest.raises(ValueError, match="f: expected 4 values"):
        opt.tell(X, np.zeros(5))
    with pytest.raises(ValueError, match="X: tell\\(\\) takes the population returned by the last ask\\(\\)"):
        opt.tell(X + 1, np.zeros(4))


def test_cli_run_writes_record_and_plot(tmp_path):
    out = subprocess.run([sys.executable, "-m", "scoreopt", "run", "--problem", "rastrigin", "--dim", "10",
                          "--budget", "20000", "--out", str(tmp_path), "--quiet"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "best f =" in out.stdout
    rec = json.loads((tmp_path / "rastrigin-d10-cdida-seed0.json").read_text())
    assert rec["nfev"] <= 20000 and len(rec["history"]) == rec["nit"]
    # the honest protocol by default: the error is measured against the instance's own optimum
    assert rec["protocol"] == "honest" and rec["instance"]["rotated"]
    assert 0 <= rec["error"] == rec["fun"] - rec["optimum"]
    png = (tmp_path / "rastrigin-d10-cdida-seed0.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("method,options", [
    ("dida", dict(schedule="geometric")), ("dida", dict(schedule="cosine")),
    ("dida", dict(schedule="adaptive", temperature_end=0.5)), ("mppi", {}), ("mbd", {}),
    ("es", {}), ("cem", {}), ("marginal", {})])
def test_core_loop_equals_python_loop(method, options):
    """minimize() on a built-in problem gives the iterates of the optimizer stepped by hand,
    bit for bit."""
    p = problems.get("rastrigin", 12)
    r = scoreopt.minimize(p, method=method, budget=12_000, seed=4, **options)
    opt = METHODS[method](12, p.bounds, budget=12_000, seed=4, **options)
    while not opt.stop:
        opt.step(p)
    q = opt.result
    assert r.fun == q.fun and np.array_equal(r.x, q.x) and r.history == q.history


def test_dida_restarts():
    p = problems.get("schwefel", 6)
    r = scoreopt.minimize(p, method="dida", budget=30_000, seed=0, restarts=4)
    assert r.nfev <= 30_000 and np.isfinite(r.fun) and r.fun == min(r.history)
    opt = DIDA(6, p.bounds, budget=30_000, seed=0, restarts=4)
    assert opt.cycle_length == 60
    with pytest.raises(ValueError, match="restarts: expected an integer >= 0"):
        DIDA(6, p.bounds, restarts=-1)


def test_cli_compare_runs_methods_and_baselines(tmp_path):
    pytest.importorskip("cma")
    pytest.importorskip("scipy")
    out = subprocess.run([sys.executable, "-m", "scoreopt", "compare", "--problem", "ackley", "--dim", "4",
                          "--methods", "dida,es,cma,cma_ipop,de", "--budget", "2000", "--seeds", "2",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    for m in ("dida", "es", "cma", "cma_ipop", "de"):
        assert f"| {m} |" in out.stdout
    rec = json.loads((tmp_path / "compare-ackley-d4.json").read_text())
    assert len(rec["runs"]) == 10 and all(r["nfev"] <= 2000 for r in rec["runs"])
    assert (tmp_path / "compare-ackley-d4.png").read_bytes()[:4] == b"\x89PNG"
    bad = subprocess.run([sys.executable, "-m", "scoreopt", "compare", "--problem", "ackley", "--dim", "4",
                          "--methods", "nope"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "methods: unknown method 'nope'" in bad.stderr
