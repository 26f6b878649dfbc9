"""The CEC2017 bound-constrained suite (29 functions: F1, F3 ... F30) in the compiled core.

>>> from scoreopt import problems
>>> p = problems.cec2017(4, dim=10)      # F4, shifted-rotated Rosenbrock, optimum 400
>>> p.evaluate(X)                        # X (N, 10) -> (N,), float32 or float64
>>> p.optimum, p.x_opt                   # 100 * function and the shift vector o

The values are those of the organizers' C code (cec17_test_func.cpp), including its known
deviations from the written definitions (see ``csrc/include/scoreopt/functions/cec2017.hpp``);
F2 was withdrawn by the organizers and raises ``ValueError`` (the numbering is kept, so F4 is
shifted-rotated Rosenbrock with optimum 400). All functions are defined for dim 10, 30, 50 and
100; the official data also covers dim 2 (F1, F3 ... F10, F21 ... F28) and dim 20 (F1,
F3 ... F10, F20 ... F28). The box is [-100, 100]^dim; there is no analytic gradient.

The shift, rotation and shuffle data are the official data files (``M_<f>_D<dim>.txt``,
``shift_data_<f>.txt``, ``shuffle_data_<f>_D<dim>.txt``), read from ``data_dir`` or, by
default, from the copy that the ``opfunu`` package ships (``opfunu/cec_based/data_2017``; it is
located without importing opfunu). They are handed to the core as one flat vector, whose
layout is documented at the top of ``cec2017.hpp`` and built by :func:`pack`.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path
from typing import Any, List, Optional, Tuple

import numpy as np

from .._validate import integer

from .. import _core
from ..problem_types import BuiltinProblem

__all__ = ["cec2017", "pack", "load", "default_data_dir", "FUNCTIONS", "dims", "Cec2017Problem"]

FUNCTIONS: Tuple[int, ...] = (1,) + tuple(range(3, 31))
_DIMS_ALL = (10, 30, 50, 100)
# dimensions for which the official data has files for only some functions
_DIMS_SOME = {
    2: (1, 3, 4, 5, 6, 7, 8, 9, 10, 21, 22, 23, 24, 25, 26, 27, 28),
    20: (1, 3, 4, 5, 6, 7, 8, 9, 10, 20, 21, 22, 23, 24, 25, 26, 27, 28),
}

_HOW_TO = ("the official CEC2017 data files (M_<f>_D<dim>.txt, shift_data_<f>.txt, "
           "shuffle_data_<f>_D<dim>.txt) are needed: pip install 'scoreopt[cec2017]' (which "
           "installs opfunu, whose package ships them in opfunu/cec_based/data_2017) or pass "
           "data_dir= (a folder holding them, e.g. the organizers' input_data)")


# the dimension from which pack stores each rotation transposed (cec2017.hpp, kTransposedFrom)
_TRANSPOSED_FROM = 16


def _components(function: int) -> int:
    if function <= 20:
        return 1
    return {21: 3, 22: 3, 23: 4, 24: 4, 25: 5, 26: 5, 27: 6, 28: 6, 29: 3, 30: 3}[function]


def _shuffled(function: int) -> bool:
    return 11 <= function <= 20 or function >= 29


def dims(function: int) -> Tuple[int, ...]:
    """The dimensions for which CEC2017 ``function`` is defined (has official data)."""
    _check_function(function)
    extra = tuple(d for d, fs in _DIMS_SOME.items() if int(function) in fs)
    return tuple(sorted(_DIMS_ALL + extra))


def _check_function(function: Any) -> None:
    f = integer(function, "function")
    if f == 2:
        raise ValueError("function: CEC2017 F2 was withdrawn by the organizers (its official "
                         "code is unreliable); the numbering is kept, use 1 or 3 ... 30")
    if f not in FUNCTIONS:
        raise ValueError(f"function: expected a CEC2017 function number in 1, 3 ... 30, got {f}")


def _check(function: Any, dim: Any) -> None:
    _check_function(function)
    integer(dim, "dim")
    ok = dims(function)
    if int(dim) not in ok:
        raise ValueError(f"dim: CEC2017 F{int(function)} is defined for dim in "
                         f"{', '.join(map(str, ok))} (the official data), got {int(dim)}")


def default_data_dir() -> Optional[Path]:
    """The official data shipped by an installed opfunu (found without importing it), or None."""
    try:
        spec = importlib.util.find_spec("opfunu")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / "cec_based" / "data_2017"
        if p.is_dir():
            return p
    return None


def _resolve(data_dir: Any) -> Path:
    if data_dir is None:
        p = default_data_dir()
        if p is None:
            raise ValueError(f"data_dir: no CEC2017 data found; {_HOW_TO}")
        return p
    p = Path(os.fspath(data_dir))
    if not p.is_dir():
        raise ValueError(f"data_dir: {str(p)!r} is not a folder; {_HOW_TO}")
    return p


def _read(path: Path) -> str:
    if not path.is_file():
        raise ValueError(f"data_dir: missing CEC2017 data file {str(path)!r}; {_HOW_TO}")
    return path.read_text()


def _numbers(text: str, path: Path, count: int, kind=float) -> np.ndarray:
    tok = text.split()
    if len(tok) < count:
        raise ValueError(f"data_dir: {str(path)!r} holds {len(tok)} numbers, {count} expected")
    try:
        return np.array([kind(float(t)) for t in tok[:count]], dtype=np.float64)
    except ValueError:
        raise ValueError(f"data_dir: {str(path)!r} is not a CEC2017 data file") from None


@functools.lru_cache(maxsize=128)
def _load_cached(function: int, dim: int, root: str) -> Tuple[np.ndarray, np.ndarray,
                                                              Optional[np.ndarray]]:
    d, K, base = dim, _components(function), Path(root)
    # rotations: row-major matrices, K of them (the file of a composition holds 10)
    mp = base / f"M_{function}_D{d}.txt"
    M = _numbers(_read(mp), mp, K * d * d).reshape(K, d, d)
    # shifts: the first d values of the file (F1 ... F19), or of each of its first K lines
    sp = base / f"shift_data_{function}.txt"
    text = _read(sp)
    if function < 20:
        O = _numbers(text, sp, d).reshape(1, d)
    else:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) < K:
            raise ValueError(f"data_dir: {str(sp)!r} has {len(lines)} lines, {K} expected")
        O = np.stack([_numbers(lines[k], sp, d) for k in range(K)])
    S = None
    if _shuffled(function):
        hp = base / f"shuffle_data_{function}_D{d}.txt"
        S = _numbers(_read(hp), hp, K * d, kind=int).reshape(K, d)
        for row in S:
            if sorted(row.astype(int).tolist()) != list(range(1, d + 1)):
                raise ValueError(f"data_dir: {str(hp)!r} is not a permutation of 1 ... {d}")
    for a in (M, O):
        a.setflags(write=False)
    if S is not None:
        S.setflags(write=False)
    return O, M, S


def load(function: int, dim: int, data_dir: Any = None):
    """The official data of CEC2017 ``function`` in ``dim``: (shifts (K, dim), rotations
    (K, dim, dim), shuffles (K, dim) of 1-based indices or None), K the number of components."""
    _check(function, dim)
    return _load_cached(int(function), int(dim), str(_resolve(data_dir).resolve()))


@functools.lru_cache(maxsize=128)
def _pack_cached(function: int, dim: int, root: str) -> np.ndarray:
    O, M, S = _load_cached(function, dim, root)
    # from D = 16 each rotation transposed: the core then sums M y with the coordinates side by
    # side (cec2017.hpp, rotate and kTransposedFrom)
    if dim >= _TRANSPOSED_FROM:
        M = np.transpose(M, (0, 2, 1))
    parts: List[np.ndarray] = [O.ravel(), M.ravel()]
    if S is not None:
        parts.append(S.ravel())
    values = np.concatenate(parts).astype(np.float64)
    residuals = values - values.astype(np.float32).astype(np.float64)
    out = np.concatenate([values, residuals])
    out.setflags(write=False)
    return out


def pack(function: int, dim: int, data_dir: Any = None) -> np.ndarray:
    """The flat instance-data vector the core's ``cec2017.f<function>`` reads (float64,
    read-only, cached): shifts, rotations (row-major below D = 16, transposed from there),
    shuffles (see cec2017.hpp), then the
    residuals ``v - float64(float32(v))`` (used by float32 evaluation only)."""
    _check(function, dim)
    return _pack_cached(int(function), int(dim), str(_resolve(data_dir).resolve()))


class Cec2017Problem(BuiltinProblem):
    """A CEC2017 problem: a :class:`BuiltinProblem` with the official data, the optimum value
    (``optimum`` = 100 * function), a minimiser ``x_opt`` and the ``function`` number."""

    function: int

    @property
    def has_gradient(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"Problem({self.name!r}, dim={self.dim})"


def cec2017(function: int, dim: int, data_dir: Any = None) -> Cec2017Problem:
    """CEC2017 ``function`` (1, 3 ... 30) in dimension ``dim`` on [-100, 100]^dim, evaluated by
    the compiled core with the organizers' values. ``data_dir``: folder of the official data
    files (default: the copy shipped by opfunu)."""
    _check(function, dim)
    function, dim = int(function), int(dim)
    root = str(_resolve(data_dir).resolve())
    core = _core.Problem(f"cec2017.f{function}", dim, {}).with_data(
        _pack_cached(function, dim, root))
    p = Cec2017Problem(core, bounds=(-100.0, 100.0))
    O, M, _ = _load_cached(function, dim, root)
    p._optimum = 100.0 * function
    if function == 9:
        # the official Levy has its minimum at z = M (x - o) = (1, ..., 1), not at z = 0
        p._x_opt = O[0] + np.linalg.solve(M[0], np.ones(dim))
    else:
        # F1 ... F30 except F9: the shift (of the first component for the compositions)
        p._x_opt = np.array(O[0], dtype=np.float64)
    p.function = function
    return p
