"""The core's thread policy (issue 16): idle workers sleep (passive wait policy), small batches
stay on the calling thread, large ones use at most one thread per idle core, SCOREOPT_NUM_THREADS,
and the process executor's workers use one core thread each unless told otherwise. Timing is
measured in bench/contention.py, never here."""

import os
import subprocess
import sys

import numpy as np
import pytest

import scoreopt
from scoreopt import _core, problems
from scoreopt.distributed.executors import ProcessExecutor, make_executor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = 1 << 18  # the coordinate evaluations per thread (evaluate_cpu.cpp, kParallelWork)


def child(code, **env):
    e = {k: v for k, v in os.environ.items()
         if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "SCOREOPT_NUM_THREADS",
                      "SCOREOPT_ADAPTIVE_THREADS", "OMP_NUM_THREADS")}
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e,
                          cwd=ROOT, timeout=300)


def test_workers_sleep_when_idle_and_the_setting_does_not_leak():
    code = "import os, scoreopt; print('after', os.environ.get('OMP_WAIT_POLICY'))"
    cp = child(code, OMP_DISPLAY_ENV="TRUE")
    assert cp.returncode == 0, cp.stderr
    assert "OMP_WAIT_POLICY = 'PASSIVE'" in cp.stderr  # what libgomp read when it loaded
    assert "after None" in cp.stdout  # removed again: children and other runtimes unaffected


def test_a_wait_policy_the_user_set_is_kept():
    cp = child("import os, scoreopt; print('after', os.environ.get('OMP_WAIT_POLICY'))",
               OMP_DISPLAY_ENV="TRUE", OMP_WAIT_POLICY="ACTIVE")
    assert cp.returncode == 0, cp.stderr
    assert "OMP_WAIT_POLICY = 'ACTIVE'" in cp.stderr and "after ACTIVE" in cp.stdout


def test_small_batches_stay_on_the_calling_thread():
    code = ("from scoreopt import _core; _core.set_num_threads(4); "
            "print(_core.evaluation_threads(1, 100), _core.evaluation_threads(100, 100), "
            f"_core.evaluation_threads({WORK // 100 - 1}, 100), _core.evaluation_threads(2, {WORK}), "
            "_core.evaluation_threads(1, 10**7))")
    cp = child(code, SCOREOPT_ADAPTIVE_THREADS="0")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split() == ["1", "1", "1", "2", "1"]


def test_last_evaluation_threads_reports_what_each_call_ran_on():
    code = ("import numpy as np, scoreopt; from scoreopt import problems; "
            "before = scoreopt.last_evaluation_threads(); "
            "scoreopt.set_num_threads(3); p = problems.get('rastrigin', 100); "
            "p.evaluate(np.zeros((10, 100))); small = scoreopt.last_evaluation_threads(); "
            f"p.evaluate(np.zeros(({-(-3 * WORK // 100)}, 100))); large = scoreopt.last_evaluation_threads(); "
            "scoreopt.set_num_threads(1); p.evaluate(np.zeros((10**4, 100))); "
            "print(before, small, large, scoreopt.last_evaluation_threads())")
    cp = child(code, SCOREOPT_ADAPTIVE_THREADS="0")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split() == ["0", "1", "3", "1"]


def test_large_batches_use_one_thread_per_share_of_work():
    code = ("from scoreopt import _core; _core.set_num_threads(4); "
            f"print(_core.evaluation_threads({-(-2 * WORK // 100)}, 100), "
            f"_core.evaluation_threads({-(-3 * WORK // 100)}, 100), "
            "_core.evaluation_threads(10**6, 100), "
            f"_core.evaluation_threads({-(-2 * WORK // 400)}, 20, rotated=True))")
    cp = child(code, SCOREOPT_ADAPTIVE_THREADS="0")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split() == ["2", "3", "4", "2"]


def test_at_most_one_thread_per_idle_core():
    # under the adaptive policy the count never exceeds the cores the machine has
    _core.set_num_threads(64)
    try:
        t = _core.evaluation_threads(10**6, 100)
    finally:
        _core.set_num_threads(0)
    assert 1 <= t <= (os.cpu_count() or 1)


def test_busy_cores_reduce_the_thread_count():
    """With one busy process per core, a large batch runs on one thread."""
    n = os.cpu_count() or 1
    if n < 2:
        pytest.skip("one core")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        import time

        time.sleep(0.5)
        _core.set_num_threads(n)
        counts = [_core.evaluation_threads(10**6, 100) for _ in range(20)]
        p, X = problems.get("sphere", 100), np.zeros((20000, 100))
        ran_on = [(p.evaluate(X), scoreopt.last_evaluation_threads())[1] for _ in range(5)]
    finally:
        _core.set_num_threads(0)
        for b in busy:
            b.kill()
            b.wait()
    # runnable tasks are sampled at each call; the busy loops are runnable all the time
    assert max(counts) == 1, counts
    assert ran_on == [1] * 5, ran_on


