"""scoreopt: global optimization by diffusion-style smoothing and score fields.

The compiled core (``scoreopt._core``) evaluates objectives in large batches; this package is
the thin typed layer over it. Start with :mod:`scoreopt.problems`.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version as _dist_version
from typing import Dict, List, TypedDict

# The core's OpenMP workers sleep when idle instead of spinning (libgomp spins for about 300,000
# iterations by default): on a machine shared with other work, spinning workers take the cores
# that the busy threads need (issue 16; README.md, "Threads"). libgomp reads the variable once,
# when it loads, which is the import of _core below unless another library loaded it earlier.
# A value the user set is kept; ours is removed again after the import, so that it reaches
# neither other OpenMP runtimes loaded later (torch bundles its own libgomp) nor child processes.
_set_wait_policy = "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ
if _set_wait_policy:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
try:
    from . import _core  # noqa: E402
finally:
    if _set_wait_policy:
        os.environ.pop("OMP_WAIT_POLICY", None)
from . import problems
from . import smoothing
from . import integrators
from . import optimizers
from . import protocol
from .minimize import minimize
from .problem_types import Problem

try:  # set in one place, pyproject.toml, and read from the installed distribution's metadata
    __version__: str = _dist_version("scoreopt")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
__all__ = ["problems", "smoothing", "integrators", "optimizers", "protocol", "minimize", "Problem", "backends", "set_num_threads", "num_threads", "last_evaluation_threads", "build_info",
           "info"]


def backends() -> Dict[str, object]:
    """What this build can run on: {"cpu": True, "cuda": compiled in, "cuda_devices": count,
    "triton": importable}."""
    out: Dict[str, object] = dict(_core.compiled_backends())
    out["cuda_devices"] = _core.cuda_device_count()
    try:
        import importlib.util

        out["triton"] = importlib.util.find_spec("triton") is not None
    except (ImportError, ValueError):
        out["triton"] = False
    return out


def set_num_threads(n: int) -> None:
    """Worker threads for batched calls; 0 restores the default (one per core)."""
    _core.set_num_threads(int(n))


def num_threads() -> int:
    return _core.num_threads()


def last_evaluation_threads() -> int:
    """The threads this Python thread's most recent batched evaluation ran on, as the core's thread
    policy chose them (fewer than num_threads() for a small batch or when other processes keep the
    cores busy; README, "Threads"); 0 before the first."""
    return _core.last_evaluation_threads()


def build_info() -> str:
    """Compiler, flags and backends of the compiled core."""
    return _core.build_info()


class Info(TypedDict):
    """scoreopt.info()'s fields."""

    version: str
    build: str  # build_info()
    simd_path: str  # the SIMD path in use
    simd_path_reason: str  # why: the best supported one, or SCOREOPT_SIMD
    simd_paths: List[str]  # compiled into this build, best first
    supported_simd_paths: List[str]  # those this CPU runs
    threads: int  # num_threads()
    backends: Dict[str, object]  # backends()


def info() -> Info:
    """What this process runs on, as data (``scoreopt info`` prints the same)."""
    return {"version": __version__, "build": _core.build_info(),
            "simd_path": _core.simd_path(), "simd_path_reason": _core.simd_path_reason(),
            "simd_paths": list(_core.simd_paths()),
            "supported_simd_paths": list(_core.supported_simd_paths()),
            "threads": _core.num_threads(), "backends": backends()}
