"""The C++ SDK: the installed package carries the headers, the static core and a CMake package.

(a) examples/cpp builds against ``python -m scoreopt --cmake-dir`` and its runs (DIDA, DIDA with
restarts, MBD) reach their optima; (b) the C++ unit tests (tests/cpp) build against the same package and pass under ctest;
(c) a plain CMake install of the repository (no Python) gives the same package. Builds use the
cmake (and ninja) of this environment; nothing is downloaded."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name):
    p = BIN / name
    if p.exists():
        return str(p)
    return shutil.which(name)


CMAKE = _tool("cmake")
CTEST = _tool("ctest")
NINJA = _tool("ninja")

pytestmark = pytest.mark.skipif(CMAKE is None or CTEST is None, reason="cmake / ctest not found")


def _run(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise AssertionError(
            f"command failed ({r.returncode}): {' '.join(map(str, cmd))}\n"
            f"--- stdout ---\n{r.stdout[-6000:]}\n--- stderr ---\n{r.stderr[-6000:]}"
        )
    return r.stdout


def _configure(src, build, *defines):
    gen = ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={NINJA}"] if NINJA else []
    _run([CMAKE, "-S", src, "-B", build, *gen, "-DCMAKE_BUILD_TYPE=Release", *defines])


def _build(build):
    _run([CMAKE, "--build", build, "--parallel", "2"])


def _build_and_run_example(build, scoreopt_dir):
    _configure(REPO / "examples" / "cpp", build, f"-Dscoreopt_DIR={scoreopt_dir}")
    _build(build)
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    out = _run([Path(build) / "scoreopt_example"], env=env)
    assert "rastrigin d=20: best" in out and "shifted sphere d=10: best" in out, out
    assert "DIDA with 2 restarts: best" in out and "MBD: best" in out, out
    assert "rotated ellipsoid d=10, CDIDA: best" in out, out
    assert out.strip().splitlines()[-1] == "OK", out


@pytest.fixture(scope="module")
def sdk_dir():
    out = _run([sys.executable, "-m", "scoreopt", "--cmake-dir"])
    path = Path(out.strip())
    assert path.is_absolute() and (path / "scoreoptConfig.cmake").is_file(), path
    return path


def test_installed_sdk_layout(sdk_dir):
    inc = Path(_run([sys.executable, "-m", "scoreopt", "--include-dir"]).strip())
    assert (inc / "scoreopt" / "sampling_optimizer.hpp").is_file()
    assert not list(inc.rglob("scoreopt_build_config.hpp"))  # private to the core's sources
    assert list((sdk_dir.parent.parent).glob("*scoreopt_core*"))
    # scikit-build-core's cmake.root entry point names the same tree (scoreopt_ROOT)
    from importlib import metadata
    from importlib.resources import files

    eps = metadata.entry_points()
    group = eps.select(group="cmake.root") if hasattr(eps, "select") else eps.get("cmake.root", [])
    ep = [e for e in group if e.name == "scoreopt"]
    assert ep, "no cmake.root entry point named scoreopt"
    root = Path(os.fspath(files(ep[0].load())))
    assert (root / "lib" / "cmake" / "scoreopt").resolve() == sdk_dir.resolve()
    # python -m scoreopt still runs the command line
    assert "rastrigin" in _run([sys.executable, "-m", "scoreopt", "problems"])


def test_example_against_installed_package(sdk_dir, tmp_path):
    _build_and_run_example(tmp_path / "example", sdk_dir)


def test_cpp_unit_tests_ctest(sdk_dir, tmp_path):
    build = tmp_path / "cpptests"
    _configure(REPO / "tests" / "cpp", build, f"-Dscoreopt_DIR={sdk_dir}")
    _build(build)
    env = dict(os.environ, OMP_NUM_THREADS="2")
    out = _run([CTEST, "--test-dir", build, "--output-on-failure"], env=env)
    assert "100% tests passed" in out, out


def test_plain_cmake_install_without_python(tmp_path):
    build, prefix = tmp_path / "plain", tmp_path / "prefix"
    _configure(REPO, build, "-DSCOREOPT_PYTHON=OFF", "-DSCOREOPT_CUDA=OFF")
    _build(build)
    _run([CMAKE, "--install", build, "--prefix", prefix])
    configs = list(prefix.glob("lib*/cmake/scoreopt/scoreoptConfig.cmake"))
    assert len(configs) == 1, configs
    assert (prefix / "include" / "scoreopt" / "problem.hpp").is_file()
    assert not list(prefix.rglob("scoreopt_build_config.hpp"))
    assert not list(prefix.rglob("_core*.so"))  # no Python module in a plain install
    _build_and_run_example(tmp_path / "example", configs[0].parent)
