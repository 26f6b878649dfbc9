"""The 24 noiseless BBOB functions of the core (problems.bbob) against COCO itself (cocoex):
every function, instances 1, 2, 3, 7, 15, dimensions 2 ... 40, in float64 and float32, at
random points of the box [-5, 5]^d, far outside it and near x_opt (float64 within 1e-13 of
max(|f|, |f_opt|)); the optimum; argument checking."""

import functools

import numpy as np
import pytest

from scoreopt import problems
from scoreopt.suites import bbob as suite
from scoreopt.suites import bbob_instances

import bbob_reference

cocoex = pytest.importorskip("cocoex")

FUNCTIONS = list(range(1, 25))
INSTANCES = (1, 2, 3, 7, 15)
DIMS = (2, 3, 5, 10, 20, 40)
N_BOX = 20  # general float64 points in [-5, 5]^d
N_F32 = 20  # float32-representable points in [-5, 5]^d (tested in both precisions)
N_FAR = 6  # points in [-50, 50]^d (penalties, the fast trig range, T_osz of large values)


@functools.lru_cache(maxsize=None)
def coco_problem(fid, iid, dim):
    """The cocoex problem, with its suite (kept alive by the cache: freeing the suite frees it)."""
    s = cocoex.Suite("bbob", f"instances:{iid}", f"dimensions:{dim} function_indices:{fid}")
    p = s[0]
    assert (p.id_function, p.id_instance, p.dimension) == (fid, iid, dim)
    return s, p


def coco_values(fid, iid, X):
    """cocoex values at the rows of X (float64), one call per point."""
    p = coco_problem(fid, iid, X.shape[1])[1]
    return np.array([p(x) for x in np.asarray(X, dtype=np.float64)])


def rel(f, ref, denom):
    return float(np.max(np.abs(np.asarray(f, np.float64) - ref) / denom))


@pytest.mark.parametrize("fid", FUNCTIONS)
def test_matches_cocoex(fid):
    rng = np.random.default_rng(1000 + fid)
    worst64 = worst32 = 0.0
    for iid in INSTANCES:
        for d in DIMS:
            p = problems.bbob(fid, iid, d)
            X64 = np.concatenate([rng.uniform(-5, 5, (N_BOX, d)), rng.uniform(-50, 50, (N_FAR, d))])
            X32 = rng.uniform(-5, 5, (N_F32, d)).astype(np.float32)
            X = np.concatenate([X64, X32.astype(np.float64)])
            ref = coco_values(fid, iid, X)
            assert np.isfinite(ref).all()
            where = f"f{fid} i{iid} d{d}"

            f64 = p.evaluate(X)
            assert f64.dtype == np.float64 and f64.shape == (len(X),)
            # relative to max(|f|, |f_opt|), the contract (bbob.hpp, "Accuracy"): COCO adds f_opt
            # last, and a point of the box can have f near 0 against f_opt as well
            e64 = rel(f64, ref, np.maximum(np.abs(ref), abs(p.optimum)))
            assert e64 <= 1e-13, (where, e64)
            worst64 = max(worst64, e64)

            ref32 = ref[len(X64):]
            f32 = p.evaluate(X32)
            assert f32.dtype == np.float32 and f32.shape == (N_F32,)
            e32 = rel(f32, ref32, np.maximum(np.maximum(np.abs(ref32), abs(p.optimum)), 1.0))
            assert e32 <= 1e-5, (where, e32)
            worst32 = max(worst32, e32)
    print(f"f{fid}: max error float64 {worst64:.1e} (of max(|f|, |f_opt|)), float32 {worst32:.1e}")


