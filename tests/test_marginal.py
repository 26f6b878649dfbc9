"""Marginal (factorized annealed smoothing): each coordinate of each sample drawn from the
weighted marginal of the last batch, smoothed at scale sigma (csrc/src/marginal_rule.cpp).

The sampling is checked where it can be read back exactly: at a negligible kernel every coordinate
of a new sample is a coordinate of a parent, and the parents are drawn in proportion to their
weights (log-rank or Boltzmann, computed here in float64 NumPy); the method by what the Gaussian
methods cannot do (Schwefel 2.26, its optimum near a corner of the box)."""

import numpy as np
import pytest

import scoreopt
from scoreopt import protocol
from scoreopt.optimizers import Marginal

TINY = 1e-10  # sigma: samples sit on their centers to 1e-9
# a negligible kernel: no schedule width and no floor under it (the floor alone would be 0.05 of
# the parents' spread)
AT_PARENTS = dict(sigma0=TINY, sigma_end=TINY / 2, spread_floor=0.0)


def _parents_of(X1, X2):
    """For each coordinate of each row of X2, the row of X1 whose same coordinate it equals
    (to TINY-scale noise); -1 where none does."""
    K2, d = X2.shape
    rows = np.full((K2, d), -1)
    for i in range(d):
        diff = np.abs(X2[:, i][:, None] - X1[:, i][None, :])
        j = diff.argmin(axis=1)
        ok = diff[np.arange(K2), j] < 1e-7
        rows[ok, i] = j[ok]
    return rows


def test_first_batch_is_the_start_and_uniform_points_of_the_box():
    lo, hi = np.array([-1.0, 0.0, 10.0]), np.array([1.0, 5.0, 12.0])
    x0 = np.array([0.5, 1.0, 11.0])
    opt = Marginal(3, (lo, hi), popsize=2000, **AT_PARENTS, x0=x0, seed=3, budget=20_000)
    X = opt.ask()
    np.testing.assert_allclose(X[0], x0, rtol=0, atol=1e-8)
    u = (X[1:] - lo) / (hi - lo)
    np.testing.assert_allclose(u.mean(axis=0), 0.5, atol=0.03)  # uniform: mean 1/2, variance 1/12
    np.testing.assert_allclose(u.var(axis=0), 1 / 12, atol=0.01)


def test_every_cycle_starts_from_its_start_and_uniform_points():
    """With restarts, each cycle's first batch is centered on the cycle's start (a uniform point
    of the box, drawn by the engine) and uniform points, not on the last cycle's density."""
    lo, hi = np.zeros(4), np.ones(4)
    K = 1000
    opt = Marginal(4, (lo, hi), popsize=K, **AT_PARENTS, seed=5, budget=4 * K,
                   restarts=1)
    batches = []
    for t in range(4):
        X = opt.ask()
        batches.append(X)
        opt.tell(X, np.sum((X - 0.9) ** 2, axis=1))  # the density moves toward 0.9
    assert opt.cycles == 2 and opt.stop
    for t in (0, 2):  # each cycle's first batch: uniform
        np.testing.assert_allclose(batches[t][1:].mean(axis=0), 0.5, atol=0.05)
    for t in (1, 3):  # its second: the density of the better half, shifted toward 0.9
        assert np.all(batches[t].mean(axis=0) > 0.6)


def test_a_batch_without_a_finite_value_keeps_the_density():
    K, d = 50, 3
    opt = Marginal(d, (-1.0, 1.0), popsize=K, **AT_PARENTS, seed=8, budget=20 * K)
    X1 = opt.ask()
    opt.tell(X1, np.sum(X1 ** 2, axis=1))
    m = opt.mean.copy()
    X2 = opt.ask()
    opt.tell(X2, np.full(K, np.nan))
    assert np.array_equal(opt.mean, m)
    assert np.all(_parents_of(X1, opt.ask()) >= 0)  # still drawn from the first batch's density


