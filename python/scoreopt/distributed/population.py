"""Population evaluation of an expensive user objective over workers, in chunks.

A :class:`DistributedProblem` is a scoreopt :class:`~scoreopt.Problem`, so every ask/tell
optimizer and :func:`scoreopt.minimize` use it unchanged: each batch ``X (N, dim)`` they
evaluate is split into contiguous chunks, the chunks run at the same time on the workers, and
the values come back in row order.

    from scoreopt import distributed, minimize

    with distributed.from_callable(simulate, dim=12, bounds=(-1, 1), executor="ray") as p:
        r = minimize(p, method="dida", budget=20_000, seed=0)

With ``executor="ray"`` the workers are Ray actors (one per CPU of the cluster, or
``max_workers``): ``fn`` is sent to each actor once and lives there between batches, so an
objective that loads data or compiles a model on its first call pays for that once per actor.
A dead actor is restarted and its chunk rerun (``max_retries``). Any other executor
(``"local"``, ``"processes"``, an :class:`Executor`) runs one task per chunk.

Results equal a local evaluation bit for bit whenever ``fn`` computes each row independently
of the other rows of its batch (row-wise NumPy code does; a BLAS matrix product over the whole
batch may round differently for other batch sizes): the same seed then gives the same
optimization result locally and on a cluster.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np

from .. import _arrays
from .._validate import integer
from ..problem_types import CallableProblem
from .base import Executor, set_worker_threads
from .executors import make_executor
from .ray_executor import RayExecutor  # imports no Ray by itself

__all__ = ["DistributedProblem", "from_callable"]


def _evaluate_rows(fn: Callable, vectorized: bool, X: Any) -> np.ndarray:
    """fn on a chunk X (n, dim): one call when vectorized, else one call per row. Returns the
    raw values as a NumPy array (the driver checks their shape and dtype)."""
    if vectorized:
        y = fn(X)
        if y is None:
            raise ValueError("fn: a vectorized objective returned None; expected one value per row")
        return _arrays.to_array(y, "fn(X)").array.reshape(-1)
    out = np.empty(len(X), dtype=np.float64)
    for i in range(len(X)):
        v = fn(X[i])
        try:
            out[i] = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"fn: expected a number for a point, got {type(v).__name__}") from None
    return out


class _ChunkTask:
    """A picklable ``chunk -> values`` for executors that run one task per chunk."""

    def __init__(self, fn: Callable, vectorized: bool):
        self.fn, self.vectorized = fn, vectorized

    def __call__(self, X: Any) -> np.ndarray:
        return _evaluate_rows(self.fn, self.vectorized, X)


class _ObjectiveActor:
    """The Ray actor: holds the objective between batches."""

    def __init__(self, fn: Callable, vectorized: bool, worker_threads: int = 1):
        set_worker_threads(worker_threads)
        self.task = _ChunkTask(fn, vectorized)

    def evaluate(self, X: Any) -> np.ndarray:
        return self.task(X)


class _ActorPool:
    """``workers`` actors holding the objective; chunks go to whichever actor is free."""

    def __init__(self, ray_executor, task: _ChunkTask, workers: Optional[int]):
        ray = self.ray = ray_executor._ray
        if workers is None:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        retries = ray_executor.max_retries
        self.max_retries = retries
        try:
            ray.cloudpickle.dumps(task.fn)
        except Exception as e:  # pickling raises a wide variety of types
            raise TypeError(f"fn: cannot send {task.fn!r} to the Ray actors, it cannot be pickled ({e})") from None
        cls = ray.remote(num_cpus=1, max_restarts=retries, max_task_retries=retries)(_ObjectiveActor)
        # fn goes with each actor's creation task (not as an object reference): a restarted
        # actor must find its constructor arguments again
        threads = getattr(ray_executor, "worker_threads", 1)
        self.actors = [cls.remote(task.fn, task.vectorized, threads) for _ in range(workers)]
        self.orphans: List[Any] = []  # refs of the chunks in flight when a map ended early

    def wait_orphans(self) -> None:
        """Block until the chunks abandoned by an earlier map have finished (results dropped):
        they are not cancelled, for the reason RayExecutor gives, and an actor still busy with
        one would otherwise hold up this map's chunk queued behind it."""
        orphans = list(self.orphans)
        if orphans and self.ray.is_initialized():
            self.ray.wait(orphans, num_returns=len(orphans), fetch_local=False)
        done = set(orphans)
        self.orphans = [r for r in self.orphans if r not in done]

    def map(self, chunks: List[Any]) -> List[np.ndarray]:
        ray = self.ray
        self.wait_orphans()
        out: List[Optional[np.ndarray]] = [None] * len(chunks)
        free = list(self.actors)
        running: Dict[Any, Tuple[int, Any]] = {}  # Ray object ref -> (chunk, actor)
        next_chunk = 0
        try:
            while next_chunk < len(chunks) or running:
                while free and next_chunk < len(chunks):
                    actor = free.pop()
                    running[actor.evaluate.remote(chunks[next_chunk])] = (next_chunk, actor)
                    next_chunk += 1
                (ref,), _ = ray.wait(list(running), num_returns=1)
                i, actor = running.pop(ref)
                try:
                    out[i] = ray.get(ref)
                except ray.exceptions.RayActorError as e:
                    raise RuntimeError(f"population evaluation: the Ray actor evaluating chunk {i} died "
                                       f"{self.max_retries + 1} time(s) (max_retries={self.max_retries})") from e
                free.append(actor)
        finally:
            # an early exit (a chunk raised, an interrupt): no ray.cancel, which can abort this
            # process (see RayExecutor); the exception goes on at once, the next map waits
            self.orphans.extend(running)
        done: List[np.ndarray] = []
        for i, o in enumerate(out):
            if o is None:  # not reached: the loop ends when no chunk is left or running
                raise RuntimeError(f"population evaluation: chunk {i} has no result")
            done.append(o)
        return done

    def close(self) -> None:
        """Kill the actors, which ends an abandoned chunk still running on one of them."""
        self.orphans = []
        for a in self.actors:
            try:
                self.ray.kill(a)
            except Exception:  # the connection may already be gone
                pass
        self.actors = []


