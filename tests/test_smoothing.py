"""The fused smoothing estimator against closed forms, its determinism, its agreement with the
Python (callable) path, its memory behaviour and its handling of bad values."""

import subprocess
import sys

import numpy as np
import pytest

from scoreopt import problems, smoothing


def test_noise_is_standard_normal_and_counter_based():
    z = smoothing.noise(3, 7, 0, 200_000, 5, antithetic=False)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert abs(np.mean(z ** 4) - 3) < 0.05  # kurtosis of a normal
    # any window of the stream reproduces the same rows
    np.testing.assert_array_equal(smoothing.noise(3, 7, 1000, 10, 5, antithetic=False), z[1000:1010])
    # antithetic: row 2p is +e_p, row 2p + 1 is -e_p
    a = smoothing.noise(3, 7, 0, 6, 5, antithetic=True)
    np.testing.assert_array_equal(a[1::2], -a[0::2])
    assert not np.array_equal(smoothing.noise(4, 7, 0, 4, 5), smoothing.noise(3, 7, 0, 4, 5))
    assert smoothing.noise(0, 0, 0, 4, 5, dtype=np.float32).dtype == np.float32


def se_bound(sd, n, z=5.0):
    return z * sd / np.sqrt(n)


@pytest.mark.parametrize("antithetic", [True, False])
def test_sphere_closed_forms(antithetic):
    """f = |x|^2: F_s(x) = |x|^2 + s^2 d, grad F = 2x, and the Boltzmann-tilted Gaussian mean
    (density ~ N(x, s^2) exp(-|y|^2 / lam)) is x / (1 + 2 s^2 / lam)."""
    d, s, lam, K = 6, 0.5, 2.0, 200_000
    p = problems.get("sphere", d)
    x = np.linspace(-1, 1.5, d)
    e = smoothing.estimate(p, x, s, samples=K, temperature=lam, antithetic=antithetic, seed=5)
    np.testing.assert_allclose(e.value, x @ x + s * s * d, atol=se_bound(np.sqrt(4 * s * s * (x @ x) + 2 * d * s ** 4), K))
    np.testing.assert_allclose(e.gradient, 2 * x, atol=0.05)
    np.testing.assert_allclose(e.weighted_mean, x / (1 + 2 * s * s / lam), atol=0.01)
    assert e.nonfinite == 0
    assert e.best_f == pytest.approx(p.evaluate(e.best_x), rel=1e-12)


def test_rastrigin_smoothed_value_closed_form():
    # E cos(2 pi (x + s e)) = exp(-2 pi^2 s^2) cos(2 pi x)
    d, s, K = 10, 0.2, 100_000
    p = problems.get("rastrigin", d)
    X = np.random.default_rng(0).uniform(-2, 2, (3, d))
    e = smoothing.estimate(p, X, s, samples=K, seed=1)
    exact = (X ** 2).sum(1) + s * s * d + 10 * (1 - np.exp(-2 * np.pi ** 2 * s * s) * np.cos(2 * np.pi * X)).sum(1)
    grad = 2 * X + 20 * np.pi * np.exp(-2 * np.pi ** 2 * s * s) * np.sin(2 * np.pi * X)
    np.testing.assert_allclose(e.value, exact, rtol=3e-3)
    np.testing.assert_allclose(e.gradient, grad, atol=0.15 * np.abs(grad).max())


def test_per_center_sigma_and_float32():
    p = problems.get("sphere", 4)
    X = np.zeros((2, 4), np.float32)
    e = smoothing.estimate(p, X, np.array([0.1, 1.0], np.float32), samples=20_000)
    assert e.value.dtype == np.float32
    np.testing.assert_allclose(e.value, [0.01 * 4, 4.0], rtol=0.05)


def test_deterministic_by_seed_and_stream():
    p = problems.get("ackley", 8)
    x = np.full(8, 0.7)
    a = smoothing.estimate(p, x, 0.3, samples=512, temperature=1.0, seed=9)
    b = smoothing.estimate(p, x, 0.3, samples=512, temperature=1.0, seed=9)
    c = smoothing.estimate(p, x, 0.3, samples=512, temperature=1.0, seed=10)
    d = smoothing.estimate(p, x, 0.3, samples=512, temperature=1.0, seed=9, center_offset=1)
    for f in ("value", "gradient", "weighted_mean", "best_x", "best_f"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert a.value != c.value and a.value != d.value


@pytest.mark.parametrize("antithetic,relative", [(True, False), (False, False), (True, True), (False, True)])
def test_core_and_python_paths_agree(antithetic, relative):
    """A Python callable goes through the materializing path with the same noise."""
    p = problems.get("levy", 7)
    q = problems.from_callable(lambda X: p.evaluate(X), 7, p.bounds)
    X = np.random.default_rng(2).uniform(-3, 3, (3, 7))
    kw = dict(samples=3000, temperature=0.5, antithetic=antithetic, relative_temperature=relative,
              seed=4, bounds=p.bounds)
    a = smoothing.estimate(p, X, 0.8, **kw)
    b = smoothing.estimate(q, X, 0.8, chunk_size=256, **kw)
    for f in ("value", "gradient", "weighted_mean", "best_x", "best_f"):
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-10, atol=1e-10)


