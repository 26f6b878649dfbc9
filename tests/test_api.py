"""The Python API: input kinds and conversion, bad input, the affine wrapper, user callables,
zero-copy, threads, memory, and the command line."""

import json
import subprocess
import sys
import threading
import tracemalloc

import numpy as np
import pytest

import scoreopt
from scoreopt import _core, problems

torch = pytest.importorskip("torch")


# ---- kinds, dtypes, shapes -----------------------------------------------------------------

def test_numpy_in_numpy_out_dtype_preserved():
    p = problems.get("rastrigin", 5)
    for dt in (np.float32, np.float64):
        X = np.zeros((3, 5), dt)
        f = p(X)
        assert isinstance(f, np.ndarray) and f.dtype == dt and f.shape == (3,)
        g = p.gradient(X)
        assert g.dtype == dt and g.shape == (3, 5)


def test_single_point_gives_scalar():
    p = problems.get("sphere", 3)
    v = p.evaluate(np.array([1.0, 2.0, 2.0]))
    assert np.ndim(v) == 0 and v == 9.0
    assert p.gradient([1.0, 2.0, 2.0]).shape == (3,)
    t = p.evaluate(torch.tensor([1.0, 2.0, 2.0]))
    assert isinstance(t, torch.Tensor) and t.ndim == 0 and t.item() == 9.0


def test_torch_in_torch_out():
    p = problems.get("ackley", 4)
    for dt in (torch.float32, torch.float64):
        X = torch.rand(6, 4, dtype=dt)
        f = p(X)
        assert isinstance(f, torch.Tensor) and f.dtype == dt and f.device == X.device and f.shape == (6,)
        np.testing.assert_allclose(f.numpy(), p(X.numpy()))
        v, g = p.value_and_gradient(X)
        assert isinstance(g, torch.Tensor) and g.dtype == dt and g.shape == (6, 4)


def test_torch_requires_grad_and_half_precision():
    p = problems.get("sphere", 2)
    X = torch.ones(2, 2, requires_grad=True)
    assert p(X).tolist() == [2.0, 2.0]
    h = p(torch.ones(2, 2, dtype=torch.float16))
    assert h.dtype == torch.float32  # documented rule: half precision computes in float32


def test_conversion_rule_for_other_inputs():
    p = problems.get("sphere", 2)
    assert p(np.array([[1, 2]], dtype=np.int64)).dtype == np.float64
    assert p([[1.0, 2.0]]).dtype == np.float64
    assert p(np.ones((2, 2), np.float16)).dtype == np.float32
    Xf = np.asfortranarray(np.arange(8.0).reshape(4, 2))
    np.testing.assert_array_equal(p(Xf), (Xf ** 2).sum(1))
    Xs = np.arange(16.0).reshape(4, 4)[:, ::2]  # strided view
    np.testing.assert_array_equal(p(Xs), (Xs ** 2).sum(1))


# ---- zero copy --------------------------------------------------------------------------------

def test_contiguous_input_reaches_core_without_copy():
    p = problems.get("rastrigin", 8)
    X = np.random.default_rng(0).random((50, 8)).astype(np.float32)
    p(X)
    assert _core._last_input_address() == X.ctypes.data
    T = torch.rand(50, 8, dtype=torch.float64)
    p(T)
    assert _core._last_input_address() == T.data_ptr()
    S = np.random.default_rng(0).random((50, 16))[:, ::2]
    p(S)
    assert _core._last_input_address() != S.ctypes.data  # converted once, by the rule


def test_no_temporary_larger_than_the_output():
    p = problems.get("rastrigin", 100)
    X = np.random.default_rng(0).random((20000, 100)).astype(np.float32)
    p(X)
    tracemalloc.start()
    try:
        p(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= X.shape[0] * 4 + 16384, peak


# ---- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("bad,exc,words", [
    (np.zeros((2, 3, 5)), ValueError, "X: expected shape"),
    (np.zeros((4, 6)), ValueError, "X: expected 5 columns"),
    (np.zeros((0, 5)), ValueError, "X: empty batch"),
    (np.zeros((2, 5), dtype=complex), TypeError, "X: expected a real numeric array"),
    (np.array([["a"] * 5]), TypeError, "X: expected a real numeric array, got dtype <U1"),
    ("hello", TypeError, "X: expected a numeric array"),
    (np.array([[0, 0, np.nan, 0, 0]]), ValueError, "X: contains NaN or Inf"),
    (np.array([[0, 0, 0, 0, 0], [0, np.inf, 0, 0, 0]], dtype=np.float32), ValueError, "row 1"),
])
def test_bad_X(bad, exc, words):
    p = problems.get("rastrigin", 5)
    with pytest.raises(exc, match=words):
        p.evaluate(bad)
    with pytest.raises(exc, match=words):
        p.gradient(bad)


