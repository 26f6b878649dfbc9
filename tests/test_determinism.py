"""A built-in function's value and gradient depend on the input values only: not on where the
input, parameter and output buffers lie, on what memory follows them, or on what the output
buffers held before the call. Issue 13: the GLENS data set differed between two collections by an
ulp in `paths` because glens.himmelblau's gradient loop ran a different (differently contracted)
code path whenever the gradient buffer started within one vector of the input, which two small
NumPy arrays often do.

Every registered function, value and gradient, float32 and float64, every row width 1..17 the
function allows (every SIMD tail of 8 doubles and 16 floats): the rows are placed at the end of
a poisoned buffer (NaN or 1e300 right after the last row, so that a read past a row changes the
result), the outputs at every offset of up to one 512-bit vector before or after the input in the
same buffer (pre-filled with poison, so that reading an output before writing it shows), and the
results must be bitwise equal to those of clean, separate, contiguous buffers."""

import numpy as np
import pytest

from scoreopt import problems
from scoreopt.suites import cec2017 as cec_suite

WIDTHS = range(1, 18)
DTYPES = (np.float64, np.float32)
# one row: the output row sits right next to the input row (the case that broke); three rows:
# rows end and start inside one vector, and the last one ends the buffer
ROWS = (1, 3)
POISONS = (np.nan, 1e300)  # 1e300 becomes inf in float32


def _dims(name):
    info = problems.info(name)
    if info["family"] == "cec2017":
        allowed = cec_suite.dims(int(name[len("cec2017.f"):]))
    else:
        allowed = [d for d in WIDTHS if d >= info["min_dim"] and (not info["even_dim"] or d % 2 == 0)]
    return [d for d in allowed if d in WIDTHS]


def _cases():
    cec_data = cec_suite.default_data_dir() is not None
    out = []
    for name in problems.names():
        marks = ()
        if name.startswith("cec2017.") and not cec_data:
            marks = pytest.mark.skip(reason="the official CEC2017 data (pip install 'scoreopt[cec2017]')")
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def _inputs(p, dtype, rows, rng):
    lo, hi = p.bounds
    X = (lo + (hi - lo) * rng.random((rows, p.dim))).astype(dtype)
    P = None
    if p.num_params:
        plo, phi = p.param_bounds
        P = (plo + (phi - plo) * rng.random((rows, p.num_params))).astype(dtype)
    return X, P


def _clean(core, X, P, grad):
    out = np.zeros(len(X), X.dtype)
    g = np.zeros_like(X) if grad else None
    core.evaluate(X.copy(), None if P is None else P.copy(), out, g)
    return out, g


def _layouts(n_x, n_out, n_g, n_p, width):
    """(offsets, where) of X, out, grad and params in one buffer, the outputs `gap` elements
    after X (poison or the still-poisoned gradient follows X) or before it (X ends the buffer and
    the caller's poison tail follows it)."""
    for gap in range(width + 1):
        # outputs right after X, params in front
        yield {"P": 0, "X": n_p, "G": n_p + n_x + gap, "out": n_p + n_x + gap + n_g + gap}, "after"
        # outputs right before X, X last
        yield {"out": 0, "P": n_out, "G": n_out + n_p + gap, "X": n_out + n_p + gap + n_g + gap}, "before"


def _placed(core, X, P, grad, offsets, poison, tail):
    n, d = X.shape
    sizes = {"X": n * d, "out": n, "G": n * d if grad else 0, "P": 0 if P is None else P.size}
    total = max(offsets[k] + sizes[k] for k in sizes) + tail
    with np.errstate(over="ignore"):
        B = np.full(total, poison, dtype=X.dtype)
    view = lambda k, shape: B[offsets[k]:offsets[k] + sizes[k]].reshape(shape)
    Xv = view("X", X.shape)
    Xv[...] = X
    Pv = None
    if P is not None:
        Pv = view("P", P.shape)
        Pv[...] = P
    out = view("out", (n,))
    g = view("G", X.shape) if grad else None
    core.evaluate(Xv, Pv, out, g)
    return out, g


