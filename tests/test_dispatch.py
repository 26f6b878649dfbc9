"""backend= resolution (scoreopt._dispatch): the rules and their error messages. No GPU is
needed: the CUDA cases replace the device and build probes with fixed answers."""

import numpy as np
import pytest

import scoreopt
from scoreopt import _dispatch, problems, smoothing

torch = pytest.importorskip("torch")


class _FakeCuda:
    """Stands in for a CUDA tensor in the resolution rules (which read only .device)."""

    class device:  # noqa: N801
        type = "cuda"

        def __str__(self):
            return "cuda:0"

    device = device()


@pytest.fixture
def cuda_input(monkeypatch):
    real = _dispatch._device_of
    monkeypatch.setattr(_dispatch, "_device_of", lambda X: "cuda" if isinstance(X, _FakeCuda) else real(X))
    return _FakeCuda()


def test_auto_on_cpu_inputs():
    for X in (np.zeros((2, 3)), [[0.0, 1.0]], torch.zeros(2, 3)):
        assert _dispatch.resolve("auto", X) == "cpu"
        assert _dispatch.resolve("cpu", X) == "cpu"


def test_auto_on_cuda_input(monkeypatch, cuda_input):
    monkeypatch.setattr(_dispatch, "cuda_status", lambda: (True, ""))
    assert _dispatch.resolve("auto", cuda_input) == "cuda"
    monkeypatch.setattr(_dispatch, "cuda_status", lambda: (False, "no cuda"))
    monkeypatch.setattr(_dispatch, "triton_importable", lambda: True)
    assert _dispatch.resolve("auto", cuda_input) == "triton"
    monkeypatch.setattr(_dispatch, "triton_importable", lambda: False)
    with pytest.raises(ValueError, match="X is a CUDA tensor, but this build has no CUDA backend and Triton is not installed"):
        _dispatch.resolve("auto", cuda_input)


def test_cpu_refuses_device_tensors(cuda_input):
    with pytest.raises(ValueError, match=r"backend='cpu': X is a tensor on device 'cuda:0'; move it with X.cpu\(\)"):
        _dispatch.resolve("cpu", cuda_input)
    f = problems.from_callable(lambda X: (X ** 2).sum(1), dim=3, bounds=(-1, 1))
    with pytest.raises(ValueError, match=r"backend='cpu': X is a tensor on device 'cuda:0'"):
        f.evaluate(cuda_input, backend="cpu")
    with pytest.raises(ValueError, match=r"backend='cpu': X is a tensor on device 'cuda:0'"):
        problems.get("sphere", 3).evaluate(cuda_input, backend="cpu")


def test_cuda_without_build_or_device(monkeypatch, cuda_input):
    # the truth on this machine: no CUDA backend module on main
    ok, why = _dispatch.cuda_status()
    if not ok:
        with pytest.raises(ValueError, match="backend='cuda': "):
            _dispatch.resolve("cuda", np.zeros((2, 2)))
        with pytest.raises(ValueError, match="backend='cuda': "):
            problems.get("sphere", 2).evaluate(np.zeros((2, 2)), backend="cuda")
    monkeypatch.setattr(_dispatch._core, "compiled_backends", lambda: {"cpu": True, "cuda": False})
    with pytest.raises(ValueError, match="compiled without CUDA"):
        _dispatch.resolve("cuda", cuda_input)
    monkeypatch.setattr(_dispatch._core, "compiled_backends", lambda: {"cpu": True, "cuda": True})
    monkeypatch.setattr(_dispatch, "cuda_module", lambda: None)
    with pytest.raises(ValueError, match="CUDA backend is not compiled into this build"):
        _dispatch.resolve("cuda", cuda_input)
    monkeypatch.setattr(_dispatch, "cuda_module", lambda: object())
    monkeypatch.setattr(_dispatch._core, "cuda_device_count", lambda: 0)
    with pytest.raises(ValueError, match="no CUDA device is visible"):
        _dispatch.resolve("cuda", cuda_input)
    monkeypatch.setattr(_dispatch._core, "cuda_device_count", lambda: 1)
    assert _dispatch.resolve("cuda", cuda_input) == "cuda"


def test_triton_rules(monkeypatch, cuda_input):
    monkeypatch.setattr(_dispatch, "triton_importable", lambda: False)
    with pytest.raises(ValueError, match="backend='triton': the triton package is not installed"):
        _dispatch.resolve("triton", cuda_input)
    monkeypatch.setattr(_dispatch, "triton_importable", lambda: True)
    assert _dispatch.resolve("triton", cuda_input) == "triton"
    with pytest.raises(ValueError, match="backend='triton': X must be a torch tensor"):
        _dispatch.resolve("triton", np.zeros((2, 2)))
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(ValueError, match="X is a CPU tensor; Triton kernels run on a CUDA device.*TRITON_INTERPRET=1"):
        _dispatch.resolve("triton", torch.zeros(2, 2))
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    assert _dispatch.resolve("triton", torch.zeros(2, 2)) == "triton"


def test_bad_backend_names():
    p = problems.get("sphere", 3)
    with pytest.raises(ValueError, match=r"backend: expected one of 'auto', 'cpu', 'cuda', 'triton', got 'gpu'"):
        p.evaluate(np.zeros((2, 3)), backend="gpu")
    with pytest.raises(TypeError, match="backend: expected one of"):
        p.evaluate(np.zeros((2, 3)), backend=None)
    with pytest.raises(ValueError, match="backend: expected one of"):
        smoothing.estimate(p, np.zeros((2, 3)), 0.1, samples=4, backend="Triton")


def test_other_devices_are_refused():
    X = torch.zeros(2, 3, device="meta")
    with pytest.raises(ValueError, match="X: tensor is on device 'meta'"):
        _dispatch.resolve("auto", X)
    with pytest.raises(ValueError, match="backend='triton': X is on device 'meta'"):
        _dispatch.resolve("triton", X)


def test_callable_problems_are_cpu_only():
    f = problems.from_callable(lambda X: (X ** 2).sum(1), dim=3, bounds=(-1, 1))
    X = np.zeros((2, 3))
    np.testing.assert_array_equal(f.evaluate(X, backend="cpu"), f.evaluate(X, backend="auto"))
    for b in ("cuda", "triton"):
        with pytest.raises(ValueError, match=f"backend='{b}': callable problem '<lambda>' runs in Python on the CPU only"):
            f.evaluate(X, backend=b)
        with pytest.raises(ValueError, match="runs in Python on the CPU only"):
            smoothing.estimate(f, X, 0.1, samples=4, backend=b)


def test_cpu_backend_results_unchanged():
    p = problems.get("rastrigin", 4)
    X = np.random.default_rng(0).uniform(-1, 1, (5, 4))
    np.testing.assert_array_equal(p.evaluate(X, backend="cpu"), p.evaluate(X))
    f, g = p.value_and_gradient(X, backend="cpu")
    np.testing.assert_array_equal(g, p.gradient(X))
    e1 = smoothing.estimate(p, X, 0.2, samples=8, backend="cpu")
    e2 = smoothing.estimate(p, X, 0.2, samples=8)
    np.testing.assert_array_equal(e1.value, e2.value)


def test_backends_report():
    b = scoreopt.backends()
    assert b["cpu"] is True and isinstance(b["cuda_devices"], int)
    assert b["triton"] == _dispatch.triton_importable()
