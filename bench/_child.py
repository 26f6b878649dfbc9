"""One measurement in a fresh interpreter: the build, SIMD path and thread settings of a
benchmark child are fixed by its environment at import, so every A/B script runs its timed code
as ``python -c CODE SPEC_JSON`` and reads back the one line ``RESULT <json>`` it prints. Also the
scripts' JSON record (write_json) and the revision it was measured on (git_revision)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Optional


def run_child(code: str, spec: dict, env: dict, what: str, cwd: Optional[str] = None) -> dict:
    """Run ``code`` with ``spec`` as its argument; its last ``RESULT`` line, decoded.
    ``what`` names the child in the error raised when it fails."""
    cp = subprocess.run([sys.executable, "-c", code, json.dumps(spec)], env=env,
                        capture_output=True, text=True, cwd=cwd)
    if cp.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{cp.stderr[-3000:]}")
    lines = [ln for ln in cp.stdout.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        raise RuntimeError(f"{what} printed no RESULT line:\n{cp.stdout[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def build_env(pythonpath: Optional[str], simd: Optional[str] = None,
              threads: Optional[str] = None) -> dict:
    """The environment of a child that imports the scoreopt build in folder ``pythonpath`` (first
    on PYTHONPATH; empty or None: the installed one), on SIMD path ``simd`` (None: the best one,
    whatever SCOREOPT_SIMD this process has) with OMP_NUM_THREADS ``threads`` (None: unchanged)."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("SCOREOPT_SIMD", None)
    if simd:
        env["SCOREOPT_SIMD"] = simd
    if threads:
        env["OMP_NUM_THREADS"] = threads
    return env


def git_revision() -> dict:
    """The checkout's commit (short hash, "unknown" outside git) and whether tracked files differ
    from it ("dirty": the figures were measured on uncommitted code)."""
    here = os.path.dirname(os.path.abspath(__file__))

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=here, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        return {"commit": git("rev-parse", "--short", "HEAD"),
                "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown", "dirty": None}


def write_json(path: Optional[str], obj) -> None:
    """obj to path as JSON (nothing when path is None or empty)."""
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=1)
