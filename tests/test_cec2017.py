"""The CEC2017 bound-constrained suite of the core (problems.cec2017) against the organizers'
C code: tests/data/cec2017_reference.npz holds, for every function (1, 3 ... 30) and every
dimension the official data covers, 20 random points of [-100, 100]^d and the point 0, with the
values cec17_test_func.cpp (the organizers' code, compiled with g++ -O2 on x86-64 Linux) gives
there. Also: float32, the optimum, argument checking and the data loading."""

import os
import shutil

import numpy as np
import pytest

from scoreopt import _core, problems
from scoreopt.suites import cec2017 as suite

DATA = suite.default_data_dir()
pytestmark = pytest.mark.skipif(DATA is None, reason="the official CEC2017 data (pip install 'scoreopt[cec2017]')")

REF = np.load(os.path.join(os.path.dirname(__file__), "data", "cec2017_reference.npz"))
FUNCTIONS = [1] + list(range(3, 31))


def ref_dims(fn):
    return sorted(int(k.split("_")[1][1:]) for k in REF.files if k.startswith(f"f{fn}_") and k.endswith("_x"))


def rel(f, ref):
    return float(np.max(np.abs(np.asarray(f, np.float64) - ref) / np.maximum(np.abs(ref), 1e-300)))


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_matches_official_code(fn):
    dims = ref_dims(fn)
    assert {10, 30} <= set(dims)
    assert dims == list(suite.dims(fn))
    worst = 0.0
    for d in dims:
        X, ref = REF[f"f{fn}_d{d}_x"], REF[f"f{fn}_d{d}_y"]
        assert X.shape == (21, d) and np.isfinite(ref).all()
        p = problems.cec2017(fn, d)
        f = p.evaluate(X)
        assert f.dtype == np.float64 and f.shape == (21,)
        e = rel(f, ref)
        assert e <= 1e-13, (fn, d, e)  # bitwise on the machines measured (bench/RESULTS.md)
        worst = max(worst, e)
        # one point at a time gives the same values
        assert [p.evaluate(x) for x in X[:3]] == list(f[:3])
        # float32: evaluated in double and rounded
        X32 = X.astype(np.float32)
        f32 = p.evaluate(X32)
        assert f32.dtype == np.float32
        e32 = rel(f32, p.evaluate(X32.astype(np.float64)))
        assert e32 <= 1e-6, (fn, d, e32)
    print(f"F{fn}: max relative error {worst:.1e} (dims {dims})")


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_optimum(fn):
    rng = np.random.default_rng(fn)
    for d in (10, 30):
        p = problems.cec2017(fn, d)
        assert p.optimum == 100.0 * fn
        O, M, S = suite.load(fn, d)
        assert p.x_opt.shape == (d,)
        if fn != 9:
            np.testing.assert_array_equal(p.x_opt, O[0])  # the shift (of the first component)
        fo = p.evaluate(p.x_opt)
        assert abs(fo - p.optimum) <= 1e-9 * p.optimum, (fn, d, fo)
        assert np.all(p.evaluate(rng.uniform(-100, 100, (200, d))) >= fo)
        assert np.all(np.abs(p.x_opt) <= 100.0)


def test_problem_attributes():
    p = problems.cec2017(4, 10)
    assert p.name == "cec2017.f4" and p.function == 4 and p.dim == 10
    assert p.family == "cec2017" and not p.smooth and not p.has_gradient
    assert "Rosenbrock" in p.description
    np.testing.assert_array_equal(p.bounds[0], np.full(10, -100.0))
    np.testing.assert_array_equal(p.bounds[1], np.full(10, 100.0))
    with pytest.raises(ValueError, match="no analytic gradient"):
        p.gradient(np.zeros((2, 10)))
    names = problems.names("cec2017")
    assert names == [f"cec2017.f{k}" for k in FUNCTIONS]
    assert set(names) <= set(problems.names())


def test_get_dispatches_like_bbob():
    x = REF["f11_d10_x"]
    p = problems.get("cec2017.f11", 10)
    np.testing.assert_array_equal(p.evaluate(x), REF["f11_d10_y"])
    q = problems.get("cec2017.f11", 10, data_dir=str(DATA))
    np.testing.assert_array_equal(q.evaluate(x), REF["f11_d10_y"])
    with pytest.raises(ValueError, match="options: cec2017 functions take only data_dir"):
        problems.get("cec2017.f11", 10, instance=2)
    with pytest.raises(ValueError, match="function: CEC2017 F2 was withdrawn"):
        problems.get("cec2017.f2", 10)


@pytest.mark.parametrize("args,word", [
    ((2, 10), "function: CEC2017 F2 was withdrawn"),
    ((0, 10), "function"),
    ((31, 10), "function"),
    ((-4, 10), "function"),
    ((4, 11), "dim"),
    ((4, 1), "dim"),
    ((11, 2), "dim"),    # no official data for the hybrids in dimension 2
    ((29, 20), "dim"),
])
def test_bad_arguments(args, word):
    with pytest.raises(ValueError, match=word):
        problems.cec2017(*args)
    with pytest.raises(ValueError, match=word):
        suite.pack(*args)


