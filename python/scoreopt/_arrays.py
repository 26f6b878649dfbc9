"""Conversion between user arrays (NumPy, torch, sequences) and the buffers the core reads.

The rule, applied once per call:

* float32 and float64 C-contiguous arrays reach the core as they are (no copy);
* other real dtypes are converted once: half precision (float16, bfloat16, float8) to float32,
  integers and bools to float64; byte-swapped, unaligned and non-contiguous arrays are made
  native C-contiguous; lists, tuples and scalars become float64;
* complex, object and string data raise TypeError;
* results come back as the input's kind (NumPy or torch), dtype (after the rule) and device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

_REAL_FLOATS = (np.float32, np.float64)


def _torch():
    import sys

    return sys.modules.get("torch")  # never import torch ourselves: it is optional and slow


def is_torch(x: Any) -> bool:
    t = _torch()
    return t is not None and isinstance(x, t.Tensor)


@dataclass
class Converted:
    array: np.ndarray  # what the core reads
    torch_like: Optional[Any]  # the original tensor when the input was torch, else None


def _from_numpy(a: np.ndarray, name: str) -> np.ndarray:
    k = a.dtype.kind
    if k == "f":
        if a.dtype.type not in _REAL_FLOATS:
            a = a.astype(np.float32 if a.dtype.itemsize < 4 else np.float64)
        elif not a.dtype.isnative:  # byte-swapped float32/float64: the core reads native order
            a = a.astype(a.dtype.newbyteorder("="))
    elif k in "iub":
        a = a.astype(np.float64)
    else:
        raise TypeError(f"{name}: expected a real numeric array, got dtype {a.dtype}")
    # the core takes the buffer as T*, which must be aligned for T (a view at an odd byte
    # offset of a buffer is not)
    if not a.flags.c_contiguous or not a.flags.aligned:
        a = np.array(a, order="C")
    return a


def to_array(x: Any, name: str) -> Converted:
    """Convert ``x`` by the module rule. Torch tensors must live on the CPU (the CUDA backend
    is not part of this build): anything else raises ValueError naming the argument."""
    if isinstance(x, np.ndarray):
        return Converted(_from_numpy(x, name), None)
    if is_torch(x):
        torch = _torch()
        if x.device.type != "cpu":
            raise ValueError(
                f"{name}: tensor is on device '{x.device}', but this build of scoreopt has no "
                f"backend for it (scoreopt.backends() lists what is available)"
            )
        if x.is_complex():
            raise TypeError(f"{name}: expected a real tensor, got dtype {x.dtype}")
        t = x.detach()
        if t.dtype.is_floating_point and t.dtype not in (torch.float32, torch.float64):
            t = t.to(torch.float32)  # half precision (float16, bfloat16, float8) computes in float32
        elif not t.dtype.is_floating_point:
            t = t.to(torch.float64)
        if not t.is_contiguous():
            t = t.contiguous()
        return Converted(t.numpy(), x)
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name}: expected a numeric array, got {type(x).__name__}")
    try:
        a = np.asarray(x)
    except Exception as e:  # ragged lists and similar
        raise TypeError(f"{name}: expected a numeric array, got {type(x).__name__} ({e})") from None
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name}: expected a numeric array, got {type(x).__name__} of dtype {a.dtype}")
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    return Converted(_from_numpy(a, name), None)


def like(result: np.ndarray, src: Converted) -> Any:
    """Return ``result`` (a NumPy array) in the kind of the original input."""
    if src.torch_like is not None:
        torch = _torch()
        return torch.from_numpy(result)
    return result


def check_finite(a: np.ndarray, name: str) -> None:
    if not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ValueError(f"{name}: contains NaN or Inf (first at index {tuple(int(i) for i in bad)}); expected finite values")
