"""Every method evaluates only points of the box, on every suite.

The bounds are part of the problem: a user's simulator may be undefined outside them. Each
problem is wrapped in a counting problem (``problems.from_callable`` around the real one) that
records every evaluated row outside [lower, upper]; the count must be zero for every method
(DIDA, MBD, MPPI, CEM, ES, and HSM with both scores) on every suite (classic functions under the
honest protocol, BBOB, CEC2017, the GLENS families). The problems include optima on the
boundary (BBOB f5, the linear slope, has its minimum at a corner; schwefel's is near the edge),
so the methods are pushed against the bounds, and the test checks that they got there.

Budgets are small (a few hundred evaluations at dims 2-10) and HSM's flow model is tiny: which
points are evaluated depends on the clipping and on the local stage's difference stencils, not on
how well the model is trained.
"""

import numpy as np
import pytest

import scoreopt
from scoreopt import problems, protocol
from scoreopt.suites import cec2017 as cec_suite

METHODS = {
    "dida": {}, "cdida": {}, "mbd": {}, "mppi": {}, "cem": {}, "es": {}, "marginal": {},
    "hsm-smoothing": dict(score="smoothing", levels=3),
    # a tiny model: training quality does not change where the points can go
    "hsm-flow": dict(score="flow", levels=3, train_steps=3, width=8, depth=1, batch_size=32),
}
BUDGET = {"hsm-smoothing": 400, "hsm-flow": 400, "marginal": 1000}  # marginal: 5 batches of 200


class Counting:
    """``problem`` behind a from_callable wrapper that counts rows outside the box (and rows on
    its boundary, to show that the bounds were reached)."""

    def __init__(self, problem):
        self.inner = problem
        self.lower, self.upper = (np.asarray(b, dtype=np.float64) for b in problem.bounds)
        self.rows = self.outside = self.on_boundary = self.near_boundary = 0
        self.worst = 0.0  # largest excursion beyond a bound
        self.problem = problems.from_callable(self._evaluate, problem.dim, problem.bounds,
                                              name=problem.name)

    def _evaluate(self, X):
        X = np.asarray(X, dtype=np.float64)
        excess = np.maximum(self.lower - X, X - self.upper)
        out = np.any(excess > 0, axis=1)
        self.rows += len(X)
        self.outside += int(out.sum())
        self.on_boundary += int(np.sum(np.any((X == self.lower) | (X == self.upper), axis=1)))
        # within 1 % of the width: reflected samples of a run pressed against a bound land here
        near = 0.01 * (self.upper - self.lower)
        self.near_boundary += int(np.sum(np.any((X - self.lower <= near) | (self.upper - X <= near), axis=1)))
        if out.any():
            self.worst = max(self.worst, float(excess.max()))
        return self.inner.evaluate(X)


def _classic():
    # dim 3 is valid for every classic function; the honest instance moves the optimum
    return [(n, protocol.instance(n, 3, 1).problem) for n in problems.names("classic")]


def _bbob():
    return [(f"bbob.f{f}", problems.bbob(f, 1, 2)) for f in range(1, 25)]


def _cec2017():
    return [(n, problems.get(n, 10)) for n in problems.names("cec2017")]


def _glens():
    out = []
    for fam in problems.GLENS_FAMILIES:
        lo, hi = problems.info("glens." + fam)["param_lower"], problems.info("glens." + fam)["param_upper"]
        out.append((f"glens.{fam}", problems.glens(fam, 4, params=(np.asarray(lo) + np.asarray(hi)) / 2)))
    return out


SUITES = {"classic": _classic, "bbob": _bbob, "cec2017": _cec2017, "glens": _glens}


def _run(method, problem, seed=0):
    kw = dict(METHODS[method])
    name = "hsm" if method.startswith("hsm") else method
    # a start in a corner region of the box: the first steps already press against the bounds
    lo, hi = (np.asarray(b, dtype=np.float64) for b in problem.bounds)
    x0 = lo + 0.98 * (hi - lo)
    return scoreopt.minimize(problem, method=name, budget=BUDGET.get(method, 300), x0=x0, seed=seed, **kw)


