"""Stress test of the executors' failure paths (issue 13): no pattern may kill the driver.

    python bench/ray_stress.py --executor ray --instances 10 --iterations 10 --json out.json
    python bench/ray_stress.py --executor processes --instances 10 --iterations 10

Each of ``--instances`` batches runs in its own child process with a fresh executor
(``RayExecutor(max_workers=2)``: a private Ray instance on loopback; or
``ProcessExecutor(max_workers=2)``), and repeats every scenario ``--iterations`` times:

  fail        8 short tasks, one raises: its own exception (type and message) reaches the
              caller, then a clean map on the same executor gives the right results
  fail_long   a task raises while a long task is in flight: the exception arrives before the
              long task ends (it is not waited for), and the next map starts only after it
              (an abandoned task never competes with new work)
  killed      a task kills its worker process (os._exit) on its first attempt: every index
              comes back exactly once with the right value
  early_close a generator closed after its first result, then a clean map
  tiny_fail   200 tiny tasks, one in the middle raises: abandonments that coincide with tasks
              completing (the race that made Ray abort the driver on ray.cancel)
  burst       64 tiny tasks all in flight at once (Ray: a second RayExecutor without
              max_workers on the same instance), one raises: dozens abandoned at once
  population  scoreopt.distributed.from_callable on the executor (Ray: actors), chunk size 1:
              a chunk raises while a long chunk is in flight, as in fail_long, then a clean batch

and once per batch, at the end, ``population_close`` (a chunk fails with a long one in flight,
then the problem is closed at once: Ray kills its actors) and ``close`` (an early exit with
tasks in flight, then ``close()`` at once: the executor's own Ray instance is shut down).

The parent counts a batch whose process dies (a Ray fatal check, a signal, any exit before the
final "OK" line) as a driver death, instead of dying with it; an exception a scenario did not
plan is caught in the batch and counted as an error (the batch goes on). It prints the scenario
runs, deaths, hangs, wrong results, errors and wall time, and exits non-zero on any of them.

Reproducing the death the script was written for: the RayExecutor of commit d9371e0 (which
called ray.cancel on the tasks in flight after an early exit), with its relative imports made
absolute, passed with the hidden option ``--impl FILE``:

    git show d9371e0:python/scoreopt/distributed/ray_executor.py \
      | sed 's/^from \.\._validate/from scoreopt._validate/; s/^from \.executors import Executor, _check_callable/from scoreopt.distributed.base import Executor, check_callable as _check_callable/' \
      > /tmp/old_ray_executor.py
    python bench/ray_stress.py --instances 10 --iterations 30 \
      --scenarios fail,killed,early_close,tiny_fail,burst --impl /tmp/old_ray_executor.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

SCENARIOS = ("fail", "fail_long", "killed", "early_close", "tiny_fail", "burst", "population")
LONG = 1.0  # seconds a "long" task runs; far above the time a failure takes to arrive


# -- the tasks (module level: the process executor pickles them by reference) ------------------

class Planned(ValueError):
    """The failure a scenario plans (so that no other ValueError passes for it)."""


def task(item):
    kind, x, arg = item
    if kind == "ok":
        return x * x
    if kind == "fail":
        time.sleep(arg)  # lets the tasks started next to it get going
        raise Planned(f"task {x} fails on purpose")
    if kind == "long":
        time.sleep(LONG)
        with open(arg, "w") as fh:
            fh.write("done")
        return x * x
    if kind == "die":  # the first attempt kills its worker process; the marker records it
        if not os.path.exists(arg):
            with open(arg, "w") as fh:
                fh.write(str(os.getpid()))
            os._exit(1)
        return x * x
    raise AssertionError(f"unknown task kind {kind!r}")


def _ok_items(n, start=0):
    return [("ok", x, None) for x in range(start, start + n)]


def _check_map(ex, n=8, start=0):
    got = ex.map(task, _ok_items(n, start))
    want = [x * x for x in range(start, start + n)]
    assert got == want, f"clean map after the scenario: {got} != {want}"


def _expect_planned(gen, x):
    try:
        for _ in gen:
            pass
    except Planned as e:
        # Ray raises a RayTaskError that is also a Planned; str() of it adds the remote
        # traceback, its .cause is the task's exception itself
        cause = getattr(e, "cause", e)
        assert isinstance(cause, Planned) and str(cause) == f"task {x} fails on purpose", f"wrong exception: {e!r}"
        return
    raise AssertionError("the failing task's exception never arrived")


# -- the scenarios: each raises AssertionError on a wrong result ----------------------------------

def s_fail(ex, tmp, it):
    items = _ok_items(8)
    items[3] = ("fail", 3, 0.0)
    _expect_planned(ex.imap_unordered(task, items), 3)
    _check_map(ex, start=it)


def s_fail_long(ex, tmp, it):
    marker = os.path.join(tmp, f"long-{it}")
    items = [("fail", 0, 0.05), ("long", 1, marker)] + _ok_items(6, 2)
    t0 = time.monotonic()
    _expect_planned(ex.imap_unordered(task, items), 0)
    waited = time.monotonic() - t0
    assert not os.path.exists(marker), (f"the exception arrived only after the long task in flight "
                                        f"had finished ({waited:.2f} s)")
    _check_map(ex, start=it)
    assert os.path.exists(marker), "the next map ran while the abandoned long task was still running"


def s_killed(ex, tmp, it):
    marker = os.path.join(tmp, f"died-{it}")
    items = [("die" if x == 2 else "ok", x, marker) for x in range(6)]
    pairs = list(ex.imap_unordered(task, items))
    assert os.path.exists(marker), "the worker was not killed"
    assert sorted(i for i, _ in pairs) == list(range(6)), f"indices lost or duplicated: {pairs}"
    assert dict(pairs) == {x: x * x for x in range(6)}, f"wrong values: {pairs}"


def s_early_close(ex, tmp, it):
    gen = ex.imap_unordered(task, _ok_items(20))
    i, r = next(gen)
    assert r == i * i
    gen.close()
    _check_map(ex, start=it)


def s_tiny_fail(ex, tmp, it):
    items = _ok_items(200)
    items[100] = ("fail", 100, 0.0)
    _expect_planned(ex.imap_unordered(task, items), 100)
    _check_map(ex, start=it)


def s_burst(ex, tmp, it):
    """On an executor with no bound on the tasks in flight (Ray: a RayExecutor without
    max_workers on the open connection submits every item at once): a task raises while dozens
    of others are queued, running or completing, all abandoned at that moment."""
    items = _ok_items(64)
    items[5] = ("fail", 5, 0.0)
    _expect_planned(ex.imap_unordered(task, items), 5)
    _check_map(ex, start=it)


RUN = {"fail": s_fail, "fail_long": s_fail_long, "killed": s_killed, "early_close": s_early_close,
       "tiny_fail": s_tiny_fail, "burst": s_burst}


class PopObjective:
    """A vectorized objective for the population scenario: a chunk whose first row starts with
    -1 raises after 50 ms, one starting with -2 runs LONG seconds and then writes the marker
    named by its second coordinate."""

    def __init__(self, tmp):
        self.tmp = tmp

    def __call__(self, X):
        import numpy as np

        X = np.asarray(X)
        if X[0, 0] == -1:
            time.sleep(0.05)
            raise Planned(f"task {int(X[0, 1])} fails on purpose")
        if X[0, 0] == -2:
            time.sleep(LONG)
            with open(os.path.join(self.tmp, f"pop-long-{int(X[0, 1])}"), "w") as fh:
                fh.write("done")
        return X.sum(axis=1)


def _pop_batch(it):
    import numpy as np

    return np.array([[-1.0, it], [-2.0, it], [1.0, 2.0], [3.0, 4.0]])


def s_population(p, tmp, it):
    """A failing chunk while a long one is in flight (Ray: on actors): the failure arrives at
    once, the next batch runs after the long chunk and is right."""
    import numpy as np

    marker = os.path.join(tmp, f"pop-long-{it}")
    try:
        p(_pop_batch(it))
    except Planned as e:
        cause = getattr(e, "cause", e)
        assert str(cause) == f"task {it} fails on purpose", f"wrong exception: {e!r}"
    else:
        raise AssertionError("the failing chunk's exception never arrived")
    assert not os.path.exists(marker), "the exception arrived only after the long chunk had finished"
    Y = np.arange(8.0).reshape(4, 2) + it
    assert np.array_equal(p(Y), Y.sum(axis=1)), "wrong values after the failure"
    assert os.path.exists(marker), "the next batch ran while the abandoned long chunk was still running"


def s_population_close(p, tmp):
    """A failing chunk while a long one is in flight, then close() at once (Ray: kills the actors)."""
    try:
        p(_pop_batch(10**6))
    except Planned:
        pass
    else:
        raise AssertionError("the failing chunk's exception never arrived")
    p.close()


def _processes():
    """{pid: (parent pid, command line)} of the live processes (Linux /proc; None elsewhere)."""
    if not os.path.isdir("/proc"):
        return None
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{d}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        if fields[0] != "Z":
            out[int(d)] = (int(fields[1]), cmd)
    return out


def _descendants():
    """{pid: command line} of this process's live descendants (Ray's workers are the raylet's
    children), without multiprocessing's resource tracker, which outlives every pool by design;
    None where /proc is missing."""
    procs = _processes()
    if procs is None:
        return None
    found, frontier = {}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, cmd) in procs.items():
            if ppid == parent and pid not in found:
                found[pid] = cmd
                frontier.append(pid)
    return {pid: cmd[:100] for pid, cmd in found.items() if "resource_tracker" not in cmd}


def _still_alive(pids):
    procs = _processes() or {}
    return {pid: procs[pid][1][:100] for pid in pids if pid in procs}


def s_close(ex, tmp):
    """An early exit with a long task in flight, then close() at once: nothing may be left
    running afterwards (the process pool waits for the task; the executor's own Ray instance is
    shut down, which ends it)."""
    marker = os.path.join(tmp, "close-long")
    gen = ex.imap_unordered(task, [("ok", 0, None), ("long", 1, marker)] + _ok_items(4, 2))
    next(gen)
    gen.close()
    before = _descendants() or {}
    assert before or _descendants() is None, "no worker process seen before close()"
    ex.close()
    if ex.name == "processes":
        assert os.path.exists(marker), "close() returned before the abandoned task had finished"
    else:
        import ray

        assert not ray.is_initialized(), "close() left the executor's Ray instance running"
    deadline = time.monotonic() + 15  # Ray stops its processes with SIGTERM, then SIGKILL
    while _still_alive(before) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _still_alive(before)
    assert not left, f"processes left running after close(): {left}"
    if ex.name == "ray":  # the abandoned task was ended with the instance, not left to finish
        time.sleep(LONG + 0.5)
        assert not os.path.exists(marker), "the abandoned task ran on after close()"


# -- one batch: a child process --------------------------------------------------------------------

def _load_impl(path):
    """The RayExecutor class of another implementation (e.g. an old version, to reproduce a death)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_stress_impl", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.RayExecutor


