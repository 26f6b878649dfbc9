"""The honest benchmark protocol (scoreopt.protocol): instances whose optimum is off the box
center and off the start, exact known optima, shared seeded starts; the CLI and the baselines
use it."""

import json
import subprocess
import sys

import numpy as np
import pytest

import scoreopt
from scoreopt import baselines, problems, protocol


def _in_box(x, p, margin=0.0):
    lo, hi = p.bounds
    half = (hi - lo) / 2
    c = (lo + hi) / 2
    return bool(np.all(np.abs(x - c) <= (1 - margin) * half + 1e-12))


@pytest.mark.parametrize("name", sorted(protocol.RULES))
def test_classic_instances_have_their_exact_optimum_off_center(name):
    dim = 6
    inst = protocol.instance(name, dim, seed=2)
    p, lo, hi = inst.problem, *inst.problem.bounds
    assert inst.rule == protocol.RULES[name]
    assert _in_box(inst.x0, p)
    center = (lo + hi) / 2
    assert not np.allclose(inst.x0, center)
    if inst.optimum is None:  # michalewicz: no known optimum, standard problem
        assert name == "michalewicz" and inst.x_opt is None
        return
    # the known minimum is attained at the recorded minimiser, and nothing nearby is lower
    assert float(p.evaluate(inst.x_opt)) == pytest.approx(inst.optimum, abs=1e-9)
    rng = np.random.default_rng(0)
    Y = np.clip(inst.x_opt + 1e-3 * (hi - lo) * rng.standard_normal((300, dim)), lo, hi)
    assert np.all(p.evaluate(Y) >= inst.optimum - 1e-9)
    if inst.rule == "shift and rotate":
        assert inst.rotated and inst.shift is not None
        # the minimiser is uniform in the central 80 % of the box, so it is off-center
        assert _in_box(inst.x_opt, p, margin=1 - protocol.OPTIMUM_REGION)
        assert np.max(np.abs(inst.x_opt - center) / ((hi - lo) / 2)) > 0.05
        assert np.allclose(p.x_opt, inst.x_opt, atol=1e-9 * np.max(hi - lo))
        # the error of the standard problem's minimiser is not 0: the instance really moved
        std = problems.get(name, dim)
        assert float(p.evaluate(np.clip(std.x_opt, lo, hi))) > inst.optimum + 1e-6
    else:  # as defined: schwefel's optimum belongs to its box
        assert inst.shift is None and not inst.rotated
        assert np.array_equal(inst.x_opt, problems.get(name, dim).x_opt)


def test_instances_are_reproducible_and_differ_by_seed():
    a, b = protocol.instance("rastrigin", 8, 3), protocol.instance("rastrigin", 8, 3)
    assert np.array_equal(a.x0, b.x0) and np.array_equal(a.shift, b.shift)
    X = np.random.default_rng(1).uniform(-5, 5, (20, 8))
    assert np.array_equal(a.problem.evaluate(X), b.problem.evaluate(X))
    c = protocol.instance("rastrigin", 8, 4)
    assert not np.allclose(a.x0, c.x0) and not np.allclose(a.shift, c.shift)
    Q = protocol.rotation("rastrigin", 8, 3)
    assert np.allclose(Q @ Q.T, np.eye(8), atol=1e-12)
    unrotated = protocol.instance("rastrigin", 8, 3, rotate=False)
    assert not unrotated.rotated and np.allclose(unrotated.x_opt, unrotated.shift)
    assert np.allclose(unrotated.x_opt, a.x_opt)  # same minimiser, with or without rotation


def test_suite_instances():
    inst = protocol.instance("bbob.f15", 5, seed=2)
    ref = problems.bbob(15, 3, 5)  # COCO instance seed + 1
    assert inst.optimum == ref.optimum and np.array_equal(inst.x_opt, ref.x_opt)
    assert _in_box(inst.x0, inst.problem) and inst.error(inst.optimum + 1.5) == 1.5
    assert "COCO instance 3" in inst.describe()


