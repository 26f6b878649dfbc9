"""Child process of tests/test_memory.py: many calls of the public API, resident memory sampled.

    python tests/memory_child.py CALLS RUNS LEAK_BYTES

Makes CALLS calls of Problem.evaluate / gradient / value_and_gradient, smoothing.estimate and the
integrator steps (in a fixed mix, a tenth of them rejected with ValueError/TypeError, since error
paths leak too) and RUNS short scoreopt.minimize runs (every method, built-in and Python
objectives), after a warm-up of the same mix. Prints one JSON line: the resident set size (from
/proc/self/statm) after the warm-up and at ten checkpoints, in bytes. LEAK_BYTES > 0 keeps that
many bytes per call alive on purpose: the parent's check that a leak is seen.
"""

import gc
import json
import os
import sys
import warnings

import numpy as np
import torch

import scoreopt
from scoreopt import integrators, problems, smoothing

warnings.filterwarnings("ignore")
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def main() -> int:
    calls, runs, leak_bytes = (int(v) for v in sys.argv[1:4])
    rng = np.random.default_rng(0)
    sphere, rastrigin = problems.get("sphere", 4), problems.get("rastrigin", 4)
    himmelblau = problems.glens("himmelblau", 4)
    bbob = problems.bbob(3, 1, 4)
    square = problems.from_callable(lambda X: (X * X).sum(1), 4, (-2.0, 2.0))
    X64 = rng.uniform(-2, 2, (8, 4))
    X32 = X64.astype(np.float32)
    Xstrided = rng.uniform(-2, 2, (8, 8))[:, ::2]
    X16 = X64.astype(np.float16)
    T32 = torch.from_numpy(X32.copy())
    bad = np.full((8, 3), 1.0)  # wrong width: ValueError
    params = np.array([11.0, 7.0])
    x = rng.standard_normal((6, 5))
    v, v2 = rng.standard_normal((6, 5)), rng.standard_normal((6, 5))
    x32 = x.astype(np.float32)
    v32 = v.astype(np.float32)
    kept = []

    def expect_error(fn, *a, **kw):
        try:
            fn(*a, **kw)
        except (ValueError, TypeError):
            return
        raise AssertionError("expected an error")

    # one round of the mix: 20 calls (evaluate 8, estimate 4, integrator steps 8; 2 of them errors)
    def round_of_calls(i):
        sphere.evaluate(X64)
        rastrigin.gradient(X32)
        sphere.value_and_gradient(Xstrided)
        rastrigin.evaluate(X16)
        sphere.evaluate(T32)
        himmelblau.evaluate(X64, params)
        bbob.evaluate(X64[0])
        expect_error(sphere.evaluate, bad)
        smoothing.estimate(rastrigin, X64[:2], 0.3, samples=8, temperature=1.0, seed=i)
        smoothing.estimate(sphere, X32[:2], 0.3, samples=8, bounds=(-1, 1), seed=i)
        if i % 10 == 0:
            smoothing.estimate(square, X64[:2], 0.3, samples=8, temperature=1.0, seed=i)  # Python path
        else:
            smoothing.estimate(sphere, X64[0], np.array([0.5]), samples=16, relative_temperature=True,
                               temperature=2.0, seed=i)
        expect_error(smoothing.estimate, sphere, X64, -1.0, samples=8)
        integrators.euler_step(x, v, 1e-3)
        integrators.heun_step(x32, v32, v32, -1e-3)
        integrators.euler_maruyama_step(x, v, -0.5, 0.1, -1e-3, seed=1, step=i)
        integrators.langevin_step(x32, v32, 1e-4, seed=2, step=i)
        integrators.ddpm_step(x, v2, 0.02, 0.5, 0.6, seed=3, step=i)
        integrators.convert("eps", "score", x, v, integrators.schedule("vp", 0.5))
        integrators.euler_step(x, v, 0.0)
        x[:] = np.clip(x, -10, 10)  # keep the states bounded over 100,000 steps
        x32[:] = np.clip(x32, -10, 10)
        if leak_bytes:
            kept.append(bytearray(leak_bytes * 20))

    methods = ["dida", "mbd", "mppi", "cem", "es"]

    def one_run(j):
        m = methods[j % 5]
        if j % 10 == 9:  # HSM with the model-free score, a short hierarchy
            scoreopt.minimize(sphere, method="hsm", budget=200, seed=j, score="smoothing", levels=2,
                              samples=16, refine=False)
        elif j % 3 == 0:  # the whole loop in the core
            scoreopt.minimize(rastrigin, method=m, budget=64, popsize=16, seed=j)
        elif j % 3 == 1:  # a Python objective through ask/tell
            scoreopt.minimize(lambda X: (X * X).sum(1), dim=3, bounds=(-1, 2), method=m, budget=48,
                              popsize=16, seed=j)
        else:  # a non-cubic box: the Python loop on a built-in problem
            scoreopt.minimize(sphere, bounds=([-1, -2, -1, -1], [1, 1, 3, 1]), method=m, budget=48,
                              popsize=16, seed=j)

    rounds = calls // 20
    for i in range(max(1, rounds // 10)):  # warm-up: allocator pools, thread stacks, caches
        round_of_calls(i)
    for j in range(max(1, runs // 10)):
        one_run(j)
    kept.clear()
    gc.collect()
    base = rss()
    samples = []
    for k in range(10):
        for i in range(k * rounds // 10, (k + 1) * rounds // 10):
            round_of_calls(i)
        for j in range(k * runs // 10, (k + 1) * runs // 10):
            one_run(j)
        gc.collect()
        samples.append(rss())
    print(json.dumps({"base": base, "samples": samples, "calls": rounds * 20, "runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
