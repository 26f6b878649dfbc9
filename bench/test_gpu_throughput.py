"""GPU throughput (issue 4): batched evaluation and the fused smoothing estimator on a CUDA device.

Evaluation: X of shape (N, D) = (1,000,000, 100), float32, on the GPU, for sphere, rastrigin,
levy and the rotated BBOB function f15 (instance 1), four implementations each:

    triton         p.evaluate(X, backend="triton")   (scoreopt.kernels, one fused kernel)
    cuda           p.evaluate(X, backend="cuda")     (the core's CUDA kernels; skipped, with the
                   reason, when this build has no CUDA backend)
    torch_eager    the same formulas in torch on the GPU tensor (f15: in float64, as the core
                   and the Triton kernel evaluate it)
    torch_compile  torch.compile (default mode) of the torch function, compiled and warmed up
                   before timing

Every implementation is checked against the CPU core on a slice of X before it is timed. The
device-to-device copy bandwidth is measured in the same run (``copy_`` of an N x D float32
buffer, read + write counted); each evaluation case reports in ``extra_info`` its achieved
bytes per second (it must read N x D x 4 bytes and write N x 4) and that as a fraction of the
copy bandwidth. sphere, rastrigin and levy are bandwidth-bound on an H100; f15 (two D x D
matrix-vector products per row, in float64) is compute-bound, its fraction is reported too.

Estimator: ``smoothing.estimate`` on M = 64 centers, K = 16,384 samples each, D = 100 (rastrigin,
float32, temperature 1): the fused Triton estimator (noise generated in the kernel) against a
torch-eager estimator that materializes the samples chunk by chunk. The peak extra device memory
of the fused call is recorded (``peak_extra_bytes``) and must stay far below one M x K x D
sample array: the samples never touch device memory.

Run on a machine with a CUDA GPU (without one every case is skipped, saying so):

    python -m pytest bench/test_gpu_throughput.py --benchmark-json=bench-gpu.json
    python bench/summarize.py bench-gpu.json

SCOREOPT_BENCH_GPU_N / SCOREOPT_BENCH_DIM override N and D (e.g. for a smoke test).
"""

from __future__ import annotations

import functools
import math
import os

import numpy as np
import pytest

import scoreopt
from scoreopt import _dispatch

from classic_references import TORCH_FUNCS as CLASSIC_TORCH

torch = pytest.importorskip("torch")

if os.environ.get("TRITON_INTERPRET", "0") not in ("", "0"):
    pytest.skip("TRITON_INTERPRET is set: the GPU benchmark needs compiled Triton kernels",
                allow_module_level=True)
if not torch.cuda.is_available():
    pytest.skip("no CUDA device (torch.cuda.is_available() is False): the GPU benchmark needs one",
                allow_module_level=True)

N = int(os.environ.get("SCOREOPT_BENCH_GPU_N", "1000000"))
D = int(os.environ.get("SCOREOPT_BENCH_DIM", "100"))
SEED = 0
DEV = torch.device("cuda")

FUNCTIONS = ("sphere", "rastrigin", "levy", "bbob.f15")
BANDWIDTH_BOUND = ("sphere", "rastrigin", "levy")
IMPLEMENTATIONS = ("triton", "cuda", "torch_eager", "torch_compile")
ROUNDS = 30


def _sync_call(fn):
    def run():
        out = fn()
        torch.cuda.synchronize()
        return out

    return run


# --------------------------------------------------------------------------- torch versions

# sphere, rastrigin and levy: the classic benchmark's references (bench/classic_references.py)
th_sphere, th_rastrigin, th_levy = (CLASSIC_TORCH[n] for n in ("sphere", "rastrigin", "levy"))


@functools.lru_cache(maxsize=None)
def _f15_tables():
    from scoreopt.suites.bbob import pack

    t = torch.from_numpy(np.array(pack(15, 1, D))).to(DEV)
    shift = t[1:1 + D]
    R = t[1 + D:1 + D + D * D].reshape(D, D).T.contiguous()  # stored column-major
    Mx = t[1 + D + D * D:1 + D + 2 * D * D].reshape(D, D).T.contiguous()
    coef = 0.2 * torch.arange(D, dtype=torch.float64, device=DEV) / (D - 1)
    return t[0], shift, R, Mx, coef


