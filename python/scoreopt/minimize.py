"""``scoreopt.minimize``: one call from a problem (or a Python callable) to a result."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
from typing import Any, Callable, Optional

import numpy as np

from . import problems
from .optimizers import METHODS, OptimizeResult
from .constraints import ConstrainedProblem, as_constraints, check_project
from .problem_types import BuiltinProblem, Problem
from ._progress import Progress


def minimize(fun: Any, *, dim: Optional[int] = None, bounds: Any = None, method: str = "cdida",
             budget: Optional[int] = None, x0: Any = None, seed: int = 0,
             callback: Optional[Callable] = None, progress: bool = False, constraints: Any = None,
             constraint_mode: str = "feasible", penalty: float = 1e3, project: Optional[Callable] = None,
             checkpoint: Any = None, checkpoint_every: float = 5.0, **options) -> OptimizeResult:
    """Minimize ``fun`` over a box.

    fun: a Problem (its bounds are used unless ``bounds`` is given) or a callable, vectorized over
    rows (X (N, dim) -> (N,)) unless ``vectorized=False`` is passed; then dim and bounds are needed.
    method: "cdida" (the default: covariance-adapted annealed smoothing with restarts, the method
    to use when nothing is known about the problem), "dida", "mbd", "mppi", "cem", "es",
    "marginal" (separable problems) or "hsm".
    budget: evaluations (default 10,000 * dim).
    constraints: g(X) -> (N,) or (N, m), feasible where <= 0, or a list of them (see
    scoreopt.constraints); constraint_mode "feasible" (samples restricted to the feasible set:
    ``project`` X -> X moves them there when given, the rest are rejected) or "penalty"
    (f + penalty * sum(max(0, g)^2)). The result reports ``feasible`` and ``max_violation``.
    callback(optimizer) runs after every iteration; returning True stops the run.
    checkpoint: a file path: the optimizer's state is written there (atomically: a temporary file,
    then os.replace) every ``checkpoint_every`` seconds and at the end; a later call with the same
    arguments resumes from it and returns the result of an uninterrupted run, bit for bit (a file
    written by other arguments raises ValueError). Not available for "hsm".
    options: passed to the method's constructor (popsize, sigma0, temperature, schedule, ...).
    Returns an OptimizeResult (x, fun, nfev, nit, success, message, history, nonfinite).
    """
    if not isinstance(method, str):  # (a list is not even hashable: `in METHODS` would raise)
        raise TypeError(f"method: expected a method name, one of: {', '.join(METHODS)}; got {type(method).__name__}")
    if method not in METHODS:
        raise ValueError(f"method: unknown method {method!r}; expected one of: {', '.join(METHODS)}")
    vectorized = options.pop("vectorized", True)
    if isinstance(fun, Problem):
        problem = fun
        if dim is not None and dim != problem.dim:
            raise ValueError(f"dim: the problem has dim {problem.dim}, got {dim}")
        if bounds is None:
            bounds = problem.bounds
    elif callable(fun):
        if dim is None or bounds is None:
            raise ValueError("dim, bounds: required when fun is a callable")
        problem = problems.from_callable(fun, dim, bounds, vectorized=vectorized)
    else:
        raise TypeError(f"fun: expected a scoreopt Problem or a callable, got {type(fun).__name__}")
    if problem.num_params and getattr(problem, "default_params", None) is None:
        raise ValueError(f"fun: {problem.name} is a parametric family; build it with params=...")
    d = problem.dim
    if budget is None:
        budget = 10_000 * d
    if method == "hsm":
        if checkpoint is not None:
            raise ValueError("checkpoint: not available for method 'hsm' (its state holds trained models)")
        opt = METHODS[method](d, bounds, budget=budget, x0=x0, seed=seed, constraints=constraints,
                              constraint_mode=constraint_mode, penalty=penalty, project=project, **options)
        return _drive(opt, problem, method, budget, callback, progress)
    cons = as_constraints(constraints, d)
    if project is not None and not len(cons):
        raise ValueError("project: only meaningful with constraints")
    opt = METHODS[method](d, bounds, budget=budget, x0=x0, seed=seed, **options)
    saver = None
    if checkpoint is not None:
        run = dict(problem=_identity(problem), method=method, seed=seed, budget=budget,
                   bounds=[opt.lower.tolist(), opt.upper.tolist()],
                   x0=None if x0 is None else np.asarray(x0, np.float64).tolist(),
                   options={k: _jsonable(v) for k, v in sorted(options.items())}, constraints=len(cons),
                   constraint_mode=constraint_mode if len(cons) else None,
                   penalty=penalty if len(cons) else None, project=project is not None)
        saver = _Checkpoint(checkpoint, run, checkpoint_every)
        saver.resume(opt)
    if len(cons):
        # the sampling methods clip into the box themselves; the rest of the feasible set is
        # imposed on their samples by rejection (+inf, zero weight) or by the penalty
        work: Problem = ConstrainedProblem(problem, cons, constraint_mode, penalty)
        if project is not None:
            work = _projected(work, check_project(project))
        r = _drive(opt, work, method, budget, callback, progress, saver)
        if project is not None:  # the value found belongs to the projected point
            r.x = np.clip(np.asarray(project(r.x[None].copy()), dtype=np.float64)[0], opt.lower, opt.upper)
        viol = float(cons.violation(r.x[None])[0])
        r.feasible, r.max_violation = bool(np.isfinite(r.fun) and viol <= 0), viol
        if np.isfinite(r.fun):
            r.fun = float(np.asarray(problem.evaluate(r.x[None]))[0])
        return r
    return _drive(opt, problem, method, budget, callback, progress, saver)


def _projected(work: Problem, project: Callable) -> Problem:
    """The constrained objective evaluated at project(X): a sample stands for its projection."""
    return problems.from_callable(lambda X: work.evaluate(np.asarray(project(np.array(X)), dtype=np.float64)),
                                  work.dim, work.bounds, name=work.name)


def _drive(opt, problem: Problem, method: str, budget: int, callback, progress, saver=None) -> OptimizeResult:
    bar = Progress(budget, method) if progress else None
    try:
        while not opt.stop:
            opt.step(problem)
            if bar:
                bar.update(opt.nfev, opt.best_f)
            if callback is not None and callback(opt):
                opt.halt("stopped by callback")
            if saver:
                saver.save(opt)
    finally:
        if bar:
            bar.update(opt.nfev, opt.best_f, force=True)
            bar.close()
    if saver:
        saver.save(opt, force=True)
    return opt.result


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (np.ndarray, np.generic)):
        return np.asarray(v).tolist()
    return repr(v)


def _identity(problem: Problem) -> dict:
    """What names a problem across processes: a built-in one by its core's full state (function,
    options, instance data, affine wrapper); a Python callable by its name and dimension."""
    if isinstance(problem, BuiltinProblem):
        digest = hashlib.sha256(pickle.dumps(problem._core.__getstate__(), protocol=4)).hexdigest()
        return {"name": problem.name, "dim": problem.dim, "sha256": digest}
    return {"name": problem.name, "dim": problem.dim, "type": type(problem).__name__}


class _Checkpoint:
    """The optimizer's state in one file: a JSON line naming the run that wrote it, then the
    engine's state bytes. Rewritten atomically (temporary file, fsync, os.replace), so a kill at
    any moment leaves the previous or the next complete file."""

    FORMAT = "scoreopt.minimize.checkpoint/1"

    def __init__(self, path: Any, run: dict, every: float):
        self.path = os.fspath(path)
        every = float(every)
        if not every >= 0:
            raise ValueError(f"checkpoint_every: expected seconds >= 0, got {every!r}")
        self.run, self.every = run, every
        self.last = time.monotonic()

    def resume(self, opt) -> None:
        if not os.path.exists(self.path):
            return
        with open(self.path, "rb") as fh:
            head, _, state = fh.read().partition(b"\n")
        try:
            rec = json.loads(head)
            ok = rec.get("format") == self.FORMAT
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"checkpoint: {self.path} is not a scoreopt.minimize checkpoint")
        theirs = rec["run"]
        for key in list(self.run) + [k for k in theirs if k not in self.run]:
            if theirs.get(key) != self.run.get(key):
                raise ValueError(f"checkpoint: {self.path} was written by another run ({key}: "
                                 f"{theirs.get(key)!r} there, {self.run.get(key)!r} here); remove it or "
                                 "pass another path")
        opt.load_state(state)

    def save(self, opt, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        head = json.dumps({"format": self.FORMAT, "run": self.run, "nfev": opt.nfev}).encode()
        tmp = f"{self.path}.tmp{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(head + b"\n" + opt.save_state())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self.last = now
