"""Evaluation throughput: scoreopt's compiled core vs. plain NumPy, eager torch and torch.compile.

Measures batched objective evaluation (X of shape (N, D), float32) for rastrigin, ackley, levy
and rosenbrock, four implementations each, in one pytest run:

    scoreopt       p.evaluate(X) on a NumPy array
    numpy          a vectorized float32 NumPy implementation (below)
    torch_eager    the same formulas in torch on a float32 CPU tensor (torch.from_numpy(X))
    torch_compile  torch.compile (default mode) of the torch function, compiled and warmed up
                   before timing so that compile time is excluded

Every baseline is checked against scoreopt on the same X before it is timed, so a wrong
baseline cannot look fast.

Run (full size: N = 100,000, D = 100):

    python -m pytest bench/test_eval_throughput.py --benchmark-json=bench.json
    python bench/summarize.py bench.json

N and D can be overridden with SCOREOPT_BENCH_N and SCOREOPT_BENCH_DIM (e.g. for a smoke test).
Throughput is n / median; ``extra_info`` carries n, dim, dtype, implementation and the thread
counts, and (when timing is enabled) evaluations_per_second.
"""

from __future__ import annotations

import functools
import math
import os

import numpy as np
import pytest

import scoreopt

try:  # torch is optional: without it the torch cases are skipped, the others still run
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

N = int(os.environ.get("SCOREOPT_BENCH_N", "100000"))
D = int(os.environ.get("SCOREOPT_BENCH_DIM", "100"))
DTYPE = np.float32
SEED = 0

FUNCTIONS = ("rastrigin", "ackley", "levy", "rosenbrock")
IMPLEMENTATIONS = ("scoreopt", "numpy", "torch_eager", "torch_compile")
# Fast implementations get more rounds; the plain NumPy / eager torch ones are slow at full size.
ROUNDS = {"scoreopt": 15, "numpy": 5, "torch_eager": 5, "torch_compile": 15}

RTOL = 1e-4
ATOL_REL = 1e-5  # atol = ATOL_REL * max |reference value| (the function's value scale)


# --------------------------------------------------------------------------- NumPy (float32)

_F = np.float32
_PI = _F(math.pi)
_TWO_PI = _F(2.0 * math.pi)


def np_rastrigin(X):
    d = X.shape[1]
    return _F(10.0 * d) + np.sum(X * X - _F(10.0) * np.cos(_TWO_PI * X), axis=1)


def np_ackley(X):
    inv_d = _F(1.0 / X.shape[1])
    a = _F(-20.0) * np.exp(_F(-0.2) * np.sqrt(np.sum(X * X, axis=1) * inv_d))
    b = np.exp(np.sum(np.cos(_TWO_PI * X), axis=1) * inv_d)
    return a - b + _F(20.0 + math.e)


def np_levy(X):
    one = _F(1.0)
    W = one + (X - one) * _F(0.25)
    w1, wi, wd = W[:, 0], W[:, :-1], W[:, -1]
    t1 = np.sin(_PI * w1) ** 2
    mid = np.sum((wi - one) ** 2 * (one + _F(10.0) * np.sin(_PI * wi + one) ** 2), axis=1)
    last = (wd - one) ** 2 * (one + np.sin(_TWO_PI * wd) ** 2)
    return t1 + mid + last


def np_rosenbrock(X):
    x, y = X[:, :-1], X[:, 1:]
    return np.sum(_F(100.0) * (y - x * x) ** 2 + (_F(1.0) - x) ** 2, axis=1)


NUMPY_FUNCS = {"rastrigin": np_rastrigin, "ackley": np_ackley, "levy": np_levy,
               "rosenbrock": np_rosenbrock}


# --------------------------------------------------------------------------- torch (float32)
# Python-float constants keep a float32 tensor float32 in torch's type promotion.

def th_rastrigin(X):
    d = X.shape[1]
    return 10.0 * d + torch.sum(X * X - 10.0 * torch.cos((2.0 * math.pi) * X), dim=1)


def th_ackley(X):
    inv_d = 1.0 / X.shape[1]
    a = -20.0 * torch.exp(-0.2 * torch.sqrt(torch.sum(X * X, dim=1) * inv_d))
    b = torch.exp(torch.sum(torch.cos((2.0 * math.pi) * X), dim=1) * inv_d)
    return a - b + (20.0 + math.e)


