"""Argument checks shared by the Python layer: each error names the argument and what it
expected."""

from __future__ import annotations

import math
from typing import Any, Optional


def integer(v: Any, name: str, minimum: Optional[int] = None) -> int:
    """An integer (not a bool), optionally >= minimum; TypeError/ValueError naming ``name``."""
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise TypeError(f"{name}: expected an integer, got {type(v).__name__}")
    v = int(v)
    if minimum is not None and v < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {v}")
    return v


def finite(v: Any, name: str) -> float:
    """A finite real number; TypeError/ValueError naming ``name``."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a number, got {type(v).__name__}") from None
    if not math.isfinite(f):
        raise ValueError(f"{name}: expected a finite value, got {f}")
    return f
