"""Warm-start evaluation of initial guesses (GLENS Section 4, Table 1 and Figures 4-7, 9).

Each guess warm-starts the family's solver for its parameter; k = the solver iterations to
converge (failures count at the solver's cap: 100 for the QP's gradient descent, 300 for
L-BFGS-B). Reported: the cumulative % of guesses with k <= 1, 3, 6, and the mean and (population)
standard deviation of k over all guesses, as in the paper and its public code. Diversity: the
number of distinct local optima the converged runs reach per parameter (converged points closer
than ``family.optimum_tol``, directly or through a chain, are one optimum), and the share of
ground-truth optima (:func:`scoreopt.glens.load_optima`) reached.

>>> res = evaluate(fam, params, guesses)                   # params (N, P), guesses (N, S, d)
>>> base = evaluate(fam, params, uniform_guesses(fam, params, S, rng))
>>> res.summary()["mean_k"], base.summary()["mean_k"]
>>> plot_k_cdf("k_cdf.png", {"GLENS": res, "Uniform": base})
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .._validate import finite, integer
from .cluster import cluster_labels
from .families import Family

__all__ = ["EvalResult", "evaluate", "uniform_guesses", "optima_recovered", "plot_samples", "plot_k_cdf"]


@dataclass
class EvalResult:
    """k: (N, S) int64, iterations to converge per guess (the cap for failures);
    converged: (N, S) bool; final: (N, S, d) final iterates; cap: the solver's cap;
    n_optima: (N,) int64, distinct optima reached by the converged runs of each parameter."""

    k: np.ndarray
    converged: np.ndarray
    final: np.ndarray
    cap: int
    n_optima: np.ndarray

    def cumulative(self, ks: Sequence[int] = (1, 3, 6)) -> Dict[int, float]:
        """{K: % of all guesses with k <= K}."""
        flat = self.k.ravel()
        return {int(K): 100.0 * float(np.mean(flat <= K)) for K in ks}

    @property
    def mean(self) -> float:
        return float(np.mean(self.k))

    @property
    def std(self) -> float:
        return float(np.std(self.k))

    def summary(self, ks: Sequence[int] = (1, 3, 6)) -> Dict[str, float]:
        """The Table-1 row: {"k<=1", "k<=3", "k<=6" (%), "mean_k", "std_k", "converged_%",
        "optima_per_param"}."""
        out: Dict[str, float] = {f"k<={K}": v for K, v in self.cumulative(ks).items()}
        out.update(mean_k=self.mean, std_k=self.std, **{"converged_%": 100.0 * float(np.mean(self.converged))},
                   optima_per_param=float(np.mean(self.n_optima)))
        return out


def _check_params(family: Family, params: Any) -> np.ndarray:
    p = np.asarray(params, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != family.num_params or p.shape[0] == 0:
        raise ValueError(f"params: expected shape (N, {family.num_params}) with N >= 1, got {np.shape(params)}")
    if not np.isfinite(p).all():
        raise ValueError("params: contains NaN or Inf")
    return p


def uniform_guesses(family: Family, params: Any, S: int, rng: np.random.Generator) -> np.ndarray:
    """The Uniform baseline: S starts per parameter drawn uniformly from the family's start box.
    params: (N, P) -> (N, S, d)."""
    p = _check_params(family, params)
    S = integer(S, "S", 1)
    return np.stack([family.sample_starts(rng, S) for _ in range(p.shape[0])])


def _warm_start(task: Tuple[Family, np.ndarray, np.ndarray]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    family, alpha, x0 = task
    res = family.solve(alpha, x0)
    return res.k(), res.converged, res.final


def evaluate(family: Family, params: Any, guesses: Any, *, optimum_tol: Optional[float] = None,
             executor: Any = "local", address: Optional[str] = None) -> EvalResult:
    """Warm-start the family's solver from every guess. params: (N, P); guesses: (N, S, d),
    guesses[i] for params[i]. optimum_tol: the distinct-optimum distance (default
    family.optimum_tol). executor: "local" (serial), "processes" (one worker per core), "ray",
    or an executor object (see :func:`scoreopt.glens.collect`); one task per parameter."""
    if not isinstance(family, Family):
        raise TypeError(f"family: expected a scoreopt.glens.Family, got {type(family).__name__}")
    p = _check_params(family, params)
    g = np.asarray(guesses, dtype=np.float64)
    if g.ndim != 3 or g.shape[0] != p.shape[0] or g.shape[2] != family.dim or g.shape[1] == 0:
        raise ValueError(f"guesses: expected shape ({p.shape[0]}, S, {family.dim}) with S >= 1 "
                         f"(one row of S guesses per parameter), got {g.shape}")
    if not np.isfinite(g).all():
        raise ValueError("guesses: contains NaN or Inf")
    tol = family.optimum_tol if optimum_tol is None else finite(optimum_tol, "optimum_tol")
    if tol <= 0:
        raise ValueError(f"optimum_tol: expected a positive distance, got {tol}")
    N, S, d = g.shape
    k = np.empty((N, S), dtype=np.int64)
    conv = np.empty((N, S), dtype=bool)
    final = np.empty((N, S, d))
    from .collection import _make_executor  # one executor policy for collection and evaluation

    with _make_executor(executor, address, family) as ex:
        for i, (ki, ci, fi) in ex.imap_unordered(_warm_start, [(family, p[i], g[i]) for i in range(N)]):
            k[i], conv[i], final[i] = ki, ci, fi
    n_opt = np.array([0 if not conv[i].any() else int(cluster_labels(final[i][conv[i]], tol).max()) + 1
                      for i in range(N)], dtype=np.int64)
    return EvalResult(k, conv, final, family.cap, n_opt)


def optima_recovered(result: EvalResult, optima: Union[Mapping[int, np.ndarray], Sequence[np.ndarray]],
                     tol: float) -> np.ndarray:
    """Per parameter, the share of reference optima (optima[i]: (n_i, d), e.g. from
    :func:`scoreopt.glens.load_optima` for the same parameters in the same order) that some
    converged run ended within tol of: (N,) in [0, 1] (NaN where no reference optimum)."""
    tol = finite(tol, "tol")
    N = result.k.shape[0]
    if len(optima) != N:
        raise ValueError(f"optima: expected one array per parameter ({N}), got {len(optima)}")
    refs = list(optima.values()) if isinstance(optima, Mapping) else list(optima)
    out = np.full(N, np.nan)
    for i, ref in enumerate(refs):
        ref = np.asarray(ref, dtype=np.float64)
        if ref.ndim != 2 or ref.shape[1] != result.final.shape[2]:
            raise ValueError(f"optima: entry {i} must have shape (n, {result.final.shape[2]}), got {ref.shape}")
        if ref.shape[0] == 0:
            continue
        got = result.final[i][result.converged[i]]
        if got.shape[0] == 0:
            out[i] = 0.0
            continue
        dist = np.linalg.norm(ref[:, None, :] - got[None, :, :], axis=2)
        out[i] = float(np.mean(dist.min(axis=1) <= tol))
    return out


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window
    import matplotlib.pyplot as plt

    return plt


def plot_samples(path: Union[str, os.PathLike], optima: Any, samples: Mapping[str, Any], *,
                 dims: Tuple[int, int] = (0, 1), title: Optional[str] = None) -> None:
    """Figure-4 style PNG: one panel per method, the ground-truth optima (n, d) as grey circles
    and that method's samples (S, d) as coloured crosses, in coordinates ``dims``."""
    opt = np.asarray(optima, dtype=np.float64)
    if opt.ndim != 2:
        raise ValueError(f"optima: expected shape (n, d), got {opt.shape}")
    if not isinstance(samples, Mapping) or not samples:
        raise ValueError("samples: expected a non-empty mapping {method name: (S, d) array}")
    i, j = (integer(v, "dims") for v in dims)
    d = opt.shape[1]
    if not (0 <= i < d and 0 <= j < d):
        raise ValueError(f"dims: coordinates must lie in [0, {d}), got {dims}")
    plt = _pyplot()
    n = len(samples)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.6), squeeze=False, sharex=True, sharey=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for c, (ax, (name, s)) in enumerate(zip(axes[0], samples.items())):
        s = np.asarray(s, dtype=np.float64)
        if s.ndim != 2 or s.shape[1] != d:
            raise ValueError(f"samples: {name!r} must have shape (S, {d}), got {s.shape}")
        ax.scatter(opt[:, i], opt[:, j], s=40, facecolors="none", edgecolors="0.6", label="optima")
        ax.scatter(s[:, i], s[:, j], s=18, marker="x", color=colors[c % len(colors)], label=name)
        ax.set_title(name)
        ax.set_xlabel(f"x{i + 1}")
    axes[0][0].set_ylabel(f"x{j + 1}")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_k_cdf(path: Union[str, os.PathLike], results: Mapping[str, Union[EvalResult, Any]], *,
               max_k: Optional[int] = None, title: Optional[str] = None) -> None:
    """The cumulative distribution of k (fraction of guesses with k <= K against K), one curve
    per method. results: {method: EvalResult or array of k values}."""
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results: expected a non-empty mapping {method name: EvalResult or k array}")
    ks = {}
    for name, r in results.items():
        k = np.asarray(r.k if isinstance(r, EvalResult) else r).ravel()
        if k.size == 0 or (k.dtype.kind not in "iu" and not np.all(k == np.round(k))):
            raise ValueError(f"results: {name!r} must be an EvalResult or a non-empty array of integer k")
        ks[name] = k.astype(np.int64)
    top = integer(max_k, "max_k", 1) if max_k is not None else int(max(k.max() for k in ks.values()))
    grid = np.arange(0, top + 1)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for name, k in ks.items():
        ax.step(grid, [np.mean(k <= K) for K in grid], where="post", label=name)
    ax.set_xlabel("k (solver iterations to converge)")
    ax.set_ylabel("cumulative fraction")
    ax.set_ylim(0, 1.02)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
