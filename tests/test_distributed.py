"""scoreopt.distributed: the local / processes / Ray executors give the same results, a killed
worker's task is rerun (nothing lost, nothing duplicated), and errors are clear.

One local Ray instance (2 CPUs, loopback only, no dashboard) serves the whole module."""

import os
import sys

import numpy as np
import pytest

import scoreopt
from scoreopt import distributed
from scoreopt.distributed import make_executor


def _work(item):
    """A deterministic task: a few evaluations of a core problem at points drawn from the seed."""
    seed, dim = item
    X = np.random.default_rng(seed).uniform(-5, 5, size=(7, dim))
    return scoreopt.problems.get("rastrigin", dim)(X)


def _fail_on_three(x):
    if x == 3:
        raise ValueError("task 3 is bad")
    return x


def _die_once(item):
    """Kills its own worker process the first time it runs ``victim`` (the marker file records
    that the first attempt happened); otherwise returns x * x and the process id."""
    x, victim, marker = item
    if x == victim and not os.path.exists(marker):
        with open(marker, "w") as fh:
            fh.write(str(os.getpid()))
        os._exit(1)
    return x * x


def _fail_or_sleep(item):
    """("fail", x, _): raises after 50 ms (long enough for the task next to it to start);
    ("long", x, marker): sleeps 0.5 s, then writes the marker; ("mark", x, marker): writes the
    marker at once; ("ok", x, _): returns x."""
    import time

    kind, x, marker = item
    if kind == "fail":
        time.sleep(0.05)
        raise ValueError(f"task {x} is bad")
    if kind == "long":
        time.sleep(0.5)
    if kind in ("long", "mark"):
        with open(marker, "w") as fh:
            fh.write("done")
    return x


@pytest.fixture(scope="module")
def ray_executor():
    import ray

    # the workers cannot import this test module: send its functions by value
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ex = distributed.RayExecutor(max_workers=2)
    try:
        assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
        yield ex
    finally:
        ex.close()
        ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


ITEMS = [(seed, dim) for seed in range(6) for dim in (2, 5)]


def _check_same(results, reference):
    assert len(results) == len(reference)
    for r, ref in zip(results, reference):
        assert r.dtype == ref.dtype and np.array_equal(r, ref)


def test_executors_agree(ray_executor):
    reference = [_work(item) for item in ITEMS]
    with make_executor("local") as ex:
        _check_same(ex.map(_work, ITEMS), reference)
    with make_executor("processes", max_workers=2) as ex:
        _check_same(ex.map(_work, ITEMS), reference)
        seen = dict(ex.imap_unordered(_work, ITEMS))
    assert sorted(seen) == list(range(len(ITEMS)))
    _check_same([seen[i] for i in range(len(ITEMS))], reference)
    _check_same(ray_executor.map(_work, ITEMS), reference)
    pairs = list(ray_executor.imap_unordered(_work, ITEMS))
    assert sorted(i for i, _ in pairs) == list(range(len(ITEMS)))  # each index exactly once
    _check_same([r for _, r in sorted(pairs, key=lambda p: p[0])], reference)
    # "ray" by name while Ray is initialized: the existing connection is used and left open
    with make_executor("ray") as ex:
        _check_same(ex.map(_work, ITEMS[:3]), reference[:3])
    import ray

    assert ray.is_initialized()


@pytest.mark.parametrize("kind", ["local", "processes", "ray"])
def test_a_failing_task_raises_its_exception(kind, ray_executor):
    ex = ray_executor if kind == "ray" else make_executor(kind, max_workers=2)
    with pytest.raises(ValueError, match="task 3 is bad"):
        ex.map(_fail_on_three, range(6))
    assert ex.map(_fail_on_three, [0, 1, 2]) == [0, 1, 2]  # still usable afterwards
    if kind != "ray":
        ex.close()


