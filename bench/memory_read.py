"""Pure reads of an array at the memory's rate: the probes that the memory-bound benchmarks
(bench/test_eval_throughput.py, bench/test_bbob_peers.py::test_read_bandwidth) compare with, and
the one reading of the bandwidth they record (bench/summarize.py, bench/peers_table.py).
Standard library only (the arrays come from the caller), so the summaries can import it."""

from __future__ import annotations

import threading


def _sum_into(A, out: list, k: int) -> None:
    out[k] = float(A.sum())


def sum_in_two_threads(A) -> float:
    """The sum of A read as its two halves (along the first axis) by NumPy in two threads (the
    reduction releases the GIL). Python threads that end with the call: no pool is left spinning
    afterwards (OpenBLAS's workers spin for about 0.1 s after a BLAS call, which weighs on
    whatever runs next)."""
    halves = (A[: len(A) // 2], A[len(A) // 2:])
    out = [0.0, 0.0]
    threads = [threading.Thread(target=_sum_into, args=(h, out, k)) for k, h in enumerate(halves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out[0] + out[1]


def bandwidth_gb_per_s(info: dict) -> float | None:
    """The read bandwidth in GB/s that test_read_bandwidth's extra_info records (its best reader),
    or None where info is not that test's. Older runs (implementation "numpy_sum") recorded
    only NumPy's one- and two-thread rates: their larger one."""
    if info.get("implementation") not in ("read_bandwidth", "numpy_sum"):
        return None
    return info.get("gb_per_s") or max(info["gb_per_s_one_thread"], info["gb_per_s_two_threads"])