@pytest.mark.parametrize("weights", ["rank", "boltzmann"])
def test_each_coordinate_comes_from_a_parent_drawn_by_weight(weights):
    """At a negligible sigma, coordinate i of a new sample is coordinate i of some row of the last
    batch, chosen independently per coordinate with probability w_j: log-rank weights of the
    better half, or exp(-(f - fmin) / (temperature std f))."""
    K, d = 400, 50
    opt = Marginal(d, (-1.0, 1.0), popsize=K, **AT_PARENTS, seed=11, budget=10 * K,
                   weights=weights, temperature=0.7)
    X1 = opt.ask()
    f = np.sum((X1 - 0.2) ** 2, axis=1)
    opt.tell(X1, f)
    X2 = opt.ask()
    rows = _parents_of(X1, X2)
    assert np.all(rows >= 0)
    if weights == "rank":
        order = np.argsort(f, kind="stable")
        mu = K // 2
        w = np.zeros(K)
        w[order[:mu]] = np.log(mu + 0.5) - np.log(np.arange(1, mu + 1))
    else:
        w = np.exp(-(f - f.min()) / (0.7 * f.std(ddof=1)))  # the sample std, as the core
    w /= w.sum()
    counts = np.bincount(rows.ravel(), minlength=K)
    assert counts[w == 0].sum() == 0  # the worse half is never a parent
    expected = w * K * d
    # binomial counts: within 5 standard deviations of their expectation, every one
    assert np.all(np.abs(counts - expected) <= 5 * np.sqrt(expected * (1 - w)) + 1)
    # the coordinates of one sample draw their parents independently (the factorization): the
    # number of distinct parents per sample has the mean sum_j 1 - (1 - w_j)^d
    distinct = np.mean([len(set(r)) for r in rows])
    assert distinct == pytest.approx(np.sum(1 - (1 - w) ** d), rel=0.05)
    # the mean reported is the weighted mean of the last batch
    np.testing.assert_allclose(opt.mean, w @ X1, rtol=0, atol=1e-12)


def _reflect(X, lo, hi):
    u = (X - lo) / (hi - lo)
    u = u - 2 * np.floor(u / 2)
    return lo + np.where(u > 1, 2 - u, u) * (hi - lo)


def test_each_coordinates_kernel_is_at_most_half_the_parents_spread():
    """Bandwidth h_i = min(sigma s_i, 0.5 sd_w(x_i)): with sigma far above every spread the kernel
    is half the weighted spread of the parents, coordinate by coordinate. Checked against a NumPy
    sampler of that rule (parents by weight, Gaussian kernel, reflection into the box): the
    per-coordinate variances of the new samples agree (with the schedule's width on every
    coordinate, the rule before this bound, they do not)."""
    K, d = 40_000, 3
    lo, hi = np.array([-1.0, -1.0, -100.0]), np.array([1.0, 1.0, 100.0])
    opt = Marginal(d, (lo, hi), popsize=K, sigma0=1e3, sigma_end=1e2, seed=4, budget=3 * K,
                   weights="boltzmann", temperature=0.5)
    X1 = opt.ask()
    f = 100 * X1[:, 0] ** 2 + X1[:, 1] ** 2 + (X1[:, 2] / 100) ** 2
    opt.tell(X1, f)
    assert opt.sigma > 50  # the schedule's width is far above every spread
    w = np.exp(-(f - f.min()) / (0.5 * f.std(ddof=1)))
    w /= w.sum()
    sd = np.sqrt(w @ (X1 - w @ X1) ** 2)
    assert sd[0] < 0.5 * sd[1]  # the weights select along coordinate 0
    rng = np.random.default_rng(0)
    parents = X1[rng.choice(K, size=(K, d), p=w), np.arange(d)]
    reference = _reflect(parents + 0.5 * sd * rng.standard_normal((K, d)), lo, hi)
    X2 = opt.ask()
    np.testing.assert_allclose(X2.var(axis=0), reference.var(axis=0), rtol=0.05)
    assert np.all(np.abs(X2.mean(axis=0) - reference.mean(axis=0)) < 0.03 * (hi - lo) / 2)


