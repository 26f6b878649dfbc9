"""Pure reads of an array at the memory's rate: the probes that the memory-bound benchmarks
(bench/test_eval_throughput.py, bench/test_bbob_peers.py::test_read_bandwidth) compare with."""

from __future__ import annotations

import threading

import numpy as np


def _sum_into(A: np.ndarray, out: list, k: int) -> None:
    out[k] = float(np.sum(A))


def sum_in_two_threads(A: np.ndarray) -> float:
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
