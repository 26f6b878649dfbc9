"""Backend resolution for the Python calls that take ``backend=``.

``backend`` is one of:

* ``"auto"`` (default): the input's device decides. NumPy arrays, sequences and CPU torch
  tensors run on ``"cpu"`` (the compiled core); a CUDA torch tensor runs on ``"cuda"`` when the
  core was built with CUDA and sees a device, else on ``"triton"`` when Triton is importable,
  else the call fails with an error saying what is missing;
* ``"cpu"``: the compiled core; a tensor on another device is an error (no silent copies);
* ``"cuda"``: the core's CUDA kernels; an error when this build has no CUDA backend or the
  machine has no device;
* ``"triton"``: the Triton kernels of :mod:`scoreopt.kernels`; needs ``triton`` importable and a
  CUDA torch tensor, or ``TRITON_INTERPRET=1`` in the environment (Triton's CPU interpreter,
  for tests), which also accepts CPU torch tensors.

A backend that cannot run is never replaced by another one: the caller asked for it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import Any, Optional, Tuple

import numpy as np

from . import _arrays, _core

BACKENDS = ("auto", "cpu", "cuda", "triton")


def _device_of(X: Any) -> Optional[str]:
    """'cuda' / 'cpu' / other device type of a torch tensor; None for anything else."""
    if _arrays.is_torch(X):
        return X.device.type
    return None


def triton_importable() -> bool:
    try:
        return importlib.util.find_spec("triton") is not None
    except (ImportError, ValueError):
        return False


def triton_interpret() -> bool:
    """True when Triton runs its CPU interpreter (TRITON_INTERPRET=1)."""
    return os.environ.get("TRITON_INTERPRET", "0").strip().lower() in ("1", "true", "yes", "on")


def cuda_module():
    """The CUDA backend module (``scoreopt._cuda_backend``), or None when this build has none."""
    try:
        return importlib.import_module(f"{__package__}._cuda_backend")
    except ModuleNotFoundError as e:
        if e.name and e.name.endswith("_cuda_backend"):
            return None
        raise


def cuda_status() -> Tuple[bool, str]:
    """(usable, why not): whether backend="cuda" can run here."""
    compiled = bool(dict(_core.compiled_backends()).get("cuda", False))
    hint = "scoreopt.backends() lists what is available"
    if not compiled:
        return False, ("backend='cuda': this build of scoreopt was compiled without CUDA (rebuild with "
                       f"SCOREOPT_CUDA=ON on a machine with nvcc); {hint}")
    if cuda_module() is None:
        return False, ("backend='cuda': the CUDA backend is not compiled into this build of scoreopt "
                       f"(scoreopt._cuda_backend is missing); {hint}")
    if _core.cuda_device_count() < 1:
        return False, ("backend='cuda': scoreopt was built with CUDA but no CUDA device is visible "
                       f"(check CUDA_VISIBLE_DEVICES and the driver); {hint}")
    return True, ""


def resolve(backend: Any, X: Any) -> str:
    """The backend that runs a call on input ``X``: "cpu", "cuda" or "triton".

    Raises ValueError (unknown name, a backend that cannot run here, or an input on a device
    the backend does not read) or TypeError (backend not a string)."""
    if not isinstance(backend, str):
        raise TypeError(f"backend: expected one of {', '.join(map(repr, BACKENDS))}, got {type(backend).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    dev = _device_of(X)
    if backend == "auto":
        if dev is None or dev == "cpu":
            return "cpu"
        if dev != "cuda":
            raise ValueError(f"X: tensor is on device '{X.device}'; scoreopt runs NumPy arrays and CPU "
                             f"or CUDA torch tensors")
        ok, _ = cuda_status()
        if ok:
            return "cuda"
        if triton_importable():
            return "triton"
        raise ValueError(f"backend='auto': X is a CUDA tensor, but this build has no CUDA backend "
                         f"and Triton is not installed (pip install triton, or move X to the CPU "
                         f"with X.cpu()); scoreopt.backends() lists what is available")
    if backend == "cpu":
        if dev is not None and dev != "cpu":
            raise ValueError(f"backend='cpu': X is a tensor on device '{X.device}'; move it with "
                             f"X.cpu() or choose backend='auto' (scoreopt never copies between "
                             f"devices silently)")
        return "cpu"
    if backend == "cuda":
        ok, why = cuda_status()
        if not ok:
            raise ValueError(why)
        return "cuda"
    # triton
    if not triton_importable():
        raise ValueError("backend='triton': the triton package is not installed (pip install triton)")
    if dev is None:
        raise ValueError(f"backend='triton': X must be a torch tensor (on a CUDA device, or on the "
                         f"CPU under TRITON_INTERPRET=1), got {type(X).__name__}")
    if dev == "cuda":
        return "triton"
    if dev == "cpu":
        if triton_interpret():
            return "triton"
        raise ValueError("backend='triton': X is a CPU tensor; Triton kernels run on a CUDA device "
                         "(X.cuda()), or on the CPU only under Triton's interpreter "
                         "(TRITON_INTERPRET=1 in the environment before triton is imported)")
    raise ValueError(f"backend='triton': X is on device '{X.device}'; expected a CUDA tensor")


def only_cpu(backend: Any, what: str) -> None:
    """For objects that run only in Python/the CPU core: accept "auto" and "cpu" only."""
    if not isinstance(backend, str):
        raise TypeError(f"backend: expected one of {', '.join(map(repr, BACKENDS))}, got {type(backend).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    if backend not in ("auto", "cpu"):
        raise ValueError(f"backend={backend!r}: {what} runs in Python on the CPU only; use "
                         f"backend='cpu' or 'auto'")


# -- the Triton path --------------------------------------------------------------------------

def torch_input(problem: Any, X: Any, name: str = "X"):
    """Validate a torch input for the Triton path: returns (X2 (N, D) contiguous float32/float64,
    single). Half precision becomes float32 and integers float64, as on the CPU path."""
    import torch

    t = X.detach()
    if t.is_complex():
        raise TypeError(f"{name}: expected a real tensor, got dtype {t.dtype}")
    if t.dtype.is_floating_point and t.dtype not in (torch.float32, torch.float64):
        t = t.to(torch.float32)  # half precision (float16, bfloat16, float8)
    elif not t.dtype.is_floating_point:
        t = t.to(torch.float64)
    t, single = rows_of_points(t, problem.dim, name)
    return t.contiguous(), single


def rows_of_points(t: Any, d: int, name: str = "X"):
    """A tensor of points, (N, d) or one point (d,) -> ((N, d) view, single); the shape checks
    of the CUDA and Triton paths (their dtype policies differ and stay with them)."""
    single = t.ndim == 1
    t2 = t.reshape(1, -1) if single else t
    if t2.ndim != 2:
        raise ValueError(f"{name}: expected shape (N, {d}) or ({d},), got {tuple(t.shape)}")
    if t2.shape[1] != d:
        raise ValueError(f"{name}: expected {d} columns (the problem's dim), got shape {tuple(t.shape)}")
    if t2.shape[0] == 0:
        raise ValueError(f"{name}: empty batch; expected at least one row")
    return t2, single


def torch_params(problem: Any, params: Any, dtype, device, n: int):
    """Per-row parameters for the Triton path: None, or a (1 or n, P) tensor on ``device``."""
    import torch

    if params is not None and _arrays.is_torch(params) and params.device.type != "cpu":
        if problem.num_params == 0:
            raise ValueError(f"params: {problem.name} takes no parameters")
        p = params.detach().to(dtype)
        if p.ndim == 1:
            p = p.reshape(1, -1)
        if p.ndim != 2 or p.shape[1] != problem.num_params or p.shape[0] not in (1, n):
            raise ValueError(f"params: expected shape ({problem.num_params},) or ({n}, {problem.num_params}), "
                             f"got {tuple(params.shape)}")
        if not bool(torch.isfinite(p).all()):
            raise ValueError("params: contains NaN or Inf; expected finite values")
        return p.contiguous()
    np_dtype = np.float32 if dtype == torch.float32 else np.float64
    p = problem.resolve_params(params, np_dtype, n)
    return None if p is None else torch.from_numpy(np.ascontiguousarray(p)).to(device)


def check_rows(X, f, name: str = "X") -> None:
    """The core's rule: a non-finite value from a non-finite input row is an input error."""
    import torch

    bad = ~torch.isfinite(f)
    if bool(bad.any()):
        rows = torch.nonzero(bad & ~torch.isfinite(X).all(dim=1)).flatten()
        if rows.numel():
            raise ValueError(f"{name}: contains NaN or Inf (first at row {int(rows[0])}); expected finite values")


def run_evaluate(problem: Any, X: Any, params: Any, want_grad: bool, backend: str):
    """Problem evaluation on the "cuda" or "triton" backend: (values, gradient or None) as torch
    tensors on X's device ((N,) and (N, D), or a 0-d tensor and (D,) for one point)."""
    if backend == "cuda":
        mod = cuda_module()
        return mod.evaluate(problem, X, params, want_grad)
    from scoreopt.kernels import evaluate as tk

    Xt, single = torch_input(problem, X)
    p = torch_params(problem, params, Xt.dtype, Xt.device, Xt.shape[0])
    f, g = tk.evaluate_triton(problem, Xt, p, want_grad)
    check_rows(Xt, f)
    if single:
        return f.reshape(()), (None if g is None else g[0])
    return f, g