@pytest.mark.parametrize("kind", ["processes", "ray"])
def test_a_failure_arrives_at_once_and_abandoned_tasks_finish_before_the_next_call(kind, ray_executor,
                                                                                  tmp_path, monkeypatch):
    """A task raises while another one runs for 0.5 s: the exception does not wait for it, the
    running task is not interrupted (Ray: not cancelled, ray.cancel can abort the driver), the
    next call starts only once it has finished, and items never submitted never run."""
    import ray

    cancels = []
    monkeypatch.setattr(ray, "cancel", lambda *a, **k: cancels.append(a))
    markers = [str(tmp_path / f"long-{x}") for x in range(8)]
    items = [("fail", 0, None), ("long", 1, markers[1])] + [("mark", x, markers[x]) for x in range(2, 8)]
    ex = ray_executor if kind == "ray" else make_executor(kind, max_workers=2)
    try:
        with pytest.raises(ValueError, match="task 0 is bad"):
            ex.map(_fail_or_sleep, items)
        assert not os.path.exists(markers[1])  # raised while task 1 was still running
        assert ex.map(_fail_or_sleep, [("ok", x, None) for x in range(4)]) == [0, 1, 2, 3]
        assert os.path.exists(markers[1])  # ... which then ran to its end, before the new tasks
        if kind == "ray":  # two tasks in flight (max_workers=2): the rest were never submitted
            assert not any(os.path.exists(m) for m in markers[2:])
    finally:
        if kind != "ray":
            ex.close()
    assert cancels == []


@pytest.mark.parametrize("kind", ["processes", "ray"])
def test_close_after_an_early_exit_leaves_nothing_running(kind, ray_executor, tmp_path):
    marker = str(tmp_path / "long")
    # "ray" while Ray is initialized: the executor borrows the connection, so close() cannot
    # end the abandoned task by shutting Ray down; it waits for it
    ex = make_executor(kind, max_workers=2)
    it = ex.imap_unordered(_fail_or_sleep, [("ok", 0, None), ("long", 1, marker)] + [("ok", 2, None)] * 4)
    assert next(it) == (0, 0)
    it.close()
    ex.close()
    assert os.path.exists(marker)


@pytest.mark.parametrize("kind", ["processes", "ray"])
def test_killed_worker_task_is_rerun(kind, ray_executor, tmp_path):
    marker = str(tmp_path / "died")
    items = [(x, 4, marker) for x in range(10)]
    ex = ray_executor if kind == "ray" else make_executor(kind, max_workers=2)
    try:
        pairs = list(ex.imap_unordered(_die_once, items))
    finally:
        if kind != "ray":
            ex.close()
    assert os.path.exists(marker)  # the worker really died once
    assert sorted(i for i, _ in pairs) == list(range(10))  # nothing lost, nothing duplicated
    assert dict(pairs) == {x: x * x for x in range(10)}


def test_executors_give_up_after_max_retries(ray_executor, tmp_path):
    ex = distributed.RayExecutor(max_retries=0)  # shares the module's Ray instance
    with pytest.raises(RuntimeError, match="died"):
        ex.map(_die_once, [(0, 0, str(tmp_path / "died"))])
    ex.close()
    assert ray_executor.map(_work, ITEMS[:1])[0].shape == (7,)  # the shared instance is fine
    with make_executor("processes", max_workers=1, max_retries=0) as ex:
        with pytest.raises(RuntimeError, match="died"):
            ex.map(_die_once, [(0, 0, str(tmp_path / "died-too"))])


def test_closing_imap_early_leaves_the_executor_usable(ray_executor):
    for kind in ("local", "processes"):
        with make_executor(kind, max_workers=2) as ex:
            it = ex.imap_unordered(_work, ITEMS)
            next(it)
            it.close()
            assert len(ex.map(_work, ITEMS[:2])) == 2
    it = ray_executor.imap_unordered(_work, ITEMS)
    next(it)
    it.close()
    _check_same(ray_executor.map(_work, ITEMS[:2]), [_work(i) for i in ITEMS[:2]])


def test_the_distributed_modules_import_no_ray_and_form_no_circle():
    """Importing any executor module starts no Ray import, and the modules of the package
    import each other without a cycle (function-level imports included)."""
    import ast
    import subprocess

    code = ("import sys, scoreopt.distributed.ray_executor, scoreopt.distributed;"
            "from scoreopt.distributed import RayExecutor, make_executor, Executor;"
            "assert 'ray' not in sys.modules, 'ray imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

    folder = os.path.dirname(distributed.__file__)
    names = {f[:-3] for f in os.listdir(folder) if f.endswith(".py") and f != "__init__.py"}
    graph = {}
    for name in names:
        tree = ast.parse(open(os.path.join(folder, name + ".py")).read())
        graph[name] = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                       and node.level == 1 and node.module in names}

    def visit(name, path):
        assert name not in path, f"import circle: {' -> '.join(path + [name])}"
        for dep in graph[name]:
            visit(dep, path + [name])

    assert graph["ray_executor"] == {"base"} and "executors" in graph["population"]  # the walk sees imports
    for name in names:
        visit(name, [])


