"""Evaluation throughput: scoreopt's compiled core vs. plain NumPy, eager torch and torch.compile.

Measures batched objective evaluation (X of shape (N, D), float32) for all 13 classic functions
(``scoreopt.problems.names("classic")``), four implementations each, in one pytest run:

    scoreopt       p.evaluate(X) on a NumPy array
    numpy          a vectorized float32 NumPy implementation (bench/classic_references.py)
    torch_eager    the same formulas in torch on a float32 CPU tensor (torch.from_numpy(X))
    torch_compile  torch.compile (default mode) of the torch function, compiled and warmed up
                   before timing so that compile time is excluded

Every baseline is checked against scoreopt on the same X before it is timed, so a wrong
baseline cannot look fast; and the reference formulas themselves are checked against scoreopt
in float64 (test_reference_matches_scoreopt_float64), so that they are the functions scoreopt
defines, not merely close to them in float32. Each function's X is uniform in its standard box.

Run (full size: N = 100,000, D = 100):

    python -m pytest bench/test_eval_throughput.py --benchmark-json=bench.json
    python bench/summarize.py bench.json

N and D can be overridden with SCOREOPT_BENCH_N and SCOREOPT_BENCH_DIM (e.g. for a smoke test).

X at N = 10^5, D = 100 floats is 40 MB, which a 32 MiB last-level cache partly holds between calls:
the memory-bound functions then read faster than DRAM delivers, and their GB/s is not comparable
with a bandwidth measured on 1 GiB. test_streaming_out_of_cache therefore also times the
memory-bound functions (scoreopt and torch.compile) on N_OUT_OF_CACHE = 10 N rows (400 MB;
SCOREOPT_BENCH_N_OUT_OF_CACHE), alternating with a pure read of the same X (NumPy sums), so that
each is a share of the DRAM rate of the same minutes.
Throughput is n / median; ``extra_info`` carries n, dim, dtype, implementation, the thread
counts, the function's label ("bound": "compute" or "memory", classic_references.BOUND) and the
bytes of X read per call (N * D * 4), and (when timing is enabled) evaluations_per_second and
gigabytes_per_second (bytes read per call / median).
"""

from __future__ import annotations

import functools
import math
import os
import time

import numpy as np
import pytest

import scoreopt
from classic_references import BOUND, CLASSIC, NUMPY_FUNCS, OPTIONS, TORCH_FUNCS
from memory_read import sum_in_two_threads

try:  # torch is optional: without it the torch cases are skipped, the others still run
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

N = int(os.environ.get("SCOREOPT_BENCH_N", "100000"))
N_OUT_OF_CACHE = int(os.environ.get("SCOREOPT_BENCH_N_OUT_OF_CACHE", str(10 * N)))
D = int(os.environ.get("SCOREOPT_BENCH_DIM", "100"))
DTYPE = np.float32
SEED = 0

FUNCTIONS = CLASSIC
IMPLEMENTATIONS = ("scoreopt", "numpy", "torch_eager", "torch_compile")
# Fast implementations get more rounds; the plain NumPy / eager torch ones are slow at full size.
ROUNDS = {"scoreopt": 15, "numpy": 5, "torch_eager": 5, "torch_compile": 15}

RTOL = 1e-4
ATOL_REL = 1e-5  # atol = ATOL_REL * max |reference value| (the function's value scale)

# Per-function additions to atol (absolute, in the function's units), each for a measured float32
# effect of the textbook formula that the references use; every other function gets none.
#
# weierstrass: the reference forms the phase 2 pi 3^k (x + 0.5) in float32, so its absolute
# error is ~ 2 pi 3^k 2^-24 (x + 0.5 rounded, the product rounded): from k ~ 14 on the phase is
# noise, and those terms still weigh sum_{k>=14} 0.5^k ~ 1.2e-4 (scoreopt forms and reduces the
# phase in double). Measured per coordinate against scoreopt (2e5 uniform points in the box):
# rms 5e-5, max 2.5e-4, zero mean and independent across coordinates, so a row's error is
# ~ 5e-5 sqrt(D) rms. 1e-3 sqrt(D) is ~20 of those standard deviations (4x the one-coordinate
# maximum at D = 1). Without it the check fails at small D (D = 2: 1.5x the default tolerance);
# at D = 100 it adds 0.01 to a tolerance of ~0.02 (values ~200).
EXTRA_ATOL = {"weierstrass": 1e-3 * math.sqrt(D)}

# The float64 check of the reference formulas against scoreopt's float64 evaluation: the rows,
# and the tolerance (relative to each value plus the same to the function's value scale; the
# textbook forms' cancellation near zeros, e.g. 10 - 10 cos(2 pi x), costs a few digits there).
CHECK64_ROWS = 1000
RTOL64 = 1e-12


# --------------------------------------------------------------------------- data (once per module)

def _problem(name, dim):
    """scoreopt's problem, with the options the reference formulas are written for."""
    p = scoreopt.problems.get(name, dim)
    assert p.options == OPTIONS.get(name, {}), (
        f"{name}: scoreopt's default options {p.options} are not the references' "
        f"{OPTIONS.get(name, {})} (bench/classic_references.py)")
    return p


@functools.lru_cache(maxsize=None)
def _data(name):
    """(problem, X, reference values) for one function; X is uniform in the problem's box."""
    p = _problem(name, D)
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
    atol = ATOL_REL * float(np.max(np.abs(ref64))) + EXTRA_ATOL.get(name, 0.0)
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


# --------------------------------------------------------------------------- the references