def test_nan_detected_in_every_function_and_row_position():
    for name in problems.names():
        d = 10 if name.startswith("cec2017.") else 4  # cec2017.* is defined for d = 10, 30, ...
        p = problems.get(name, d)  # bbob.* with its default instance 1
        X = np.zeros((300, d))
        X[217, d - 1] = -np.inf
        params = None if not p.num_params else np.tile(p.param_bounds[0], (300, 1))
        with pytest.raises(ValueError, match="row 217"):
            p.evaluate(X, params)


def test_bad_params():
    p = problems.glens("himmelblau", 4)
    X = np.zeros((3, 4))
    with pytest.raises(ValueError, match="params: .* needs 2 parameter"):
        p.evaluate(X)
    with pytest.raises(ValueError, match="params: expected shape"):
        p.evaluate(X, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="params: expected shape"):
        p.evaluate(X, np.ones((2, 2)))
    with pytest.raises(ValueError, match="params: contains NaN"):
        p.evaluate(X, [1.0, np.nan])
    with pytest.raises(TypeError, match="params"):
        p.evaluate(X, ["a", "b"])
    with pytest.raises(ValueError, match="params: sphere takes no parameters"):
        problems.get("sphere", 4).evaluate(X, [1.0])
    q = problems.glens("qp", 4, params=[3.0])  # a default makes params optional
    assert q.evaluate(X).shape == (3,)


def test_bad_names_dims_options():
    with pytest.raises(ValueError, match="name: unknown function 'nope'; expected one of: sphere"):
        problems.get("nope", 3)
    with pytest.raises(ValueError, match="family: unknown GLENS family"):
        problems.glens("nope", 4)
    with pytest.raises(ValueError, match="dim: glens.qp is defined on pairs .* even dim, got 5"):
        problems.glens("qp", 5)
    with pytest.raises(ValueError, match="dim: rosenbrock needs dim >= 2, got 1"):
        problems.get("rosenbrock", 1)
    with pytest.raises(ValueError, match="dim: sphere needs dim >= 1, got 0"):
        problems.get("sphere", 0)
    with pytest.raises(TypeError, match="dim: expected an integer"):
        problems.get("sphere", 2.5)
    with pytest.raises(ValueError, match="options: sphere has no option 'foo' \\(it takes none\\)"):
        problems.get("sphere", 2, foo=1)
    with pytest.raises(ValueError, match="option 'm' must be an integer"):
        problems.get("michalewicz", 2, m=2.5)
    with pytest.raises(ValueError, match="option 'condition' must be a number in"):
        problems.get("ellipsoid", 2, condition=-1)
    with pytest.raises(TypeError, match="options: condition must be a number"):
        problems.get("ellipsoid", 2, condition="big")


def test_bad_bounds():
    with pytest.raises(ValueError, match="bounds: lower > upper at coordinate 1"):
        problems.get("sphere", 3, bounds=([0, 2, 0], [1, 1, 1]))
    with pytest.raises(ValueError, match="bounds: expected a pair"):
        problems.from_callable(lambda X: X.sum(1), 2, bounds=5.0)
    with pytest.raises(ValueError, match="bounds: upper bound must be a scalar or have shape \\(2,\\)"):
        problems.from_callable(lambda X: X.sum(1), 2, bounds=(0.0, [1, 2, 3]))
    with pytest.raises(ValueError, match="bounds: lower bound contains NaN"):
        problems.from_callable(lambda X: X.sum(1), 2, bounds=(np.nan, 1.0))


def test_cuda_tensor_without_cuda_backend_is_a_clear_error():
    class FakeDevice:
        type = "cuda"

        def __str__(self):
            return "cuda:0"

    t = torch.zeros(2, 2)
    from scoreopt import _arrays

    class CudaLike(torch.Tensor):
        @property
        def device(self):
            return FakeDevice()

    with pytest.raises(ValueError, match="X: tensor is on device 'cuda:0'"):
        _arrays.to_array(t.as_subclass(CudaLike), "X")


