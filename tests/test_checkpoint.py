"""Runs that survive a kill: ``minimize(..., checkpoint=path)`` and ``scoreopt run --checkpoint``
keep the engine's state in a file; a run killed (SIGKILL) mid-way and started again with the same
arguments finishes with the result of an uninterrupted run, bit for bit, and a checkpoint of other
arguments is refused."""

import json
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import scoreopt
from scoreopt import problems

# A slow objective (2 ms per batch), so that the run can be killed half-way.
CHILD = r"""
import json, sys, time
import numpy as np
import scoreopt

def f(X):
    time.sleep(0.002)
    return ((X - 0.3) ** 2).sum(1) - np.cos(3 * X).sum(1)

here = []
method, options = sys.argv[2], json.loads(sys.argv[3])
r = scoreopt.minimize(f, dim=6, bounds=(-3, 3), method=method, budget=80_000, seed=4,
                      checkpoint=sys.argv[1], checkpoint_every=0.02,
                      callback=lambda opt: here.append(opt.t) and False, **options)
print(json.dumps(dict(fun=r.fun, x=r.x.tolist(), nfev=r.nfev, nit=r.nit, history=r.history,
                      nonfinite=r.nonfinite, message=r.message, iterations_here=len(here))))
"""


def _objective(X):
    return ((X - 0.3) ** 2).sum(1) - np.cos(3 * X).sum(1)


def _child(path, method, options, **kw):
    return subprocess.Popen([sys.executable, "-c", CHILD, str(path), method, json.dumps(options)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _checkpoint_nfev(path):
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.readline())["nfev"]
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.parametrize("method,options", [("dida", {"restarts": 2}), ("es", {}), ("cem", {"popsize": 40})])
def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path, method, options):
    path = tmp_path / "run.ckpt"
    child = _child(path, method, options)
    deadline = time.monotonic() + 120
    while _checkpoint_nfev(path) < 20_000:  # a quarter of the budget done
        assert child.poll() is None, child.stderr.read()
        assert time.monotonic() < deadline, "no checkpoint written"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    killed_at = _checkpoint_nfev(path)
    assert 20_000 <= killed_at < 80_000 - 1000

    again = _child(path, method, options)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    resumed = json.loads(out)
    ref = scoreopt.minimize(_objective, dim=6, bounds=(-3, 3), method=method, budget=80_000, seed=4, **options)
    assert resumed["iterations_here"] < ref.nit  # it resumed, it did not start over
    assert resumed["fun"] == ref.fun and resumed["x"] == ref.x.tolist()
    assert resumed["history"] == ref.history and resumed["nfev"] == ref.nfev and resumed["nit"] == ref.nit
    assert resumed["message"] == ref.message == "budget exhausted"

    # started again after the end: the finished state gives the same result without evaluating
    done = _child(path, method, options)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert json.loads(out) == dict(resumed, iterations_here=0)


def test_a_checkpoint_of_other_arguments_is_refused(tmp_path):
    p = problems.get("rastrigin", 5)
    path = tmp_path / "run.ckpt"
    ref = scoreopt.minimize(p, method="dida", budget=5000, seed=1, checkpoint=path)
    assert path.exists() and ref.nfev == 5000
    same = scoreopt.minimize(p, method="dida", budget=5000, seed=1, checkpoint=path)
    assert same.fun == ref.fun and same.history == ref.history
    for kw, what in [(dict(seed=2), "seed: 1 there, 2 here"), (dict(budget=6000), "budget: 5000 there, 6000 here"),
                     (dict(method="mppi"), "method: 'dida' there, 'mppi' here"),
                     (dict(temperature=2.0), "options: {} there, {'temperature': 2.0} here"),
                     (dict(x0=np.zeros(5)), "x0: None there")]:
        args = {**dict(method="dida", budget=5000, seed=1), **kw}
        with pytest.raises(ValueError, match=re.escape(f"run.ckpt was written by another run ({what}")):
            scoreopt.minimize(p, checkpoint=path, **args)
    with pytest.raises(ValueError, match="checkpoint: .* was written by another run \\(problem: "):
        scoreopt.minimize(problems.get("ackley", 5), method="dida", budget=5000, seed=1, checkpoint=path)
    with pytest.raises(ValueError, match="checkpoint: .* was written by another run \\(problem: "):
        scoreopt.minimize(problems.get("rastrigin", 5, shift=np.full(5, 0.1)), method="dida", budget=5000, seed=1,
                          checkpoint=path)
    path.write_bytes(b"not a checkpoint\n")
    with pytest.raises(ValueError, match="checkpoint: .* is not a scoreopt.minimize checkpoint"):
        scoreopt.minimize(p, method="dida", budget=5000, seed=1, checkpoint=path)
    with pytest.raises(ValueError, match="checkpoint: not available for method 'hsm'"):
        scoreopt.minimize(p, method="hsm", budget=5000, checkpoint=tmp_path / "h.ckpt")
    with pytest.raises(ValueError, match="checkpoint_every: expected seconds >= 0"):
        scoreopt.minimize(p, budget=5000, checkpoint=tmp_path / "e.ckpt", checkpoint_every=-1)


def test_cli_run_checkpoint(tmp_path):
    path = tmp_path / "run.ckpt"
    cmd = [sys.executable, "-m", "scoreopt", "run", "--problem", "ackley", "--dim", "6", "--budget", "12000",
           "--quiet", "--out", str(tmp_path), "--checkpoint", str(path)]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    rec = json.loads((tmp_path / "ackley-d6-cdida-seed0.json").read_text())
    assert path.exists()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    rec2 = json.loads((tmp_path / "ackley-d6-cdida-seed0.json").read_text())
    assert rec2["fun"] == rec["fun"] and rec2["history"] == rec["history"]
    other = subprocess.run(cmd[:-2] + ["--seed", "3", "--checkpoint", str(path)], capture_output=True, text=True,
                           timeout=300)
    # under the honest protocol the seed also draws the instance, so the problem is the first
    # difference named
    assert other.returncode == 2 and "was written by another run (problem:" in other.stderr