@pytest.mark.parametrize("suite", sorted(SUITES))
@pytest.mark.parametrize("method", sorted(METHODS))
def test_no_evaluation_outside_the_box(method, suite):
    if suite == "cec2017" and cec_suite.default_data_dir() is None:
        pytest.skip("the official CEC2017 data (pip install 'scoreopt[cec2017]')")
    offenders, near, rows = [], 0, 0
    for name, p in SUITES[suite]():
        c = Counting(p)
        r = _run(method, c.problem)
        assert c.rows > 0 and r.nfev <= BUDGET.get(method, 300), (name, r)
        rows += c.rows
        near += c.near_boundary
        if c.outside:
            offenders.append(f"{name}: {c.outside} of {c.rows} rows outside, up to {c.worst:.3g}")
    assert not offenders, f"{method} on {suite}: " + "; ".join(offenders)
    # the runs reached the bounds (reflected samples, the local stage at a corner optimum), so
    # the zero above is a statement about the boundary treatment
    assert near > 0, f"{method} on {suite}: no evaluated point near the boundary in {rows} rows"


def test_the_counter_sees_an_outside_row():
    c = Counting(problems.get("sphere", 2))
    c.problem.evaluate(np.array([[0.0, 0.0], [5.12, -5.12], [5.13, 0.0]]))
    assert (c.rows, c.outside, c.on_boundary) == (3, 1, 1) and c.worst == pytest.approx(0.01)


def test_hsm_difference_stencil_stays_inside_and_is_second_order():
    """The local stage's finite differences: central inside, one-sided within a step of a bound,
    all points inside, O(h^2) accurate in every case."""
    from scoreopt.optimizers.hsm import _difference_stencil

    f = lambda X: np.sum(np.sin(3 * X) * X ** 2, axis=1)
    g = lambda x: 3 * np.cos(3 * x) * x ** 2 + 2 * x * np.sin(3 * x)
    lo, hi = np.full(4, -1.0), np.full(4, 1.0)
    for x in (np.array([0.3, -0.2, 0.9, 0.0]), np.array([1.0, -1.0, 1 - 1e-5, -1 + 1e-5])):
        errs = []
        for h in (1e-3, 5e-4):
            a, b, c0, ca, cb = _difference_stencil(x, np.full(4, h), lo, hi)
            A, B = x + np.diag(a), x + np.diag(b)
            assert np.all((A >= lo) & (A <= hi) & (B >= lo) & (B <= hi))
            errs.append(np.abs(c0 * f(x[None])[0] + ca * f(A) + cb * f(B) - g(x)))
        assert np.all(errs[1] < 0.3 * errs[0] + 1e-10)  # halving h divides the error by ~4
    # a box narrower than the step: h shrinks to a quarter of the width, still inside
    a, b, *_ = _difference_stencil(np.array([0.0]), np.array([1.0]), np.array([0.0]), np.array([1e-3]))
    assert 0 <= a[0] <= 1e-3 and 0 <= b[0] <= 1e-3


@pytest.mark.parametrize("method", sorted(METHODS))
def test_no_evaluation_outside_the_box_with_constraints(method):
    """With constraints HSM's local stage is SLSQP, whose iterates may leave the box; the other
    methods reject or penalize infeasible samples. The box still holds."""
    for name, p in [("bbob.f5", problems.bbob(5, 1, 3)), ("schwefel", problems.get("schwefel", 3))]:
        lo, hi = (np.asarray(b, dtype=np.float64) for b in p.bounds)
        # a half-space through the box that keeps part of every face feasible
        g = lambda X, c=(lo + hi) / 2, w=hi - lo: np.sum((X - c) / w, axis=1) - 0.4
        for mode in ("feasible", "penalty"):
            c = Counting(p)
            kw = dict(METHODS[method])
            r = scoreopt.minimize(c.problem, method="hsm" if method.startswith("hsm") else method,
                                  budget=BUDGET.get(method, 300), x0=lo + 0.02 * (hi - lo), seed=0,
                                  constraints=g, constraint_mode=mode, **kw)
            assert c.rows > 0 and r.nfev <= BUDGET.get(method, 300)
            assert c.outside == 0, f"{method} {mode} on {name}: {c.outside} rows outside, up to {c.worst:.3g}"
