"""The k-neighborhood data set of GLENS: on-disk format, writer and loader.

On disk, a data set is a directory::

    manifest.json        settings and the list of finished shards (written last, atomically)
    params.npy           (N, P) float64, every parameter of the collection, in index order
    shard_00000.npz      one file per parameter index i = 0 ... N-1
    shard_00001.npz
    ...
    .collect.lock        held by a running collection (refuses a second writer)

``manifest.json`` holds: ``format`` ("scoreopt.glens.kneighborhood"), ``version`` (1), the
family's settings (``family``, ``dim``, ``num_params``, ``param_bounds`` [[lower], [upper]],
``init_bounds``, ``solver``, ``solver_options``, ``optimum_tol``), the collection's ``seed``,
``n_params`` (N) and ``n_starts`` (M), and ``shards``: a list sorted by index of
``{"index", "file", "sha256", "runs", "converged", "iterates"}`` (the shard's SHA-256, its number
of runs, of converged runs and of stored iterate rows).

A shard ``shard_{i:05d}.npz`` (an uncompressed npz as written by ``numpy.savez``, no pickled
objects, fixed zip timestamps so identical data gives identical bytes) holds:

===============  ============  =============================================================
key              shape         meaning
===============  ============  =============================================================
``index``        ()            the parameter index i
``alpha``        (P,)          the parameter
``seed``         (2,)          (collection seed, i): the start generator's seed
``paths``        (R, d)        every run's iterate path, concatenated in run order
``offsets``      (M + 1,)      run r's path is ``paths[offsets[r]:offsets[r + 1]]``: row 0 its
                               uniform start, the last row its final iterate
``converged``    (M,)          the solver's convergence verdict per run
``iterations``   (M,)          solver iterations per run (= path length - 1)
``fun``          (M,)          objective at the final iterate
===============  ============  =============================================================

Writes are atomic (a temporary file in the same directory, then ``os.replace``), and a shard
enters the manifest only after its file exists, so an interrupted collection leaves only
finished shards listed; :func:`scoreopt.glens.collect` with ``resume=True`` verifies
their checksums and redoes anything else.

Reading: :func:`load` gives the k-neighborhood triples (alpha, x, x*) of every converged run,
:func:`load_optima` the distinct converged optima per parameter, :func:`load_params` the
parameters.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np

from .._validate import finite, integer
from .cluster import distinct_points

__all__ = ["KNeighborhood", "Shard", "load", "load_optima", "load_params", "read_manifest",
           "read_shard", "FORMAT", "VERSION"]

FORMAT = "scoreopt.glens.kneighborhood"
VERSION = 1
MANIFEST = "manifest.json"
PARAMS = "params.npy"
_SHARD_KEYS = ("index", "alpha", "seed", "paths", "offsets", "converged", "iterations", "fun")

PathLike = Union[str, os.PathLike]


def shard_name(index: int) -> str:
    return f"shard_{index:05d}.npz"


# ----------------------------------------------------------------------- atomic writes
def _atomic_write(path: Path, write) -> None:
    """write(file object) into a temporary sibling of path, fsync, then rename over path."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _savez(f, arrays: Dict[str, np.ndarray]) -> None:
    """An uncompressed .npz readable by np.load, byte-identical for identical arrays (np.savez
    stamps the current time into the zip entries, which would change checksums run to run)."""
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        for name, a in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            with z.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(a), allow_pickle=False)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(root: Path, manifest: dict) -> None:
    data = json.dumps(manifest, sort_keys=True).encode()
    _atomic_write(root / MANIFEST, lambda f: f.write(data))


def write_params(root: Path, params: np.ndarray) -> None:
    _atomic_write(root / PARAMS, lambda f: np.save(f, np.asarray(params, dtype=np.float64)))


def write_shard(root: Path, index: int, alpha: np.ndarray, seed: Tuple[int, int],
                paths: np.ndarray, offsets: np.ndarray, converged: np.ndarray,
                iterations: np.ndarray, fun: np.ndarray) -> dict:
    """Write shard ``index`` atomically; returns its manifest entry."""
    path = root / shard_name(index)
    arrays = dict(index=np.int64(index), alpha=np.asarray(alpha, dtype=np.float64),
                  seed=np.asarray(seed, dtype=np.int64), paths=np.asarray(paths, dtype=np.float64),
                  offsets=np.asarray(offsets, dtype=np.int64), converged=np.asarray(converged, dtype=bool),
                  iterations=np.asarray(iterations, dtype=np.int64), fun=np.asarray(fun, dtype=np.float64))
    _atomic_write(path, lambda f: _savez(f, arrays))
    return {"index": int(index), "file": path.name, "sha256": sha256(path),
            "runs": int(arrays["converged"].size), "converged": int(arrays["converged"].sum()),
            "iterates": int(arrays["paths"].shape[0])}


