"""Benchmarking on the BBOB suite through COCO and IOHprofiler.

``run_coco`` runs an optimizer over ``cocoex``'s ``bbob`` suite with a ``cocoex.Observer``
attached, so that every evaluation is logged and the folder it writes is valid input for
``python -m cocopp``; ``run_ioh`` does the same through ``ioh`` problems with an
``ioh.logger.Analyzer`` attached (IOHprofiler's ``.json`` + ``.dat`` format, for IOHanalyzer).

Every evaluation goes through the observed problem one point at a time (that is how COCO and
IOH log them); batched optimizers are driven through their ask/tell interface::

    opt = make_optimizer("dida", dim, (lower, upper), budget, seed)
    while not opt.stop:
        X = opt.ask()                  # (n, dim)
        opt.tell(X, f(X))              # f evaluates row by row on the observed problem

``method`` may be any scoreopt method name (``scoreopt.optimizers.METHODS``), ``"random"``
(uniform random search in the box, the baseline), pycma's restart strategies ``"bipop-cma"``
(BIPOP-CMA-ES) and ``"ipop-cma"`` (IPOP-CMA-ES), or a factory
``method(dim, (lower, upper), budget, seed) -> optimizer`` returning any object with
``ask() -> (n, dim)``, ``tell(X, f)`` and a ``stop`` attribute or property (a user's own
ask/tell optimizer); ``run_ask_tell`` is the loop that drives such an object on a function.

Starts (the honest protocol, :mod:`scoreopt.protocol`): run k of a problem (k = 0 first, then
one per restart) starts at ``problem_start(lower, upper, seed, function, instance, dim, k)``,
uniform in the box and drawn from those numbers, so every method of the same seed starts each
(re)start from the same point. scoreopt's methods take it as ``x0``; pycma's fmin2 calls it for
each of its runs. ("random" and user factories draw their own points.)

If an optimizer stops before its budget is spent (converged), it is restarted independently
(seed + k, the next start) on the remaining budget, as COCO recommends; a run also ends once
COCO's final target (f - f_opt < 1e-8) is hit. pycma runs ``cma.fmin2(..., restarts=9,
bipop=...)`` with sigma0 = 2 (0.2 of the box width, the setting of COCO's pycma reference data),
the remaining budget as ``maxfevals``, and again from the next start if its 9 restarts end
before the budget (:func:`scoreopt.baselines.pycma_restarts`); every evaluation goes through the
observed problem, exactly as for scoreopt's methods.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

import numpy as np

from ._progress import Progress

__all__ = ["RandomSearch", "make_optimizer", "run_ask_tell", "run_coco", "run_ioh", "parse_ints",
           "ProblemRecord", "problem_start", "PYCMA_METHODS"]

#: pycma's restart strategies run through the observers: name -> bipop flag of cma.fmin2
PYCMA_METHODS = {"bipop-cma": True, "ipop-cma": False}


def problem_start(lower: Any, upper: Any, seed: int, function: int, instance: int, dim: int,
                  k: int = 0) -> np.ndarray:
    """The start of run k (0: the first, then one per restart) on a benchmark problem: uniform in
    the box, drawn from (seed, function, instance, dim, k); the same for every method."""
    from .protocol import random_start

    return random_start(lower, upper, seed, "bbob-start", function, instance, dim, k)


class RandomSearch:
    """Uniform random search in the box, in batches; an ask/tell optimizer (the baseline)."""

    name = "random"

    def __init__(self, dim: int, bounds: Any, *, budget: int, seed: int = 0,
                 batch: Optional[int] = None):
        self.dim = int(dim)
        lo, hi = bounds
        self.lower = np.broadcast_to(np.asarray(lo, dtype=np.float64), (self.dim,)).copy()
        self.upper = np.broadcast_to(np.asarray(hi, dtype=np.float64), (self.dim,)).copy()
        self.budget = int(budget)
        self.batch = int(batch) if batch is not None else max(100, 10 * self.dim)
        self.rng = np.random.default_rng(seed)
        self.nfev = 0
        self.best_f = np.inf
        self.best_x = (self.lower + self.upper) / 2

    @property
    def stop(self) -> bool:
        return self.nfev >= self.budget

    def ask(self) -> np.ndarray:
        n = min(self.batch, self.budget - self.nfev)
        return self.lower + (self.upper - self.lower) * self.rng.random((max(n, 0), self.dim))

    def tell(self, X: Any, f: Any) -> None:
        f = np.asarray(f, dtype=np.float64).reshape(-1)
        self.nfev += len(f)
        ok = np.isfinite(f)
        if ok.any():
            k = int(np.argmin(np.where(ok, f, np.inf)))
            if f[k] < self.best_f:
                self.best_f, self.best_x = float(f[k]), np.asarray(X[k], dtype=np.float64).copy()


def _check_method(method) -> None:
    """Unknown method names fail before any data folder is made."""
    if callable(method) or method == "random" or method in PYCMA_METHODS:
        return
    from .optimizers import METHODS

    if method not in METHODS:
        raise ValueError(f"method: unknown method {method!r}; expected 'random', "
                         f"{', '.join(PYCMA_METHODS)} or one of {', '.join(METHODS)}")


def make_optimizer(method: Union[str, Callable], dim: int, bounds: Any, budget: int, seed: int,
                   x0: Any = None):
    """An ask/tell optimizer for ``method`` (see the module docstring) with ``budget`` evaluations,
    starting at ``x0`` (scoreopt's methods; "random" and factories ignore it)."""
    if callable(method):
        return method(dim, bounds, budget, seed)
    if method == "random":
        return RandomSearch(dim, bounds, budget=budget, seed=seed)
    _check_method(method)
    if method in PYCMA_METHODS:
        raise ValueError(f"method: {method} is pycma's own loop, not an ask/tell optimizer; "
                         "run it through run_coco or run_ioh")
    from .optimizers import METHODS

    cls = METHODS[method]
    probe = cls(dim, bounds, seed=seed)  # the default population size
    kw = {} if x0 is None else {"x0": x0}
    if not hasattr(probe, "popsize"):  # HSM: no population; it stops at its budget itself
        return cls(dim, bounds, budget=max(1, budget), seed=seed, **kw)
    if budget < probe.popsize:  # tiny budgets: a population that fits (even, antithetic pairs)
        if budget < 2:
            return RandomSearch(dim, bounds, budget=budget, seed=seed)
        kw["popsize"] = budget - budget % 2
    return cls(dim, bounds, budget=budget, seed=seed, **kw)


def _stopped(opt) -> bool:
    s = getattr(opt, "stop", False)
    return bool(s() if callable(s) else s)


def run_ask_tell(opt, f: Callable[[np.ndarray], np.ndarray], budget: int,
                 on_batch: Optional[Callable[[int], bool]] = None) -> int:
    """Drive any ask/tell optimizer ``opt`` on the batched function ``f`` ((n, dim) -> (n,)) until
    ``opt.stop``, ``budget`` evaluations, or ``on_batch(evaluations so far)`` returns True. A
    batch that would overrun the budget is not evaluated. Returns the evaluations spent."""
    if not hasattr(opt, "ask"):
        return _run_stepping(opt, f, budget, on_batch)
    used = 0
    while not _stopped(opt) and used < budget:
        X = np.atleast_2d(np.asarray(opt.ask(), dtype=np.float64))
        if len(X) == 0 or used + len(X) > budget:
            break
        y = np.asarray(f(X), dtype=np.float64).reshape(-1)
        opt.tell(X, y)
        used += len(X)
        if on_batch is not None and on_batch(used):
            break
    return used


class _Stop(Exception):
    pass


def _run_stepping(opt, f, budget, on_batch) -> int:
    """Optimizers that train models between evaluations (HSM) step on a Problem instead of
    ask/tell; ``f`` becomes that problem, and the stop rules are checked after every batch."""
    from .problems import from_callable

    used = [0]

    def counted(X):
        if used[0] + len(X) > budget:
            raise _Stop
        y = np.asarray(f(X), dtype=np.float64).reshape(-1)
        used[0] += len(X)
        if on_batch is not None and on_batch(used[0]):
            raise _Stop
        return y

    problem = from_callable(counted, opt.dim, (opt.lower, opt.upper))
    try:
        while not _stopped(opt) and used[0] < budget:
            opt.step(problem)
    except _Stop:
        pass
    return used[0]


def _rowwise(problem: Callable[[np.ndarray], float]) -> Callable[[np.ndarray], np.ndarray]:
    """Evaluate a batch one point per call (so an observer logs each evaluation)."""
    return lambda X: np.fromiter((problem(x) for x in X), dtype=np.float64, count=len(X))


def _drive(method, dim, bounds, budget, seed, f, evaluations, done, on_batch, on_restart=None,
           max_restarts=1000, start=None):
    """Run ``method`` (with independent restarts while budget remains) on ``f``; ``evaluations()``
    counts the problem's evaluations so far, ``done()`` says the final target is hit, ``start(k)``
    is the start of run k. Returns the number of runs."""
    if method in PYCMA_METHODS:
        return _drive_pycma(method, bounds, budget, seed, f, evaluations, done, on_batch, start)
    k = 0
    while k <= max_restarts:
        remaining = budget - evaluations()
        if remaining <= 0 or done():
            break
        if k and on_restart is not None:
            on_restart()
        x0 = None if start is None else start(k)
        opt = make_optimizer(method, dim, bounds, remaining, seed + 1000003 * k, x0=x0)
        used = run_ask_tell(opt, f, remaining, lambda n: on_batch() or done())
        if used == 0:
            break
        k += 1
    return k


def _drive_pycma(method, bounds, budget, seed, f, evaluations, done, on_batch, start) -> int:
    """pycma's BIPOP/IPOP-CMA-ES on ``f`` (batched, evaluated row by row on the observed problem)
    through :func:`scoreopt.baselines.pycma_restarts`. Returns the number of CMA-ES runs."""
    from .baselines import pycma_restarts

    lower, upper = (np.asarray(b, dtype=np.float64) for b in bounds)
    if start is None:
        start = lambda k: problem_start(lower, upper, seed, 0, 0, len(lower), k)
    calls = [0]

    def scalar(x):
        y = float(f(x[None])[0])
        calls[0] += 1
        if calls[0] % 100 == 0:  # the progress bar, at a rate that costs nothing
            on_batch()
        return y

    out = pycma_restarts(scalar, lower, upper, budget - evaluations(), seed, start,
                         bipop=PYCMA_METHODS[method], sigma0=0.2 * float(np.mean(upper - lower)),
                         done=done)
    return out["cma_runs"]


def parse_ints(spec: Union[str, int, Iterable[int], None]) -> Optional[List[int]]:
    """``"1-5,8"`` -> [1, 2, 3, 4, 5, 8]; ints and iterables of ints pass through."""
    if spec is None:
        return None
    if isinstance(spec, (int, np.integer)):
        return [int(spec)]
    if not isinstance(spec, str):
        return [int(v) for v in spec]
    out: List[int] = []
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part[1:]:
            first, last = part.split("-", 1)
            a, b = int(first), int(last)
            if b < a:
                raise ValueError(f"range {part!r}: end before start")
            out.extend(range(a, b + 1))
        else:
            out.append(int(part))
    if not out:
        raise ValueError(f"expected a list like '1-5,8', got {spec!r}")
    return out


def _ints(spec: Union[str, int, Iterable[int]], name: str) -> List[int]:
    """parse_ints for an argument that may not be None."""
    out = parse_ints(spec)
    if out is None:
        raise ValueError(f"{name}: expected ids, got None")
    return out


@dataclass
class ProblemRecord:
    """One run on one problem: ids, evaluations and the best value found (and its error)."""
    function: int
    instance: int
    dim: int
    evaluations: int
    best_f: float
    f_opt: Optional[float]
    restarts: int

    @property
    def error(self) -> Optional[float]:
        return None if self.f_opt is None else self.best_f - self.f_opt


class BenchmarkResult(str):
    """The output folder (a ``str`` path) with the per-problem ``records`` attached."""
    records: List[ProblemRecord]


def _result(folder: str, records: List[ProblemRecord]) -> BenchmarkResult:
    r = BenchmarkResult(folder)
    r.records = records
    return r


def _name(method) -> str:
    return method if isinstance(method, str) else getattr(method, "__name__", "custom")


def _default_info(method) -> str:
    """What the data files say about a run, when the caller says nothing."""
    if not isinstance(method, str):
        return ""
    if method in PYCMA_METHODS:
        import cma

        return (f"pycma {cma.__version__} fmin2 restarts=9 bipop={PYCMA_METHODS[method]} sigma0=0.2*width "
                "seeded uniform starts")
    return f"scoreopt {method} seeded uniform starts"


def _coco_fopt(fid: int, dim: int, iid: int) -> Optional[float]:
    try:
        import cocoex

        return float(cocoex.BareProblem("bbob", fid, dim, iid).best_value())
    except Exception:  # pragma: no cover - older cocoex
        return None


def run_coco(method: Union[str, Callable] = "random", *, dims: Sequence[int] = (2, 3, 5, 10, 20, 40),
             functions: Union[str, Iterable[int]] = range(1, 25),
             instances: Union[str, Iterable[int]] = range(1, 16),
             budget_multiplier: float = 1e4, result_folder: Optional[str] = None, seed: int = 0,
             algorithm_name: Optional[str] = None, algorithm_info: str = "",
             progress: bool = True, suite: str = "bbob", executor: Any = "local",
             address: Optional[str] = None) -> BenchmarkResult:
    """Run ``method`` on the COCO ``bbob`` suite with a ``cocoex.Observer`` attached; each problem
    gets ``budget_multiplier * dim`` evaluations. ``result_folder``: where the data goes (COCO
    appends ``-0001`` etc. when it exists; default ``exdata/<algorithm_name>`` in the current
    folder). Returns the folder actually written (a ``str``, with ``.records``): pass it to
    ``python -m cocopp``.

    ``executor``: ``"local"`` (this process), ``"processes"``, ``"ray"`` (at ``address``, or a
    local Ray instance) or a :class:`scoreopt.distributed.Executor`: the workers run one
    (dimension, function) group each, with COCO writing in a scratch folder, and this process
    merges their files; the folder and the records are the same, byte for byte, as those of a
    local run with the same arguments."""
    import cocoex

    dims, functions, instances = _ints(dims, "dims"), _ints(functions, "functions"), _ints(instances, "instances")
    _check_method(method)
    name = algorithm_name or _name(method)
    algorithm_info = algorithm_info or _default_info(method)
    if any(c.isspace() for c in name):
        raise ValueError(f"algorithm_name: no whitespace allowed, got {name!r}")
    if budget_multiplier <= 0:
        raise ValueError(f"budget_multiplier: expected > 0, got {budget_multiplier!r}")
    _check_executor(executor, address)
    cwd = os.getcwd()
    exdata = os.path.join(cwd, "exdata")
    had_exdata = os.path.exists(exdata)
    if result_folder is None:
        result_folder = os.path.join(exdata, name)
    # COCO writes under ./exdata/<result_folder>: express the wanted folder relative to that
    target = os.path.abspath(result_folder)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    rel = os.path.relpath(target, exdata)
    opts = (f"dimensions: {','.join(map(str, dims))} "
            f"function_indices: {','.join(map(str, functions))} "
            f"instance_indices: {','.join(map(str, instances))}")
    old_level = cocoex.log_level("warning")
    try:
        bbob = cocoex.Suite(suite, "", opts)
        info = f" algorithm_info: \"{algorithm_info}\"" if algorithm_info else ""
        observer = cocoex.Observer(suite, f"result_folder: {rel} algorithm_name: {name}{info}")
    finally:
        cocoex.log_level(old_level)
    folder = os.path.normpath(os.path.join(cwd, observer.result_folder))
    if executor != "local" or address is not None:
        bbob.free()
        del observer  # it has reserved the folder (COCO's -0001 naming); the workers write the data
        if not had_exdata and os.path.isdir(exdata) and not os.listdir(exdata):
            os.rmdir(exdata)
        jobs = [(method, dict(dims=[d], functions=[f], instances=instances, seed=seed, suite=suite,
                              budget_multiplier=budget_multiplier, algorithm_name=name,
                              algorithm_info=algorithm_info))
                for d in sorted(set(dims)) for f in sorted(set(functions))]  # COCO's order
        return _sweep(_coco_task, jobs, folder, executor, address, f"{suite} {name}" if progress else None)
    budgets = [int(budget_multiplier * p.dimension) for p in bbob]
    total = int(sum(budgets))
    bar = Progress(total, f"{suite} {name}") if progress else None
    done_before = 0
    records: List[ProblemRecord] = []
    try:
        for problem, budget in zip(bbob, budgets):
            problem.observe_with(observer)
            dim = problem.dimension
            bounds = (np.asarray(problem.lower_bounds), np.asarray(problem.upper_bounds))
            fopt = _coco_fopt(problem.id_function, dim, problem.id_instance)

            def tick(problem=problem, base=done_before):
                if bar:
                    bar.label = f"{name} {problem.id}".ljust(28)
                    best = problem.best_observed_fvalue1 - (fopt or 0.0)
                    bar.update(base + problem.evaluations, best)
                return False

            start = (lambda k, b=bounds, fid=problem.id_function, iid=problem.id_instance, d=dim:
                     problem_start(b[0], b[1], seed, fid, iid, d, k))
            k = _drive(method, dim, bounds, budget, seed, _rowwise(problem),
                       lambda problem=problem: problem.evaluations,
                       lambda problem=problem: problem.final_target_hit, tick,
                       lambda problem=problem: observer.signal_restart(problem), start=start)
            records.append(ProblemRecord(problem.id_function, problem.id_instance, dim,
                                         int(problem.evaluations), float(problem.best_observed_fvalue1),
                                         fopt, max(0, k - 1)))
            done_before += budget
            problem.free()
    finally:
        if bar:
            bar.label = f"{suite} {name}".ljust(28)
            bar.update(done_before, min((r.error or 0.0 for r in records), default=np.nan), force=True)
            bar.close()
        bbob.free()  # (Observer.free is broken in cocoex 2.8; each problem.free() flushed its files)
        del observer
        if not had_exdata and os.path.isdir(exdata) and not os.listdir(exdata):
            os.rmdir(exdata)  # COCO creates it even when writing elsewhere
    return _result(folder, records)


def run_ioh(method: Union[str, Callable] = "random", *, dims: Sequence[int] = (2, 3, 5, 10, 20, 40),
            functions: Union[str, Iterable[int]] = range(1, 25),
            instances: Union[str, Iterable[int]] = range(1, 16),
            budget_multiplier: float = 1e4, folder: str = "ioh_data", seed: int = 0,
            algorithm_name: Optional[str] = None, algorithm_info: str = "",
            progress: bool = True, executor: Any = "local",
            address: Optional[str] = None) -> BenchmarkResult:
    """Run ``method`` on IOHprofiler's BBOB problems with an ``ioh.logger.Analyzer`` attached
    (IOHprofiler format: one ``.json`` per function and ``.dat`` files, for IOHanalyzer).
    ``folder``: the data folder (ioh appends ``-1`` etc. when it exists). Returns the folder
    actually written (a ``str``, with ``.records``).

    ``executor``, ``address``: as for :func:`run_coco`, with one function (all its dimensions and
    instances) per task; the files and records equal those of a local run."""
    import ioh

    dims, functions, instances = _ints(dims, "dims"), _ints(functions, "functions"), _ints(instances, "instances")
    _check_method(method)
    name = algorithm_name or _name(method)
    algorithm_info = algorithm_info or _default_info(method)
    if budget_multiplier <= 0:
        raise ValueError(f"budget_multiplier: expected > 0, got {budget_multiplier!r}")
    _check_executor(executor, address)
    target = os.path.abspath(folder)
    root, leaf = os.path.split(target)
    os.makedirs(root, exist_ok=True)
    logger = ioh.logger.Analyzer(root=root, folder_name=leaf, algorithm_name=name,
                                 algorithm_info=algorithm_info)
    out = str(logger.output_directory)
    if executor != "local" or address is not None:
        # the logger has reserved the name (ioh's -1 naming); the workers write the data. Its
        # destructor removes the folder, and aborts the process if the folder is not empty then
        logger.close()
        del logger
        os.makedirs(out)
        tasks = [(method, dict(dims=dims, functions=[f], instances=instances, seed=seed,
                               budget_multiplier=budget_multiplier, algorithm_name=name,
                               algorithm_info=algorithm_info)) for f in functions]
        return _sweep(_ioh_task, tasks, out, executor, address, f"ioh {name}" if progress else None)
    jobs = [(f, i, d) for f in functions for d in dims for i in instances]
    total = int(sum(int(budget_multiplier * d) for _, _, d in jobs))
    bar = Progress(total, f"ioh {name}") if progress else None
    done_before = 0
    records: List[ProblemRecord] = []
    try:
        for fid, iid, dim in jobs:
            p = ioh.get_problem(fid, instance=iid, dimension=dim, problem_class=ioh.ProblemClass.BBOB)
            p.attach_logger(logger)
            budget = int(budget_multiplier * dim)
            fopt = float(p.optimum.y)
            bounds = (np.asarray(p.bounds.lb, dtype=np.float64), np.asarray(p.bounds.ub, dtype=np.float64))
            label = f"{name} f{fid} i{iid} d{dim}"

            def tick(p=p, base=done_before, label=label):
                if bar:
                    bar.label = label.ljust(28)
                    bar.update(base + p.state.evaluations, p.state.current_best.y - fopt)
                return False

            start = (lambda k, b=bounds, fid=fid, iid=iid, d=dim:
                     problem_start(b[0], b[1], seed, fid, iid, d, k))
            def value(x: np.ndarray, p=p) -> float:
                return float(p(x))

            k = _drive(method, dim, bounds, budget, seed, _rowwise(value),
                       lambda p=p: p.state.evaluations,
                       lambda p=p: p.state.current_best.y - fopt < 1e-8, tick, start=start)
            records.append(ProblemRecord(fid, iid, dim, int(p.state.evaluations),
                                         float(p.state.current_best.y), fopt, max(0, k - 1)))
            done_before += budget
            p.reset()  # ends the run in the logger
            p.detach_logger()
    finally:
        if bar:
            bar.label = f"ioh {name}".ljust(28)
            bar.update(done_before, min((r.error or 0.0 for r in records), default=np.nan), force=True)
            bar.close()
        logger.close()
    return _result(out, records)


def summarize(records: Sequence[ProblemRecord]) -> List[str]:
    """One line per (function, dim): median and best of best f - f_opt over the instances."""
    groups: Dict[tuple, List[ProblemRecord]] = {}
    for r in records:
        groups.setdefault((r.function, r.dim), []).append(r)
    lines = []
    for (fid, dim), rs in sorted(groups.items()):
        errs = np.array([r.error if r.error is not None else np.nan for r in rs])
        evals = int(np.median([r.evaluations for r in rs]))
        solved = int(np.sum(errs < 1e-8))
        lines.append(f"f{fid:<2d} d{dim:<3d} best f - f_opt: median {np.nanmedian(errs):.3g}, "
                     f"min {np.nanmin(errs):.3g} over {len(rs)} instances; "
                     f"{solved}/{len(rs)} reached 1e-8; median evaluations {evals}")
    return lines


# -- sweeps over an executor (scoreopt.distributed) -------------------------------------------

def _read_tree(folder: str) -> Dict[str, bytes]:
    """Every file under ``folder``: {path relative to it, with '/': contents}."""
    files = {}
    for root, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(root, n)
            with open(p, "rb") as fh:
                files[os.path.relpath(p, folder).replace(os.sep, "/")] = fh.read()
    return files


def _in_scratch(run: Callable[[str], BenchmarkResult]):
    """``run(data folder)`` in a fresh scratch folder that is also the working directory (COCO
    writes relative to ./exdata; concurrent tasks must not share it). Returns (records, files)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="scoreopt-bench-") as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            out = run(os.path.join(tmp, "data"))
        finally:
            os.chdir(cwd)
        return out.records, _read_tree(out)


def _coco_task(job) -> tuple:
    """One (dimension, function) group of a COCO sweep, on a worker."""
    method, kw = job
    return _in_scratch(lambda data: run_coco(method, result_folder=data, progress=False, **kw))


def _ioh_task(job) -> tuple:
    """One function of an IOH sweep, on a worker."""
    method, kw = job
    return _in_scratch(lambda data: run_ioh(method, folder=data, progress=False, **kw))


def _check_executor(executor: Any, address: Optional[str]) -> None:
    """Bad executor arguments fail before any data folder is made."""
    if executor != "local" or address is not None:
        from .distributed.executors import check_executor

        check_executor(executor, address)


def _sweep(task: Callable, jobs: list, folder: str, executor: Any, address: Optional[str],
           label: Optional[str]) -> BenchmarkResult:
    """Run ``task`` on each job over the executor and merge the outputs into ``folder`` in the
    order of the jobs (the order of a local run): records are concatenated, files are copied,
    and COCO's per-function ``.info`` files, whose (dimension) blocks come from several jobs,
    are joined block after block as COCO writes them."""
    from .distributed import make_executor

    results: List[Any] = [None] * len(jobs)
    budgets = [len(set(kw["instances"])) * sum(int(kw["budget_multiplier"] * d) for d in set(kw["dims"]))
               for _, kw in jobs]
    bar = Progress(sum(budgets), label) if label else None
    best, spent = np.inf, 0
    with make_executor(executor, address=address) as ex:
        for k, res in ex.imap_unordered(task, jobs):
            results[k] = res
            if bar:
                spent += budgets[k]
                best = min([best] + [r.error for r in res[0] if r.error is not None])
                bar.update(spent, best)
    if bar:
        bar.update(spent, best, force=True)
        bar.close()
    records: List[ProblemRecord] = []
    blocks: Dict[str, List[bytes]] = {}
    for recs, files in results:
        records.extend(recs)
        for rel, data in files.items():
            if rel.endswith(".info"):
                blocks.setdefault(rel, []).append(data)
                continue
            path = os.path.join(folder, *rel.split("/"))
            if os.path.exists(path):
                raise RuntimeError(f"benchmark sweep: two tasks wrote {rel}")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
    for rel, parts in blocks.items():
        with open(os.path.join(folder, *rel.split("/")), "wb") as fh:
            fh.write(b"\n".join(parts))
    return _result(folder, records)