class DistributedProblem(CallableProblem):
    """A user objective (see :func:`scoreopt.problems.from_callable` for ``fn``, ``vectorized``,
    ``bounds``) evaluated over workers in chunks; see the module docstring.

    executor: ``"ray"`` (actors; default), ``"processes"``, ``"local"`` or an :class:`Executor`
    (left open); address: an existing Ray cluster; max_workers: workers (actors, processes);
    chunk_size: rows per chunk (default: the batch split evenly over the workers);
    max_retries: reruns of a chunk whose worker died. ``gradient``, if given, runs in this
    process. Close it (or use ``with``) to release the workers."""

    def __init__(self, fn: Callable, dim: int, bounds: Any, *, executor: Union[str, Executor] = "ray",
                 address: Optional[str] = None, max_workers: Optional[int] = None,
                 chunk_size: Optional[int] = None, max_retries: int = 3, vectorized: bool = True,
                 gradient: Optional[Callable] = None, name: Optional[str] = None,
                 optimum: Optional[float] = None, x_opt: Any = None):
        super().__init__(fn, dim, bounds, vectorized=vectorized, gradient=gradient, name=name,
                         optimum=optimum, x_opt=x_opt)
        self.chunk_size = integer(chunk_size, "chunk_size", 1) if chunk_size is not None else None
        self._task = _ChunkTask(fn, self.vectorized)
        self._executor: Optional[Executor] = make_executor(executor, address=address, max_workers=max_workers,
                                                           max_retries=max_retries)
        inner = getattr(self._executor, "inner", self._executor)
        self._pool = None
        if isinstance(inner, RayExecutor):
            try:
                self._pool = _ActorPool(inner, self._task, max_workers)
            except BaseException:
                self._executor.close()
                raise
            self.workers = len(self._pool.actors)
        else:
            self.workers = getattr(inner, "max_workers", None) or 1

    def _chunks(self, n: int) -> int:
        if self.chunk_size is not None:
            return math.ceil(n / self.chunk_size)
        return min(n, self.workers)

    def _call_user(self, a: np.ndarray, src: _arrays.Converted) -> np.ndarray:
        if self._executor is None:
            raise RuntimeError(f"problem {self.name!r}: closed; its workers were released")
        parts = np.array_split(a, self._chunks(a.shape[0]))
        chunks = [_arrays.like(np.ascontiguousarray(c), src) for c in parts]
        if self._pool is not None:
            values = self._pool.map(chunks)
        else:
            values = self._executor.map(self._task, chunks)
        for c, y in zip(parts, values):
            if y.shape != (len(c),):
                raise ValueError(f"fn: a vectorized objective must return shape ({len(c)},) for a batch "
                                 f"of {len(c)}, got {y.shape}")
        return np.concatenate(values).astype(a.dtype, copy=False)

    def close(self) -> None:
        """Release the actors / processes (and a Ray instance started for this problem)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._executor is not None:
            self._executor.close()
            self._executor = None

    def __enter__(self) -> "DistributedProblem":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DistributedProblem({self.name!r}, dim={self.dim}, executor={self._executor!r})"


def from_callable(fn: Callable, dim: int, bounds: Any, vectorized: bool = True, *,
                  executor: Union[str, Executor] = "ray", address: Optional[str] = None,
                  max_workers: Optional[int] = None, chunk_size: Optional[int] = None,
                  max_retries: int = 3, gradient: Optional[Callable] = None, name: Optional[str] = None,
                  optimum: Optional[float] = None, x_opt: Any = None) -> DistributedProblem:
    """:func:`scoreopt.problems.from_callable`, with the batches evaluated over workers:
    see :class:`DistributedProblem`."""
    from ..problems import _check_dim

    return DistributedProblem(fn, _check_dim(dim), bounds, executor=executor, address=address,
                              max_workers=max_workers, chunk_size=chunk_size, max_retries=max_retries,
                              vectorized=vectorized, gradient=gradient, name=name, optimum=optimum,
                              x_opt=x_opt)
