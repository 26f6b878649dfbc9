"""Running scoreopt's independent work items (GLENS collection runs, benchmark sweeps,
population chunks) serially, over a process pool, or over a Ray cluster.

``make_executor("local" | "processes" | "ray", address=..., max_workers=...)`` returns an
:class:`Executor`; ``from_callable(fn, dim, bounds, executor=...)`` is a Problem whose batches
are evaluated over Ray actors (or processes) in chunks. Ray is imported only by the ``"ray"`` executor (``pip install scoreopt[ray]``).
"""

from __future__ import annotations

from .base import Executor
from .executors import EXECUTORS, LocalExecutor, ProcessExecutor, check_executor, make_executor
from .population import DistributedProblem, from_callable
from .ray_executor import RayExecutor  # the module imports Ray only when an executor is made

__all__ = ["EXECUTORS", "Executor", "LocalExecutor", "ProcessExecutor", "RayExecutor", "make_executor",
           "DistributedProblem", "from_callable"]
