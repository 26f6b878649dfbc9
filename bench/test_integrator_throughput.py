"""One Heun step over B = 100,000 points at D = 100 in float32 (issue 6 target: memory speed on
the CPU): scoreopt's fused in-place step vs the NumPy expression vs a plain ``np.copyto`` of an
array of the same size.

Bytes moved (extra_info["bytes_per_second"]): the Heun step reads x, v1, v2 and writes x (4 arrays
of B x D); the copy reads one and writes one (2 arrays). The NumPy expression is charged the same
4 arrays as the fused step, though its temporaries move more.
"""

import os

import numpy as np
import pytest

from scoreopt import integrators

B = int(os.environ.get("SCOREOPT_BENCH_B", 100_000))
D = int(os.environ.get("SCOREOPT_BENCH_DIM", 100))
DT = -1e-3


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, D), dtype=np.float32)
    v1 = rng.standard_normal((B, D), dtype=np.float32)
    v2 = rng.standard_normal((B, D), dtype=np.float32)
    return x, v1, v2


@pytest.mark.parametrize("impl", ["scoreopt", "numpy", "copy"])
def test_heun_step(benchmark, impl, arrays):
    x0, v1, v2 = arrays
    x = x0.copy()
    if impl == "scoreopt":
        fn = lambda: integrators.heun_step(x, v1, v2, DT)
        narrays = 4
        # sanity: one step equals the NumPy expression
        y = x0.copy()
        integrators.heun_step(y, v1, v2, DT)
        np.testing.assert_allclose(y, x0 + np.float32(0.5 * DT) * (v1 + v2), rtol=1e-6, atol=1e-6)
    elif impl == "numpy":
        h = np.float32(0.5 * DT)

        def fn():
            np.add(x, h * (v1 + v2), out=x)

        narrays = 4
    else:
        fn = lambda: np.copyto(x, v1)
        narrays = 2
    benchmark.group = "heun step"
    nbytes = narrays * B * D * x.itemsize
    benchmark.extra_info.update(b=B, dim=D, dtype="float32", implementation=impl, bytes=nbytes)
    benchmark.pedantic(fn, rounds=30, iterations=1, warmup_rounds=2)
    benchmark.extra_info["bytes_per_second"] = nbytes / benchmark.stats.stats.median
    benchmark.extra_info["gb_per_second"] = nbytes / benchmark.stats.stats.median / 1e9