@pytest.mark.parametrize("fid", FUNCTIONS)
def test_matches_cocoex_near_optimum(fid):
    """Near x_opt, where f - f_opt -> 0 and f may cancel to about 0 against f_opt. COCO adds f_opt
    last, so its own value is exact only to the scale of max(|f|, |f_opt|): the difference is
    measured relative to that. 40 points per instance and dimension, more than one block of the
    rotated functions' blocked product (f7 once kept the last point's |zhat_1| for the whole
    block; its max(|zhat_1| 1e-4, ...) only decides the value this close to the optimum)."""
    rng = np.random.default_rng(2000 + fid)
    worst = 0.0
    for iid in INSTANCES:
        for d in DIMS:
            p = problems.bbob(fid, iid, d)
            xo = np.asarray(p.x_opt, dtype=np.float64)
            X = np.concatenate([xo + s * rng.standard_normal((8, d)) for s in (1e-4, 1e-3, 1e-2, 0.1, 0.5)])
            ref = coco_values(fid, iid, X)
            f = p.evaluate(X)
            e = rel(f, ref, np.maximum(np.abs(ref), abs(p.optimum)))
            assert e <= 1e-13, (f"f{fid} i{iid} d{d}", e)
            worst = max(worst, e)
    print(f"f{fid}: near the optimum, max |f - coco| / max(|coco|, |f_opt|) {worst:.1e}")


@pytest.mark.parametrize("fid", [21, 22])
def test_gallagher_peaks_match_cocoex(fid):
    """f21/f22 take COCO's maximum of the peaks' terms h_p exp(-q_p / 2D) with the C library's exp
    only for the terms within 2^-30 of the largest, found by a few-ulp vector exp, and none where
    the largest is below 2^-60 (bbob.hpp, Gallagher::finish). Along rays from x_opt at distances
    from 1e-4 to 12, which cross the other peaks' basins and the range where the terms underflow,
    the values keep COCO's to the contract, and most rows have a maximum above 2^-60 (in the box,
    f - f_opt below T_osz(10 - 0)^2)."""
    rng = np.random.default_rng(2100 + fid)
    t10 = np.log(10.0) / 0.1
    none = np.exp(0.1 * (t10 + 0.49 * (np.sin(t10) + np.sin(0.79 * t10)))) ** 2  # ~86.6
    live = 0
    for iid in (1, 2, 7):
        for d in (2, 3, 5, 10, 20):
            p = problems.bbob(fid, iid, d)
            t = np.geomspace(1e-4, 12, 40)[:, None]
            X = np.asarray(p.x_opt) + t * rng.standard_normal((40, d))
            ref = coco_values(fid, iid, X)
            got = p.evaluate(X)
            e = rel(got, ref, np.maximum(np.abs(ref), abs(p.optimum)))
            assert e <= 1e-13, (f"f{fid} i{iid} d{d}", e)
            in_box = np.all(np.abs(X) <= 5.0, axis=1)
            live += int(np.sum(in_box & (ref - p.optimum < none - 1e-9)))
    assert live > 300, live


@pytest.mark.parametrize("fid", FUNCTIONS)
def test_optimum(fid):
    for iid in INSTANCES:
        for d in DIMS:
            p = problems.bbob(fid, iid, d)
            fopt = bbob_instances.f_opt(fid, iid, d)
            assert p.optimum == fopt
            assert p.x_opt.shape == (d,)
            np.testing.assert_array_equal(p.x_opt, bbob_instances.x_opt(fid, iid, d))
            tol = 1e-12 * max(abs(fopt), 1.0)
            assert abs(p.evaluate(p.x_opt) - fopt) <= tol, (fid, iid, d)
            assert abs(coco_values(fid, iid, p.x_opt[None])[0] - fopt) <= tol, (fid, iid, d)