# ---- affine wrapper -------------------------------------------------------------------------

def test_affine_shift_rotation_scale_bias():
    d = 6
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    o = rng.uniform(-2, 2, d)
    base = problems.get("rastrigin", d)
    p = problems.get("rastrigin", d, matrix=Q, shift=o, scale=0.5, bias=100.0)
    X = rng.uniform(-5, 5, (40, d))
    Z = 0.5 * (X - o) @ Q.T
    np.testing.assert_allclose(p(X), base(Z) + 100.0, rtol=1e-13)
    np.testing.assert_allclose(p(X.astype(np.float32)), base(Z) + 100.0, rtol=1e-5)
    # the optimum moves with the map
    assert p.optimum == 100.0
    assert abs(p(p.x_opt) - 100.0) < 1e-10
    # chain rule
    g = p.gradient(X)
    np.testing.assert_allclose(g, 0.5 * base.gradient(Z) @ Q, rtol=1e-10, atol=1e-10)


def test_affine_errors():
    p = problems.get("sphere", 3)
    with pytest.raises(ValueError, match="matrix: expected shape \\(3, 3\\)"):
        p.affine(matrix=np.eye(2))
    with pytest.raises(ValueError, match="shift: expected shape \\(3,\\)"):
        p.affine(shift=[1, 2])
    with pytest.raises(ValueError, match="shift: contains NaN"):
        p.affine(shift=[1, np.nan, 2])
    with pytest.raises(ValueError, match="affine: this problem already has an affine wrapper"):
        p.affine(shift=[1, 2, 3]).affine(scale=2.0)


# ---- user callables -------------------------------------------------------------------------

def test_from_callable_vectorized_and_pointwise():
    f_vec = problems.from_callable(lambda X: (X ** 2).sum(1), 3, bounds=(-1, 1))
    f_pt = problems.from_callable(lambda x: float((x ** 2).sum()), 3, bounds=(-1, 1), vectorized=False)
    X = np.random.default_rng(0).random((7, 3)).astype(np.float32)
    np.testing.assert_allclose(f_vec(X), f_pt(X), rtol=1e-6)
    assert f_vec(X).dtype == np.float32
    assert f_vec.bounds[0].tolist() == [-1, -1, -1]
    # torch in, torch to the user function, torch out
    seen = []
    f_t = problems.from_callable(lambda X: (seen.append(type(X)), X.sum(1))[1], 3, bounds=(-1, 1))
    out = f_t(torch.ones(2, 3))
    assert seen == [torch.Tensor] and isinstance(out, torch.Tensor)
    g = problems.from_callable(lambda X: (X ** 2).sum(1), 3, (-1, 1), gradient=lambda X: 2 * X)
    np.testing.assert_allclose(g.gradient(X), 2 * X)


def test_callable_errors():
    with pytest.raises(TypeError, match="fn: expected a callable"):
        problems.from_callable(3, 2, (0, 1))
    with pytest.raises(ValueError, match="dim: expected a positive integer"):
        problems.from_callable(lambda X: X, 0, (0, 1))
    wrong = problems.from_callable(lambda X: X, 2, (0, 1))
    with pytest.raises(ValueError, match="fn: a vectorized objective must return shape \\(3,\\)"):
        wrong(np.zeros((3, 2)))
    nongrad = problems.from_callable(lambda X: X.sum(1), 2, (0, 1))
    with pytest.raises(ValueError, match="gradient: problem .* was built without a gradient"):
        nongrad.gradient(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="X: contains NaN"):
        nongrad(np.array([[np.nan, 0.0]]))
    bad_pt = problems.from_callable(lambda x: "x", 2, (0, 1), vectorized=False)
    with pytest.raises(ValueError, match="fn: expected a number for point 0"):
        bad_pt(np.zeros((3, 2)))


# ---- threads --------------------------------------------------------------------------------