def test_bad_arguments():
    with pytest.raises(ValueError, match="executor: unknown executor 'dask'"):
        make_executor("dask")
    with pytest.raises(TypeError, match="executor: expected"):
        make_executor(3)
    with pytest.raises(ValueError, match="address: only for executor='ray'"):
        make_executor("processes", address="auto")
    with pytest.raises(ValueError, match="max_workers"):
        make_executor("processes", max_workers=0)
    with pytest.raises(TypeError, match="max_workers"):
        make_executor("processes", max_workers=1.5)
    with make_executor("processes", max_workers=1) as ex:
        with pytest.raises(TypeError, match="fn: .*cannot be pickled"):
            ex.map(lambda x: x, [1])
        with pytest.raises(TypeError, match="fn: expected a callable"):
            ex.map(3, [1])
    with pytest.raises(TypeError, match="fn: expected a callable"):
        make_executor("local").map(None, [1])


def test_ray_not_installed_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    with pytest.raises(ImportError, match=r"pip install scoreopt\[ray\]"):
        make_executor("ray")


def test_an_executor_instance_is_borrowed_not_closed(ray_executor):
    with make_executor(ray_executor) as ex:
        assert ex.map(_fail_on_three, [1, 2]) == [1, 2]
    import ray

    assert ray.is_initialized()  # the module's instance survived the with block
    with pytest.raises(ValueError, match="address"):
        make_executor(ray_executor, address="auto")


# -- population evaluation ------------------------------------------------------------------

def _rastrigin_rows(X):
    """An objective in plain NumPy, row by row independent (so chunking cannot change a bit)."""
    X = np.asarray(X)
    return 10.0 * X.shape[1] + (X * X - 10.0 * np.cos(2 * np.pi * X)).sum(axis=1)


class _DiesOnFirstCall:
    """_rastrigin_rows, but the worker process running the first call dies (once: marker file)."""

    def __init__(self, marker):
        self.marker = marker

    def __call__(self, X):
        if not os.path.exists(self.marker):
            with open(self.marker, "w") as fh:
                fh.write(str(os.getpid()))
            os._exit(1)
        return _rastrigin_rows(X)


BOX = dict(dim=6, bounds=(-5.12, 5.12))


def _same_result(r, ref):
    assert r.fun == ref.fun and r.nfev == ref.nfev and r.nit == ref.nit
    assert np.array_equal(r.x, ref.x) and r.history == ref.history


@pytest.mark.parametrize("method", ["dida", "cem"])
def test_population_on_ray_actors_gives_the_local_result(method, ray_executor):
    ref = scoreopt.minimize(_rastrigin_rows, method=method, budget=3000, seed=3, **BOX)
    with distributed.from_callable(_rastrigin_rows, executor=ray_executor, max_workers=2,
                                   **BOX) as p:
        assert isinstance(p, scoreopt.Problem) and p.workers == 2
        r = scoreopt.minimize(p, method=method, budget=3000, seed=3)
    _same_result(r, ref)
    assert ref.fun < 10  # a real optimization happened, not a trivial one


def test_population_processes_and_chunk_sizes_and_ask_tell(ray_executor):
    ref = scoreopt.minimize(_rastrigin_rows, method="dida", budget=1200, seed=1, **BOX)
    with distributed.from_callable(_rastrigin_rows, executor="processes", max_workers=2, **BOX) as p:
        _same_result(scoreopt.minimize(p, method="dida", budget=1200, seed=1), ref)
    # uneven chunks (7 rows each), a non-vectorized objective, and a hand-written ask/tell loop
    one = lambda x: float(_rastrigin_rows(x[None])[0])
    with distributed.from_callable(one, vectorized=False, executor=ray_executor, chunk_size=7,
                                   **BOX) as p:
        opt = scoreopt.optimizers.METHODS["dida"](6, BOX["bounds"], budget=1200, seed=1)
        while not opt.stop:
            X = opt.ask()
            y = p(X)
            assert y.shape == (len(X),) and np.array_equal(y, _rastrigin_rows(X))
            opt.tell(X, y)
    assert opt.best_f == ref.fun and np.array_equal(opt.best_x, ref.x)


def test_population_actor_death_is_recovered(ray_executor, tmp_path):
    ref = scoreopt.minimize(_rastrigin_rows, method="dida", budget=600, seed=2, **BOX)
    fn = _DiesOnFirstCall(str(tmp_path / "died"))
    with distributed.from_callable(fn, executor=ray_executor, max_workers=2, **BOX) as p:
        r = scoreopt.minimize(p, method="dida", budget=600, seed=2)
    assert os.path.exists(tmp_path / "died")  # an actor really died
    _same_result(r, ref)