def _same(a, b):
    return a is None and b is None or a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name", _cases())
def test_results_do_not_depend_on_buffer_placement(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    failures = []
    for d in _dims(name):
        p = problems.get(name, d)
        core = p._core
        for dtype in DTYPES:
            width = 64 // np.dtype(dtype).itemsize  # one 512-bit vector of elements
            for rows in ROWS:
                X, P = _inputs(p, dtype, rows, rng)
                for grad in (False, True) if p.has_gradient else (False,):
                    ref_f, ref_g = _clean(core, X, P, grad)
                    assert np.isfinite(ref_f).all(), (name, d, dtype)
                    n_g = X.size if grad else 0
                    n_p = 0 if P is None else P.size
                    for i, (offsets, where) in enumerate(_layouts(X.size, rows, n_g, n_p, width)):
                        # X ends the buffer in "before" layouts: the tail is all that follows it
                        tail = width if where == "before" else 0
                        f, g = _placed(core, X, P, grad, offsets, POISONS[i % 2], tail)
                        if not (_same(f, ref_f) and _same(g, ref_g)):
                            failures.append((d, np.dtype(dtype).name, rows, "gradient" if grad else "value",
                                             where, offsets))
    assert not failures, f"{name}: results depend on buffer placement: {failures[:5]} ({len(failures)} in all)"


@pytest.mark.parametrize("name", problems.names("classic") + problems.names("glens"))
def test_affine_wrapper_does_not_depend_on_buffer_placement(name):
    """The rotated/shifted path computes through per-thread scratch rows; same contract."""
    rng = np.random.default_rng(7)
    for d in (4, 10, 16):
        base = problems.get(name, d)
        Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        p = base.affine(matrix=Q, shift=0.1 * rng.standard_normal(d), scale=0.9, bias=0.5)
        for dtype in DTYPES:
            width = 64 // np.dtype(dtype).itemsize
            for rows in ROWS:
                X, P = _inputs(p, dtype, rows, rng)
                ref_f, ref_g = _clean(p._core, X, P, True)
                n_p = 0 if P is None else P.size
                for i, (offsets, _) in enumerate(_layouts(X.size, rows, X.size, n_p, width)):
                    f, g = _placed(p._core, X, P, True, offsets, POISONS[i % 2], width)
                    assert _same(f, ref_f) and _same(g, ref_g), (name, d, np.dtype(dtype).name, rows, offsets)


@pytest.mark.parametrize("dtype", DTYPES)
def test_outputs_overlapping_inputs_are_rejected(dtype):
    """The row code may assume that outputs and inputs do not share memory (it reads them through
    restrict pointers), so the core refuses such buffers instead of computing garbage."""
    core = problems.glens("himmelblau", 4)._core
    B = np.zeros(32, dtype)
    X, P = B[:8].reshape(2, 4), B[8:12].reshape(2, 2)
    X[...] = 1.0
    P[...] = 0.5
    with pytest.raises(ValueError, match="grad: overlaps"):
        core.evaluate(X, P, np.empty(2, dtype), B[4:12].reshape(2, 4))  # grad over X's row 2
    with pytest.raises(ValueError, match="grad: overlaps"):
        core.evaluate(X, P, np.empty(2, dtype), B[10:18].reshape(2, 4))  # grad over params
    with pytest.raises(ValueError, match="out: overlaps"):
        core.evaluate(X, P, B[7:9], None)  # out over X's last entry and params' first
    with pytest.raises(ValueError, match="out: overlaps"):
        core.evaluate(X, P, B[16:18], B[12:20].reshape(2, 4))  # out inside grad
    # adjacent (touching, not overlapping) buffers are fine and give the clean result
    out, g = B[20:22], B[12:20].reshape(2, 4)
    core.evaluate(X, P, out, g)
    ref_f, ref_g = _clean(core, X.copy(), P.copy(), True)
    assert _same(out, ref_f) and _same(g, ref_g)
