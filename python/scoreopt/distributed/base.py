"""The Executor interface and the checks every executor shares. Its own module so that the
executors (executors.py, ray_executor.py) import it and not each other."""

from __future__ import annotations

import abc
import os
from typing import Any, Callable, Iterable, Iterator, List, Tuple

__all__ = ["Executor"]


def set_worker_threads(n: int) -> None:
    """In an executor's worker process: how many threads the compiled core uses per batched call
    (0: one per core). The process and Ray executors call it in each worker with their
    ``worker_threads`` (default 1: the workers already use the cores between them, and a core
    that runs several workers' threads at once runs each of them slower than one thread would).
    It sets SCOREOPT_NUM_THREADS, which the core reads at each call, so it works whether or not
    the worker has imported scoreopt yet; ``scoreopt.set_num_threads`` inside ``fn`` overrides it."""
    os.environ["SCOREOPT_NUM_THREADS"] = str(int(n))


class Executor(abc.ABC):
    """Runs ``fn(item)`` for each item. A context manager: leaving the block calls ``close()``."""

    name: str = "executor"

    @abc.abstractmethod
    def imap_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Tuple[int, Any]]:
        """Yield ``(index into items, fn(items[index]))`` as each task finishes.

        A task that raises ends the iteration with its exception at once. After such an early
        exit (or the generator closed early) the tasks not yet started never start; the ones
        already running are not interrupted but finish in the background with their results
        dropped, and the executor's next call and ``close()`` wait for them first, so they never
        compete with new work and nothing is left running once ``close()`` returns."""

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> List[Any]:
        """``[fn(item) for item in items]``, computed by the executor, in the order of items."""
        items = list(items)
        out: List[Any] = [None] * len(items)
        for i, r in self.imap_unordered(fn, items):
            out[i] = r
        return out

    def close(self) -> None:
        """Release the workers (and a Ray instance this executor started)."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def check_callable(fn: Any) -> None:
    if not callable(fn):
        raise TypeError(f"fn: expected a callable, got {type(fn).__name__}")


def pickle_check(fn: Any, dumps: Callable[[Any], bytes], how: str) -> None:
    """A TypeError naming ``fn`` when ``dumps`` cannot serialize it (``how``: who sends it)."""
    try:
        dumps(fn)
    except Exception as e:  # pickling raises a wide variety of types
        raise TypeError(f"fn: {how} cannot send {fn!r} to its workers, it cannot be pickled ({e}); "
                        f"use a function defined at module level (functools.partial for arguments)") from None
