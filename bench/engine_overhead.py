"""What the sampling engine costs around the objective, written as JSON to bench/results/.

* ``run``: a whole ``scoreopt run``-like job through ``scoreopt.minimize``: DIDA on rastrigin,
  d = 100, 200,000 evaluations, seed 0 (wall time, best value, evaluations).
* ``ask_tell``: one ask/tell iteration driven from Python at popsize 100, D = 100, with an
  objective that costs nothing (a precomputed array of values): the median over many
  iterations is what the optimizer adds to each batch of evaluations.
* ``noise``: the median time to draw one population's noise (100 x 100, antithetic) through
  ``scoreopt.smoothing.noise``: the part of ``ask_tell`` that is random number generation.
* ``cpp`` (with ``--cpp``): the same ask/tell iteration in C++ alone (bench/engine_overhead_cpp,
  built against the installed package's SDK, so only for builds that have the engine):
  ``ask_tell - cpp`` is what driving the engine from Python adds.

Only public API is used, so the same script measures any commit: to compare two builds on one
machine, run it alternately against each (``PYTHONPATH`` pointing at the other build's
installed package) and pass ``--commit`` to label the record.

    python bench/engine_overhead.py [--commit SHA] [--iterations 20000] [--runs 5] [--cpp]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import scoreopt
from scoreopt import problems
from scoreopt.optimizers import DIDA

from _child import git_revision  # noqa: E402  (bench/ is the script's directory)

HERE = Path(__file__).resolve().parent


def _commit() -> str:
    return git_revision()["commit"]


def whole_run() -> dict:
    p = problems.get("rastrigin", 100)
    t0 = time.perf_counter()
    r = scoreopt.minimize(p, method="dida", budget=200_000, seed=0)
    return {"seconds": time.perf_counter() - t0, "fun": float(r.fun), "nfev": int(r.nfev), "nit": int(r.nit)}


def ask_tell(iterations: int, popsize: int = 100, dim: int = 100) -> dict:
    warmup = 200
    opt = DIDA(dim, (-5.12, 5.12), popsize=popsize, seed=0, budget=popsize * (iterations + warmup))
    f = problems.get("rastrigin", dim).evaluate(opt.ask())  # the values every batch "returns"
    opt = DIDA(dim, (-5.12, 5.12), popsize=popsize, seed=0, budget=popsize * (iterations + warmup))
    times = np.empty(iterations)
    clock = time.perf_counter_ns
    for i in range(warmup + iterations):
        t0 = clock()
        X = opt.ask()
        opt.tell(X, f)
        if i >= warmup:
            times[i - warmup] = clock() - t0
    us = times / 1e3
    return {"popsize": popsize, "dim": dim, "iterations": iterations, "median_us": float(np.median(us)),
            "p10_us": float(np.percentile(us, 10)), "p90_us": float(np.percentile(us, 90))}


def cpp(iterations: int) -> dict:
    import shutil
    import tempfile

    exe = Path(sys.executable).parent
    cmake = str(exe / "cmake") if (exe / "cmake").exists() else shutil.which("cmake")
    sdk = subprocess.run([sys.executable, "-m", "scoreopt", "--cmake-dir"], capture_output=True, text=True,
                         check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as build:
        for cmd in ([cmake, "-S", str(HERE / "engine_overhead_cpp"), "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                     f"-Dscoreopt_DIR={sdk}"], [cmake, "--build", build]):
            subprocess.run(cmd, capture_output=True, text=True, check=True)
        out = subprocess.run([str(Path(build) / "engine_overhead"), str(iterations)], capture_output=True,
                             text=True, check=True).stdout
    return {"median_us": float(out)}


def noise(iterations: int, popsize: int = 100, dim: int = 100) -> dict:
    from scoreopt import smoothing

    times = np.empty(iterations)
    clock = time.perf_counter_ns
    for i in range(iterations):
        t0 = clock()
        smoothing.noise(0, i, 0, popsize, dim, antithetic=True)
        times[i] = clock() - t0
    return {"median_us": float(np.median(times / 1e3))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commit", default=None, help="label of the measured build (default: git HEAD)")
    ap.add_argument("--iterations", type=int, default=20_000, help="ask/tell iterations timed")
    ap.add_argument("--runs", type=int, default=5, help="whole runs timed")
    ap.add_argument("--cpp", action="store_true", help="also time the engine alone in C++ (needs cmake)")
    ap.add_argument("--out", default=str(HERE / "results"))
    a = ap.parse_args(argv)
    rec = {
        "commit": a.commit or _commit(),
        "package": os.path.dirname(scoreopt.__file__),
        "build": scoreopt.build_info(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "threads": scoreopt.num_threads(),
        "load_average": os.getloadavg(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "ask_tell": ask_tell(a.iterations),
        "noise": noise(a.iterations),
        "run": [whole_run() for _ in range(a.runs)],
    }
    rec["run_median_seconds"] = float(np.median([r["seconds"] for r in rec["run"]]))
    if a.cpp:
        rec["cpp"] = cpp(a.iterations)
        rec["python_overhead_us"] = rec["ask_tell"]["median_us"] - rec["cpp"]["median_us"]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / (f"engine_overhead-{rec['commit']}-t{rec['threads']}-"
                  f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json")
    path.write_text(json.dumps(rec, indent=1) + "\n")
    cpp_part = (f", C++ alone {rec['cpp']['median_us']:.1f}: Python adds {rec['python_overhead_us']:.1f}"
                if a.cpp else "")
    print(f"{rec['commit']} ({rec['threads']} threads): ask/tell {rec['ask_tell']['median_us']:.1f} us/iteration "
          f"(noise {rec['noise']['median_us']:.1f}{cpp_part}); whole run median {rec['run_median_seconds']:.3f} s "
          f"of {len(rec['run'])} (f {rec['run'][0]['fun']:.3g})  -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