def child(args) -> int:
    from scoreopt import distributed

    if args.executor == "ray":
        cls = _load_impl(args.impl) if args.impl else distributed.RayExecutor
        ex = cls(max_workers=2)
    else:
        ex = distributed.ProcessExecutor(max_workers=2)
    scenarios = args.scenarios.split(",")
    runs = dict.fromkeys(scenarios, 0)
    wrong, errors = [], []

    def attempt(name, it, fn, *a):
        try:
            fn(*a)
        except AssertionError as e:
            wrong.append(f"{name} #{it}: {e}")
            print(f"WRONG {name} {it} {e}", flush=True)
        except Exception as e:  # an error the scenario did not plan: reported, and the batch goes on
            msg = " ".join(f"{type(e).__name__}: {e}".split())[:500]
            errors.append(f"{name} #{it}: {msg}")
            print(f"ERROR {name} {it} {msg}", flush=True)
        runs[name] = runs.get(name, 0) + 1
        print(f"RAN {name} {it}", flush=True)

    with tempfile.TemporaryDirectory(prefix="ray-stress-") as tmp:
        # the workers are started before the first scenario: a task waiting for a worker to
        # start would look like a late failure
        assert ex.map(task, _ok_items(4)) == [0, 1, 4, 9]
        executor_scenarios = [n for n in scenarios if n != "population"]
        # a RayExecutor made while Ray is initialized uses that instance (and leaves it open)
        wide = cls() if args.executor == "ray" else ex
        for it in range(args.iterations):
            for name in executor_scenarios:
                attempt(name, it, RUN[name], wide if name == "burst" else ex, tmp, it)
        if wide is not ex:
            wide.close()
        if "population" in scenarios:
            # after the executor scenarios: on Ray the actors hold the instance's two CPUs
            # until the problem is closed, and the executor's tasks would wait for them
            p = distributed.from_callable(PopObjective(tmp), dim=2, bounds=(-1e9, 1e9), executor=ex,
                                          max_workers=2, chunk_size=1)
            assert list(p(_pop_batch(0)[2:])) == [3.0, 7.0]  # the actors are started
            for it in range(args.iterations):
                attempt("population", it, s_population, p, tmp, it)
            attempt("population_close", 0, s_population_close, p, tmp)
        attempt("close", 0, s_close, ex, tmp)
    print("OK " + json.dumps({"runs": runs, "wrong": wrong, "errors": errors}), flush=True)
    return 0


