"""What the accuracy scripts against COCO share (bench/bbob_cocoex_agreement.py,
bench/schaffers_exact.py): cocoex's values at a batch of points, and the difference measured as
the accuracy contract measures it (bbob.hpp, "Accuracy")."""

from __future__ import annotations

import numpy as np


def coco_values(fid: int, iid: int, X: np.ndarray) -> np.ndarray:
    """cocoex's bbob f``fid``, instance ``iid``, at the rows of X (float64), one call per point.
    X: (N, D) -> (N,)."""
    import cocoex

    X = np.asarray(X, dtype=np.float64)
    d = X.shape[1]
    suite = cocoex.Suite("bbob", f"instances:{iid}", f"dimensions:{d} function_indices:{fid}")
    problem = suite[0]  # the suite must outlive the problem: freeing it frees the problem
    return np.array([problem(x) for x in X])


def relative_to_scale(f: np.ndarray, ref: np.ndarray, f_opt: float) -> np.ndarray:
    """|f - ref| / max(|ref|, |f_opt|) per point: COCO adds f_opt last, so its value is exact only
    to that scale."""
    return np.abs(np.asarray(f, np.float64) - ref) / np.maximum(np.maximum(np.abs(ref), abs(f_opt)), 1e-300)
