"""bench/ray_stress.py at a reduced count: the failure paths of the Ray and process executors
(a failing task, a killed worker, an early close, dozens of tasks abandoned at once, a failing
population chunk, close() with tasks in flight) on fresh instances, with no driver death, no
hang and no wrong result. The full-size run and its figures are in bench/RESULTS.md."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "bench", "ray_stress.py")
SCENARIOS = 7  # repeated --iterations times per batch; population_close and close once


@pytest.mark.slow
@pytest.mark.parametrize("executor, instances, iterations", [("ray", 2, 2), ("processes", 1, 3)])
def test_stress_script_has_no_driver_death(executor, instances, iterations, tmp_path):
    out = tmp_path / "stress.json"
    p = subprocess.run([sys.executable, SCRIPT, "--executor", executor, "--instances", str(instances),
                        "--iterations", str(iterations), "--timeout", "240", "--json", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    summary = json.loads(out.read_text())
    assert summary["driver_deaths"] == 0 and summary["hung"] == 0
    assert summary["wrong"] == 0 and summary["errors"] == 0
    assert summary["total_runs"] == instances * (SCENARIOS * iterations + 2), summary["runs"]
    assert "driver deaths 0" in p.stdout
