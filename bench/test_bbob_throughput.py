"""BBOB batched evaluation (issue 3): all 24 functions at N = 100,000 points, D = 40, float64.
scoreopt's core (one call per batch) vs cocoex (one call per point, COCO's interface) vs ioh
(its array call). The slow baselines are timed on fewer points and reported as evaluations
per second, with the point counts in extra_info.

Every implementation's values are checked against scoreopt's on the same points before timing.
The batched peers (evosax's BBOB in JAX, bbobtorch eager and torch.compile; D = 40 and 100) are
compared in bench/test_bbob_peers.py.
"""

import os

import numpy as np
import pytest

from scoreopt import problems

cocoex = pytest.importorskip("cocoex")
ioh = pytest.importorskip("ioh")

D = int(os.environ.get("SCOREOPT_BENCH_DIM", 40))
N = int(os.environ.get("SCOREOPT_BENCH_N", 100_000))
N_COCO = int(os.environ.get("SCOREOPT_BENCH_N_COCO", 2_000))
N_IOH = int(os.environ.get("SCOREOPT_BENCH_N_IOH", 10_000))
FUNCTIONS = list(range(1, 25))


@pytest.fixture(scope="module")
def points():
    return np.random.default_rng(0).uniform(-5, 5, (N, D))


def coco_problem(fid):
    suite = cocoex.Suite("bbob", "instances:1", f"dimensions:{D} function_indices:{fid}")
    return suite[0]


@pytest.mark.parametrize("impl", ["scoreopt", "cocoex", "ioh"])
@pytest.mark.parametrize("fid", FUNCTIONS)
def test_bbob_throughput(benchmark, fid, impl, points):
    p = problems.bbob(fid, 1, D)
    if impl == "scoreopt":
        X, fn = points, (lambda: p.evaluate(points))
    elif impl == "cocoex":
        q = coco_problem(fid)
        X = points[:N_COCO]
        fn = lambda: np.array([q(x) for x in X])
    else:
        q = ioh.get_problem(fid, instance=1, dimension=D, problem_class=ioh.ProblemClass.BBOB)
        X = points[:N_IOH]
        fn = lambda: np.asarray(q(X))
    np.testing.assert_allclose(fn()[:200], p.evaluate(X[:200]), rtol=1e-9)
    benchmark.group = f"bbob f{fid}"
    benchmark.extra_info.update(function=fid, implementation=impl, n=len(X), dim=D)
    benchmark.pedantic(fn, rounds=3 if impl == "scoreopt" else 1, iterations=1, warmup_rounds=0)
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["evaluations_per_second"] = len(X) / benchmark.stats.stats.median
