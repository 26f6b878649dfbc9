"""Collecting a k-neighborhood data set: N parameters x M uniform starts, one task per parameter.

>>> from scoreopt.glens import collect, get_family
>>> path = collect(get_family("himmelblau", 100), "data/himmelblau100", n_params=90, n_starts=100)

Determinism: the parameters come from ``default_rng(seed)``; parameter i's starts from
``default_rng(SeedSequence(seed, spawn_key=(i,)))``, so a shard depends only on (family, seed,
i, M), not on the executor, the number of workers or the order tasks finish in.

Tasks run through :func:`scoreopt.distributed.make_executor` (``executor="processes"``, the
default: one worker process per core; ``"local"``: serially in this process; ``"ray"``: a Ray
cluster at ``address``), or any object with ``imap_unordered(fn, items) -> iterator of
(item_index, result)``.
Only this process writes files: workers return arrays, and each shard is written atomically and
then entered into the manifest (see :mod:`scoreopt.glens.dataset`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple, Union

import numpy as np

from .._validate import integer
from . import dataset as _ds
from .families import Family
from .._progress import Progress

__all__ = ["collect", "solve_parameter"]

PathLike = Union[str, os.PathLike]


def start_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of parameter ``index``'s uniform starts."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def solve_parameter(task: Tuple[Family, int, np.ndarray, int, int]) -> Dict[str, np.ndarray]:
    """One task: (family, index, alpha (P,), seed, M) -> the shard's arrays. Module-level so
    process and Ray executors can pickle it."""
    family, index, alpha, seed, M = task
    x0 = family.sample_starts(start_rng(seed, index), M)
    res = family.solve(alpha, x0)
    lengths = np.array([p.shape[0] for p in res.paths], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    return {"alpha": np.asarray(alpha, dtype=np.float64), "paths": np.concatenate(res.paths),
            "offsets": offsets, "converged": res.converged, "iterations": res.iterations,
            "fun": res.fun}


def _settings(family: Family, seed: int, N: int, M: int) -> dict:
    s = family.describe()
    s.update({"format": _ds.FORMAT, "version": _ds.VERSION, "seed": seed, "n_params": N, "n_starts": M})
    return s


def _verified(root: Path, manifest: dict, N: int) -> Dict[int, dict]:
    """Shards of a previous run whose file exists and matches its checksum."""
    ok: Dict[int, dict] = {}
    for e in manifest.get("shards", []):
        i = e.get("index")
        f = root / _ds.shard_name(i) if isinstance(i, int) and 0 <= i < N else None
        if f is not None and f.is_file() and e.get("file") == f.name and _ds.sha256(f) == e.get("sha256"):
            ok[i] = e
    return ok


def _clear(root: Path) -> None:
    for f in root.iterdir():
        n = f.name
        if f.is_file() and (n in (_ds.MANIFEST, _ds.PARAMS) or (n.startswith("shard_") and n.endswith(".npz"))
                            or (n.startswith(".") and n.endswith(".tmp"))):
            f.unlink()


def collect(family: Family, out_dir: PathLike, *, n_params: int, n_starts: int, seed: int = 0,
            executor: Any = "processes", address: Optional[str] = None, progress: bool = True,
            resume: bool = True, on_shard: Optional[Callable[[int], None]] = None) -> Path:
    """Collect the data set of ``family`` into ``out_dir`` and return its path.

    n_params (N): parameters drawn with ``family.sample_params(default_rng(seed), N)``;
    n_starts (M): uniform starts per parameter, all solved in one task. executor: a name for
    :func:`scoreopt.distributed.make_executor` ("processes": a pool of one worker process per
    core; "local": serial in this process; "ray": a Ray cluster at ``address``), an Executor, or
    any object with ``imap_unordered(fn, items)`` (used and left open). resume: keep the
    finished shards of an interrupted collection with the same settings (checksums verified;
    anything else is redone); False starts over. on_shard(index): called after each shard is
    committed (exceptions propagate and stop the collection). A second collection into the same
    directory while one runs raises RuntimeError."""
    if not isinstance(family, Family):
        raise TypeError(f"family: expected a scoreopt.glens.Family, got {type(family).__name__}")
    if not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"out_dir: expected a directory path, got {type(out_dir).__name__}")
    N = integer(n_params, "n_params", 1)
    M = integer(n_starts, "n_starts", 1)
    seed = integer(seed, "seed", 0)
    if on_shard is not None and not callable(on_shard):
        raise TypeError("on_shard: expected a callable on_shard(index) or None")
    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        raise ValueError(f"out_dir: {str(root)!r} exists and is not a directory")
    root.mkdir(parents=True, exist_ok=True)

    with _exclusive(root):
        return _collect(family, root, N, M, seed, executor, address, progress, resume, on_shard)


@contextlib.contextmanager
def _exclusive(root: Path):
    """Refuse a second collection writing into the same directory at the same time."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no guard
        yield
        return
    with open(root / ".collect.lock", "a") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RuntimeError(f"out_dir: another collection is writing into {str(root)!r}") from None
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _collect(family: Family, root: Path, N: int, M: int, seed: int, executor: Any, address: Optional[str],
             progress: bool, resume: bool, on_shard: Optional[Callable[[int], None]]) -> Path:
    settings = _settings(family, seed, N, M)
    params = family.sample_params(np.random.default_rng(seed), N)
    done: Dict[int, dict] = {}
    if (root / _ds.MANIFEST).exists() and resume:
        old = _ds.read_manifest(root)
        diff = [k for k in settings if old.get(k) != settings[k]]
        if diff:
            raise ValueError(f"out_dir: {str(root)!r} holds a collection with different settings "
                             f"({', '.join(diff)}); use another directory or resume=False to start over")
        done = _verified(root, old, N)
    else:
        _clear(root)
    _ds.write_params(root, params)
    manifest = dict(settings, shards=sorted(done.values(), key=lambda e: e["index"]))
    _ds.write_manifest(root, manifest)
    for f in root.glob(".*.tmp"):  # temporaries of an interrupted write
        f.unlink()

    todo = [i for i in range(N) if i not in done]
    bar = Progress(N, f"collect {family.name} d={family.dim}", unit="parameter", initial=len(done)) \
        if progress else None
    try:
        if todo:
            tasks = [(family, i, params[i], seed, M) for i in todo]
            with _make_executor(executor, address, family) as ex:
                for pos, out in ex.imap_unordered(solve_parameter, tasks):
                    i = todo[pos]
                    done[i] = _ds.write_shard(root, i, out["alpha"], (seed, i), out["paths"], out["offsets"],
                                              out["converged"], out["iterations"], out["fun"])
                    manifest["shards"] = sorted(done.values(), key=lambda e: e["index"])
                    _ds.write_manifest(root, manifest)
                    if bar is not None:
                        bar.update(len(done), note=f"last {int(out['converged'].sum())}/{M} converged")
                    if on_shard is not None:
                        on_shard(i)
    finally:
        if bar is not None:
            bar.close()
    return root


def _make_executor(executor: Any, address: Optional[str], family: Family):
    """A context manager yielding the executor; objects passed in are used and left open."""
    from .. import distributed

    if isinstance(executor, (str, distributed.Executor)):
        # every check before the executor exists: "ray" starts a Ray instance, which an error
        # raised afterwards would leave running
        distributed.check_executor(executor, address)
        name = executor if isinstance(executor, str) else executor.name
        if name != "local":
            try:
                pickle.dumps(family)
            except Exception as e:  # pickling raises many types
                raise TypeError(f"family: executor {name!r} must send the family to its workers, but it "
                                f"cannot be pickled ({e}); use module-level functions for its sampler and "
                                f"constraints, or executor='local'") from None
        return distributed.make_executor(executor, address=address)
    if not callable(getattr(executor, "imap_unordered", None)):
        raise TypeError("executor: expected 'local', 'processes', 'ray', a scoreopt.distributed.Executor, "
                        "or an object with imap_unordered(fn, items)")
    return contextlib.nullcontext(executor)
