"""No leaks, no growth (issue 13, part 5): 100,000 calls of evaluate, estimate and the integrator
steps and 1,000 short minimize runs in a fresh process (tests/memory_child.py), whose resident
memory must stay flat after a warm-up.

The bound: after the warm-up the resident set grows by a few KiB at most over the whole run
(8 KiB measured), so GROWTH_BOUND = 4 MiB leaves room for the allocators (pymalloc arenas, glibc
heap trimming) while any leak of 40 bytes or more per call (4 MiB / 100,000 calls; one leaked
8-value result array is 64 bytes plus its header) fails. The second test proves that the
measurement sees a leak of that kind.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("memory_child.py")
GROWTH_BOUND = 4 * 2 ** 20  # bytes
MiB = 2 ** 20

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"),
                                reason="resident memory is read from /proc/self/statm (Linux only)")


def run_child(calls: int, runs: int, leak_bytes: int) -> dict:
    # Every call here is tiny and still enters the core's OpenMP parallel regions; with OpenMP's
    # default spinning waits that is 10-30x slower on a machine whose cores are busy (measured:
    # 207 s instead of 8 s). Passive waits change nothing else: the same threads do the work.
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    out = subprocess.run([sys.executable, str(CHILD), str(calls), str(runs), str(leak_bytes)],
                         capture_output=True, text=True, timeout=400, env=env)
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def growth(r: dict) -> int:
    return max(r["samples"]) - r["base"]


def test_resident_memory_stays_flat():
    r = run_child(100_000, 1_000, 0)
    assert r["calls"] == 100_000 and r["runs"] == 1_000
    steps = ", ".join(f"{(s - r['base']) / MiB:+.3f}" for s in r["samples"])
    print(f"RSS after warm-up {r['base'] / MiB:.1f} MiB; at the 10 checkpoints (MiB): {steps}")
    assert growth(r) <= GROWTH_BOUND, \
        f"resident memory grew by {growth(r) / MiB:.2f} MiB after the warm-up (checkpoints: {steps})"


def test_the_measurement_sees_a_leak():
    # 1 KiB kept per call over 10,000 calls: 10 MiB, which the bound must catch
    r = run_child(10_000, 10, 1024)
    assert growth(r) > GROWTH_BOUND, f"a 10 MiB leak grew the resident set by only {growth(r) / MiB:.2f} MiB"