def test_covers_all_classic_functions():
    assert FUNCTIONS == tuple(scoreopt.problems.names("classic"))
    assert set(BOUND.values()) == {"compute", "memory"}


@pytest.mark.parametrize(
    "function, impl",
    [pytest.param(f, i, id=f"{f}-{i}") for f in FUNCTIONS for i in ("numpy", "torch")],
)
def test_reference_matches_scoreopt_float64(function, impl):
    """The reference formula is scoreopt's function: in float64, on points in the standard box,
    it agrees with scoreopt's float64 evaluation to ~1e-12 (the float32 check alone would let a
    wrong constant or variant through if its effect were below float32's tolerance)."""
    if impl == "torch":
        pytest.importorskip("torch")
    p = _problem(function, D)
    lo, hi = p.bounds
    X = np.random.default_rng(SEED + 1).uniform(lo, hi, size=(CHECK64_ROWS, D))
    ref = p.evaluate(X)
    assert ref.dtype == np.float64 and np.isfinite(ref).all()
    if impl == "numpy":
        out = NUMPY_FUNCS[function](X)
    else:
        out = TORCH_FUNCS[function](torch.from_numpy(X)).numpy()
    assert out.dtype == np.float64 and out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=RTOL64, atol=RTOL64 * float(np.max(np.abs(ref))),
                               err_msg=f"{function}-{impl}: not scoreopt's definition (float64)")


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
        "bound": BOUND[function],
        "bytes_read_per_call": X.nbytes,  # N * D * 4: X read once
    })
    result = benchmark.pedantic(fn, rounds=ROUNDS[impl], iterations=1, warmup_rounds=1)

    # The result of the last timed call must still be right (guards against anything stateful).
    _check(function, impl, result, ref)

    stats = getattr(benchmark, "stats", None)  # None under --benchmark-disable
    if stats is not None:
        benchmark.extra_info["evaluations_per_second"] = N / stats.stats.median
        benchmark.extra_info["gigabytes_per_second"] = X.nbytes / stats.stats.median / 1e9


@functools.lru_cache(maxsize=1)
def _data_out_of_cache(name):
    """(problem, X, scoreopt's values) on N_OUT_OF_CACHE rows; one function's data at a time."""
    p = _problem(name, D)
    lo, hi = p.bounds
    X = np.random.default_rng(SEED).random((N_OUT_OF_CACHE, D), dtype=DTYPE)
    X *= np.asarray(hi - lo, dtype=DTYPE)  # in place: the float32 X, not a float64 copy
    X += np.asarray(lo, dtype=DTYPE)
    X.setflags(write=False)
    return p, X, p.evaluate(X)


OUT_OF_CACHE_ROUNDS = 9
# A pause before each call: torch's OpenMP workers spin for a while after each call (libgomp's
# default), and scoreopt counts runnable threads as busy cores (README, "Threads"), so a call right
# after torch's would measure that interplay instead of the reading of X.
SETTLE_S = 0.05


def _seconds(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


@pytest.mark.parametrize("function", [f for f in FUNCTIONS if BOUND[f] == "memory"])
def test_streaming_out_of_cache(benchmark, function):
    """The memory-bound functions on an X ten times the size of the main benchmark's (see the
    module docstring), against the read bandwidth measured on the same X in the same rounds.

    This VM's memory rate drifts by up to 1.5x within minutes, so the readers of X alternate
    call by call, the order rotating each round: the read probe (NumPy's sums of X's halves in
    two threads: it only reads), scoreopt, and torch.compile. extra_info holds each one's median
    GB/s and the medians over rounds of scoreopt's rate over the probe's and over
    torch.compile's; the pytest-benchmark timing is scoreopt's.
    SCOREOPT_BENCH_OUT_OF_CACHE_TORCH=0 leaves torch.compile out of the rounds."""
    p, X, ref = _data_out_of_cache(function)
    readers = {"read_probe": lambda: sum_in_two_threads(X), "scoreopt": lambda: p.evaluate(X)}
    if torch is not None and os.environ.get("SCOREOPT_BENCH_OUT_OF_CACHE_TORCH", "1") != "0":
        T = torch.from_numpy(X.copy())
        f = _compiled(function)
        readers["torch_compile"] = lambda: f(T)
    for impl in ("scoreopt", "torch_compile"):
        if impl in readers:
            _check(function, impl, readers[impl](), ref)
    names = list(readers)
    rates = {k: [] for k in names}
    for r in range(OUT_OF_CACHE_ROUNDS):
        for k in names[r % len(names):] + names[: r % len(names)]:
            time.sleep(SETTLE_S)
            rates[k].append(X.nbytes / _seconds(readers[k]) / 1e9)
    info = {"function": function, "implementation": "scoreopt", "n": N_OUT_OF_CACHE, "dim": D,
            "dtype": "float32", "bound": BOUND[function], "bytes_read_per_call": X.nbytes,
            "working_set": "out_of_cache", "rounds": OUT_OF_CACHE_ROUNDS}
    for k in names:
        info[f"gb_per_s_{k}"] = float(np.median(rates[k]))
    so = np.array(rates["scoreopt"])
    info["scoreopt_over_read_probe"] = float(np.median(so / np.array(rates["read_probe"])))
    if "torch_compile" in rates:
        tc = np.array(rates["torch_compile"])
        info["scoreopt_over_torch_compile"] = float(np.median(so / tc))
    benchmark.group = f"{function} out of cache"
    benchmark.extra_info.update(info)
    result = benchmark.pedantic(readers["scoreopt"], rounds=3, iterations=1, warmup_rounds=0)
    _check(function, "scoreopt", result, ref)
