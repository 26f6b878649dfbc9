"""Argument checks shared by the Python layer: each error names the argument and what it
expected."""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np


UINT64_MAX = 2 ** 64 - 1  # seeds and noise-stream indices are unsigned 64-bit in the core


def integer(v: Any, name: str, minimum: Optional[int] = None, maximum: Optional[int] = None) -> int:
    """An integer (not a bool), optionally >= minimum and <= maximum; TypeError/ValueError
    naming ``name``."""
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise TypeError(f"{name}: expected an integer, got {type(v).__name__}")
    v = int(v)
    if minimum is not None and v < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {v}")
    if maximum is not None and v > maximum:
        raise ValueError(f"{name}: expected an integer <= {maximum}, got {v}")
    return v


def real(v: Any, name: str) -> float:
    """A real number (int, float, NumPy real scalar or 0-d array; not a bool, string or complex)
    as a float; TypeError naming ``name``. Finiteness is the caller's to check."""
    if isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "fiu":
        return float(v)
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a real number, got {type(v).__name__}")
    return float(v)


def finite(v: Any, name: str) -> float:
    """A finite real number; TypeError/ValueError naming ``name``."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a number, got {type(v).__name__}") from None
    if not math.isfinite(f):
        raise ValueError(f"{name}: expected a finite value, got {f}")
    return f