class _FailOrSleepRows:
    """_rastrigin_rows, but a chunk whose first row starts with 100 raises after 50 ms, and one
    starting with 200 takes 0.5 s, then writes the marker."""

    def __init__(self, marker):
        self.marker = marker

    def __call__(self, X):
        import time

        X = np.asarray(X)
        if X[0, 0] == 100:
            time.sleep(0.05)
            raise ValueError("chunk 100 is bad")
        if X[0, 0] == 200:
            time.sleep(0.5)
            with open(self.marker, "w") as fh:
                fh.write("done")
        return _rastrigin_rows(X)


def test_population_failure_arrives_at_once_and_the_next_batch_waits(ray_executor, tmp_path, monkeypatch):
    import ray

    cancels = []
    monkeypatch.setattr(ray, "cancel", lambda *a, **k: cancels.append(a))
    marker = str(tmp_path / "long")
    X = np.zeros((4, 6))
    X[0, 0], X[1, 0] = 100, 200
    with distributed.from_callable(_FailOrSleepRows(marker), executor=ray_executor, max_workers=2,
                                   chunk_size=1, **BOX) as p:
        with pytest.raises(ValueError, match="chunk 100 is bad"):
            p(X)
        assert not os.path.exists(marker)  # raised while the long chunk was still running
        Y = np.ones((4, 6))
        assert np.array_equal(p(Y), _rastrigin_rows(Y))
        assert os.path.exists(marker)  # it ran to its end before the new batch's chunks
    assert cancels == []


def test_population_errors(ray_executor):
    with pytest.raises(ValueError, match="chunk_size"):
        distributed.from_callable(_rastrigin_rows, executor="local", chunk_size=0, **BOX)
    with pytest.raises(TypeError, match="fn: expected a callable"):
        distributed.from_callable(3, executor="local", **BOX)
    with pytest.raises(ValueError, match="dim"):
        distributed.from_callable(_rastrigin_rows, dim=0, bounds=(-1, 1), executor="local")
    with distributed.from_callable(lambda X: np.zeros(2), executor=ray_executor, max_workers=2,
                                   **BOX) as p:
        with pytest.raises(ValueError, match=r"fn: a vectorized objective must return shape \(5,\)"):
            p(np.zeros((10, 6)))
    with distributed.from_callable(_fail_on_three, vectorized=False, executor="local", **BOX) as p:
        pass
    with pytest.raises(RuntimeError, match="closed"):
        p(np.zeros((2, 6)))


# -- benchmark sweeps --------------------------------------------------------------------------

SWEEP = dict(dims=[3, 2], functions=[15, 1], instances=[1, 2], budget_multiplier=10, progress=False)


def _in_dir(path, fn):
    cwd = os.getcwd()
    os.chdir(path)
    try:
        return fn()
    finally:
        os.chdir(cwd)


def test_coco_sweep_over_ray_equals_the_local_run(ray_executor, tmp_path):
    from scoreopt import benchmarking

    local = _in_dir(tmp_path, lambda: benchmarking.run_coco("dida", result_folder=str(tmp_path / "local"), **SWEEP))
    remote = _in_dir(tmp_path, lambda: benchmarking.run_coco("dida", result_folder=str(tmp_path / "ray"),
                                                            executor=ray_executor, **SWEEP))
    assert os.path.basename(remote) == "ray" and not (tmp_path / "exdata").exists()
    a, b = benchmarking._read_tree(local), benchmarking._read_tree(remote)
    assert len(a) == 2 + 2 * 2 * 4 and sorted(a) == sorted(b)  # 2 .info, 4 files per (f, dim)
    for name in a:
        assert a[name] == b[name], name  # byte for byte, the merged .info files included
    assert remote.records == local.records and len(local.records) == 8
    # the folder name follows COCO's rule when it exists already
    again = _in_dir(tmp_path, lambda: benchmarking.run_coco("dida", result_folder=str(tmp_path / "ray"),
                                                           executor=ray_executor, **SWEEP))
    assert os.path.basename(again) == "ray-0001" and benchmarking._read_tree(again) == a


def test_ioh_sweep_over_processes_equals_the_local_run(tmp_path):
    from scoreopt import benchmarking

    kw = dict(SWEEP, dims=[2, 3], functions=[1, 15])
    local = benchmarking.run_ioh("random", folder=str(tmp_path / "local"), **kw)
    remote = benchmarking.run_ioh("random", folder=str(tmp_path / "procs"), executor="processes", **kw)
    a, b = benchmarking._read_tree(local), benchmarking._read_tree(remote)
    assert len(a) == 2 + 2 * 2 and a == b
    assert remote.records == local.records