def test_each_coordinates_kernel_is_at_least_its_floor_of_the_parents_spread():
    """Bandwidth h_i >= spread_floor sd_w(x_i) (default 0.05): with sigma far below every spread,
    the kernel is the floor. The parents are drawn from a stream of their own, so two runs that
    differ only in the floor draw the same parents and the same noise: their samples differ by
    (floor_a - floor_b) sd_i z_i, exactly linear in the floor, with z standard normal."""
    K, d = 20_000, 3
    lo, hi = -np.array([100.0, 100.0, 1000.0]), np.array([100.0, 100.0, 1000.0])
    runs = {}
    for floor in (0.0, 0.05, 0.1):
        opt = Marginal(d, (lo, hi), popsize=K, sigma0=TINY, sigma_end=TINY / 2, seed=6, budget=3 * K,
                       spread_floor=floor)
        X1 = opt.ask()
        f = np.sum(((X1 - 3.0) / [1.0, 5.0, 50.0]) ** 2, axis=1)
        opt.tell(X1, f)
        runs[floor] = opt.ask()
    assert Marginal(d, (lo, hi)).options["spread_floor"] == 0.05
    order = np.argsort(f, kind="stable")
    w = np.zeros(K)
    w[order[:K // 2]] = np.log(K // 2 + 0.5) - np.log(np.arange(1, K // 2 + 1))
    w /= w.sum()
    sd = np.sqrt(w @ (X1 - w @ X1) ** 2)
    # coordinates whose parent (the floorless sample) is 10 of the widest kernels from the bounds:
    # never reflected
    inside = np.abs(runs[0.0]) < hi - sd
    assert inside.mean(axis=0).min() > 0.5
    for i in range(d):
        rows = inside[:, i]
        step = runs[0.05][rows, i] - runs[0.0][rows, i]
        np.testing.assert_allclose(runs[0.1][rows, i] - runs[0.0][rows, i], 2 * step, rtol=1e-9,
                                   atol=1e-9 * hi[i])
        z = step / (0.05 * sd[i])
        assert z.std() == pytest.approx(1.0, rel=0.03) and abs(z.mean()) < 0.03


def test_rows_without_a_finite_value_are_never_parents():
    K, d = 100, 6
    opt = Marginal(d, (-2.0, 2.0), popsize=K, **AT_PARENTS, seed=2, budget=10 * K)
    X1 = opt.ask()
    f = np.sum(X1 ** 2, axis=1)
    f[::2] = np.nan
    f[1::4] = np.inf
    opt.tell(X1, f)
    rows = _parents_of(X1, opt.ask())
    assert np.all(rows >= 0) and np.all(np.isfinite(f[rows]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_solves_schwefel_where_the_gaussian_methods_do_not(seed):
    """Schwefel 2.26 on its standard box (optimum 420.97 in every coordinate, 79 from the bound;
    the second-best basin of each coordinate at -302.5): D = 10, 10^5 evaluations, the honest
    protocol's random start. CDIDA on seeds 0-4: three of five end 120-290 above it."""
    inst = protocol.instance("schwefel", 10, seed)
    r = scoreopt.minimize(inst.problem, method="marginal", budget=100_000, x0=inst.x0, seed=seed)
    assert abs(inst.error(r.fun)) < 1e-6, inst.error(r.fun)


@pytest.mark.parametrize("bad, match", [
    (dict(schedule="adaptive"), "schedule: expected one of geometric, cosine for marginal, got 'adaptive'"),
    (dict(sigma_end=0.0), "sigma_end: expected a finite value > 0"),
    (dict(temperature=-1.0), "temperature: expected a finite value > 0"),
    (dict(weights="soft"), "weights: expected one of rank, boltzmann"),
    (dict(antithetic=True), "antithetic: not available for marginal"),
    (dict(sigma0=0.5, sigma_end=0.5), r"sigma_end: must be below sigma0 \(0.5\), got 0.5"),
    (dict(spread_floor=-0.1), r"spread_floor: expected a value in \[0, 0.5\], got -0.1"),
    (dict(spread_floor=0.6), r"spread_floor: expected a value in \[0, 0.5\], got 0.6"),
    (dict(spread_floor=float("nan")), r"spread_floor: expected a value in \[0, 0.5\], got nan"),
])
def test_bad_options_are_named(bad, match):
    with pytest.raises(ValueError, match=match):
        Marginal(3, (-1, 1), **bad)


def test_options_of_other_methods_are_refused():
    with pytest.raises(ValueError, match="mean_rate: not an option of marginal"):
        Marginal(3, (-1, 1), mean_rate=0.5)
    o = Marginal(3, (-1, 1)).options
    assert (o["weights"], o["schedule"], o["antithetic"], o["popsize"]) == ("rank", "geometric", False, 200)


@pytest.mark.parametrize("dim, budget, restarts, popsize", [
    (3, None, 0, 200),              # 40 dim below the least, 200
    (20, None, 0, 800),             # 40 dim without a budget
    (20, 200_000, 0, 800),          # 40 dim: 250 batches remain
    (100, 200_000, 0, 1333),        # budget / 150 bounds 40 dim = 4000
    (100, 1_000_000, 0, 4000),
    (100, 1_000_000, 4, 1333),      # each of 5 cycles has budget / 5
    (100, 10_000, 0, 200),          # budget / 150 = 66: the least, 200
    (20_000, 10**9, 0, 1677),       # 2^25 numbers per batch
])
def test_default_popsize_grows_with_dim_and_keeps_150_batches(dim, budget, restarts, popsize):
    kw = {} if budget is None else {"budget": budget}
    o = Marginal(dim, (-1, 1), restarts=restarts, **kw).options
    assert o["popsize"] == popsize
    assert Marginal(dim, (-1, 1), popsize=300, **kw).options["popsize"] == 300  # a chosen one is kept
