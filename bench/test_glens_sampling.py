"""GLENS guided sampling (Algorithm 1) at d = 100: achieved network FLOP/s against the machine's
float32 matrix-multiply rate measured in the same run (issue 7 target: >= 50 % of it on the CPU).

    glens_sampling  scoreopt.glens.sample: 50 DDPM steps, classifier-free guidance (the
                    conditional/null pair in one forward pass of 2 x rows), SB guidance for the
                    last 5 steps, N parameters x S samples
    torch_mm        torch.mm of two 2048 x 2048 float32 matrices (the reference rate)

FLOPs are the networks' (matrix multiplies, attention) counted by torch.utils.flop_counter on
one forward pass of each network at the sampled batch: 50 NS passes over 2 x rows plus 5 SB
passes over the rows; elementwise work (norms, activations, the DDPM step) is not counted.
The networks are randomly initialized (the work does not depend on the weights).

Run:

    python -m pytest bench/test_glens_sampling.py --benchmark-json=glens.json
    python bench/summarize.py glens.json

On a machine with a CUDA device (and scoreopt built with CUDA), ``test_glens_sampling_cuda`` also
times the issue's GPU target: 10,000 guesses (100 parameters x 100 samples) at d = 100 with the
paper's networks, float32 and bfloat16 autocast; extra_info carries the seconds per call
(target: under 1 s). It is skipped without a device.

Overrides: SCOREOPT_BENCH_GLENS_WIDTH (U-Net base width, default 64 as in the paper),
SCOREOPT_BENCH_GLENS_N (test parameters, default 4), SCOREOPT_BENCH_GLENS_S (samples per
parameter, default 16), SCOREOPT_BENCH_DIM (default 100). extra_info carries flops,
gflops_per_second, and for glens_sampling the mm rate of the same run and the fraction of it.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from scoreopt.glens.models import GlensModel, NetConfig, Scaler, build_net
from scoreopt.glens.sampling import sample

D = int(os.environ.get("SCOREOPT_BENCH_DIM", "100"))
WIDTH = int(os.environ.get("SCOREOPT_BENCH_GLENS_WIDTH", "64"))
N = int(os.environ.get("SCOREOPT_BENCH_GLENS_N", "4"))
S = int(os.environ.get("SCOREOPT_BENCH_GLENS_S", "16"))
T, T_GUIDE, P = 50, 5, 2
MM = 2048

_rates = {}


def mm_rate(repeat: int = 5) -> float:
    """float32 torch.mm GFLOP/s (median of ``repeat``)."""
    a, b = torch.randn(MM, MM), torch.randn(MM, MM)
    a @ b
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - t0)
    return 2 * MM ** 3 / float(np.median(times)) / 1e9


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    cfg = NetConfig(width=WIDTH)
    scaler = Scaler(np.zeros(D), np.ones(D), np.zeros(P), np.ones(P), 1.0)
    ns = GlensModel("ns", build_net("ns", P, cfg).eval(), scaler, "himmelblau", D, T, 10)
    sb = GlensModel("sb", build_net("sb", P, cfg).eval(), scaler, "himmelblau", D, T, 10)
    return ns, sb


def sampling_flops(ns, sb, rows: int) -> int:
    x = torch.randn(2 * rows, D)
    with torch.inference_mode(), FlopCounterMode(display=False) as fc:
        ns.net(x, torch.full((2 * rows,), 10), torch.rand(2 * rows, P + 1), torch.zeros(2 * rows, dtype=torch.bool))
    f_ns = fc.get_total_flops()
    with torch.inference_mode(), FlopCounterMode(display=False) as fc:
        sb.net(x[:rows], None, torch.rand(rows, P))
    return T * f_ns + T_GUIDE * fc.get_total_flops()


def test_torch_mm(benchmark):
    a, b = torch.randn(MM, MM), torch.randn(MM, MM)
    benchmark.group = "glens_sampling"
    benchmark.extra_info.update({"impl": "torch_mm", "flops": 2 * MM ** 3, "torch_threads": torch.get_num_threads()})
    benchmark.pedantic(lambda: torch.mm(a, b), rounds=10, iterations=1, warmup_rounds=1)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        _rates["mm"] = 2 * MM ** 3 / stats.stats.median / 1e9
        benchmark.extra_info["gflops_per_second"] = _rates["mm"]


def test_glens_sampling(benchmark, models):
    ns, sb = models
    params = np.random.default_rng(0).random((N, P))
    flops = sampling_flops(ns, sb, N * S)
    run = lambda: sample(ns, params, S, sb=sb, seed=1, batch_size=N * S)
    benchmark.group = "glens_sampling"
    benchmark.extra_info.update({"impl": "glens_sampling", "dim": D, "width": WIDTH, "n_params": N, "samples": S,
                                 "steps": T, "flops": flops, "torch_threads": torch.get_num_threads()})
    out = benchmark.pedantic(run, rounds=2, iterations=1, warmup_rounds=1)
    assert out.shape == (N, S, D) and np.isfinite(out).all()
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        rate = flops / stats.stats.median / 1e9
        mm = _rates.get("mm") or mm_rate()
        benchmark.extra_info.update({"gflops_per_second": rate, "mm_gflops_per_second": mm,
                                     "fraction_of_mm": rate / mm})
        print(f"\nGLENS sampling d={D} width={WIDTH} rows={N * S}: {rate:.1f} GFLOP/s = "
              f"{100 * rate / mm:.0f} % of torch.mm ({mm:.1f} GFLOP/s)")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the GPU target needs a CUDA device")
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_glens_sampling_cuda(benchmark, models, dtype):
    ns, sb = models
    n_params, samples = 100, 100                                          # 10,000 guesses
    params = np.random.default_rng(0).random((n_params, P))
    # every layer works row by row, so the count is linear in the rows: count 64 on the CPU
    flops = sampling_flops(ns, sb, 64) * (n_params * samples) // 64

    def run():
        out = sample(ns, params, samples, sb=sb, seed=1, batch_size=n_params * samples, device="cuda", dtype=dtype)
        torch.cuda.synchronize()
        return out

    benchmark.group = "glens_sampling_cuda"
    benchmark.extra_info.update({"impl": f"glens_sampling_cuda_{dtype}", "dim": D, "width": WIDTH,
                                 "n_params": n_params, "samples": samples, "steps": T, "flops": flops,
                                 "device": torch.cuda.get_device_name()})
    out = benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    assert out.shape == (n_params, samples, D) and np.isfinite(out).all()
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        sec = stats.stats.median
        benchmark.extra_info.update({"seconds": sec, "gflops_per_second": flops / sec / 1e9})
        print(f"\nGLENS sampling on {torch.cuda.get_device_name()} ({dtype}): 10,000 guesses in {sec:.3f} s "
              f"({flops / sec / 1e12:.1f} TFLOP/s)")