@pytest.mark.parametrize("fid", (8, 9, 19))
def test_optimum_scaled(fid):
    # D > 64: the scale max(1, sqrt(D) / 8) of f8, f9 and f19 is above 1 (f19's x_opt once
    # missed it there: its value at x_opt was f_opt + 14 at D = 100). cocoex's bbob suite has
    # no such dimension; ioh (COCO's instances in any dimension) gives the reference value.
    ioh = pytest.importorskip("ioh")
    for d in (65, 100):
        p = problems.bbob(fid, 1, d)
        q = ioh.get_problem(fid, instance=1, dimension=d, problem_class=ioh.ProblemClass.BBOB)
        assert q.optimum.y == p.optimum
        tol = 1e-12 * max(abs(p.optimum), 1.0)
        assert abs(p.evaluate(p.x_opt) - p.optimum) <= tol, (fid, d)
        assert abs(q(p.x_opt) - p.optimum) <= tol, (fid, d)


def test_problem_attributes():
    p = problems.bbob(15, 3, 10)
    assert p.name == "bbob.f15" and p.function == 15 and p.instance == 3 and p.dim == 10
    assert p.family == "bbob" and not p.smooth and not p.has_gradient
    assert "Rastrigin" in p.description
    np.testing.assert_array_equal(p.bounds[0], np.full(10, -5.0))
    np.testing.assert_array_equal(p.bounds[1], np.full(10, 5.0))
    assert "instance=3" in repr(p)
    # a single point gives a scalar; the same problem built twice gives the same values
    x = np.linspace(-4, 4, 10)
    assert np.ndim(p.evaluate(x)) == 0
    assert p.evaluate(x) == problems.bbob(15, 3, 10).evaluate(x)
    # instances differ
    assert p.evaluate(x) != problems.bbob(15, 4, 10).evaluate(x)


def test_no_gradient():
    p = problems.bbob(1, 1, 5)
    with pytest.raises(ValueError, match="no analytic gradient"):
        p.gradient(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="no analytic gradient"):
        p.value_and_gradient(np.zeros(5))


@pytest.mark.parametrize("args,word", [
    ((0, 1, 5), "function"),
    ((25, 1, 5), "function"),
    ((-3, 1, 5), "function"),
    ((1, 0, 5), "instance"),
    ((1, -2, 5), "instance"),
    ((1, 1, 1), "dim"),
    ((1, 1, 0), "dim"),
])
def test_bad_arguments(args, word):
    with pytest.raises(ValueError, match=word):
        problems.bbob(*args)
    with pytest.raises(ValueError, match=word):
        suite.pack(*args)


@pytest.mark.parametrize("args,word", [((1.5, 1, 5), "function"), ((1, "2", 5), "instance"),
                                       ((1, 1, 5.0), "dim"), ((True, 1, 5), "function")])
def test_non_integer_arguments(args, word):
    with pytest.raises(TypeError, match=word):
        problems.bbob(*args)


def test_instance_data_is_required_and_checked():
    from scoreopt import _core

    core = _core.Problem("bbob.f3", 4, {})
    with pytest.raises(ValueError, match="needs its instance data"):
        core.evaluate(np.zeros((1, 4)), None, np.empty(1))
    with pytest.raises(ValueError, match="data: bbob.f3 in dimension 4 needs"):
        core.with_data([0.0] * 3)
    data = suite.pack(3, 1, 4)
    with pytest.raises(ValueError, match="NaN or Inf"):
        core.with_data(np.where(np.arange(len(data)) == 2, np.nan, data))
    assert len(data) == 2 * (1 + 3 * 4)  # [f_opt, shift, lambda, T_asy's c_i] and the residuals
    # c_i = 0.2 i / (D - 1) rounded as COCO's C code rounds it (0.2 i first)
    assert list(data[9:13]) == [(0.2 * i) / (4 - 1.0) for i in range(4)]


def test_bad_points():
    p = problems.bbob(21, 1, 3)
    with pytest.raises(ValueError, match="row 1"):
        p.evaluate(np.array([[0.0, 0.0, 0.0], [0.0, np.nan, 0.0]]))
    with pytest.raises(ValueError, match="X: expected 3 columns"):
        p.evaluate(np.zeros((2, 4)))