def th_f15(X):
    f_opt, shift, R, Mx, coef = _f15_tables()
    y = (X.to(torch.float64) - shift) @ R.T
    ys = torch.where(y == 0, torch.ones_like(y), y.abs())
    t = torch.log(ys) / 0.1
    pos = torch.exp(0.1 * (t + 0.49 * (torch.sin(t) + torch.sin(0.79 * t))))
    neg = -torch.exp(0.1 * (t + 0.49 * (torch.sin(0.55 * t) + torch.sin(0.31 * t))))
    y = torch.where(y > 0, pos, torch.where(y < 0, neg, y))
    yp = torch.where(y > 0, y, torch.ones_like(y))
    y = torch.where(y > 0, torch.exp((1.0 + coef * torch.sqrt(yp)) * torch.log(yp)), y)
    z = y @ Mx.T
    return (10.0 * (D - torch.cos((2.0 * math.pi) * z).sum(1)) + (z * z).sum(1) + f_opt).to(X.dtype)


TORCH_FUNCS = {"sphere": th_sphere, "rastrigin": th_rastrigin, "levy": th_levy, "bbob.f15": th_f15}


# --------------------------------------------------------------------------- data and bandwidth

@functools.lru_cache(maxsize=None)
def _data(name):
    p = scoreopt.problems.get(name, D, instance=1) if name.startswith("bbob.") else scoreopt.problems.get(name, D)
    lo, hi = p.bounds
    gen = torch.Generator(device=DEV).manual_seed(SEED)
    lo_t = torch.as_tensor(np.asarray(lo), dtype=torch.float32, device=DEV)
    hi_t = torch.as_tensor(np.asarray(hi), dtype=torch.float32, device=DEV)
    X = lo_t + (hi_t - lo_t) * torch.rand((N, D), generator=gen, device=DEV, dtype=torch.float32)
    check_rows = min(N, 4096)
    ref = torch.as_tensor(p.evaluate(X[:check_rows].cpu().numpy()))
    return p, X, ref, check_rows


@functools.lru_cache(maxsize=None)
def copy_bandwidth() -> float:
    """Device-to-device copy bandwidth in bytes/s (read + write), best of 20 timed copies of an
    N x D float32 buffer."""
    src = torch.empty((N, D), dtype=torch.float32, device=DEV).uniform_()
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    torch.cuda.synchronize()
    best = math.inf
    for _ in range(20):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        dst.copy_(src)
        b.record()
        b.synchronize()
        best = min(best, a.elapsed_time(b) / 1e3)
    return 2 * src.numel() * src.element_size() / best


@functools.lru_cache(maxsize=None)
def _compiled(name):
    return torch.compile(TORCH_FUNCS[name])


def _make_callable(name, impl, X, p):
    if impl == "triton":
        return lambda: p.evaluate(X, backend="triton")
    if impl == "cuda":
        return lambda: p.evaluate(X, backend="cuda")
    if impl == "torch_eager":
        f = TORCH_FUNCS[name]
        return lambda: f(X)
    if impl == "torch_compile":
        f = _compiled(name)
        return lambda: f(X)
    raise ValueError(impl)


def _check(name, impl, out, ref, rows):
    assert isinstance(out, torch.Tensor) and out.device.type == "cuda", f"{name}-{impl}: not a CUDA tensor"
    assert out.shape == (N,) and out.dtype == torch.float32, f"{name}-{impl}: {out.shape} {out.dtype}"
    got = out[:rows].double().cpu()
    want = ref.double()
    atol = 1e-5 * float(want.abs().max())
    assert torch.allclose(got, want, rtol=1e-4, atol=atol), \
        f"{name}-{impl} disagrees with the CPU core: max |diff| {float((got - want).abs().max()):.3g}"


@pytest.mark.parametrize("function, impl", [pytest.param(f, i, id=f"{f}-{i}") for f in FUNCTIONS
                                            for i in IMPLEMENTATIONS])