def test_samples_clipped_into_bounds():
    p = problems.get("sphere", 3)
    lo, hi = np.array([0.5, -1, -1]), np.array([1.0, 1, 1])
    e = smoothing.estimate(p, np.array([0.5, 0, 0]), 5.0, samples=2000, temperature=1.0, bounds=(lo, hi))
    assert np.all(e.weighted_mean >= lo) and np.all(e.weighted_mean <= hi)
    assert np.all(e.best_x >= lo) and np.all(e.best_x <= hi)


def test_nonfinite_values_are_worst_and_counted():
    def f(X):
        v = (X ** 2).sum(1)
        v[X[:, 0] > 0.5] = np.nan
        v[X[:, 1] > 1.0] = np.inf
        return v

    q = problems.from_callable(f, 2, (-5, 5))
    e = smoothing.estimate(q, np.zeros(2), 1.0, samples=4000, temperature=1.0, seed=0)
    assert 0 < e.nonfinite < 4000
    assert np.isfinite(e.value) and np.isfinite(e.best_f) and np.all(np.isfinite(e.weighted_mean))
    assert e.best_x[0] <= 0.5 and e.best_x[1] <= 1.0
    allbad = problems.from_callable(lambda X: np.full(len(X), np.nan), 2, (-1, 1))
    e = smoothing.estimate(allbad, np.zeros(2), 1.0, samples=10, temperature=1.0)
    assert e.nonfinite == 10 and np.isnan(e.value) and np.array_equal(e.weighted_mean, np.zeros(2))


def test_memory_does_not_grow_with_samples():
    """Peak RSS of one estimate with 4e7 samples (d = 50) stays far below the 8 GB that
    materializing the samples would take, and near that of 4e4 samples."""
    code = (
        "import resource, numpy as np, scoreopt\n"
        "p = scoreopt.problems.get('sphere', 50)\n"
        "x = np.zeros((1, 50))\n"
        "scoreopt.smoothing.estimate(p, x, 1.0, samples={K}, temperature=1.0)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    rss = []
    for K in (40_000, 40_000_000):
        out = subprocess.run([sys.executable, "-c", code.format(K=K)], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        rss.append(int(out.stdout.strip()))
    assert rss[1] - rss[0] < 20_000, rss  # KiB


def test_bad_arguments():
    p = problems.get("sphere", 3)
    x = np.zeros(3)
    with pytest.raises(ValueError, match="samples: antithetic sampling needs an even count"):
        smoothing.estimate(p, x, 1.0, samples=5)
    with pytest.raises(ValueError, match="samples: expected an integer >= 2"):
        smoothing.estimate(p, x, 1.0, samples=1)
    with pytest.raises(TypeError, match="samples: expected an integer"):
        smoothing.estimate(p, x, 1.0, samples=10.5)
    with pytest.raises(ValueError, match="sigma: expected finite values > 0"):
        smoothing.estimate(p, x, 0.0, samples=10)
    with pytest.raises(ValueError, match="sigma: expected a scalar or shape \\(2,\\)"):
        smoothing.estimate(p, np.zeros((2, 3)), [1.0, 2.0, 3.0], samples=10)
    with pytest.raises(ValueError, match="temperature: expected a finite value > 0"):
        smoothing.estimate(p, x, 1.0, samples=10, temperature=-1)
    with pytest.raises(ValueError, match="X: contains NaN"):
        smoothing.estimate(p, np.array([0, np.nan, 0]), 1.0, samples=10)
    with pytest.raises(ValueError, match="X: expected 3 columns"):
        smoothing.estimate(p, np.zeros(4), 1.0, samples=10)
    with pytest.raises(TypeError, match="problem: expected a scoreopt Problem"):
        smoothing.estimate(lambda X: X, x, 1.0, samples=10)
    with pytest.raises(ValueError, match="bounds: lower > upper"):
        smoothing.estimate(p, x, 1.0, samples=10, bounds=(1, 0))


def test_boltzmann_weights_follow_the_two_temperature_rules():
    """_core.boltzmann_weights against float64 NumPy: lambda = tau * std (the estimator's rule)
    or tau * (median - min) (HSM's robust rule, the range when the median is the minimum);
    non-finite values weigh 0; the weights sum to 1."""
    from scoreopt import _core

    rng = np.random.default_rng(7)
    f = np.concatenate([rng.normal(3, 2, 40), [1e6, np.nan, np.inf]])
    ok = np.isfinite(f)
    fo = f[ok]
    for scale, lam in (("std", 0.7 * np.std(fo, ddof=1)), ("median", 0.7 * (np.median(fo) - fo.min()))):
        ref = np.zeros_like(f)
        ref[ok] = np.exp(-(fo - fo.min()) / lam)
        ref /= ref.sum()
        np.testing.assert_allclose(_core.boltzmann_weights(f, 0.7, scale), ref, rtol=1e-12, atol=1e-300)
    flat = np.array([2.0, 2.0, 2.0, 5.0])  # median == min: the range is the scale
    ref = np.exp(-(flat - 2.0) / (1.5 * 3.0))
    np.testing.assert_allclose(_core.boltzmann_weights(flat, 1.5, "median"), ref / ref.sum(), rtol=1e-13)
    assert _core.boltzmann_weights(np.array([np.nan, np.inf]), 1.0, "std").tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="scale: expected one of std, median"):
        _core.boltzmann_weights(f, 1.0, "mad")
    with pytest.raises(ValueError, match="temperature: expected a finite value > 0"):
        _core.boltzmann_weights(f, 0.0, "std")
