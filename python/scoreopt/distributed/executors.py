"""Executors: one interface for running independent tasks serially, over a process pool, or
over Ray::

    with make_executor("ray", address="ray://head:10001") as ex:
        for i, result in ex.imap_unordered(fn, items):   # as each task finishes
            ...
        results = ex.map(fn, items)                       # in the order of items

``fn(item)`` must be deterministic given ``item`` (seeds travel inside the items): then the
results do not depend on the executor, its worker count or the order tasks finish in.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import pickle
from concurrent.futures.process import BrokenProcessPool
from typing import Dict, List, Optional, Union

from .._validate import integer
from .base import Executor, check_callable, pickle_check, set_worker_threads
from .ray_executor import RayExecutor, import_ray  # imports no Ray by itself

__all__ = ["Executor", "LocalExecutor", "ProcessExecutor", "make_executor", "check_executor", "EXECUTORS"]

EXECUTORS = ("local", "processes", "ray")

class LocalExecutor(Executor):
    """Runs every task in this process, one after the other, in order."""

    name = "local"

    def imap_unordered(self, fn, items):
        check_callable(fn)
        for i, item in enumerate(list(items)):
            yield i, fn(item)


class ProcessExecutor(Executor):
    """A pool of ``max_workers`` processes (default: one per core) started with ``spawn``: the
    core runs OpenMP, and forking a process after OpenMP has started is unsafe. ``fn`` and the
    items are pickled, so ``fn`` must be importable (a module-level function or a
    ``functools.partial`` of one); lambdas and local functions are refused with a TypeError.

    If a worker dies (killed, out of memory), the pool is rebuilt and the unfinished tasks are
    run again, at most ``max_retries`` times in all.

    ``worker_threads``: threads of the compiled core in each worker (default 1, as the workers
    share the cores; 0: one per core), see :func:`scoreopt.distributed.base.set_worker_threads`."""

    name = "processes"

    def __init__(self, max_workers: Optional[int] = None, max_retries: int = 3, worker_threads: int = 1):
        self.max_workers = integer(max_workers, "max_workers", 1) if max_workers is not None else (os.cpu_count() or 1)
        self.max_retries = integer(max_retries, "max_retries", 0)
        self.worker_threads = integer(worker_threads, "worker_threads", 0)
        self._ctx = multiprocessing.get_context("spawn")
        self._pool: Optional[cf.ProcessPoolExecutor] = None
        self._orphans: List[cf.Future] = []  # running tasks of an iteration left early

    def _get_pool(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(max_workers=self.max_workers, mp_context=self._ctx,
                                                initializer=set_worker_threads,
                                                initargs=(self.worker_threads,))
        return self._pool

    def _discard_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _wait_orphans(self) -> None:
        """Let the tasks an early exit left running finish, so that they do not hold workers
        while new tasks wait; a worker that one of them killed is replaced here, not charged to
        the next call's max_retries."""
        orphans = list(self._orphans)
        if not orphans:
            return
        cf.wait(orphans)
        self._orphans = [f for f in self._orphans if f not in orphans]
        if any(not f.cancelled() and isinstance(f.exception(), BrokenProcessPool) for f in orphans):
            self._discard_pool()

    def imap_unordered(self, fn, items):
        check_callable(fn)
        pickle_check(fn, pickle.dumps, "the 'processes' executor")
        items = list(items)
        self._wait_orphans()
        todo = dict.fromkeys(range(len(items)))  # unfinished indices, in order
        restarts = 0
        while todo:
            pool = self._get_pool()
            futures: Dict[cf.Future, int] = {}
            broken = False
            try:
                for i in todo:
                    futures[pool.submit(fn, items[i])] = i
                for fut in cf.as_completed(futures):
                    try:
                        r = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        break
                    i = futures.pop(fut)
                    del todo[i]
                    yield i, r
            except BrokenProcessPool:  # raised by submit when a worker died meanwhile
                broken = True
            finally:
                # after an exception or an early close: tasks still queued never start; a task
                # already running cannot be stopped short of killing the pool, so it finishes
                # and the next call waits for it
                for fut in futures:
                    if not fut.cancel() and not fut.done():
                        self._orphans.append(fut)
            if broken:
                self._discard_pool()
                restarts += 1
                if restarts > self.max_retries:
                    raise RuntimeError(f"executor 'processes': a worker process died {restarts} times; "
                                       f"{len(todo)} task(s) unfinished (max_retries={self.max_retries})")

    def close(self) -> None:
        """Shut the pool down after the running tasks (an early exit's included) finish."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._orphans = []

    def __repr__(self) -> str:
        return f"ProcessExecutor(max_workers={self.max_workers})"


class _Borrowed(Executor):
    """An executor passed in by the caller: used as is, and left open (its owner closes it)."""

    def __init__(self, inner: Executor):
        self.inner = inner
        self.name = inner.name

    def imap_unordered(self, fn, items):
        return self.inner.imap_unordered(fn, items)

    def map(self, fn, items):
        return self.inner.map(fn, items)

    def __repr__(self) -> str:
        return repr(self.inner)


def check_executor(executor: Union[str, Executor], address: Optional[str] = None) -> None:
    """The checks of :func:`make_executor` without starting anything: a known name or an
    Executor, ``address`` only with ``"ray"``, and Ray installed when it is asked for."""
    if isinstance(executor, Executor):
        if address is not None:
            raise ValueError("address: only for executor='ray'; an Executor instance was given")
        return
    if not isinstance(executor, str):
        raise TypeError(f"executor: expected one of {', '.join(map(repr, EXECUTORS))} or an Executor, "
                        f"got {type(executor).__name__}")
    if executor not in EXECUTORS:
        raise ValueError(f"executor: unknown executor {executor!r}; expected one of "
                         f"{', '.join(map(repr, EXECUTORS))} or an Executor instance")
    if address is not None and executor != "ray":
        raise ValueError(f"address: only for executor='ray', got executor={executor!r}")
    if executor == "ray":
        import_ray()


def make_executor(executor: Union[str, Executor] = "local", *, address: Optional[str] = None,
                  max_workers: Optional[int] = None, max_retries: int = 3,
                  worker_threads: int = 1) -> Executor:
    """An executor by name: ``"local"`` (serial, in this process), ``"processes"`` (a spawn
    process pool of ``max_workers``) or ``"ray"`` (Ray tasks on the cluster at ``address``, or
    on a local Ray instance started on the loopback interface and shut down by ``close()``).
    An :class:`Executor` instance is returned wrapped so that closing the wrapper leaves it open.

    ``max_retries``: how often a task whose worker died is run again (processes, ray).
    ``address`` is for ``"ray"`` only (``"auto"``, ``"host:port"`` or ``"ray://host:port"``).
    ``worker_threads``: the compiled core's threads in each worker process (processes, ray;
    default 1, 0: one per core)."""
    check_executor(executor, address)
    if isinstance(executor, Executor):
        return _Borrowed(executor)
    if max_workers is not None:
        max_workers = integer(max_workers, "max_workers", 1)
    if executor == "local":
        return LocalExecutor()
    if executor == "processes":
        return ProcessExecutor(max_workers=max_workers, max_retries=max_retries,
                               worker_threads=worker_threads)
    return RayExecutor(address=address, max_workers=max_workers, max_retries=max_retries,
                       worker_threads=worker_threads)