def test_withdrawn_centered_protocol_and_bad_arguments():
    c = protocol.instance("rastrigin", 4, 0, protocol="centered")
    assert c.x0 is None and np.array_equal(c.x_opt, np.zeros(4)) and "withdrawn" in c.describe()
    with pytest.raises(ValueError, match="protocol: expected one of honest, centered"):
        protocol.instance("rastrigin", 4, 0, protocol="fair")
    with pytest.raises(ValueError, match="name: glens.qp is a parametric GLENS family"):
        protocol.instance("glens.qp", 4, 0)
    with pytest.raises(ValueError, match="name: unknown function 'nope'"):
        protocol.instance("nope", 4, 0)
    with pytest.raises(ValueError, match="seed: expected an integer >= 0"):
        protocol.instance("rastrigin", 4, -1)
    with pytest.raises(ValueError, match="f: michalewicz has no known optimum"):
        protocol.instance("michalewicz", 4, 0).error(1.0)
    with pytest.raises(ValueError, match="lower, upper: expected two arrays"):
        protocol.random_start([0.0, 0.0], [1.0], 0)


def test_dida_is_no_longer_handed_the_optimum():
    """The centered setting gave DIDA rastrigin's optimum for free (antithetic pairs around the
    center of a symmetric box); the honest instance does not."""
    c = protocol.instance("rastrigin", 10, 0, protocol="centered")
    h = protocol.instance("rastrigin", 10, 0)
    rc = scoreopt.minimize(c.problem, method="dida", budget=20_000, seed=0)
    rh = scoreopt.minimize(h.problem, method="dida", budget=20_000, x0=h.x0, seed=0)
    assert c.error(rc.fun) < 1e-8 and h.error(rh.fun) > 1.0


@pytest.mark.parametrize("method", ["cma", "cma_ipop", "cma_bipop", "de", "dual_annealing"])
def test_baselines_start_from_the_protocol_start(method, monkeypatch):
    pytest.importorskip("scipy")
    if method.startswith("cma"):
        cma = pytest.importorskip("cma")
    inst = protocol.instance("ackley", 3, 1)
    starts = []
    if method.startswith("cma"):
        init = cma.CMAEvolutionStrategy.__init__

        def spy(self, x0, *a, **k):
            init(self, x0, *a, **k)
            starts.append(np.asarray(self.x0, dtype=np.float64).copy())

        monkeypatch.setattr(cma.CMAEvolutionStrategy, "__init__", spy)
    seen = []
    wrapped = problems.from_callable(lambda X: (seen.append(np.array(X)), inst.problem.evaluate(X))[1],
                                     3, inst.problem.bounds)
    out = baselines.run(method, wrapped, 600, 0, x0=inst.x0)
    assert out["nfev"] <= 600
    if method.startswith("cma"):
        assert np.allclose(starts[0], inst.x0, atol=1e-12)
    else:  # scipy evaluates the start itself (DE: in the initial population)
        X = np.concatenate(seen)
        assert np.min(np.max(np.abs(X - inst.x0), axis=1)) < 1e-12
    with pytest.raises(ValueError, match="x0: outside the problem's box"):
        baselines.run(method, inst.problem, 100, 0, x0=np.full(3, 1e3))


def test_cli_compare_uses_the_honest_protocol_by_default(tmp_path):
    out = subprocess.run([sys.executable, "-m", "scoreopt", "compare", "--problem", "bbob.f3", "--dim", "3",
                          "--methods", "dida,es", "--budget", "600", "--seeds", "2", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "honest protocol" in out.stdout and "RuntimeWarning" not in out.stderr
    rec = json.loads((tmp_path / "compare-bbob.f3-d3.json").read_text())
    assert rec["protocol"] == "honest" and len(rec["instances"]) == 2
    # each seed is its own COCO instance, with its own f_opt; the errors use it
    fopts = [i["optimum"] for i in rec["instances"]]
    assert fopts == [problems.bbob(3, 1, 3).optimum, problems.bbob(3, 2, 3).optimum]
    for r in rec["runs"]:
        assert r["error"] == pytest.approx(r["fun"] - fopts[r["seed"]])
    centered = subprocess.run([sys.executable, "-m", "scoreopt", "compare", "--problem", "rastrigin",
                               "--dim", "3", "--methods", "dida", "--budget", "600", "--seeds", "1",
                               "--protocol", "centered", "--out", str(tmp_path)],
                              capture_output=True, text=True, timeout=300)
    assert centered.returncode == 0, centered.stderr
    assert "WITHDRAWN" in centered.stdout and (tmp_path / "compare-rastrigin-d3-centered.json").is_file()
