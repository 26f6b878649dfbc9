"""BBOB batched evaluation against the batched peers (issue 16, item 5): scoreopt's core vs
evosax's BBOB (JAX, ``jax.jit`` on the CPU) vs bbobtorch (PyTorch, eager and ``torch.compile``).

All 24 noiseless functions, D = 40 and D = 100, float64 everywhere, the same input X (N points
uniform in [-5, 5]^D, seed 0) for every implementation. The peers are not part of the test
environment (requirements-dev.lock); install them beside it, without touching torch or the lock::

    python -m pip install --no-deps --target /tmp/peers -r bench/requirements-peers.txt
    PYTHONPATH=/tmp/peers python -m pytest bench/test_bbob_peers.py -p no:cacheprovider \\
        --benchmark-json=bench/results/$(date -u +%Y%m%dT%H%M%SZ)-bbob-peers.json
    python bench/peers_table.py bench/results/...-bbob-peers.json

(``--no-deps``: the file pins every missing package, jax's CPU wheels included, so pip can
never pull another torch.) A peer that is not installed is skipped (``pytest.importorskip``),
so ``./dev bench`` and CI, which do not install them, run only the scoreopt cases.

What is timed, per call, on data already in each package's own array type:

    scoreopt           p.evaluate(X), X a float64 NumPy array (the core's default threads)
    evosax             BBOBProblem(...).eval(key, X, state)[0].block_until_ready(), X a float64
                       jax array (jax_enable_x64); ``eval`` is evosax's own jitted batch call
                       (vmap over the points); compiled and run once before timing
    bbobtorch_eager    problem(X), X = torch.from_numpy(X) (float64; see below)
    bbobtorch_compile  torch.compile(problem) (default mode, dynamic=False), compiled and run
                       once before timing

Timing: the test cases are ordered round by round (SCOREOPT_BENCH_ROUNDS rounds, default 3), and
within a round function by function with the four implementations one after the other, so that
each implementation is timed alternately with the others over the whole run; each test case is
one call. Report the median over the rounds (``bench/peers_table.py`` does).

Instances: the three packages draw their instances (shift, rotations, f_opt) differently, so the
throughput compared is that of the same function class, not of the same instance (the work per
point does not depend on the instance). Agreement checks, before any timing:

* every implementation returns finite float64 values of shape (n,);
* scoreopt's value at x_opt is f_opt (1e-12 relative + 1e-8); each peer's value at its own
  optimum is its own f_opt (1e-12 relative + 1e-8, bbobtorch 1e-9 relative: f9 at D = 100
  misses by 1.2e-11 relative with its float32 instance data), except
  where x_opt is not the minimiser in that peer's definition (evosax f5: the optimum is
  5 * sign(x_opt), checked there; evosax f9, f19, f20, f22, f24 and bbobtorch f24: not checked);
* where the definitions agree, a peer built on scoreopt's instance (x_opt, f_opt, and for
  bbobtorch f5 the slope vector) gives scoreopt's values on 200 points: separable functions
  without rotations, evosax f1, f2, f3, f5 and bbobtorch f1, f5 (rtol 1e-9, atol 1e-7:
  evosax's noiseless model adds a ~1e-8 stabilisation term). evosax f4 and bbobtorch f2-f4 are
  measured and recorded (``separable_max_rel_diff``) but not asserted: evosax's Bueche-Rastrigin
  puts the factor 10 on the other half of the coordinates, and bbobtorch 1.0.1's T_osz computes
  sin(c1 x + sin(c2 x)) instead of sin(c1 x) + sin(c2 x); both cost the same per point;
* torch.compile's values equal bbobtorch eager's (rtol 1e-9) on the first 200 points.

bbobtorch builds its instances in float32; its floating-point parameters are converted to float64
here (its own ``Problem.type(torch.float64)`` fails on f4, whose index tensor it converts too, and
on f8/f9/f19, whose parameter list holds a Python float), so it computes in float64 from
float32-rounded instance data.

Sizes: N = SCOREOPT_BENCH_N (default 100,000) for every implementation, except where a peer
materializes an (N, peaks or frequencies, D) array: f21 (101 peaks), f22 (21 peaks) and f23 (32
frequencies), where the peers run on PEER_N[f] points (several GB otherwise); evaluations per
second are n / time with the point count n in extra_info. ``test_read_bandwidth`` measures the
machine's read bandwidth (a NumPy sum over a 1 GiB float64 array, one thread, and two threads
each summing one half), for the bandwidth part of the target.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from memory_read import sum_in_two_threads
from scoreopt import problems

N = int(os.environ.get("SCOREOPT_BENCH_N", 100_000))
DIMS = tuple(int(d) for d in os.environ.get("SCOREOPT_BENCH_DIMS", "40,100").split(","))
ROUNDS = int(os.environ.get("SCOREOPT_BENCH_ROUNDS", 3))
FUNCTIONS = [int(f) for f in os.environ.get("SCOREOPT_BENCH_FUNCTIONS", ",".join(map(str, range(1, 25)))).split(",")]
IMPLEMENTATIONS = ("scoreopt", "evosax", "bbobtorch_eager", "bbobtorch_compile")
PEER_N = {21: 10_000, 22: 25_000, 23: 25_000}  # peers' point counts where they need (N, P, D) arrays
CHECK_N = 200

# evosax's function names, in BBOB order (f1 .. f24)
EVOSAX_NAMES = ("sphere", "ellipsoidal", "rastrigin", "bueche_rastrigin", "linear_slope",
                "attractive_sector", "step_ellipsoidal", "rosenbrock", "rosenbrock_rotated",
                "ellipsoidal_rotated", "discus", "bent_cigar", "sharp_ridge", "different_powers",
                "rastrigin_rotated", "weierstrass", "schaffers_f7", "schaffers_f7_ill_cond",
                "griewank_rosenbrock", "schwefel", "gallagher_101_me", "gallagher_21_hi",
                "katsuura", "lunacek")
# where x_opt is not the minimiser in the peer's own definition (no f(x_opt) == f_opt check)
XOPT_NOT_MINIMISER = {"evosax": {9, 19, 20, 22, 24}, "bbobtorch": {24}}
# separable, unrotated functions whose definition matches COCO's: asserted against scoreopt
SAME_DEFINITION = {"evosax": {1, 2, 3, 5}, "bbobtorch": {1, 5}}
SEPARABLE = (1, 2, 3, 4, 5)


def _n_for(impl: str, fid: int) -> int:
    return N if impl == "scoreopt" else min(N, PEER_N.get(fid, N))


_inputs: dict = {}


def _points(dim: int) -> np.ndarray:
    if dim not in _inputs:
        _inputs[dim] = np.random.default_rng(0).uniform(-5, 5, (N, dim))
    return _inputs[dim]


def _max_rel_diff(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))


def _check_values(y, n, what):
    y = np.asarray(y)
    assert y.shape == (n,), f"{what}: shape {y.shape}, expected ({n},)"
    assert y.dtype == np.float64, f"{what}: dtype {y.dtype}, expected float64"
    assert np.all(np.isfinite(y)), f"{what}: non-finite values"


# ----------------------------------------------------------------------------------- evosax

def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _evosax_problem(fid, dim, **kw):
    _jax()
    bbob = pytest.importorskip("evosax.problems")
    return bbob.BBOBProblem(EVOSAX_NAMES[fid - 1], dim, seed=0, **kw)


def _evosax_call(prob):
    jax = _jax()
    key = jax.random.key(0)
    state = prob._state  # the state BBOBProblem.__init__ made (a call counter)
    return lambda Xj: prob.eval(key, Xj, state)[0].block_until_ready()


def _build_evosax(fid, dim, X, ref):
    jax = _jax()
    import jax.numpy as jnp

    info = {}
    prob = _evosax_problem(fid, dim)
    call = _evosax_call(prob)
    if fid not in XOPT_NOT_MINIMISER["evosax"]:
        xo = np.asarray(prob.x_opt, dtype=np.float64)
        if fid == 5:  # evosax's linear slope: the optimum is 5 * sign(x_opt)
            xo = np.where(xo > 0, 5.0, -5.0)
        v = float(call(jnp.asarray(xo[None, :]))[0])
        np.testing.assert_allclose(v, float(prob.f_opt), rtol=1e-12, atol=1e-8,
                                   err_msg=f"evosax f{fid}: f(x_opt) != f_opt")
        info["checked_f_at_optimum"] = True
    if fid in SEPARABLE:
        p = problems.bbob(fid, 1, dim)
        same = _evosax_problem(fid, dim, x_opt=jnp.asarray(p.x_opt), f_opt=p.optimum,
                               sample_rotations=False)
        y = np.asarray(_evosax_call(same)(jnp.asarray(X[:CHECK_N])))
        info["separable_max_rel_diff"] = _max_rel_diff(y, ref)
        if fid in SAME_DEFINITION["evosax"]:
            np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-7,
                                       err_msg=f"evosax f{fid} on scoreopt's instance")
            info["checked_same_instance"] = True
    Xj = jax.device_put(X)
    y = call(Xj)  # compiles
    _check_values(y, len(X), f"evosax f{fid}")
    return (lambda: call(Xj)), info


# -------------------------------------------------------------------------------- bbobtorch

def _bbobtorch_problem(fid, dim):
    torch = pytest.importorskip("torch")
    bbobtorch = pytest.importorskip("bbobtorch")
    prob = getattr(bbobtorch, f"create_f{fid:02d}")(dim, seed=0)
    f64 = lambda q: q.double() if torch.is_tensor(q) and q.is_floating_point() else q
    prob._parameters = [f64(q) for q in prob._parameters]
    prob._x_opt, prob._f_opt = f64(prob._x_opt), f64(prob._f_opt)
    return prob


def _build_bbobtorch(fid, dim, X, ref, compiled):
    torch = pytest.importorskip("torch")
    info = {}
    prob = _bbobtorch_problem(fid, dim)
    Xt = torch.from_numpy(X)
    if not compiled:
        if fid not in XOPT_NOT_MINIMISER["bbobtorch"]:
            v = float(prob(prob.x_opt[None, :])[0])  # float32 instance data: rtol 1e-9
            np.testing.assert_allclose(v, float(prob.f_opt), rtol=1e-9, atol=1e-8,
                                       err_msg=f"bbobtorch f{fid}: f(x_opt) != f_opt")
            info["checked_f_at_optimum"] = True
        if fid in SEPARABLE:
            p = problems.bbob(fid, 1, dim)
            same = _bbobtorch_problem(fid, dim)
            xo = torch.from_numpy(np.array(p.x_opt, dtype=np.float64))
            same._parameters[0] = xo  # f1..f5: [x_opt, f_opt, ...]
            same._parameters[1] = torch.tensor(p.optimum, dtype=torch.float64)
            if fid == 5:  # the slope vector s = sign(x_opt) * 10^(i / (D - 1)) of the instance
                same._parameters[2] = torch.sign(xo) * 10.0 ** (torch.arange(dim, dtype=torch.float64) / (dim - 1))
            with torch.no_grad():
                y = same(torch.from_numpy(X[:CHECK_N])).numpy()
            info["separable_max_rel_diff"] = _max_rel_diff(y, ref)
            if fid in SAME_DEFINITION["bbobtorch"]:
                np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-7,
                                           err_msg=f"bbobtorch f{fid} on scoreopt's instance")
                info["checked_same_instance"] = True
        fn = prob
    else:
        import torch._inductor.config as inductor_config

        inductor_config.compile_threads = 1  # the machine is shared: compile on one core
        # The lambda below is one code object for all the cases, and Dynamo compiles a code
        # object at most recompile_limit (8) times, then runs it eagerly: the runs before this
        # line timed most "compiled" cases as eager ones (f19 at D = 40: 2.2-2.4 M/s in the full
        # run, 5.7 compiled alone). Room for every case, each compiled once and kept.
        import torch._dynamo.config as dynamo_config

        dynamo_config.recompile_limit = max(dynamo_config.recompile_limit, 2 * len(FUNCTIONS) * len(DIMS))
        fn = torch.compile(lambda x: prob(x), dynamic=False)
        with torch.no_grad():
            eager = prob(Xt[:CHECK_N]).numpy()
    if compiled:
        from torch._dynamo.utils import counters

        graphs = counters["stats"]["unique_graphs"]
    with torch.no_grad():
        y = fn(Xt).numpy()  # compiles (torch.compile) / warms up (eager)
    _check_values(y, len(X), f"bbobtorch f{fid}")
    if compiled:
        assert counters["stats"]["unique_graphs"] > graphs, f"bbobtorch f{fid}: torch.compile ran eagerly"
        np.testing.assert_allclose(y[:CHECK_N], eager, rtol=1e-9, atol=1e-9,
                                   err_msg=f"bbobtorch f{fid}: torch.compile != eager")

    def run():
        with torch.no_grad():
            return fn(Xt)

    return run, info


# ------------------------------------------------------------------------------------ cases

_built: dict = {}


def _build(impl, fid, dim):
    key = (impl, fid, dim)
    if key not in _built:
        X = _points(dim)[: _n_for(impl, fid)]
        p = problems.bbob(fid, 1, dim)
        if impl == "scoreopt":
            np.testing.assert_allclose(p.evaluate(p.x_opt[None, :])[0], p.optimum, rtol=1e-12, atol=1e-8)
            y = p.evaluate(X)
            _check_values(y, len(X), f"scoreopt f{fid}")
            _built[key] = ((lambda: p.evaluate(X)), {"checked_f_at_optimum": True}, len(X))
        else:
            ref = p.evaluate(X[:CHECK_N])
            if impl == "evosax":
                fn, info = _build_evosax(fid, dim, X, ref)
            else:
                fn, info = _build_bbobtorch(fid, dim, X, ref, compiled=impl == "bbobtorch_compile")
            _built[key] = (fn, info, len(X))
    return _built[key]


CASES = [(r, d, f, impl) for r in range(ROUNDS) for d in DIMS for f in FUNCTIONS for impl in IMPLEMENTATIONS]


@pytest.mark.parametrize("case", CASES, ids=[f"r{r}-D{d}-f{f}-{i}" for r, d, f, i in CASES])
def test_bbob_peers(benchmark, case):
    rnd, dim, fid, impl = case
    fn, info, n = _build(impl, fid, dim)
    benchmark.group = f"bbob D{dim} f{fid}"
    benchmark.extra_info.update(function=fid, implementation=impl, n=n, dim=dim, round=rnd,
                                dtype="float64", **info)
    benchmark.pedantic(fn, rounds=1, iterations=1, warmup_rounds=0)
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["evaluations_per_second"] = n / benchmark.stats.stats.median


def test_read_bandwidth(benchmark):
    """Read bandwidth from DRAM: a 1 GiB float64 array (32x this machine's 32 MiB last-level
    cache) read by NumPy's sum in one thread, by the sums of its two halves in two threads (NumPy's
    reduction releases the GIL) and by BLAS's dot(A, A) (its own threads; last, since OpenBLAS's
    workers spin after it); best of 7 each, GB/s in extra_info, and gb_per_s the largest of the
    three (the bandwidth that the memory-bound targets are read against: any of these reads at
    most what the memory delivers)."""
    A = np.ones(1 << 27)
    A.sum()
    one = min(_timed(lambda: A.sum()) for _ in range(7))
    assert sum_in_two_threads(A) == len(A)
    two_t = min(_timed(lambda: sum_in_two_threads(A)) for _ in range(7))
    dot = min(_timed(lambda: np.dot(A, A)) for _ in range(7))
    benchmark.group = "read bandwidth"
    benchmark.extra_info.update(_versions())
    benchmark.extra_info.update(implementation="read_bandwidth", bytes=A.nbytes,
                                gb_per_s_one_thread=A.nbytes / one / 1e9,
                                gb_per_s_two_threads=A.nbytes / two_t / 1e9,
                                gb_per_s_blas_dot=A.nbytes / dot / 1e9,
                                gb_per_s=A.nbytes / min(one, two_t, dot) / 1e9)
    benchmark.pedantic(lambda: A.sum(), rounds=3, iterations=1, warmup_rounds=0)


def _versions() -> dict:
    """The scoreopt build and the peers' versions (those installed), for the JSON."""
    from importlib import metadata

    from scoreopt import _core

    out = {"scoreopt_build": _core.build_info(), "scoreopt_simd_path": _core.simd_path(),
           "cpu_count": os.cpu_count()}
    try:
        import torch

        out["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    for dist in ("jax", "jaxlib", "evosax", "BBOBtorch", "torch", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t
