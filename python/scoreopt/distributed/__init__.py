"""Running scoreopt's independent work items (GLENS collection runs, benchmark sweeps,
population chunks) serially, over a process pool, or over a Ray cluster.

``make_executor("local" | "processes" | "ray", address=..., max_workers=...)`` returns an
:class:`Executor`; ``from_callable(fn, dim, bounds, executor=...)`` is a Problem whose batches
are evaluated over Ray actors (or processes) in chunks. Ray is imported only by the ``"ray"`` executor (``pip install scoreopt[ray]``).
"""

from __future__ import annotations

from .executors import EXECUTORS, Executor, LocalExecutor, ProcessExecutor, make_executor
from .population import DistributedProblem, from_callable

__all__ = ["EXECUTORS", "Executor", "LocalExecutor", "ProcessExecutor", "RayExecutor", "make_executor",
           "DistributedProblem", "from_callable"]


def __getattr__(name: str):
    if name == "RayExecutor":  # imported on demand: the core never needs Ray
        from .ray_executor import RayExecutor

        return RayExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
