"""Runtime SIMD dispatch of the evaluation kernels (issue 16): the copies compiled for each
instruction set, the choice at import (SCOREOPT_SIMD), the errors, and agreement between the
paths: every built-in function on every path this CPU runs, against the default path, and the
accuracy test modules (BBOB vs cocoex, CEC2017 vs the organizers' code, the classic functions vs
the float64 reference) rerun in a child process on each other path."""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

import scoreopt
from scoreopt import _core, problems

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PATHS = _core.simd_paths()
SUPPORTED = _core.supported_simd_paths()
X86 = platform.machine().lower() in ("x86_64", "amd64")
PORTABLE = PATHS == ["avx512", "avx2", "baseline"]
OTHER_PATHS = [p for p in SUPPORTED if p != _core.simd_path()]


def child(code, **env):
    e = dict(os.environ)
    e.pop("SCOREOPT_SIMD", None)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e,
                          cwd=ROOT, timeout=300)


@pytest.fixture
def restore_path():
    before = _core.simd_path()
    yield
    _core.set_simd_path(before)


def test_build_lists_its_paths():
    assert PATHS and SUPPORTED and set(SUPPORTED) <= set(PATHS)
    # best first, and a supported path implies the lower ones on x86
    assert SUPPORTED == [p for p in PATHS if p in SUPPORTED]
    info = scoreopt.build_info()
    assert f"simd={_core.simd_path()} (" in info and "compiled: " + ",".join(PATHS) in info


@pytest.mark.skipif(not X86, reason="the x86-64 paths")
def test_default_build_is_portable():
    # ./dev and pip build with SCOREOPT_ARCH=portable unless told otherwise
    if os.environ.get("SCOREOPT_ARCH", "portable") != "portable":
        pytest.skip("built with SCOREOPT_ARCH set")
    assert PORTABLE
    assert "baseline" in SUPPORTED  # x86-64-v2: every x86-64 CPU since about 2009
    assert "-march=x86-64-v2" in scoreopt.build_info().split("; simd=")[0]


def test_default_path_is_the_best_supported_one():
    env = os.environ.get("SCOREOPT_SIMD", "")
    cp = child("from scoreopt import _core; print(_core.simd_path(), _core.simd_path_reason())")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split() == [SUPPORTED[0], "best", "supported"]
    if env in ("", "auto"):
        assert _core.simd_path() == SUPPORTED[0]
    else:
        assert _core.simd_path() == env


@pytest.mark.parametrize("path", SUPPORTED + ["auto"])
def test_environment_variable_chooses_the_path(path):
    cp = child("import scoreopt; from scoreopt import _core; print(_core.simd_path()); "
               "print(scoreopt.build_info())", SCOREOPT_SIMD=path)
    assert cp.returncode == 0, cp.stderr
    chosen = cp.stdout.splitlines()[0]
    assert chosen == (SUPPORTED[0] if path == "auto" else path)
    assert f"simd={chosen} (" in cp.stdout


def test_info_reports_the_path_as_data():
    i = scoreopt.info()
    assert i["simd_path"] == _core.simd_path() and i["simd_paths"] == PATHS
    assert i["supported_simd_paths"] == SUPPORTED and i["simd_path"] in SUPPORTED
    assert i["build"] == scoreopt.build_info() and i["version"] == scoreopt.__version__
    assert i["threads"] == scoreopt.num_threads() >= 1 and i["backends"]["cpu"] is True
    cp = child("import scoreopt; i = scoreopt.info(); print(i['simd_path'], '|', i['simd_path_reason'])",
               SCOREOPT_SIMD=SUPPORTED[-1])
    assert cp.returncode == 0, cp.stderr
    path, reason = cp.stdout.splitlines()[-1].split(" | ")
    assert path == SUPPORTED[-1] and "SCOREOPT_SIMD" in reason


def test_cli_info_reports_the_path():
    cp = child("import sys; from scoreopt.cli import main; sys.exit(main(['info']))",
               SCOREOPT_SIMD=SUPPORTED[-1])
    assert cp.returncode == 0, cp.stderr
    line = [ln for ln in cp.stdout.splitlines() if ln.startswith("simd:")]
    assert line and line[0].split()[1] == SUPPORTED[-1] and "SCOREOPT_SIMD" in line[0]


@pytest.mark.parametrize("value", ["sse9", "AVX2", "native", " "])
def test_bad_environment_variable_fails_the_import(value):
    if value in PATHS:
        pytest.skip(f"{value} is a path of this build")
    cp = child("import scoreopt", SCOREOPT_SIMD=value)
    assert cp.returncode != 0
    assert "SCOREOPT_SIMD" in cp.stderr and "allowed: auto, " + ", ".join(PATHS) in cp.stderr