def test_own_spinning_workers_are_not_counted_as_busy_cores():
    """Where the OpenMP runtime spins (another library loaded it first, as `import torch` does,
    or an active policy the user set), the pool's own workers stay runnable after each parallel
    call. They are not another process's load: the next call still gets every idle core (before
    the fix, every call after a parallel one ran on one thread)."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core")
    code = ("import os, time; import numpy as np; from scoreopt import _core, problems; "
            "_core.set_num_threads(2); "
            "sample = lambda: [(_core.evaluation_threads(10**6, 100), time.sleep(0.01))[0] "
            "for _ in range(20)]; "
            "before = sample(); "
            # the first call on two threads whatever the load: its worker then spins for good
            "os.environ['SCOREOPT_ADAPTIVE_THREADS'] = '0'; "
            "problems.get('sphere', 100).evaluate(np.zeros((20000, 100))); "
            "os.environ['SCOREOPT_ADAPTIVE_THREADS'] = '1'; "
            "print(max(before), max(sample()))")
    cp = child(code, OMP_WAIT_POLICY="ACTIVE", GOMP_SPINCOUNT="infinite")
    assert cp.returncode == 0, cp.stderr
    before, after = map(int, cp.stdout.split())
    assert after == before, (before, after)


def test_values_do_not_depend_on_the_thread_count():
    X = np.random.default_rng(0).uniform(-5, 5, (3000, 100))
    cases = [problems.get("rastrigin", 100), problems.get("ackley", 100), problems.bbob(15, 1, 100)]
    code = ("import numpy as np, sys, scoreopt; from scoreopt import problems; "
            "X = np.random.default_rng(0).uniform(-5, 5, (3000, 100)); "
            "ps = [problems.get('rastrigin', 100), problems.get('ackley', 100), problems.bbob(15, 1, 100)]; "
            "scoreopt.set_num_threads(int(sys.argv[1])); "
            "np.save(sys.stdout.buffer, np.stack([p.evaluate(X) for p in ps] + "
            "[p.evaluate(X.astype(np.float32)).astype(np.float64) for p in ps]))")
    outs = []
    for threads in ("1", "2", "3"):
        e = {k: v for k, v in os.environ.items() if k != "SCOREOPT_SIMD"}
        e["SCOREOPT_ADAPTIVE_THREADS"] = "0"
        cp = subprocess.run([sys.executable, "-c", code, threads], capture_output=True, env=e,
                            cwd=ROOT, timeout=300)
        assert cp.returncode == 0, cp.stderr.decode()[-2000:]
        import io

        outs.append(np.load(io.BytesIO(cp.stdout)))
    assert np.isfinite(outs[0]).all()
    for o in outs[1:]:
        np.testing.assert_array_equal(o, outs[0])
    # and the same as this process's values
    np.testing.assert_array_equal(outs[0][0], cases[0].evaluate(X))


def test_scoreopt_num_threads_environment_variable():
    cp = child("from scoreopt import _core; a = _core.num_threads(); _core.set_num_threads(2); "
               "print(a, _core.num_threads())", SCOREOPT_NUM_THREADS="3")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split() == ["3", "2"]  # set_num_threads overrides the variable
    cp = child("import numpy as np; from scoreopt import problems; "
               "problems.get('sphere', 100).evaluate(np.zeros((5000, 100)))",
               SCOREOPT_NUM_THREADS="many")
    assert cp.returncode != 0 and "SCOREOPT_NUM_THREADS: expected an integer" in cp.stderr


def _core_threads(_):
    from scoreopt import _core

    return _core.num_threads(), os.environ.get("SCOREOPT_NUM_THREADS")


@pytest.mark.parametrize("worker_threads,expected", [(None, 1), (2, 2), (0, None)])
def test_process_workers_use_one_core_thread_unless_told(worker_threads, expected):
    kw = {} if worker_threads is None else {"worker_threads": worker_threads}
    with ProcessExecutor(max_workers=2, **kw) as ex:
        got = ex.map(_core_threads, range(4))
    for threads, env in got:
        if expected is None:  # 0: the OpenMP default of the worker, one per core
            assert env == "0" and threads >= 1
        else:
            assert threads == expected and env == str(expected)


def test_worker_threads_argument_is_checked():
    with pytest.raises(ValueError, match="worker_threads"):
        ProcessExecutor(worker_threads=-1)
    with pytest.raises((TypeError, ValueError), match="worker_threads"):
        make_executor("processes", worker_threads=1.5)
    assert make_executor("processes", worker_threads=3).worker_threads == 3
