"""Fused smoothing estimator vs a plain PyTorch implementation that materializes the (M, K, D)
samples (issue 5 target: >= 10x at M = 64, K = 4096, D = 100 on the CPU).

Both compute, per center: the smoothed value (mean f), the antithetic Stein gradient and the
Boltzmann-weighted mean (softmax(-f / lambda)), on rastrigin in float32.
"""

import os

import numpy as np
import pytest

import scoreopt
from scoreopt import problems, smoothing

torch = pytest.importorskip("torch")

M = int(os.environ.get("SCOREOPT_BENCH_M", 64))
K = int(os.environ.get("SCOREOPT_BENCH_K", 4096))
D = int(os.environ.get("SCOREOPT_BENCH_DIM", 100))
SIGMA, LAM = 0.3, 1.0


def rastrigin_torch(Y):
    return 10.0 * Y.shape[-1] + (Y * Y - 10.0 * torch.cos(2 * torch.pi * Y)).sum(-1)


def materialized(X, gen):
    P = K // 2
    eps = torch.randn(X.shape[0], P, X.shape[1], generator=gen, dtype=X.dtype)
    eps = torch.cat([eps, -eps], dim=1)  # antithetic pairs
    Y = X[:, None, :] + SIGMA * eps
    f = rastrigin_torch(Y)
    value = f.mean(1)
    grad = ((f[:, :P] - f[:, P:])[..., None] * eps[:, :P]).mean(1) / (2 * SIGMA)
    w = torch.softmax(-f / LAM, dim=1)
    wmean = (w[..., None] * Y).sum(1)
    return value, grad, wmean


@pytest.fixture(scope="module")
def centers():
    return np.random.default_rng(0).uniform(-5.12, 5.12, (M, D)).astype(np.float32)


@pytest.mark.parametrize("impl", ["scoreopt", "torch_materialized"])
def test_smoothing_estimator(benchmark, impl, centers):
    p = problems.get("rastrigin", D)
    if impl == "scoreopt":
        fn = lambda: smoothing.estimate(p, centers, SIGMA, samples=K, temperature=LAM, seed=1)
        e = fn()
        # sanity: the smoothed value of rastrigin is known in closed form
        exact = (centers.astype(np.float64) ** 2 + SIGMA ** 2).sum(1) + 10 * D \
            - 10 * (np.exp(-2 * np.pi ** 2 * SIGMA ** 2) * np.cos(2 * np.pi * centers)).sum(1)
        np.testing.assert_allclose(e.value, exact, rtol=0.02)
    else:
        X = torch.from_numpy(centers.copy())
        gen = torch.Generator().manual_seed(1)
        fn = lambda: materialized(X, gen)
        v, _, _ = fn()
        exact = (centers.astype(np.float64) ** 2 + SIGMA ** 2).sum(1) + 10 * D \
            - 10 * (np.exp(-2 * np.pi ** 2 * SIGMA ** 2) * np.cos(2 * np.pi * centers)).sum(1)
        np.testing.assert_allclose(v.numpy(), exact, rtol=0.02)
    benchmark.group = "smoothing estimator"
    benchmark.extra_info.update(m=M, k=K, dim=D, implementation=impl, n=M * K)
    benchmark.pedantic(fn, rounds=10 if impl == "scoreopt" else 3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["samples_per_second"] = M * K / benchmark.stats.stats.median