def test_unsupported_path_is_refused():
    missing = [p for p in PATHS if p not in SUPPORTED]
    if not missing:
        pytest.skip("this CPU runs every compiled path")
    cp = child("import scoreopt", SCOREOPT_SIMD=missing[0])
    assert cp.returncode != 0 and "not supported by this CPU" in cp.stderr
    with pytest.raises(ValueError, match="path"):
        _core.set_simd_path(missing[0])


def test_set_simd_path(restore_path):
    with pytest.raises(ValueError, match=r"path: unknown SIMD path 'avx1024'; allowed: auto, "):
        _core.set_simd_path("avx1024")
    for p in SUPPORTED:
        _core.set_simd_path(p)
        assert _core.simd_path() == p and _core.simd_path_reason() == f"set_simd_path({p})"
    _core.set_simd_path("auto")
    assert _core.simd_path() == SUPPORTED[0]


def _instances():
    out = []
    for name in problems.names("classic") + problems.names("glens"):
        for d in (1, 2, 7, 19, 100):
            i = problems.info(name)
            if d >= i["min_dim"] and (not i["even_dim"] or d % 2 == 0):
                out.append((name, d))
    out += [(f"bbob.f{k}", d) for k in range(1, 25) for d in (2, 10, 40)]
    out += [(f"cec2017.f{k}", d) for k in [1] + list(range(3, 31)) for d in (10, 30)]
    return out


def _problem(name, d):
    if name.startswith("bbob."):
        return problems.bbob(int(name[6:]), 1, d)
    if name.startswith("cec2017."):
        return problems.cec2017(int(name[9:]), d)
    return problems.get(name, d)


def _sample(p, n, seed):
    rng = np.random.default_rng(seed)
    lo, hi = p.bounds
    X = lo + (hi - lo) * rng.random((n, p.dim))
    params = None
    if p.num_params:
        plo, phi = p.param_bounds
        params = plo + (phi - plo) * rng.random((n, p.num_params))
    return X, params


def _eval_all(path, cases, dtype):
    _core.set_simd_path(path)
    out = {}
    for name, d in cases:
        p = _problem(name, d)
        # 67 rows: every path's lane and row blocks end part full (67 = 4 * 16 + 3)
        X, params = _sample(p, 67, d)
        X = X.astype(dtype)
        params = None if params is None else params.astype(dtype)
        f = p.evaluate(X, params)
        out[name, d] = (f, None)
        if p.has_gradient:  # the value from the gradient code is compared on its own
            out[name + "+grad", d] = p.value_and_gradient(X, params)
    return out


@pytest.mark.skipif(len(SUPPORTED) < 2, reason="one path on this CPU")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_paths_agree_on_every_function(dtype, restore_path):
    """Every path against the best one. The suites (BBOB, CEC2017) compile without FMA contraction
    and sum in a fixed order, so their float64 values are identical on every path; the classic
    functions may contract and split their sums by the vector width: within rounding."""
    cases = _instances()
    ref = _eval_all(SUPPORTED[0], cases, dtype)
    for path in SUPPORTED[1:]:
        got = _eval_all(path, cases, dtype)
        for key, (f, g) in got.items():
            rf, rg = ref[key]
            suite = key[0].startswith(("bbob.", "cec2017."))
            if suite and dtype == np.float64:
                np.testing.assert_array_equal(f, rf, err_msg=f"{key} on {path}")
                continue
            tol = 1e-12 if dtype == np.float64 else 2e-6
            # the function's value scale over the batch (sums whose terms cancel lose the
            # relative accuracy of single values)
            scale = max(float(np.max(np.abs(rf))), 1.0)
            err = np.max(np.abs(f.astype(np.float64) - rf) / scale)
            assert err <= tol, (key, path, err)
            if g is not None:
                gs = np.maximum(np.abs(rg).astype(np.float64), np.max(np.abs(rg), axis=1, keepdims=True))
                gerr = np.max(np.abs(g.astype(np.float64) - rg) / np.maximum(gs, 1.0))
                assert gerr <= 10 * tol, (key, path, "gradient", gerr)


ACCURACY_MODULES = ["tests/test_bbob.py", "tests/test_cec2017.py", "tests/test_functions.py"]


@pytest.mark.parametrize("path", OTHER_PATHS)
def test_accuracy_modules_pass_on_path(path):
    """The accuracy tests, which the main run executes on the default path, on each other path."""
    e = dict(os.environ, SCOREOPT_SIMD=path)
    cp = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-x",
                         *ACCURACY_MODULES], capture_output=True, text=True, env=e, cwd=ROOT,
                        timeout=1800)
    assert f"scoreopt SIMD path: {path} " in cp.stdout, cp.stdout[-2000:]
    assert cp.returncode == 0, cp.stdout[-4000:] + cp.stderr[-2000:]
    assert " passed" in cp.stdout.splitlines()[-1]
