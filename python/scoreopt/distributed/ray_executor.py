"""The Ray executor: each item is one Ray task (1 CPU). Needs the optional extra
``pip install scoreopt[ray]``; nothing else in scoreopt imports Ray."""

from __future__ import annotations

import contextlib
import os
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .._validate import integer
from .base import Executor, check_callable, set_worker_threads

_RAY_MISSING = "executor='ray' needs Ray, which is not installed: pip install scoreopt[ray]"


def import_ray():
    """The ``ray`` module, or an ImportError that says how to install it."""
    try:
        import ray
    except ImportError as e:
        raise ImportError(_RAY_MISSING) from e
    return ray


def _worker_lost(ray) -> tuple:
    """The exceptions of a task whose worker process or node was lost (as far as this Ray
    version has them)."""
    names = ("WorkerCrashedError", "NodeDiedError", "OutOfMemoryError")
    return tuple(getattr(ray.exceptions, n) for n in names if hasattr(ray.exceptions, n))


def _run_task(fn, item, worker_threads=1):
    set_worker_threads(worker_threads)
    return fn(item)


@contextlib.contextmanager
def _loopback_only(ray):
    """Ray binds a new local instance to the machine's outward address unless it is told that
    this is a single-node (Windows/macOS-style) setup: then everything listens on 127.0.0.1.
    The switch is read from the environment by the processes Ray starts, and from a module
    constant by this one; both are restored afterwards so that a later connection to a real
    cluster from this process is unaffected."""
    key = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
    try:
        from ray._private import ray_constants
    except ImportError:  # a Ray without this module: the environment switch alone
        ray_constants = None
    old_env = os.environ.get(key)
    old_const = getattr(ray_constants, "ENABLE_RAY_CLUSTER", None)
    os.environ[key] = "0"
    if old_const is not None:
        ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        if old_const is not None:
            ray_constants.ENABLE_RAY_CLUSTER = old_const
        if old_env is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old_env


class RayExecutor(Executor):
    """Ray tasks, one per item, each retried up to ``max_retries`` times when its worker process
    dies (killed, out of memory, node lost), so a failure costs only the rerun of that task.

    Connection: if Ray is already initialized in this process, that connection is used (and
    left open). Otherwise ``address`` (``"auto"``, ``"host:port"``, ``"ray://host:port"``)
    connects to an existing cluster, and without it a local Ray instance is started with
    ``max_workers`` CPUs (default: all cores), listening on 127.0.0.1 only and without the
    dashboard; ``close()`` disconnects, or shuts the instance down.

    ``max_workers`` also bounds the tasks in flight at once. ``fn`` and the items are sent with
    Ray's cloudpickle (lambdas and closures are fine).

    Tasks are never cancelled: when an iteration ends early (a task raised, the generator was
    closed), the items not yet submitted are never submitted, and the tasks in flight (at most
    ``max_workers``; all of them without it) run to their end with their results dropped; the
    next call and ``close()`` wait for them. ``ray.cancel`` of a task in flight can race with that task's completion
    inside Ray's core worker and abort the whole driver process with a fatal check
    ("Tried to complete task that was not pending", ray-project/ray#54798), so this executor
    does not call it."""

    name = "ray"

    def __init__(self, address: Optional[str] = None, max_workers: Optional[int] = None,
                 max_retries: int = 3, worker_threads: int = 1):
        ray = import_ray()
        if address is not None and not isinstance(address, str):
            raise TypeError(f"address: expected a Ray address string such as 'auto' or 'ray://host:10001', "
                            f"got {type(address).__name__}")
        self.max_workers = integer(max_workers, "max_workers", 1) if max_workers is not None else None
        self.max_retries = integer(max_retries, "max_retries", 0)
        # the compiled core's threads in each task's worker process (0: one per core), see
        # base.set_worker_threads
        self.worker_threads = integer(worker_threads, "worker_threads", 0)
        self.address = address
        self._ray = ray
        self._owns = False
        self._orphans: List[Any] = []  # refs of the tasks in flight when an iteration ended early
        if ray.is_initialized():
            if address is not None:
                raise ValueError("address: Ray is already initialized in this process; pass address=None "
                                 "to use that connection (or ray.shutdown() first)")
        elif address is not None:
            ray.init(address=address, logging_level="warning")
            self._owns = True
        else:
            with _loopback_only(ray):
                ray.init(num_cpus=self.max_workers or os.cpu_count() or 1, include_dashboard=False,
                         logging_level="warning")
            self._owns = True
        self._task = ray.remote(num_cpus=1, max_retries=self.max_retries)(_run_task)

    def _wait_orphans(self) -> None:
        """Block until the tasks abandoned by earlier iterations have finished (results and
        errors dropped): they are not cancelled (see the class docstring)."""
        orphans = list(self._orphans)
        if not orphans:
            return
        if self._ray.is_initialized():
            self._ray.wait(orphans, num_returns=len(orphans), fetch_local=False)
        done = set(orphans)
        self._orphans = [r for r in self._orphans if r not in done]

    def imap_unordered(self, fn, items) -> Iterator[Tuple[int, Any]]:
        check_callable(fn)
        ray = self._ray
        if not ray.is_initialized():
            raise RuntimeError("executor 'ray': closed (Ray is not initialized)")
        items = list(items)
        try:
            fn_ref = ray.put(fn)  # shipped once, not with every task
        except Exception as e:
            raise TypeError(f"fn: the 'ray' executor cannot send {fn!r} to its workers, it cannot be "
                            f"pickled ({e})") from None
        self._wait_orphans()
        limit = self.max_workers or len(items)
        pending: Dict[Any, int] = {}
        next_item = 0
        try:
            while next_item < len(items) or pending:
                while next_item < len(items) and len(pending) < limit:
                    pending[self._task.remote(fn_ref, items[next_item], self.worker_threads)] = next_item
                    next_item += 1
                refs = list(pending)
                ready, rest = ray.wait(refs, num_returns=1)
                if rest:  # and whatever else has finished meanwhile: fewer rounds over `pending`
                    ready += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
                for ref in ready:
                    i = pending.pop(ref)
                    # an exception raised by fn arrives as a RayTaskError that is also an instance
                    # of fn's exception type, and propagates as such
                    try:
                        result = ray.get(ref)
                    except _worker_lost(ray) as e:
                        raise RuntimeError(f"executor 'ray': the worker running task {i} died "
                                           f"{self.max_retries + 1} time(s) (max_retries={self.max_retries}): "
                                           f"{type(e).__name__}") from e
                    yield i, result
        finally:
            # an early exit (a task raised, the generator closed, the driver interrupted): no
            # ray.cancel (it can abort this process, see the class docstring), and no waiting
            # here either, so that the exception reaches the caller at once
            self._orphans.extend(pending)

    def close(self) -> None:
        """Shut down a Ray instance this executor started or connected to (which ends its tasks,
        abandoned ones included); on a connection it found open, wait for the abandoned tasks
        and leave the connection open."""
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()
        else:
            self._wait_orphans()
        self._orphans = []
        self._owns = False

    def __repr__(self) -> str:
        where = self.address or ("local" if self._owns else "existing connection")
        return f"RayExecutor({where!r}, max_workers={self.max_workers}, max_retries={self.max_retries})"