@pytest.mark.parametrize("args,word", [((1.5, 10), "function"), ((True, 10), "function"),
                                       ((4, 10.0), "dim"), ((4, "10"), "dim")])
def test_non_integer_arguments(args, word):
    with pytest.raises(TypeError, match=word):
        problems.cec2017(*args)


def test_data_dir(tmp_path):
    # an explicit folder holding the files
    for name in ("M_5_D10.txt", "shift_data_5.txt"):
        shutil.copy(DATA / name, tmp_path / name)
    p = problems.cec2017(5, 10, data_dir=tmp_path)
    np.testing.assert_array_equal(p.evaluate(REF["f5_d10_x"]), REF["f5_d10_y"])
    # a file missing from it
    with pytest.raises(ValueError, match=r"data_dir: missing CEC2017 data file .*pip install 'scoreopt\[cec2017\]'.* or pass data_dir="):
        problems.cec2017(5, 30, data_dir=tmp_path)
    # not a folder
    with pytest.raises(ValueError, match=r"data_dir: .* is not a folder.*pip install 'scoreopt\[cec2017\]'.* or pass data_dir="):
        problems.cec2017(5, 10, data_dir=tmp_path / "nothing")
    # a truncated file
    (tmp_path / "M_6_D10.txt").write_text("1 2 3")
    shutil.copy(DATA / "shift_data_6.txt", tmp_path / "shift_data_6.txt")
    with pytest.raises(ValueError, match="data_dir: .*M_6_D10.txt' holds 3 numbers, 100 expected"):
        problems.cec2017(6, 10, data_dir=tmp_path)


def test_no_data_found(monkeypatch):
    monkeypatch.setattr(suite, "default_data_dir", lambda: None)
    with pytest.raises(ValueError, match=r"data_dir: no CEC2017 data found.*pip install 'scoreopt\[cec2017\]'.* or pass data_dir="):
        problems.cec2017(4, 10)


def test_data_layout():
    d = 10
    data = suite.pack(21, d)
    K = 3
    assert len(data) == 2 * (K * d + K * d * d)
    O, M, S = suite.load(21, d)
    assert O.shape == (K, d) and M.shape == (K, d, d) and S is None
    np.testing.assert_array_equal(data[:K * d], O.ravel())
    # rotations row-major below D = 16, transposed from there (cec2017.hpp, rotate)
    np.testing.assert_array_equal(data[K * d:K * d + K * d * d].reshape(K, d, d), M)
    O30, M30, _ = suite.load(21, 30)
    data30 = suite.pack(21, 30)
    np.testing.assert_array_equal(data30[K * 30:K * 30 + K * 900].reshape(K, 30, 30),
                                  np.transpose(M30, (0, 2, 1)))
    O, M, S = suite.load(29, d)
    assert S.shape == (3, d) and sorted(S[2]) == list(range(1, d + 1))
    core = _core.Problem("cec2017.f21", d, {})
    with pytest.raises(ValueError, match="needs its instance data"):
        core.evaluate(np.zeros((1, d)), None, np.empty(1))
    with pytest.raises(ValueError, match="data: cec2017.f21 in dimension 10 needs"):
        core.with_data([0.0] * 3)


def test_large_batches_agree():
    rng = np.random.default_rng(3)
    for fn in (7, 13, 20, 30):
        p = problems.cec2017(fn, 30)
        X = rng.uniform(-100, 100, (3000, 30))
        f = p.evaluate(X)
        np.testing.assert_array_equal(f[:40], [p.evaluate(x) for x in X[:40]])


@pytest.mark.skipif(len(_core.supported_simd_paths()) < 2, reason="one SIMD path on this CPU")
def test_vector_math_same_on_every_path():
    """The functions whose sines, cosines, powers and remainders run in vector loops with the C
    library for what those defer (cec2017.hpp, cos_of / sin_of / pow_of / fmod500): the same float64
    values on every SIMD path, on enough points (across the box, next to x_opt, far outside) that
    a path-dependent rounding on 0.5 % of them shows (GCC's vectorized pow(x, 0.5) did: F10)."""
    before = _core.simd_path()
    rng = np.random.default_rng(2017)
    try:
        for fn in (5, 6, 9, 10, 14, 19, 20, 23, 30):
            for d in (10, 30):
                p = problems.cec2017(fn, d)
                X = np.concatenate([rng.uniform(-100, 100, (1500, d)),
                                    p.x_opt + 10.0 ** rng.uniform(-9, 0, (300, 1)) * rng.standard_normal((300, d)),
                                    rng.uniform(-1, 1, (200, d)) * 10.0 ** rng.uniform(2, 9, (200, 1))])
                values = {}
                for path in _core.supported_simd_paths():
                    _core.set_simd_path(path)
                    values[path] = p.evaluate(X)
                first, *rest = values
                for path in rest:
                    np.testing.assert_array_equal(values[path], values[first], err_msg=f"F{fn} D{d} {path}")
    finally:
        _core.set_simd_path(before)