def test_gpu_eval_throughput(benchmark, function, impl):
    if impl == "cuda":
        ok, why = _dispatch.cuda_status()
        if not ok:
            pytest.skip(why)
    p, X, ref, rows = _data(function)
    fn = _sync_call(_make_callable(function, impl, X, p))
    _check(function, impl, fn(), ref, rows)  # also compiles (Triton JIT, torch.compile)
    for _ in range(3):
        fn()
    bw = copy_bandwidth()
    benchmark.group = f"gpu-{function}"
    benchmark.extra_info.update({
        "function": function, "implementation": impl, "n": N, "dim": D, "dtype": "float32",
        "device": torch.cuda.get_device_name(), "torch_version": torch.__version__,
        "copy_bandwidth_bytes_per_second": bw,
        "bandwidth_bound": function in BANDWIDTH_BOUND,
    })
    result = benchmark.pedantic(fn, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    _check(function, impl, result, ref, rows)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        t = stats.stats.median
        moved = N * D * 4 + N * 4
        benchmark.extra_info["evaluations_per_second"] = N / t
        benchmark.extra_info["bytes_per_second"] = moved / t
        benchmark.extra_info["fraction_of_copy_bandwidth"] = moved / t / bw


# --------------------------------------------------------------------------- fused estimator

EST_M, EST_K = 64, int(os.environ.get("SCOREOPT_BENCH_GPU_K", "16384"))


def _torch_estimate(p, X, sigma, K, temperature, seed, chunk=2048):
    """An estimator in eager torch that materializes each chunk of samples (M x chunk x D):
    smoothed value, antithetic Stein gradient and Boltzmann-weighted mean."""
    gen = torch.Generator(device=X.device).manual_seed(seed)
    M, Dm = X.shape
    fsum = torch.zeros(M, dtype=torch.float64, device=X.device)
    g = torch.zeros(M, Dm, dtype=torch.float64, device=X.device)
    w = torch.zeros(M, Dm, dtype=torch.float64, device=X.device)
    wsum = torch.zeros(M, dtype=torch.float64, device=X.device)
    f_all = []
    f = TORCH_FUNCS[p.name]
    for k0 in range(0, K // 2, chunk // 2):
        eps = torch.randn((M, chunk // 2, Dm), generator=gen, device=X.device, dtype=X.dtype)
        Yp, Ym = X[:, None, :] + sigma * eps, X[:, None, :] - sigma * eps
        fp = f(Yp.reshape(-1, Dm)).reshape(M, -1).double()
        fm = f(Ym.reshape(-1, Dm)).reshape(M, -1).double()
        fsum += fp.sum(1) + fm.sum(1)
        g += torch.einsum("mk,mkd->md", (fp - fm) / (2 * sigma), eps.double())
        f_all.append((fp, fm, eps))
    fmin = torch.stack([torch.minimum(a.min(1).values, b.min(1).values) for a, b, _ in f_all]).min(0).values
    for fp, fm, eps in f_all:  # weights once the minimum is known (the eps are kept: memory M x K x D)
        wp = torch.exp(-(fp - fmin[:, None]) / temperature)
        wm = torch.exp(-(fm - fmin[:, None]) / temperature)
        w += torch.einsum("mk,mkd->md", wp - wm, sigma * eps.double())
        wsum += wp.sum(1) + wm.sum(1)
    return fsum / K, g / (K // 2), X.double() + w / wsum[:, None]


@pytest.mark.parametrize("impl", ["triton", "cuda", "torch_eager"])
def test_gpu_estimator_throughput(benchmark, impl):
    from scoreopt import smoothing

    if impl == "cuda":
        ok, why = _dispatch.cuda_status()
        if not ok:
            pytest.skip(why)
    p = scoreopt.problems.get("rastrigin", D)
    gen = torch.Generator(device=DEV).manual_seed(1)
    X = (torch.rand((EST_M, D), generator=gen, device=DEV) * 4 - 2).contiguous()
    kw = dict(samples=EST_K, temperature=1.0, seed=3)
    if impl == "torch_eager":
        fn = _sync_call(lambda: _torch_estimate(p, X, 0.3, EST_K, 1.0, 3))
    else:
        fn = _sync_call(lambda: smoothing.estimate(p, X, 0.3, backend=impl, **kw))
    out = fn()
    if impl != "torch_eager":
        # same estimate as the CPU core on a few centers (same seed, same noise)
        c = smoothing.estimate(p, X[:4].cpu().numpy(), 0.3, samples=EST_K, temperature=1.0, seed=3)
        assert torch.allclose(out.value[:4].double().cpu(), torch.as_tensor(c.value).double(), rtol=1e-4)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fn()
        peak_extra = torch.cuda.max_memory_allocated() - base
        sample_bytes = EST_M * EST_K * D * 4
        benchmark.extra_info["peak_extra_bytes"] = peak_extra
        benchmark.extra_info["sample_array_bytes"] = sample_bytes
        assert peak_extra < sample_bytes / 64, f"{impl}: {peak_extra} bytes extra vs {sample_bytes} of samples"
    else:
        fn()
    benchmark.group = "gpu-estimator"
    benchmark.extra_info.update({"implementation": impl, "m": EST_M, "k": EST_K, "dim": D,
                                 "dtype": "float32", "device": torch.cuda.get_device_name()})
    benchmark.pedantic(fn, rounds=10, iterations=1, warmup_rounds=1)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info["samples_per_second"] = EST_M * EST_K / stats.stats.median