# -- the parent --------------------------------------------------------------------------------------

def run_batch(args, k):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--executor", args.executor,
           "--iterations", str(args.iterations), "--scenarios", args.scenarios]
    if args.impl:
        cmd += ["--impl", args.impl]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        rc, out, err, hung = p.returncode, p.stdout, p.stderr, False
    except subprocess.TimeoutExpired as e:
        rc, hung = None, True
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
    lines = out.splitlines()
    ran, last = {}, None
    for line in lines:
        if line.startswith("RAN "):
            name = line.split()[1]
            ran[name] = ran.get(name, 0) + 1
            last = " ".join(line.split()[1:3])
    final = [line for line in lines if line.startswith("OK ")]
    report = json.loads(final[-1][3:]) if final else None
    died = not hung and (rc != 0 or report is None)
    fatal = [line for line in err.splitlines() if "Check failed" in line or "FATAL" in line or "Aborted" in line]
    return {"batch": k, "rc": rc, "hung": hung, "died": died, "runs": ran, "last_ran": last,
            "wrong": report["wrong"] if report else [l for l in lines if l.startswith("WRONG ")],
            "errors": report["errors"] if report else [l for l in lines if l.startswith("ERROR ")],
            "seconds": round(time.monotonic() - t0, 2), "fatal": fatal[:5],
            "stderr_tail": err[-3000:] if (died or hung) else ""}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--executor", choices=("ray", "processes"), default="ray")
    ap.add_argument("--instances", type=int, default=10, help="batches, each a fresh process and executor")
    ap.add_argument("--iterations", type=int, default=12, help="repetitions of every scenario per batch")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of " + ", ".join(SCENARIOS))
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds a batch may take before it counts as hung")
    ap.add_argument("--json", help="write the summary and every batch's record here")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    # a file defining another RayExecutor (e.g. `git show OLD:python/scoreopt/distributed/ray_executor.py`
    # with absolute imports), to check whether the script reproduces a death against it
    ap.add_argument("--impl", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    for name in args.scenarios.split(","):
        if name not in SCENARIOS:
            ap.error(f"--scenarios: unknown scenario {name!r}; expected some of {', '.join(SCENARIOS)}")
    if args.instances < 1 or args.iterations < 1:
        ap.error("--instances and --iterations: expected at least 1")
    if args.child:
        return child(args)

    t0 = time.monotonic()
    batches = []
    for k in range(args.instances):
        b = run_batch(args, k)
        batches.append(b)
        state = "ok"
        if b["hung"] or b["died"]:
            state = ("HUNG" if b["hung"] else f"DIED (rc={b['rc']})") + f" after scenario run {b['last_ran']}"
        print(f"batch {k + 1}/{args.instances}: {state}, {sum(b['runs'].values())} scenario runs, "
              f"{len(b['wrong'])} wrong, {len(b['errors'])} errors, {b['seconds']:.1f} s", flush=True)
        for line in b["fatal"] + b["wrong"] + b["errors"]:
            print("    " + line, flush=True)
    wall = time.monotonic() - t0
    runs = {}
    for b in batches:
        for name, n in b["runs"].items():
            runs[name] = runs.get(name, 0) + n
    summary = {"executor": args.executor, "impl": args.impl, "instances": args.instances,
               "iterations": args.iterations, "runs": runs, "total_runs": sum(runs.values()),
               "driver_deaths": sum(b["died"] for b in batches), "hung": sum(b["hung"] for b in batches),
               "wrong": sum(len(b["wrong"]) for b in batches), "errors": sum(len(b["errors"]) for b in batches),
               "wall_s": round(wall, 1)}
    print(f"executor {args.executor}: {args.instances} fresh instances x {args.iterations} iterations; "
          f"scenario runs {runs} = {summary['total_runs']}; driver deaths {summary['driver_deaths']}, "
          f"hung {summary['hung']}, wrong results {summary['wrong']}, unplanned errors {summary['errors']}; "
          f"wall {wall:.1f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dict(summary, batches=batches), fh, indent=1)
    return 1 if summary["driver_deaths"] or summary["hung"] or summary["wrong"] or summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