def test_large_batches_and_threads_agree():
    """A batch big enough for the parallel driver gives the same values as one row at a time."""
    rng = np.random.default_rng(5)
    for fid in (7, 16, 21, 24):
        p = problems.bbob(fid, 2, 10)
        X = rng.uniform(-5, 5, (3000, 10))
        f = p.evaluate(X)
        np.testing.assert_array_equal(f[:50], [p.evaluate(x) for x in X[:50]])
        np.testing.assert_allclose(f, bbob_reference.evaluate(fid, 2, X), rtol=1e-12, atol=0)


BLOCKED = (2, 3, 4, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_in_lanes_match_per_point(dtype):
    """f8 evaluates blocks of rows side by side, one vector lane per row (bbob.hpp, "rows in
    lanes": 8 rows with AVX-512, 4 for rows over 400 bytes (d = 101 here) or with AVX2, 2 on the
    baseline path), each lane in the per-point order: the values equal, bit for bit, the
    per-point code's (the affine wrapper's row path), for full and partial blocks. (f1 and f5
    took the lanes too until their sums became partial sums per row; they stay here as per-row
    checks of the same property, including rows at and beyond f5's boundary x x_opt >= 25.)
    From d = 9 on, f8's Rosenbrock sums take simd::sum_zip's lane order on both ways (a whole
    number of 8-term blocks at d = 9 and 17, a ragged last block at the others); float64 rows
    over 256 bytes (d = 40, 101) run row by row, where the lanes were slower."""
    rng = np.random.default_rng(8)
    for fid in (1, 5, 8):
        for d in (2, 3, 9, 12, 17, 40, 101):
            p = problems.bbob(fid, 2, d)
            X = rng.uniform(-7, 7, (29, d)).astype(dtype)
            got = p.evaluate(X)
            per_point = p.affine(matrix=np.eye(d)).evaluate(X)
            np.testing.assert_array_equal(got, per_point, err_msg=f"f{fid} d{d} {dtype.__name__}")
            for n in (1, 7, 8, 9):
                np.testing.assert_array_equal(p.evaluate(X[:n]), got[:n])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_blocked_rotation_matches_per_point(dtype):
    """The host evaluates the rotated functions' products for blocks of rows (bbob.hpp, "the
    rotation of a block of points"), summing each coordinate in the per-point order, and the
    transforms between the product and the rest (T_osz of f2-f4, f10, f11; T_asy(T_osz) of f3,
    f15; T_asy of f17, f18; f14's powers: middle_rows) over the block's rows at once: the values
    equal, bit for
    bit, those of the per-point code, which the affine wrapper's row path keeps using (an identity
    wrapper changes no value). The sizes cover the full and partial tiles of rows (a block of 16;
    tiles of 16, 8 and 1 rows with AVX-512, of 4 and 1 elsewhere) and of coordinates (8, 4, the
    scalar rest), and f2-f4 beyond D = 64, where they
    leave the blocks. The last 21 rows lie near x_opt, where f7's value depends on each row's own
    |zhat_1|."""
    rng = np.random.default_rng(7)
    for fid in BLOCKED:
        for d in (2, 5, 12, 40) + ((70,) if fid <= 4 else ()):
            p = problems.bbob(fid, 3, d)
            near = np.asarray(p.x_opt) + 1e-3 * rng.standard_normal((21, d))
            X = np.concatenate([rng.uniform(-6, 6, (37, d)), near]).astype(dtype)
            got = p.evaluate(X)
            per_point = p.affine(matrix=np.eye(d)).evaluate(X)
            np.testing.assert_array_equal(got, per_point, err_msg=f"f{fid} d{d} {dtype.__name__}")
            np.testing.assert_array_equal(got[5:6], p.evaluate(X[5:6]))


def test_per_point_product_in_every_dimension():
    """The per-point product (matvec: register tiles of 8 vectors of coordinates, then one tile
    ending at d that may overlap the one before, or two where d is below it) against the blocked
    one, bit for bit, in every dimension from 2 to 72 (every combination of full tiles and rest,
    for 2- and 4-double vectors), both dtypes."""
    rng = np.random.default_rng(72)
    for d in range(2, 73):
        p = problems.bbob(10, 1, d)
        for dtype in (np.float64, np.float32):
            X = rng.uniform(-5, 5, (19, d)).astype(dtype)
            np.testing.assert_array_equal(p.affine(matrix=np.eye(d)).evaluate(X), p.evaluate(X),
                                          err_msg=f"d{d} {dtype.__name__}")


def test_f6_row_tail_range():
    """f6's row tail T_osz(s)^0.9 runs as a few-ulp vector form for a block of rows (bbob.hpp,
    F6::tail) and hands the rows whose s leaves its range (s > 1e30, or 0 < s < 1e-30) back to the
    C library: there (s ~ 1e34, where COCO's exp(u) inside T_osz overflows to inf although the
    value itself is finite), next to the optimum, at it (s = 0) and in the ordinary range, the
    values match the float64 reference, in full and partial blocks, and one row at a time gives
    the same values."""
    rng = np.random.default_rng(66)
    p = problems.bbob(6, 1, 10)
    xo = np.asarray(p.x_opt)
    X = np.concatenate([rng.uniform(-5, 5, (9, 10)), xo + 1e14 * rng.standard_normal((5, 10)),
                        xo + 1e-17 * rng.standard_normal((5, 10)), xo[None, :],
                        rng.uniform(-5, 5, (4, 10))])
    got = p.evaluate(X)
    ref = bbob_reference.evaluate(6, 1, X)
    far = slice(9, 14)
    assert np.isinf(ref[far]).all() and (got[far] == ref[far]).all()
    ok = np.isfinite(ref)
    scale = np.maximum(np.abs(ref[ok]), abs(p.optimum))
    assert (np.abs(got[ok] - ref[ok]) <= 1e-13 * scale).all()
    assert got[19] == p.optimum
    np.testing.assert_array_equal(got[:14], [p.evaluate(x) for x in X[:14]])


def test_f23_sums_and_product_ranges():
    """f23 on the host: each coordinate's 32-term sum by the exact recurrence in blocks of vectors
    (bbob.hpp, F23::katsuura_sums), COCO's form where |z_i| >= 2^19 or NaN; the bases' product
    raised once, the D powers where that product exceeds 2^995 (D = 300 here). Against the float64
    reference of COCO's formula: in the box, near x_opt, far out (|z_i| ~ 1e6), at every block
    shape (D = 2, 3, 7, 13, 41, 100) and at D = 300; a row whose z overflows is NaN as COCO's;
    one row at a time gives the same values."""
    rng = np.random.default_rng(23)
    for d in (2, 3, 7, 13, 41, 100, 300):
        p = problems.bbob(23, 1, d)
        xo = np.asarray(p.x_opt)
        X = np.concatenate([rng.uniform(-5, 5, (6, d)), xo + 1e-3 * rng.standard_normal((3, d)),
                            1e6 * rng.standard_normal((2, d)), xo[None, :]])
        X[-2, d // 2] = xo[d // 2] + 3e6  # one far coordinate in a row of ordinary ones
        got = p.evaluate(X)
        ref = bbob_reference.evaluate(23, 1, X)
        scale = np.maximum(np.abs(ref), abs(p.optimum))
        assert np.isfinite(ref).all()
        assert (np.abs(got - ref) <= 1e-13 * scale).all(), (d, np.max(np.abs(got - ref) / scale))
        assert got[-1] == p.optimum
        np.testing.assert_array_equal(got, [p.evaluate(x) for x in X])
        Xh = X[:3].copy()
        Xh[1, 0] = 1e300  # z overflows: NaN, as COCO's (inf - floor(inf + 0.5))
        fh, rh = p.evaluate(Xh), bbob_reference.evaluate(23, 1, Xh)
        assert np.isnan(fh[1]) and np.isnan(rh[1]) and (fh[[0, 2]] == got[[0, 2]]).all()