def th_levy(X):
    W = 1.0 + (X - 1.0) * 0.25
    w1, wi, wd = W[:, 0], W[:, :-1], W[:, -1]
    t1 = torch.sin(math.pi * w1) ** 2
    mid = torch.sum((wi - 1.0) ** 2 * (1.0 + 10.0 * torch.sin(math.pi * wi + 1.0) ** 2), dim=1)
    last = (wd - 1.0) ** 2 * (1.0 + torch.sin((2.0 * math.pi) * wd) ** 2)
    return t1 + mid + last


def th_rosenbrock(X):
    x, y = X[:, :-1], X[:, 1:]
    return torch.sum(100.0 * (y - x * x) ** 2 + (1.0 - x) ** 2, dim=1)


TORCH_FUNCS = {"rastrigin": th_rastrigin, "ackley": th_ackley, "levy": th_levy,
               "rosenbrock": th_rosenbrock}


# --------------------------------------------------------------------------- data (once per module)

@functools.lru_cache(maxsize=None)
def _data(name):
    """(problem, X, reference values) for one function; X is uniform in the problem's box."""
    p = scoreopt.problems.get(name, D)
    lo, hi = p.bounds
    rng = np.random.default_rng(SEED)
    X = np.ascontiguousarray(rng.uniform(lo, hi, size=(N, D)), dtype=DTYPE)
    X.setflags(write=False)
    ref = p.evaluate(X)
    assert isinstance(ref, np.ndarray) and ref.dtype == DTYPE and ref.shape == (N,)
    assert np.isfinite(ref).all()
    return p, X, ref


@functools.lru_cache(maxsize=None)
def _compiled(name):
    """torch.compile of the torch function, built once per module (compiled lazily on first call)."""
    return torch.compile(TORCH_FUNCS[name])


def _check(name, impl, out, ref):
    out = out.numpy() if torch is not None and isinstance(out, torch.Tensor) else np.asarray(out)
    assert out.shape == ref.shape, f"{name}-{impl}: shape {out.shape} != {ref.shape}"
    assert out.dtype == DTYPE, f"{name}-{impl}: dtype {out.dtype} (expected float32 throughout)"
    ref64 = ref.astype(np.float64)
    atol = ATOL_REL * float(np.max(np.abs(ref64)))
    np.testing.assert_allclose(out.astype(np.float64), ref64, rtol=RTOL, atol=atol,
                               err_msg=f"{name}-{impl} disagrees with scoreopt")


def _make_callable(name, impl, X):
    p = _data(name)[0]
    if impl == "scoreopt":
        return lambda: p.evaluate(X)
    if impl == "numpy":
        f = NUMPY_FUNCS[name]
        return lambda: f(X)
    if impl == "torch_eager":
        T = torch.from_numpy(X)
        f = TORCH_FUNCS[name]
        return lambda: f(T)
    if impl == "torch_compile":
        T = torch.from_numpy(X)
        f = _compiled(name)
        return lambda: f(T)
    raise ValueError(impl)


# --------------------------------------------------------------------------- the benchmark

@pytest.mark.parametrize(
    "function, impl",
    [pytest.param(f, i, id=f"{f}-{i}") for f in FUNCTIONS for i in IMPLEMENTATIONS],
)
def test_eval_throughput(benchmark, function, impl):
    if impl.startswith("torch"):
        pytest.importorskip("torch")
    p, X, ref = _data(function)
    if impl.startswith("torch"):
        # The shared X is read-only (so no implementation can alter it for the others) and
        # torch.from_numpy warns on read-only arrays: give torch a writeable copy, same values.
        X = X.copy()
    fn = _make_callable(function, impl, X)

    # Correctness first (for torch_compile this call also compiles); then a couple of warm-up
    # calls so that compilation, thread-pool spin-up and first-touch page faults are not timed.
    _check(function, impl, fn(), ref)
    for _ in range(2 if impl == "torch_compile" else 1):
        fn()

    benchmark.group = function
    benchmark.extra_info.update({
        "function": function,
        "implementation": impl,
        "n": N,
        "dim": D,
        "dtype": "float32",
        "scoreopt_threads": scoreopt.num_threads(),
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "numpy_version": np.__version__,
        "torch_version": torch.__version__ if torch is not None else None,
    })
    result = benchmark.pedantic(fn, rounds=ROUNDS[impl], iterations=1, warmup_rounds=1)

    # The result of the last timed call must still be right (guards against anything stateful).
    _check(function, impl, result, ref)

    stats = getattr(benchmark, "stats", None)  # None under --benchmark-disable
    if stats is not None:
        benchmark.extra_info["evaluations_per_second"] = N / stats.stats.median