def test_bench_command_with_executor_ray(ray_executor, tmp_path, capsys):
    from scoreopt import benchmarking, cli

    argv = ["bench", "bbob", "--dims", "2", "--functions", "1,15", "--instances", "1-2",
            "--budget-multiplier", "10", "--method", "random", "--quiet"]
    assert cli.main(argv + ["--out", str(tmp_path / "local")]) == 0
    assert cli.main(argv + ["--out", str(tmp_path / "ray"), "--executor", "ray"]) == 0
    out = capsys.readouterr().out
    assert "random on bbob: 4 problems" in out and str(tmp_path / "ray") in out
    assert benchmarking._read_tree(str(tmp_path / "local")) == benchmarking._read_tree(str(tmp_path / "ray"))
    # bad combinations fail before any folder is made
    assert cli.main(argv + ["--out", str(tmp_path / "bad"), "--address", "auto"]) == 2
    assert "address: only for executor='ray'" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


# -- GLENS collection over Ray -------------------------------------------------------------------

GLENS = dict(n_params=8, n_starts=6, seed=5, progress=False)


def _glens_family():
    from scoreopt import glens

    return glens.get_family("himmelblau", 4)


_COLLECT_LOCK = ".collect.lock"  # collect's guard against a concurrent writer (empty)


def _dataset_files(root):
    """{file name: bytes} of a data set: params, shards (no temporaries, no extras)."""
    return {f.name: f.read_bytes() for f in sorted(root.iterdir())
            if f.name not in ("manifest.json", _COLLECT_LOCK)}


def _check_complete(root, n):
    """Every shard present exactly once, in the files and in the manifest; nothing half-written."""
    import json

    names = sorted(f.name for f in root.iterdir() if f.name != _COLLECT_LOCK)
    assert names == ["manifest.json", "params.npy"] + [f"shard_{i:05d}.npz" for i in range(n)]
    listed = [e["index"] for e in json.loads((root / "manifest.json").read_text())["shards"]]
    assert listed == list(range(n))


@pytest.fixture(scope="module")
def glens_local(tmp_path_factory):
    from scoreopt import glens

    root = glens.collect(_glens_family(), tmp_path_factory.mktemp("glens") / "local", executor="local", **GLENS)
    _check_complete(root, GLENS["n_params"])
    return root


def test_glens_collect_on_ray_equals_local(glens_local, ray_executor, tmp_path):
    from scoreopt import glens

    committed = []
    root = glens.collect(_glens_family(), tmp_path / "ray", executor="ray", on_shard=committed.append, **GLENS)
    assert sorted(committed) == list(range(GLENS["n_params"]))  # each shard written once
    _check_complete(root, GLENS["n_params"])
    local, remote = _dataset_files(glens_local), _dataset_files(root)
    assert local == remote  # shard files byte for byte: every array bitwise equal
    a, b = glens.load(glens_local, 3), glens.load(root, 3)
    assert len(a) > 0
    for field in ("alpha", "x", "x_star", "step", "param_index", "run_index"):
        assert np.array_equal(getattr(a, field), getattr(b, field))


class _KillOnce:
    """Wraps a task function: the task for parameter ``victim`` SIGKILLs its own worker process
    on its first attempt (the marker file records the attempt)."""

    def __init__(self, fn, victim, marker):
        self.fn, self.victim, self.marker = fn, victim, marker

    def __call__(self, task):
        if task[1] == self.victim and not os.path.exists(self.marker):
            with open(self.marker, "w") as fh:
                fh.write(str(os.getpid()))
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        return self.fn(task)


class _WorkerKillingRay(distributed.Executor):
    name = "ray"

    def __init__(self, inner, victim, marker):
        self.inner, self.victim, self.marker = inner, victim, marker

    def imap_unordered(self, fn, items):
        return self.inner.imap_unordered(_KillOnce(fn, self.victim, self.marker), items)


def test_glens_collect_survives_a_killed_worker(glens_local, ray_executor, tmp_path):
    from scoreopt import glens

    marker = tmp_path / "killed"
    committed = []
    root = glens.collect(_glens_family(), tmp_path / "ray", on_shard=committed.append,
                         executor=_WorkerKillingRay(ray_executor, 3, str(marker)), **GLENS)
    assert marker.exists()  # the worker running parameter 3 really died mid-collection
    assert sorted(committed) == list(range(GLENS["n_params"]))  # nothing lost, nothing twice
    _check_complete(root, GLENS["n_params"])
    assert _dataset_files(root) == _dataset_files(glens_local)