# ----------------------------------------------------------------------- reading
def _root(path: PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a directory path, got {type(path).__name__}")
    root = Path(path)
    if not (root / MANIFEST).is_file():
        raise FileNotFoundError(f"path: {str(root)!r} is not a GLENS data set (no {MANIFEST})")
    return root


def read_manifest(path: PathLike) -> dict:
    """The manifest of the data set at ``path`` (see the module docstring)."""
    root = _root(path)
    try:
        m = json.loads((root / MANIFEST).read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"path: {str(root / MANIFEST)!r} is not valid JSON ({e})") from None
    if m.get("format") != FORMAT:
        raise ValueError(f"path: {str(root)!r} has format {m.get('format')!r}, expected {FORMAT!r}")
    if m.get("version") != VERSION:
        raise ValueError(f"path: {str(root)!r} has format version {m.get('version')!r}; this reader knows {VERSION}")
    return m


@dataclass
class Shard:
    """One parameter's runs: alpha (P,), paths: list of M arrays (len_r, d), converged (M,),
    iterations (M,), fun (M,)."""

    index: int
    alpha: np.ndarray
    seed: np.ndarray
    paths: List[np.ndarray]
    converged: np.ndarray
    iterations: np.ndarray
    fun: np.ndarray


def read_shard(file: PathLike, dim: Optional[int] = None) -> Shard:
    """Read and check one shard file (ValueError when it is damaged or inconsistent)."""
    try:
        z = np.load(file, allow_pickle=False)
    except Exception as e:  # truncated or foreign files raise zipfile, OS or value errors
        raise ValueError(f"shard {str(file)!r}: unreadable ({type(e).__name__}: {e})") from None
    with z:
        missing = [k for k in _SHARD_KEYS if k not in getattr(z, "files", ())]
        if missing:
            raise ValueError(f"shard {str(file)!r}: missing arrays {missing}")
        try:
            a = {k: z[k] for k in _SHARD_KEYS}
        except Exception as e:
            raise ValueError(f"shard {str(file)!r}: unreadable ({type(e).__name__}: {e})") from None
    off, paths = a["offsets"], a["paths"]
    M = a["converged"].shape[0]
    if (off.shape != (M + 1,) or off[0] != 0 or off[-1] != paths.shape[0] or np.any(np.diff(off) < 1)
            or paths.ndim != 2 or (dim is not None and paths.shape[1] != dim)
            or a["iterations"].shape != (M,) or a["fun"].shape != (M,)
            or np.any(a["iterations"] != np.diff(off) - 1)):
        raise ValueError(f"shard {str(file)!r}: inconsistent arrays (offsets, paths, iterations)")
    return Shard(int(a["index"]), a["alpha"], a["seed"], [paths[off[r]:off[r + 1]] for r in range(M)],
                 a["converged"], a["iterations"], a["fun"])


def _shards(root: Path, m: dict) -> Iterable[Shard]:
    for e in m["shards"]:
        yield read_shard(root / e["file"], m["dim"])


def load_params(path: PathLike) -> np.ndarray:
    """All N parameters of the collection (N, P) float64, in index order (also those whose shard
    is not finished yet)."""
    root = _root(path)
    read_manifest(root)
    return np.load(root / PARAMS, allow_pickle=False)


@dataclass
class KNeighborhood:
    """k-neighborhood triples of a data set; one row per kept iterate (n rows).

    alpha: (n, P) float64, the problem parameter of the row's run.
    x: (n, d) float64, an iterate among the last k of a converged run.
    x_star: (n, d) float64, that run's final iterate (the converged optimum).
    step: (n,) int64, how many iterations before the end x was: 0 for x* itself ... k - 1.
    param_index: (n,) int64, the parameter's index in the collection (row of load_params).
    run_index: (n,) int64, the run's index among the parameter's M starts.
    family, dim, param_bounds ((P,), (P,)), k: metadata of the collection.
    """

    alpha: np.ndarray
    x: np.ndarray
    x_star: np.ndarray
    step: np.ndarray
    param_index: np.ndarray
    run_index: np.ndarray
    family: str
    dim: int
    param_bounds: Tuple[np.ndarray, np.ndarray]
    k: int

    def __len__(self) -> int:
        return int(self.step.shape[0])

    @property
    def r(self) -> np.ndarray:
        """||x - x_star|| per row (n,), in raw coordinates."""
        return np.linalg.norm(self.x - self.x_star, axis=1)

    @property
    def alpha_scaled(self) -> np.ndarray:
        """alpha min-max scaled to [0, 1] with param_bounds (n, P)."""
        lo, hi = self.param_bounds
        return (self.alpha - lo) / np.where(hi > lo, hi - lo, 1.0)

    def select(self, param_indices: Any) -> "KNeighborhood":
        """The rows whose param_index is in param_indices (e.g. a train/validation split by
        parameter)."""
        keep = np.isin(self.param_index, np.asarray(param_indices, dtype=np.int64))
        return KNeighborhood(self.alpha[keep], self.x[keep], self.x_star[keep], self.step[keep],
                             self.param_index[keep], self.run_index[keep], self.family, self.dim,
                             self.param_bounds, self.k)


def _kept_rows(path: np.ndarray, k: int, min_separation: float) -> List[int]:
    """Indices (into path) of the kept iterates, last first: the last k, or with
    min_separation > 0, walking back from the end, an iterate is kept only when it is farther
    than min_separation from the last kept one (the paper's filter for the robot data)."""
    n = path.shape[0]
    if min_separation <= 0:
        return list(range(n - 1, max(n - 1 - k, -1), -1))
    rows = [n - 1]
    for j in range(n - 2, -1, -1):
        if len(rows) == k:
            break
        if np.linalg.norm(path[j] - path[rows[-1]]) > min_separation:
            rows.append(j)
    return rows


def load(path: PathLike, k: int = 10, *, min_separation: float = 0.0) -> KNeighborhood:
    """The k-neighborhood triples of every converged run of the data set at ``path``.

    k: iterates kept per run, the final one (step 0) included; runs shorter than k contribute
    their whole path (the start included). min_separation: > 0 keeps, walking back from x*, only
    iterates farther than this from the previously kept one (``step`` then counts kept
    iterates, not solver iterations)."""
    k = integer(k, "k", 1)
    min_separation = finite(min_separation, "min_separation")
    root = _root(path)
    m = read_manifest(root)
    d, P = int(m["dim"]), int(m["num_params"])
    cols: Dict[str, list] = {n: [] for n in ("alpha", "x", "x_star", "step", "param_index", "run_index")}
    for sh in _shards(root, m):
        for r in np.flatnonzero(sh.converged):
            p = sh.paths[r]
            rows = _kept_rows(p, k, min_separation)
            n = len(rows)
            cols["x"].append(p[rows])
            cols["x_star"].append(np.broadcast_to(p[-1], (n, d)))
            cols["alpha"].append(np.broadcast_to(sh.alpha, (n, P)))
            cols["step"].append(np.arange(n, dtype=np.int64))
            cols["param_index"].append(np.full(n, sh.index, dtype=np.int64))
            cols["run_index"].append(np.full(n, r, dtype=np.int64))
    empty = {"alpha": (0, P), "x": (0, d), "x_star": (0, d)}
    out = {}
    for name, parts in cols.items():
        if parts:
            out[name] = np.ascontiguousarray(np.concatenate(parts))
        else:
            out[name] = np.zeros(empty.get(name, (0,)), dtype=np.float64 if name in empty else np.int64)
    lo, hi = (np.asarray(b, dtype=np.float64) for b in m["param_bounds"])
    return KNeighborhood(out["alpha"], out["x"], out["x_star"], out["step"], out["param_index"],
                         out["run_index"], m["family"], d, (lo, hi), k)


def load_optima(path: PathLike, tol: Optional[float] = None) -> Dict[int, np.ndarray]:
    """Distinct converged optima per finished parameter: {param_index: (n_opt, d)}.

    Final iterates of converged runs closer than ``tol`` (default: the family's optimum_tol
    from the manifest), directly or through a chain of such neighbours, are one optimum,
    represented by the point of the group with the lowest objective."""
    root = _root(path)
    m = read_manifest(root)
    tol = float(m.get("optimum_tol", 0.5)) if tol is None else finite(tol, "tol")
    if tol <= 0:
        raise ValueError(f"tol: expected a positive distance, got {tol}")
    out: Dict[int, np.ndarray] = {}
    for sh in _shards(root, m):
        idx = np.flatnonzero(sh.converged)
        if idx.size == 0:
            out[sh.index] = np.zeros((0, int(m["dim"])))
            continue
        finals = np.stack([sh.paths[r][-1] for r in idx])
        out[sh.index] = distinct_points(finals, tol, values=sh.fun[idx])
    return out
