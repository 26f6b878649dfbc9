"""Grouping converged points into distinct local optima."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

__all__ = ["cluster_labels", "distinct_points"]


def cluster_labels(points: Any, tol: float) -> np.ndarray:
    """Single-linkage groups: points (n, d) closer than tol, directly or through a chain of
    such neighbours, share a label. Returns labels (n,) int64 numbered 0, 1, ... in order of
    first appearance."""
    X = np.asarray(points, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"points: expected shape (n, d), got {X.shape}")
    n = X.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    sq = np.einsum("ij,ij->i", X, X)
    # squared distances through the Gram matrix: n is a few hundred at most per parameter
    D2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (X @ X.T), 0.0)
    near = D2 < tol * tol
    nxt = 0
    for i in range(n):
        if labels[i] >= 0:
            continue
        labels[i] = nxt
        stack = [i]
        while stack:
            j = stack.pop()
            for m in np.flatnonzero(near[j] & (labels < 0)):
                labels[m] = nxt
                stack.append(int(m))
        nxt += 1
    return labels


def distinct_points(points: Any, tol: float, values: Optional[Any] = None) -> np.ndarray:
    """One representative per group of :func:`cluster_labels`: (n_groups, d). The
    representative is the group's point with the lowest value (values (n,)), or its first."""
    X = np.asarray(points, dtype=np.float64)
    labels = cluster_labels(X, tol)
    if X.shape[0] == 0:
        return X.reshape(0, X.shape[1] if X.ndim == 2 else 0)
    v = np.zeros(X.shape[0]) if values is None else np.asarray(values, dtype=np.float64)
    reps = []
    for g in range(int(labels.max()) + 1):
        idx = np.flatnonzero(labels == g)
        reps.append(X[idx[np.argmin(v[idx])]])
    return np.stack(reps)