def test_concurrent_python_threads_get_correct_results():
    names = ["rastrigin", "levy", "griewank", "glens.himmelblau"]
    rng = np.random.default_rng(0)
    jobs = []
    for k in range(8):
        p = problems.get(names[k % 4], 50)
        X = rng.uniform(-3, 3, (4000, 50)).astype(np.float32 if k % 2 else np.float64)
        params = None if not p.num_params else np.full(2, 5.0, X.dtype)
        jobs.append((p, X, params, *p.value_and_gradient(X, params)))
    errors = []

    def work(job):
        p, X, params, f_ref, g_ref = job
        for _ in range(5):
            f, g = p.value_and_gradient(X, params)
            if not (np.array_equal(f, f_ref) and np.array_equal(g, g_ref)):
                errors.append(p.name)

    threads = [threading.Thread(target=work, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_thread_count_setting_does_not_change_results():
    p = problems.get("ackley", 30)
    X = np.random.default_rng(1).uniform(-30, 30, (5000, 30))
    f_all = p(X)
    scoreopt.set_num_threads(1)
    try:
        assert scoreopt.num_threads() == 1
        np.testing.assert_array_equal(p(X), f_all)
    finally:
        scoreopt.set_num_threads(0)
    with pytest.raises(ValueError, match="n: number of threads must be >= 0"):
        scoreopt.set_num_threads(-2)


# ---- package and command line ---------------------------------------------------------------

def test_backends_and_build_info():
    b = scoreopt.backends()
    assert b["cpu"] is True and isinstance(b["cuda"], bool) and isinstance(b["cuda_devices"], int)
    assert "flags=" in scoreopt.build_info()
    assert "-ffast-math" not in scoreopt.build_info()


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "scoreopt", *args], capture_output=True, text=True, timeout=300)


def test_cli_problems_lists_every_function():
    r = run_cli("problems")
    assert r.returncode == 0, r.stderr
    for name in problems.names():
        assert name in r.stdout
    assert "[-5.12, 5.12]^d" in r.stdout and "even >= 2" in r.stdout and "bbob.f24" in r.stdout
    j = json.loads(run_cli("problems", "--json").stdout)
    assert {i["name"] for i in j} == set(problems.names())


def test_cli_eval_reports_throughput():
    r = run_cli("eval", "rastrigin", "--dim", "10", "--n", "1000", "--repeat", "2", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["n"] == 1000 and rec["evaluations_per_second"] > 0 and rec["best_f"] >= 0
    r = run_cli("eval", "glens.qp", "--dim", "4", "--n", "100", "--repeat", "1", "--gradient")
    assert r.returncode == 0 and "M evaluations/s" in r.stdout


def test_cli_errors_are_clear():
    r = run_cli("eval", "nope", "--dim", "3")
    assert r.returncode == 2 and "name: unknown function 'nope'" in r.stderr
    r = run_cli("eval", "glens.qp", "--dim", "3")
    assert r.returncode == 2 and "even dim" in r.stderr
    r = run_cli("eval", "sphere", "--dim", "3", "--n", "0")
    assert r.returncode == 2 and "--n" in r.stderr


def test_evaluate_accepts_arrays_restored_by_pickle():
    # a float64 array that went through pickle (process / Ray workers) has a dtype object that
    # is equal to, but not the same object as, np.float64's
    import pickle

    p = scoreopt.problems.get("rastrigin", dim=3)
    X = pickle.loads(pickle.dumps(np.linspace(-1, 1, 12).reshape(4, 3)))
    np.testing.assert_allclose(p(X), p(np.ascontiguousarray(X, dtype=np.float64)), rtol=0, atol=0)


@pytest.mark.parametrize("make", [
    lambda: scoreopt.problems.get("ellipsoid", dim=4, condition=100.0),
    lambda: scoreopt.problems.get("rastrigin", 3, matrix=np.array([[0, 1, 0], [1, 0, 0], [0, 0, 2.0]]),
                                  shift=[0.1, 0.2, 0.3], scale=0.5, bias=7.0),
    lambda: scoreopt.problems.glens("himmelblau", dim=4, params=[11.0, 7.0]),
    lambda: scoreopt.problems.bbob(15, instance=2, dim=5),
    lambda: scoreopt.problems.get("cec2017.f4", 10),
])
def test_builtin_problems_pickle_with_their_data(make):
    # process and Ray workers receive problems by pickle: same values, same box, same optimum
    import pickle

    p = make()
    q = pickle.loads(pickle.dumps(p))
    X = np.random.default_rng(0).uniform(-3, 3, size=(6, p.dim))
    np.testing.assert_array_equal(p(X), q(X))
    np.testing.assert_array_equal(p.bounds[0], q.bounds[0])
    assert p.optimum == q.optimum and repr(p) == repr(q)