_DRIVER = """
import os, signal, sys
from scoreopt import glens
done = []
def on_shard(i):
    done.append(i)
    print("committed", i, flush=True)
    if len(done) == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # the driver dies with tasks still running
glens.collect(glens.get_family("himmelblau", 4), sys.argv[1], executor="ray", address=sys.argv[2],
              on_shard=on_shard, n_params=8, n_starts=6, seed=5, progress=False)
"""


def test_glens_collect_resumes_after_the_driver_is_killed(glens_local, ray_executor, tmp_path):
    """A driver process connected to the cluster (address=) is SIGKILLed after three shards; a
    rerun with resume finishes the data set without redoing (or losing) any shard."""
    import json
    import subprocess

    import ray

    from scoreopt import glens

    root = tmp_path / "ray"
    env = dict(os.environ, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0")  # the cluster is on loopback
    p = subprocess.run([sys.executable, "-c", _DRIVER, str(root), ray.get_runtime_context().gcs_address],
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == -9, p.stdout[-2000:] + p.stderr[-2000:]
    first = [int(line.split()[1]) for line in p.stdout.splitlines() if line.startswith("committed")]
    assert len(first) == 3
    listed = [e["index"] for e in json.loads((root / "manifest.json").read_text())["shards"]]
    assert sorted(listed) == sorted(first)
    stamps = {i: (root / f"shard_{i:05d}.npz").stat().st_mtime_ns for i in first}

    redone = []
    glens.collect(_glens_family(), root, executor="ray", on_shard=redone.append, **GLENS)
    assert sorted(redone) == sorted(set(range(GLENS["n_params"])) - set(first))  # nothing redone
    assert {i: (root / f"shard_{i:05d}.npz").stat().st_mtime_ns for i in first} == stamps
    _check_complete(root, GLENS["n_params"])
    assert _dataset_files(root) == _dataset_files(glens_local)  # nothing lost or changed


_UNPICKLABLE_FAMILY = """
import numpy as np, ray, scoreopt, sys
from scoreopt import glens
fam = glens.Family("u", scoreopt.problems.glens("levy", 2), ([-1], [1]), (-1, 1), solver="lbfgsb",
                   sampler=lambda rng, n: np.zeros((n, 1)))
try:
    glens.collect(fam, sys.argv[1], n_params=2, n_starts=2, executor="ray", progress=False)
except TypeError as e:
    print("TypeError:", e)
print("ray initialized:", ray.is_initialized())
"""


def test_glens_collect_refuses_an_unpicklable_family_before_starting_ray(tmp_path):
    """In a process without Ray: the refusal comes before a Ray instance is started (one
    started first would be left running by the error)."""
    import subprocess

    p = subprocess.run([sys.executable, "-c", _UNPICKLABLE_FAMILY, str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "TypeError: family: executor 'ray' must send the family" in p.stdout
    assert "ray initialized: False" in p.stdout


def test_unpicklable_objectives_are_refused_clearly(ray_executor):
    import threading

    lock = threading.Lock()
    with pytest.raises(TypeError, match="fn: .*cannot be pickled"):
        distributed.from_callable(lambda X: lock and _rastrigin_rows(X), executor=ray_executor, **BOX)
    with pytest.raises(TypeError, match="fn: .*cannot be pickled"):
        ray_executor.map(lambda x: lock and x, [1])


def _core_threads(_):
    from scoreopt import _core

    return _core.num_threads(), os.environ.get("SCOREOPT_NUM_THREADS")


def test_ray_workers_use_one_core_thread(ray_executor):
    # issue 16: a Ray task's process runs the compiled core on one thread unless told otherwise
    assert ray_executor.worker_threads == 1
    assert ray_executor.map(_core_threads, range(3)) == [(1, "1")] * 3


def test_population_actors_use_one_core_thread(ray_executor):
    from scoreopt.distributed.population import _ActorPool, _ChunkTask

    pool = _ActorPool(ray_executor, _ChunkTask(_actor_threads, True), 1)
    out = pool.map([np.zeros((2, 3))])
    assert out[0].tolist() == [1.0, 1.0]


def _actor_threads(X):
    from scoreopt import _core

    return np.full(len(X), float(_core.num_threads()))
