"""Property-based tests (hypothesis) of scoreopt's public API, run in a child process by
tests/test_properties.py, so that a segfault, an abort or a hang is reported as a failure with
the input that caused it instead of killing the test run.

    python tests/properties_child.py GROUP LOG RESULT

GROUP: "evaluate", "estimate", "integrators" or "optimizers" ("selftest-crash" and
"selftest-hang" crash or hang inside a logged call, for the wrapper's own tests). In each
example most arguments come from their valid pools and the call must succeed; often exactly one
argument, sometimes all, come from their full pools (bad values included), and the error must
name one that is bad (class Args). Before every call of the API
under test one line describing the generated input (function, problem, kind, dtype, shape,
layout, value class, seed, the scalar arguments) is written to LOG with a direct write, so it is
on disk even if the call then kills the process, and the call is counted; a watchdog ends the
process with every thread's traceback if one call takes longer than CALL_TIMEOUT_S. At the end
RESULT gets a JSON summary: per property the examples run, the calls made, and the falsifying
example and traceback of a property that failed.

The contract checked (README "Using it" and the module docstrings): every call either returns a
correct result of the documented kind, shape and dtype (the input's kind; float16 -> float32,
integers and bools -> float64), finite where the mathematics is, or raises ValueError/TypeError
whose message names the offending argument. Arrays are described by specs and built from a
seed with NumPy (cheap, reproducible, and printable in one line); an independent oracle in this
file decides from the built object whether the call must succeed and what it must return.
"""

from __future__ import annotations

import faulthandler
import functools
import json
import math
import os
import re
import sys
import time
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

# one call's limit; the slowest legitimate one (a short HSM run) takes < 5 s. 0: no watchdog
CALL_TIMEOUT_S = float(os.environ.get("SCOREOPT_PROPERTY_CALL_TIMEOUT", "60"))
U64 = 2 ** 64


# ---- call log, counting, watchdog (before the heavy imports: the self-tests need only these) ----

class Log:
    fd: int = -1
    calls: int = 0
    prop: str = ""
    armed: float = -1e9
    slow: list = []  # (seconds, description) of calls over 0.2 s
    rejected: int = 0  # calls that raised the expected ValueError/TypeError


def call(desc: str, fn: Callable, *args, **kw):
    """Log ``desc`` (on disk before the call starts), count the call, and keep the watchdog
    armed: faulthandler's own thread (it needs no GIL, so a call stuck in C++ is caught too)
    prints every thread's traceback and ends the process when it is not re-armed within
    CALL_TIMEOUT_S. Re-arming costs a thread handshake, so it is done at most once a second:
    a hung call is caught after CALL_TIMEOUT_S - 1 to CALL_TIMEOUT_S seconds."""
    Log.calls += 1
    line = f"{Log.calls}\t{Log.prop}\t{desc}\n"
    os.write(Log.fd, line.encode("utf-8", "replace"))
    now = time.monotonic()
    if CALL_TIMEOUT_S > 0 and now - Log.armed > 1.0:
        faulthandler.dump_traceback_later(CALL_TIMEOUT_S, exit=True)
        Log.armed = now
    t0 = time.perf_counter()
    try:
        return fn(*args, **kw)
    finally:
        dt = time.perf_counter() - t0
        if dt > 0.2:
            Log.slow.append((round(dt, 3), desc))


def selftest(group: str, log_path: str) -> None:
    """What tests/test_properties.py checks of this wrapper: a crash and a hang inside a call
    leave that call's input as the last line of the log."""
    faulthandler.enable()
    Log.fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    Log.prop = group
    if group == "selftest-crash":
        import ctypes
        call("selftest-crash input=[1.5, nan]", ctypes.string_at, 0)  # reads address 0: SIGSEGV
    elif group == "selftest-hang":
        call("selftest-hang input=(2, 3)", time.sleep, 3600)
    sys.exit(2)


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1].startswith("selftest-"):
    selftest(sys.argv[1], sys.argv[2])

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as R  # noqa: E402  (the independent float64 reference next to the tests)

try:
    import torch
except ImportError:  # torch is a development dependency; without it the torch cases are left out
    torch = None

import hypothesis  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import scoreopt  # noqa: E402
from scoreopt import integrators, optimizers, problems, smoothing  # noqa: E402
import bbob_reference  # noqa: E402  (the float64 BBOB reference next to the tests)

warnings.filterwarnings("ignore")  # overflow in casts of the huge values is intended


class Expect:
    """Why an input must be rejected: (exception types, argument name, reason) triples. Empty:
    the call must succeed."""

    def __init__(self):
        self.reasons: List[Tuple[Any, str, str]] = []
        self.optional: List[Tuple[Any, str, str]] = []

    def bad(self, exc, name: str, why: str) -> None:
        self.reasons.append((exc, name, why))

    def may(self, exc, name: str, why: str) -> None:
        """An error the call may raise instead of returning (a boundary case either way)."""
        self.optional.append((exc, name, why))

    @property
    def ok(self) -> bool:
        return not self.reasons

    def __repr__(self) -> str:
        return "; ".join(f"{getattr(e, '__name__', e)} naming {n!r} ({w})" for e, n, w in self.reasons)


RAISED = object()


def names(msg: str, name: str) -> bool:
    """Whether an error message names the argument (as a whole word)."""
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", msg) is not None


def run(expect: Expect, desc: str, fn: Callable, *args, **kw):
    """Call and check the outcome against ``expect``: the result, or RAISED after an accepted
    error. Any other exception type propagates (and fails the property)."""
    try:
        r = call(desc, fn, *args, **kw)
    except (ValueError, TypeError) as e:
        msg = str(e)
        allowed = expect.reasons + expect.optional
        if not allowed:
            raise AssertionError(f"valid input rejected: {type(e).__name__}: {msg[:500]}") from e
        assert "incompatible function arguments" not in msg, \
            f"unclear error (the binding's signature dump instead of a message): {msg[:300]}"
        if not any(isinstance(e, ex) and names(msg, nm) for ex, nm, _ in allowed):
            raise AssertionError(f"expected {expect!r}; got {type(e).__name__}: {msg[:500]}") from e
        Log.rejected += 1
        return RAISED
    assert expect.ok, f"invalid input accepted (expected {expect!r}); returned {brief(r)}"
    return r


def brief(r: Any) -> str:
    if isinstance(r, np.ndarray) or (torch is not None and isinstance(r, torch.Tensor)):
        return f"{type(r).__name__}{tuple(r.shape)} {r.dtype}"
    if isinstance(r, tuple):
        return "(" + ", ".join(brief(v) for v in r) + ")"
    return f"{type(r).__name__} {str(r)[:80]}"


# ---- arrays from specs --------------------------------------------------------------------------

NP_VALID_DTYPES = (["float64"] * 6 + ["float32"] * 4 +
                   ["float16", "longdouble", ">f8", ">f4", "int8", "int16", "int32", "int64",
                    "uint8", "uint16", "uint32", "uint64", "bool"])
NP_BAD_DTYPES = ["complex64", "complex128", "object", "str", "datetime64[s]"]
TORCH_DTYPES = (["float64"] * 3 + ["float32"] * 3 +
                ["float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", "int8", "int16", "int32",
                 "int64", "uint8", "uint16", "uint32", "uint64", "bool", "complex32", "complex64",
                 "complex128"])
FILLS = ["box"] * 6 + ["wide", "huge", "tiny", "subnormal", "zero"]
NP_LAYOUTS = ["C"] * 5 + ["F", "strided", "negstride", "readonly", "bcast", "unaligned"]
TORCH_LAYOUTS = ["C"] * 3 + ["noncontig", "strided", "bcast", "requires_grad"]
LIST_LAYOUTS = ["C"] * 3 + ["tuple", "ragged", "strings", "bigint"]


@dataclass(frozen=True)
class ArraySpec:
    lib: str  # "numpy" | "torch" | "list"
    dtype: str
    shape: Tuple[int, ...]
    layout: str
    fill: str
    special: Optional[Tuple[str, int]]  # ("nan" | "inf" | "-inf", flat index) or None
    seed: int

    def __repr__(self) -> str:
        sp = "" if self.special is None else f",{self.special[0]}@{self.special[1]}"
        return (f"{self.lib}:{self.dtype}{list(self.shape)}:{self.layout}:{self.fill}{sp}:s{self.seed}")


def array_specs(shapes, libs=("numpy",) * 6 + ("torch",) * 3 + ("list",), bad_dtypes=True, specials=True):
    """Array specs (cached per argument set: building strategies is not free)."""
    return _array_specs(shapes, libs, bad_dtypes, specials)


@functools.lru_cache(maxsize=None)
def _array_specs(shapes, libs, bad_dtypes, specials):
    return _array_specs_draw(shapes, libs, bad_dtypes, specials)


@st.composite
def _array_specs_draw(draw, shapes, libs, bad_dtypes, specials):
    lib = draw(st.sampled_from(libs)) if torch is not None else draw(st.sampled_from(["numpy", "list"]))
    if lib == "numpy":
        pool = NP_VALID_DTYPES + (NP_BAD_DTYPES if bad_dtypes else [])
        layout = draw(st.sampled_from(NP_LAYOUTS))
    elif lib == "torch":
        pool = TORCH_DTYPES if bad_dtypes else [d for d in TORCH_DTYPES if "complex" not in d]
        layout = draw(st.sampled_from(TORCH_LAYOUTS))
    else:
        pool = ["float64"] * 4 + ["int64", "bool"]
        layout = draw(st.sampled_from(LIST_LAYOUTS if bad_dtypes else ["C", "tuple"]))
    dtype = draw(st.sampled_from(pool))
    shape = tuple(draw(shapes))
    fill = draw(st.sampled_from(FILLS))
    special = None
    if specials and draw(st.integers(0, 9)) == 0:
        special = (draw(st.sampled_from(["nan", "inf", "-inf"])), draw(st.integers(0, 10 ** 6)))
    return ArraySpec(lib, dtype, shape, layout, fill, special, draw(st.integers(0, 2 ** 31)))


def _target_tiny(dtype: str) -> float:
    if dtype in ("float16",):
        return 6e-8
    if dtype in ("float32", ">f4", "bfloat16", "float8_e4m3fn", "float8_e5m2"):
        return 1.4e-45
    return 5e-324


def base_values(spec: ArraySpec, lo, hi) -> np.ndarray:
    """float64 values of spec.shape; lo/hi: per-column bounds (used when the last axis fits)."""
    rng = np.random.default_rng(spec.seed)
    shape = spec.shape
    n = int(np.prod(shape)) if shape else 1
    lo = np.asarray(lo, np.float64)
    hi = np.asarray(hi, np.float64)
    if not (shape and lo.ndim == 1 and lo.shape[0] == shape[-1]):
        lo, hi = float(np.min(lo)), float(np.max(hi))
    sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    f = spec.fill
    if f == "box":
        v = lo + (hi - lo) * rng.random(shape)
    elif f == "wide":
        v = sign * 10.0 ** rng.uniform(3, math.log10(3e8), shape)
    elif f == "huge":
        v = sign * 10.0 ** rng.uniform(30, 300, shape)
    elif f == "tiny":
        v = sign * 10.0 ** rng.uniform(-300, -30, shape)
    elif f == "subnormal":
        v = sign * rng.integers(1, 1000, shape) * _target_tiny(spec.dtype)
    else:
        v = np.zeros(shape)
    v = np.array(v, dtype=np.float64).reshape(shape)
    if spec.special is not None and n > 0:
        v.reshape(-1)[spec.special[1] % n] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[spec.special[0]]
    return v


def _int_range(lo: float, hi: float, v: np.ndarray) -> np.ndarray:
    # keep away from the top of int64/uint64 (float rounding would overflow the cast)
    lo, hi = max(lo, -2.0 ** 62), min(hi, 2.0 ** 62)
    return np.asarray(np.clip(np.nan_to_num(np.round(v), nan=0.0, posinf=hi, neginf=lo), lo, hi))


def build(spec: ArraySpec, lo=-1.0, hi=1.0) -> Any:
    v = base_values(spec, lo, hi)
    if spec.lib == "numpy":
        return _build_numpy(spec, v)
    if spec.lib == "torch":
        return _build_torch(spec, v)
    return _build_list(spec, v)


def _build_numpy(spec: ArraySpec, v: np.ndarray) -> np.ndarray:
    dt = spec.dtype
    if dt == "object":
        a = v.astype(object)
    elif dt == "str":
        a = v.astype(str)
    elif dt.startswith("datetime64"):
        a = _int_range(-1e9, 1e9, v).astype(np.int64).astype(dt)
    elif dt == "bool":
        a = v > np.median(v) if v.size else v.astype(bool)
    elif np.dtype(dt).kind in "iu":
        info = np.iinfo(dt)
        a = _int_range(float(info.min), float(info.max), v).astype(dt)
    elif np.dtype(dt).kind == "c":
        a = (v + 0.5j * v).astype(dt)
    else:
        a = v.astype(dt)
    lay = spec.layout
    if lay == "F":
        a = np.asfortranarray(a)
    elif lay == "strided" and a.ndim >= 1:
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        big[..., ::2] = a
        a = big[..., ::2]
    elif lay == "negstride" and a.ndim >= 1:
        a = np.flip(np.ascontiguousarray(np.flip(a)))
    elif lay == "readonly":
        a = a.copy()
        a.setflags(write=False)
    elif lay == "bcast" and a.ndim >= 1 and a.shape[0] >= 1:
        a = np.broadcast_to(a[:1], a.shape)
    elif lay == "unaligned" and a.dtype.kind in "fiuc" and a.dtype.itemsize > 1:
        buf = np.zeros(a.nbytes + a.dtype.itemsize, np.uint8)
        u = buf[1:1 + a.nbytes].view(a.dtype).reshape(a.shape)
        u[...] = a
        a = u
    return a


TORCH_FLOATS = ("float16", "bfloat16", "float32", "float64", "float8_e4m3fn", "float8_e5m2")


def _build_torch(spec: ArraySpec, v: np.ndarray):
    dt = getattr(torch, spec.dtype)
    if spec.dtype == "bool":
        t = torch.from_numpy(np.asarray(v > (np.median(v) if v.size else 0)).copy())
    elif "complex" in spec.dtype:
        t = torch.from_numpy(np.ascontiguousarray(v + 0.5j * v)).to(dt)
    elif spec.dtype in TORCH_FLOATS:
        t = torch.from_numpy(np.ascontiguousarray(v)).to(dt)
    else:
        info = torch.iinfo(dt)
        t = torch.from_numpy(_int_range(float(info.min), float(info.max), v).astype(np.int64)).to(dt)
    lay = spec.layout
    if lay == "noncontig" and t.ndim == 2:
        t = t.T.contiguous().T
    elif lay in ("strided", "noncontig") and t.ndim >= 1:
        big = torch.zeros(t.shape[:-1] + (2 * t.shape[-1],), dtype=t.dtype)
        big[..., ::2] = t
        t = big[..., ::2]
    elif lay == "bcast" and t.ndim >= 1 and t.shape[0] >= 1:
        t = t[:1].expand(t.shape)
    elif lay == "requires_grad" and spec.dtype in ("float32", "float64", "float16", "bfloat16"):
        t = t.clone().requires_grad_(True)
    return t


def _build_list(spec: ArraySpec, v: np.ndarray):
    if spec.dtype == "int64":
        a = _int_range(-1e15, 1e15, v).astype(np.int64)
    elif spec.dtype == "bool":
        a = v > (np.median(v) if v.size else 0)
    else:
        a = v
    out = a.tolist()
    lay = spec.layout
    if not isinstance(out, list) or not out:
        return out
    if lay == "tuple":
        out = tuple(out)
    elif lay == "ragged" and isinstance(out[-1], list) and len(out) >= 2 and out[-1]:
        out[-1] = out[-1][:-1]
    elif lay == "strings":
        if isinstance(out[0], list):
            if out[0]:
                out[0][0] = "a"
        else:
            out[0] = "a"
    elif lay == "bigint":
        if isinstance(out[0], list):
            if out[0]:
                out[0][0] = 2 ** 70
        else:
            out[0] = 2 ** 70
    return out


def convert_rule(obj: Any) -> Tuple[Optional[np.ndarray], Optional[type]]:
    """The documented input rule, independently: (the C-contiguous float32/float64 array the core
    must see, None) or (None, the exception type the input must raise)."""
    if isinstance(obj, np.ndarray):
        k = obj.dtype.kind
        if k == "f":
            target = np.float32 if obj.dtype.itemsize <= 4 else np.float64
        elif k in "iub":
            target = np.float64
        else:
            return None, TypeError
        return np.array(obj, dtype=target), None
    if torch is not None and isinstance(obj, torch.Tensor):
        if obj.is_complex():
            return None, TypeError
        if obj.dtype == torch.float64:
            target = np.float64
        elif obj.dtype.is_floating_point:
            target = np.float32  # half precision (float16, bfloat16, float8) computes in float32
        else:
            target = np.float64
        return obj.detach().to(torch.float64).numpy().astype(target), None
    if isinstance(obj, (str, bytes)):
        return None, TypeError
    try:
        a = np.asarray(obj)
    except Exception:
        return None, TypeError
    if a.dtype.kind not in "fiub":
        return None, TypeError
    return np.array(a, dtype=np.float64), None


def is_torch(x) -> bool:
    return torch is not None and isinstance(x, torch.Tensor)


def as_np(r) -> np.ndarray:
    return r.detach().numpy() if is_torch(r) else np.asarray(r)


def check_kind(r, like_torch: bool, dtype, shape, what: str) -> None:
    """The result's kind, dtype and shape; shape () means a scalar (NumPy scalar or 0-d tensor)."""
    if like_torch:
        assert is_torch(r), f"{what}: expected a torch tensor (torch input), got {type(r).__name__}"
        want = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64,
                np.dtype(np.int64): torch.int64}[np.dtype(dtype)]
        assert r.dtype == want, f"{what}: dtype {r.dtype}, expected {want}"
        assert tuple(r.shape) == tuple(shape), f"{what}: shape {tuple(r.shape)}, expected {shape}"
        assert r.device.type == "cpu"
        return
    if shape == ():
        assert isinstance(r, np.generic) and np.ndim(r) == 0, \
            f"{what}: expected a NumPy scalar for one point, got {type(r).__name__} {np.shape(r)}"
    else:
        assert isinstance(r, np.ndarray), f"{what}: expected a NumPy array, got {type(r).__name__}"
    assert r.dtype == dtype, f"{what}: dtype {r.dtype}, expected {np.dtype(dtype)}"
    assert np.shape(r) == tuple(shape), f"{what}: shape {np.shape(r)}, expected {shape}"


def same(a, b) -> bool:
    """Bitwise-equal values (NaN equal to NaN)."""
    a, b = as_np(a), as_np(b)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


# ---- problems -----------------------------------------------------------------------------------

CLASSIC = problems.names("classic")
GLENS = problems.names("glens")


def ref_name(name: str) -> str:
    if name.startswith("glens."):
        fam = name.split(".", 1)[1]
        return fam + "_glens" if fam in ("rosenbrock", "levy") else fam
    return name


@dataclass(frozen=True)
class ProbSpec:
    kind: str  # classic | glens | affine | bbob | cec | callable
    name: str
    dim: int
    variant: str = ""

    def __repr__(self) -> str:
        v = f"/{self.variant}" if self.variant else ""
        return f"{self.kind}:{self.name}/{self.dim}{v}"


_PROBLEMS = {}
_AFFINE_RNG = np.random.default_rng(12345)


def _sq(X):
    return (X * X).sum(1)


def _nan_rows(X):
    v = _sq(X)
    v[X[:, 0] > 0] = float("nan")
    return v


CALLABLES = {
    # variant: (fn, vectorized, gradient, reference f64 of X64 or None, the error the call raises)
    "vec": (lambda X: _sq(X), True, None, lambda X: (X * X).sum(1), None),
    "vec_grad": (lambda X: _sq(X), True, lambda X: 2 * X, lambda X: (X * X).sum(1), None),
    "rows": (lambda x: float((x * x).sum()), False, None, lambda X: (X * X).sum(1), None),
    "list_out": (lambda X: [float(v) for v in _sq(X)], True, None, lambda X: (X * X).sum(1), None),
    "int_out": (lambda X: np.zeros(len(X), np.int64), True, None, lambda X: np.zeros(len(X)), None),
    "nan_rows": (lambda X: _nan_rows(X), True, None, lambda X: np.where(X[:, 0] > 0, np.nan, (X * X).sum(1)), None),
    "short": (lambda X: _sq(X)[:-1], True, None, None, (ValueError, "fn")),
    "none": (lambda X: None, True, None, None, (ValueError, "fn")),
    "strings": (lambda X: np.array(["a"] * len(X)), True, None, None, (TypeError, "fn")),
    "complex": (lambda X: np.ones(len(X), complex), True, None, None, (TypeError, "fn")),
    "rows_str": (lambda x: "one", False, None, None, (ValueError, "fn")),
    "grad_shape": (lambda X: _sq(X), True, lambda X: X[:, :-1], lambda X: (X * X).sum(1), "grad"),
}


def get_problem(ps: ProbSpec):
    p = _PROBLEMS.get(ps)
    if p is not None:
        return p
    if ps.kind in ("classic", "glens"):
        p = problems.get(ps.name, ps.dim)
    elif ps.kind == "affine":
        d = ps.dim
        Q, _ = np.linalg.qr(_AFFINE_RNG.standard_normal((d, d)))
        o = _AFFINE_RNG.uniform(-1, 1, d)
        p = problems.get(ps.name, d, matrix=Q, shift=o, scale=0.5, bias=100.0)
        p._prop_affine = (Q, o)
    elif ps.kind == "bbob":
        f, inst = (int(v) for v in ps.variant.split("i"))
        p = problems.bbob(f, inst, ps.dim)
    elif ps.kind == "cec":
        p = problems.cec2017(int(ps.name), ps.dim)
    else:
        fn, vec, grad, _, _ = CALLABLES[ps.variant]
        p = problems.from_callable(fn, ps.dim, (-2.0, 3.0), vectorized=vec, gradient=grad)
    _PROBLEMS[ps] = p
    return p


def _allowed(name: str, d: int) -> bool:
    i = problems.info(name)
    return d >= i["min_dim"] and (not i["even_dim"] or d % 2 == 0)


BIG_WIDTH = 100_000
WIDE_NAMES = ("sphere", "rastrigin", "ackley", "rosenbrock")


@st.composite
def prob_specs(draw, kinds=("classic",) * 5 + ("glens",) * 3 + ("affine", "bbob", "cec") + ("callable",) * 3,
               callables=tuple(CALLABLES), big_one_in=16):
    kind = draw(st.sampled_from(kinds))
    if kind == "classic":
        name = draw(st.sampled_from(CLASSIC))
        dims = [d for d in (1, 2, 3, 4, 7) if _allowed(name, d)]
        if big_one_in and name in WIDE_NAMES and draw(st.integers(1, big_one_in)) == 1:
            return ProbSpec(kind, name, BIG_WIDTH)
        return ProbSpec(kind, name, draw(st.sampled_from(dims)))
    if kind == "glens":
        return ProbSpec(kind, draw(st.sampled_from(GLENS)), draw(st.sampled_from([2, 4, 6])))
    if kind == "affine":
        return ProbSpec(kind, draw(st.sampled_from(["rastrigin", "sphere", "levy"])), draw(st.sampled_from([1, 3])))
    if kind == "bbob":
        f = draw(st.integers(1, 24))
        return ProbSpec(kind, f"f{f}", draw(st.sampled_from([2, 3, 5])), f"{f}i{draw(st.sampled_from([1, 2]))}")
    if kind == "cec":
        return ProbSpec(kind, str(draw(st.sampled_from([1, 3, 4, 5, 11, 21]))), 10)
    return ProbSpec(kind, "fn", draw(st.sampled_from([1, 2, 3])), draw(st.sampled_from(callables)))


def reference_values(ps: ProbSpec, p, X64: np.ndarray, P64: Optional[np.ndarray]):
    """(f, scale) of the independent float64 reference at X64 (N, D), or None."""
    with np.errstate(all="ignore"):
        if ps.kind in ("classic", "glens"):
            return R.value(ref_name(ps.name), X64, P64)
        if ps.kind == "affine":
            Q, o = p._prop_affine
            f, s = R.value(ps.name, 0.5 * (X64 - o) @ Q.T)
            return f + 100.0, s + 100.0
        if ps.kind == "bbob":
            f, inst = (int(v) for v in ps.variant.split("i"))
            v = bbob_reference.evaluate(f, inst, X64)
            return v, np.maximum(np.abs(v), max(abs(p.optimum), 1.0))
        if ps.kind == "callable":
            ref = CALLABLES[ps.variant][3]
            if ref is None:
                return None
            v = ref(X64)
            return v, np.abs(v)
    return None


# params of the GLENS families

@dataclass(frozen=True)
class ParamSpec:
    form: str  # none | vec | rows | one_row | wrong_cols | wrong_rows | rank3 | nan | complex | list | torch | outside
    seed: int

    def __repr__(self) -> str:
        return f"params:{self.form}:s{self.seed}"


PARAM_FORMS = ["none", "vec", "vec", "rows", "rows", "one_row", "list", "torch", "outside",
               "wrong_cols", "wrong_rows", "rank3", "nan", "complex", "scalar"]


def build_params(spec: ParamSpec, p, n: int):
    """(params object or None, the (1 or n, P) float64 values it stands for or None, its expected error or None)."""
    P = max(p.num_params, 1)
    rng = np.random.default_rng(spec.seed)
    if p.num_params:
        plo, phi = p.param_bounds
    else:
        plo, phi = np.zeros(1), np.ones(1)
    f = spec.form
    rows = n if f in ("rows", "nan", "outside", "wrong_rows") else 1
    if f == "wrong_rows":
        rows = n + 1
    vals = plo + (phi - plo) * rng.random((rows, P))
    if f == "outside":
        vals = vals * 3.0 - 1.0
    if f == "none":
        return None, None, None
    if f == "nan":
        vals[rng.integers(0, rows), 0] = np.nan
        return vals, None, (ValueError, "params")
    if f == "complex":
        return vals.astype(complex), None, (TypeError, "params")
    if f == "wrong_cols":
        return rng.random((1, P + 1)), None, (ValueError, "params")
    if f == "wrong_rows":  # n + 1 rows for n points
        return vals, None, (ValueError, "params")
    if f == "rank3":
        return vals.reshape(1, rows, P), None, (ValueError, "params")
    if f == "scalar":  # documented shapes are (P,) and (N, P) only
        return float(vals[0, 0]), None, (ValueError, "params")
    if f == "vec":
        return vals[0], vals[:1], None
    if f == "list":
        return vals[0].tolist(), vals[:1], None
    if f == "torch" and torch is not None:
        return torch.from_numpy(vals[0].copy()), vals[:1], None
    return vals, vals, None  # rows, one_row, outside


def params_expectation(exp: Expect, ps: ProbSpec, p, spec: ParamSpec, n: int):
    """Adds the params errors to ``exp``; returns (params object, float64 (1|n, P) or None)."""
    obj, vals, err = build_params(spec, p, n)
    if obj is None:
        if p.num_params:
            exp.bad(ValueError, "params", "a parametric family needs params")
        return None, None
    if not p.num_params:
        exp.bad(ValueError, "params", "the problem takes no parameters")
        return obj, None
    if err is not None:
        exp.bad(err[0], err[1], "bad params")
        return obj, None
    return obj, vals


# ---- argument pools ------------------------------------------------------------------------------

_SAMPLED = {}


def sampled(pool):
    """st.sampled_from(pool), built once per pool (pools are module constants)."""
    s = _SAMPLED.get(id(pool))
    if s is None:
        s = _SAMPLED[id(pool)] = (pool, st.sampled_from(pool))
    return s[1]


class Args:
    """Which arguments of one call are drawn from their full pools (bad values included); the
    others come from their valid pools. Mostly none (the call must succeed and its result is
    checked), often exactly one (its error must name it), sometimes all of them."""

    def __init__(self, data, names):
        self.data = data
        r = data.draw(st.integers(0, 9), label="wild mode")
        if r < 5:
            self.wild = frozenset()
        elif r < 9:
            self.wild = frozenset([data.draw(sampled(names), label="wild argument")])
        else:
            self.wild = frozenset(names)

    def pick(self, name, valid, full):
        return self.data.draw(sampled(full if name in self.wild else valid), label=name)

    def array(self, name, dim, **kw):
        if name in self.wild:
            return self.data.draw(array_specs(shapes_for(dim), **kw), label=name)
        return self.data.draw(array_specs(valid_shapes_for(dim), bad_dtypes=False, specials=False), label=name)


# ---- the evaluate group -------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def valid_shapes_for(dim: int):
    if dim >= BIG_WIDTH:
        return st.sampled_from([(1, dim), (2, dim), (dim,)])
    return st.one_of(st.tuples(st.integers(1, 5), st.just(dim)), st.just((dim,)))


@functools.lru_cache(maxsize=None)
def shapes_for(dim: int):
    """Mostly valid (N, dim) / (dim,) shapes, some wrong ones."""
    if dim >= BIG_WIDTH:
        return st.sampled_from([(1, dim), (2, dim), (dim,), (0, dim), (1, dim - 1)])
    n = st.integers(1, 5)
    return st.one_of(
        st.tuples(n, st.just(dim)), st.tuples(n, st.just(dim)), st.tuples(n, st.just(dim)),
        st.just((dim,)), st.just((dim,)),
        st.sampled_from([(0, dim), (dim + 1,), (2, dim + 1), (2, dim, 1), (), (1, 0), (3, 0), (0,)]),
        st.tuples(n, st.integers(1, 8)))


def expect_points(exp: Expect, X, dim: int, name: str = "X"):
    """The X rules of Problem: returns (converted (N, dim) array, single) or (None, None)."""
    a, err = convert_rule(X)
    if err is not None:
        exp.bad(err, name, "not a real numeric array")
        return None, None
    single = a.ndim == 1
    a2 = a.reshape(1, -1) if single else a
    if a2.ndim != 2 or a2.shape[1] != dim or a2.shape[0] == 0:
        exp.bad(ValueError, name, f"shape {a.shape} for dim {dim}")
        return None, None
    if not np.isfinite(a2).all():
        exp.bad(ValueError, name, "NaN or Inf")
        return None, None
    return a2, single


def check_values(ps: ProbSpec, p, f: np.ndarray, X: np.ndarray, P64, fill: str) -> None:
    """Values f (N,) at the converted X (N, D) against the reference: finite where the reference
    is (and no intermediate of the usual forms overflows), and accurate for moderate inputs."""
    if P64 is not None:  # params are converted to X's dtype; one row applies to every row
        P64 = np.broadcast_to(P64.astype(X.dtype).astype(np.float64), (X.shape[0], P64.shape[1]))
    ref = reference_values(ps, p, X.astype(np.float64), P64)
    if ref is None:
        return
    r, scale = ref
    f64 = f.astype(np.float64)
    big = np.finfo(X.dtype).max
    xmax = float(np.max(np.abs(X))) if X.size else 0.0
    # squares of the coordinates representable (sqrt(max) / 10): no intermediate overflow
    moderate = xmax <= math.sqrt(big) / 10
    fin = np.isfinite(r) & (np.maximum(np.abs(r), scale) < big / 1e3)
    if moderate and ps.kind != "callable":
        bad = fin & ~np.isfinite(f64)
        assert not bad.any(), f"non-finite values {f64[bad][:3]} where the reference is finite {r[bad][:3]}"
    if ps.kind == "callable":
        nan_ref = np.isnan(r)
        assert np.array_equal(nan_ref, np.isnan(f64)), "a callable's NaN rows must come back as NaN"
    if X.dtype == np.float64:
        # (not the affine wrapper far out: the reference's own matrix product rounds z by ~1e-8
        # there, which the trigonometric functions then amplify)
        precise = (fill in ("box", "zero", "tiny", "subnormal")
                   or (fill == "wide" and ps.kind in ("classic", "glens")))
        tol, floor = 1e-10, 1e-300
    else:
        precise = fill in ("box", "zero", "tiny", "subnormal")
        tol, floor = 2e-5, np.finfo(np.float32).tiny * 1e3
    if ps.kind == "cec" or not precise:
        return
    m = fin & np.isfinite(f64)
    if m.any():
        err = np.abs(f64[m] - r[m]) / np.maximum(np.maximum(scale[m], np.abs(r[m])), floor)
        assert err.max() <= tol, f"value off the reference by {err.max():.3g} (rel): {f64[m][:3]} vs {r[m][:3]}"


def expect_backend(exp: Expect, backend) -> None:
    """Only the CPU runs NumPy arrays and CPU tensors: other backends are refused by name."""
    if not isinstance(backend, str):
        exp.bad(TypeError, "backend", "not a string")
    elif backend not in ("auto", "cpu"):
        exp.bad(ValueError, "backend", "no such backend usable here")


PARAMS_GLENS = st.builds(ParamSpec, st.sampled_from(PARAM_FORMS), st.integers(0, 2 ** 31))
PARAMS_GLENS_VALID = st.builds(ParamSpec, st.sampled_from(["vec", "rows", "one_row", "list", "torch", "outside"]),
                               st.integers(0, 2 ** 31))
PARAMS_OTHER = st.builds(ParamSpec, st.sampled_from(["none"] * 3 + ["vec"]), st.integers(0, 2 ** 31))
PARAMS_NONE = st.just(ParamSpec("none", 0))
EVAL_PROBLEMS = prob_specs()
EVAL_METHODS = st.sampled_from(["evaluate", "evaluate", "gradient", "value_and_gradient", "__call__"])


def draw_params(data, args, ps):
    if ps.kind == "glens":
        return data.draw(PARAMS_GLENS if "params" in args.wild else PARAMS_GLENS_VALID, label="params")
    return data.draw(PARAMS_OTHER if "params" in args.wild else PARAMS_NONE, label="params")


EVAL_ARGS = ["X", "params", "backend"]
BACKENDS_VALID = ["auto", "auto", "cpu"]
BACKENDS_ALL = ["auto"] * 3 + ["cpu"] * 2 + ["triton", "cuda", "gpu", None, 0]


def prop_evaluate(data):
    ps = data.draw(EVAL_PROBLEMS, label="problem")
    p = get_problem(ps)
    args = Args(data, EVAL_ARGS)
    xs = args.array("X", p.dim)
    X = build(xs, *p.bounds)
    method = data.draw(EVAL_METHODS, label="method")
    exp = Expect()
    a, single = expect_points(exp, X, p.dim)
    n = 1 if a is None else a.shape[0]
    pspec = draw_params(data, args, ps)
    if ps.kind == "callable":
        params, P64 = (None, None) if pspec.form == "none" else params_expectation(exp, ps, p, pspec, n)
    else:
        params, P64 = params_expectation(exp, ps, p, pspec, n)
    backend = args.pick("backend", BACKENDS_VALID, BACKENDS_ALL)
    expect_backend(exp, backend)
    want_grad = method in ("gradient", "value_and_gradient")
    cerr = CALLABLES[ps.variant][4] if ps.kind == "callable" else None
    if exp.ok and cerr is not None and cerr != "grad":
        exp.bad(cerr[0], cerr[1], "the callable returns the wrong thing")
    # whether a gradient exists may be checked before or after the arguments
    if want_grad and ps.kind in ("bbob", "cec"):
        exp.bad(ValueError, "gradient", "suite functions have no analytic gradient")
    if want_grad and ps.kind == "callable" and CALLABLES[ps.variant][2] is None:
        exp.bad(ValueError, "gradient", "callable built without a gradient")
    if exp.ok and want_grad and cerr == "grad":
        exp.bad(ValueError, "gradient", "the gradient callable returns the wrong shape")
    desc = f"Problem.{method} p={ps!r} X={xs!r} {pspec!r} backend={backend!r}"
    fn = getattr(p, method)
    r = run(exp, desc, fn, X, params, backend=backend)
    if r is RAISED:
        return
    tl = is_torch(X)
    vshape = () if single else (n,)
    gshape = (p.dim,) if single else (n, p.dim)
    if method == "gradient":
        f, g = None, r
    elif method == "value_and_gradient":
        assert isinstance(r, tuple) and len(r) == 2, f"value_and_gradient returned {brief(r)}"
        f, g = r
    else:
        f, g = r, None
    if f is not None:
        check_kind(f, tl, a.dtype, vshape, "values")
        check_values(ps, p, as_np(f).reshape(-1), a, P64, xs.fill)
    if g is not None:
        check_kind(g, tl, a.dtype, gshape, "gradient")
        gn = as_np(g).reshape(n, p.dim)
        if xs.fill in ("box", "zero") and ps.kind != "callable":
            assert np.isfinite(gn).all(), "non-finite gradient at a point of the box"
    # the same points as a plain C-contiguous array of the converted dtype: the same numbers,
    # bit for bit (strides, byte order, kind and dtype conversions change nothing else)
    if not (isinstance(X, np.ndarray) and X.flags.c_contiguous and X.dtype in (np.float32, np.float64)
            and X.dtype.isnative and X.flags.aligned):
        plain = np.ascontiguousarray(a.reshape(-1) if single else a)
        r2 = call(f"Problem.{method} (plain copy of the previous X)", fn, plain, params, backend="cpu")
        if method == "value_and_gradient":
            assert same(r[0], r2[0]) and same(r[1], r2[1]), "result differs from the plain C-contiguous copy's"
        else:
            assert same(r, r2), f"result differs from the plain C-contiguous copy's: {as_np(r)} vs {as_np(r2)}"
    elif method == "value_and_gradient":
        f2 = call(f"Problem.evaluate (same X) p={ps!r}", p.evaluate, X, params)
        g2 = call(f"Problem.gradient (same X) p={ps!r}", p.gradient, X, params)
        tol = 1e-5 if a.dtype == np.float32 else 1e-13
        assert np.allclose(as_np(f2), as_np(f), rtol=tol, atol=0, equal_nan=True), \
            "value_and_gradient's values differ from evaluate's"
        assert same(g2, g) or np.allclose(as_np(g2), as_np(g), rtol=tol, atol=0, equal_nan=True), \
            "value_and_gradient's gradient differs from gradient's"


PROPERTIES = {}


def register(group: str, examples: int):
    def deco(fn):
        PROPERTIES.setdefault(group, []).append((fn, examples))
        return fn
    return deco


register("evaluate", 3000)(prop_evaluate)


# problem construction: names, dims, bounds, options, the affine wrapper

CONS_NAMES = CLASSIC + GLENS + ["bbob.f1", "bbob.f15", "cec2017.f1", "cec2017.f2", "nope", 3, None]
CONS_DIMS_VALID = [1, 2, 3, 4, 10]
CONS_DIMS = CONS_DIMS_VALID + [0, -1, True, 2.0, "3", None, 2 ** 31, 2 ** 40]
CONS_BOUNDS = ["none", "none", "box", "equal", "reversed", "inf", "nan", "wrong_shape", "junk", "scalars",
               "single", "list"]
AFFINE_FORMS = ["none", "none", "none", "valid", "matrix_shape", "matrix_nan", "shift_shape", "scale_str",
                "scale_nan", "bias_inf", "scale_zero"]
CONS_ARGS = ["name", "dim", "bounds", "affine"]


def prop_construct(data):
    args = Args(data, CONS_ARGS)
    name = args.pick("name", CLASSIC + GLENS, CONS_NAMES)
    dim = args.pick("dim", CONS_DIMS_VALID, CONS_DIMS)
    bform = args.pick("bounds", ["none", "box", "equal", "scalars", "list"], CONS_BOUNDS)
    aform = args.pick("affine", ["none", "valid", "scale_zero"], AFFINE_FORMS)
    exp = Expect()
    suite = isinstance(name, str) and name.split(".")[0] in ("bbob", "cec2017")
    if not isinstance(name, str):
        exp.bad(TypeError, "name", "not a string")
    elif name not in problems.names() and name != "cec2017.f2":
        exp.bad(ValueError, "name", "unknown")
    elif name == "cec2017.f2":
        exp.bad(ValueError, "function", "withdrawn")
    if suite and isinstance(dim, int) and dim > 100:
        return  # the suites build D x D rotations: no huge dims here (see the report)
    d = expect_int(exp, dim, "dim", 1, 2 ** 31 - 1)
    if d is not None and isinstance(name, str) and name in problems.names():
        info = problems.info(name)
        if d < info["min_dim"] or (info["even_dim"] and d % 2):
            exp.bad(ValueError, "dim", "below the function's minimum or odd for a pairwise family")
        if name.startswith("bbob.") and d < 2:
            exp.bad(ValueError, "dim", "bbob needs dim >= 2")
        if name.startswith("cec2017."):
            from scoreopt.suites import cec2017 as _cec
            if d not in _cec.dims(int(name.split("f")[1])):
                exp.bad(ValueError, "dim", "no official data at this dim")
    if d is not None and d > 10 ** 6 and exp.ok:
        return  # a valid but enormous problem: nothing to evaluate cheaply
    dd = d if d is not None and 1 <= d <= 10 ** 6 else 3
    kw = {}
    if bform != "none":
        bseed = data.draw(st.integers(0, 2 ** 31), label="bounds seed")
        bounds, bvals = build_bounds(bform, problems.get("sphere", dd), bseed)
        expect_bounds(exp, bform, bvals)
        kw["bounds"] = bounds
        if suite:
            exp.bad(ValueError, "options", "the suites take no bounds")
    if aform != "none":
        rng = np.random.default_rng(dd)
        Q, _ = np.linalg.qr(rng.standard_normal((dd, dd)))
        kw.update({"valid": dict(matrix=Q, shift=np.full(dd, 0.1), scale=2.0, bias=1.0),
                   "scale_zero": dict(scale=0.0),
                   "matrix_shape": dict(matrix=np.eye(dd + 1)), "matrix_nan": dict(matrix=np.full((dd, dd), NAN)),
                   "shift_shape": dict(shift=np.zeros(dd + 1)), "scale_str": dict(scale="a"),
                   "scale_nan": dict(scale=NAN), "bias_inf": dict(bias=INF)}[aform])
        if suite:
            exp.bad(ValueError, "options", "the suites take no affine wrapper")
        if aform in ("matrix_shape", "matrix_nan"):
            exp.bad(ValueError, "matrix", aform)
        elif aform == "shift_shape":
            exp.bad(ValueError, "shift", aform)
        elif aform == "scale_str":
            exp.bad(TypeError, "scale", "not a number")
        elif aform == "scale_nan":
            exp.bad(ValueError, "scale", "not finite")
        elif aform == "bias_inf":
            exp.bad(ValueError, "bias", "not finite")
    if isinstance(name, str) and name.startswith("glens.") and exp.ok:
        kw["params"] = problems.info(name)["param_lower"]
    desc = f"problems.get name={name!r} dim={dim!r} bounds={bform} affine={aform}"
    p = run(exp, desc, problems.get, name, dim, **kw)
    if p is RAISED:
        return
    assert isinstance(p, problems.Problem) and p.dim == d, f"{p!r} for dim {d}"
    lo, hi = p.bounds
    assert lo.shape == hi.shape == (d,) and np.all(lo <= hi) and np.isfinite(lo).all() and np.isfinite(hi).all()
    if bform != "none":
        assert np.array_equal(lo, np.broadcast_to(bvals[0], (d,))), "lower bound"
        assert np.array_equal(hi, np.broadcast_to(bvals[1], (d,))), "upper bound"
    X = np.stack([lo, hi, (lo + hi) / 2])
    f = call(f"Problem.evaluate of the box's corners and center ({desc})", p.evaluate, X)
    assert f.shape == (3,) and f.dtype == np.float64 and np.isfinite(f).all(), f"values {f} at the box"
    if p.optimum is not None and p.x_opt is not None and aform in ("none", "valid"):
        fo = call(f"Problem.evaluate at x_opt ({desc})", p.evaluate, p.x_opt)
        assert abs(fo - p.optimum) <= 1e-8 * max(1.0, abs(p.optimum)), f"f(x_opt) = {fo}, optimum {p.optimum}"


register("evaluate", 600)(prop_construct)


# ---- the estimate group -------------------------------------------------------------------------

EST_PROBLEMS = prob_specs(kinds=("classic",) * 5 + ("glens",) * 2 + ("bbob",) + ("callable",) * 3,
                          callables=("vec", "rows", "nan_rows", "vec", "rows"),
                          # wide problems have their own property, prop_estimate_wide
                          big_one_in=0)
NAN = float("nan")
INF = float("inf")
SIGMA_SCALARS = [0.3, 0.3, 0.3, 1.0, 1e-3, 2.0, 5e-324, 1e-300, 1e300, 0.0, -1.0, NAN, INF, -INF,
                 "0.3", 1j, None, np.float32(0.5), np.array(0.2), [0.4], 7]
SIGMA_ARRAYS = ["M", "M", "M", "one", "M+1", "Mx1", "nonpositive", "torch", "list", "nan"]
SAMPLES = [2, 4, 4, 6, 8, 8, 16, 32, 64, 3, 5, 1, 0, -2, True, 4.0, "4", np.int64(8), None]
TEMPERATURES = [None, None, None, 1.0, 1.0, 0.5, 3.0, 1e-300, 1e300, 0.0, -1.0, NAN, INF, "1.0", 1j, np.float64(2.0)]
SEEDS = [0, 0, 1, 12345, 2 ** 32, 2 ** 63, U64 - 1, U64, -1, True, 1.5, "1", np.uint64(5), None]
OFFSETS = [0, 0, 0, 3, 2 ** 40, U64 - 1, U64 - 4, U64, -1, True, 2.0]
BOUND_FORMS = ["none"] * 4 + ["box", "box", "equal", "narrow", "reversed", "inf", "nan", "wrong_shape",
                              "junk", "scalars", "single", "list"]
CHUNKS = [8192, 8192, 8192, 2, 3, 64, 1, 0, -4, 2.5, "a", None]
SIGMA_SCALARS_VALID = [0.3, 0.3, 1.0, 1e-3, 2.0, 1e-300, 1e300, np.float32(0.5), np.array(0.2), [0.4], 7]
SIGMA_ARRAYS_VALID = ["M", "M", "one", "Mx1", "torch", "list"]
SAMPLES_VALID = [2, 4, 4, 6, 8, 8, 16, 32, 64, np.int64(8)]
TEMPERATURES_VALID = [None, None, 1.0, 1.0, 0.5, 3.0, 1e-300, 1e300, np.float64(2.0)]
SEEDS_VALID = [0, 0, 1, 12345, 2 ** 32, 2 ** 63, U64 - 1, np.uint64(5)]
OFFSETS_VALID = [0, 0, 3, 2 ** 40, U64 - 8]
BOUND_FORMS_VALID = ["none", "none", "box", "equal", "narrow", "scalars", "list"]
CHUNKS_VALID = [8192, 8192, 2, 3, 64]


def build_sigma(form, M: int, seed: int):
    rng = np.random.default_rng(seed)
    if form == "scalar":
        return None
    v = rng.uniform(0.05, 2.0, M)
    if form == "one":
        return v[:1]
    if form == "M+1":
        return rng.uniform(0.05, 2.0, M + 1)
    if form == "Mx1":
        return v.reshape(M, 1)
    if form == "nonpositive":
        v[rng.integers(0, M)] = -rng.random()
        return v
    if form == "nan":
        v[rng.integers(0, M)] = NAN
        return v
    if form == "torch" and torch is not None:
        return torch.from_numpy(v)
    if form == "list":
        return v.tolist()
    return v


def expect_sigma(exp: Expect, sigma, M: int, dtype):
    """The converted per-center sigmas (M,) of dtype, or None after adding the error."""
    a, err = convert_rule(sigma)
    if err is not None:
        exp.bad(err, "sigma", "not real numbers")
        return None
    a = a.reshape(-1)
    if a.size not in (1, M):
        exp.bad(ValueError, "sigma", f"size {a.size} for {M} centers")
        return None
    with np.errstate(all="ignore"):
        a = a.astype(dtype)
    if not (np.isfinite(a).all() and (a > 0).all()):
        exp.bad(ValueError, "sigma", "not finite and > 0 in X's dtype")
        return None
    return np.broadcast_to(a, (M,))


def expect_int(exp: Expect, v, name: str, lo: int, hi: int) -> Optional[int]:
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        exp.bad(TypeError, name, "not an integer")
        return None
    v = int(v)
    if not lo <= v <= hi:
        exp.bad(ValueError, name, f"outside [{lo}, {hi}]")
        return None
    return v


def expect_positive(exp: Expect, v, name: str, allow_none: bool = False):
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        exp.bad(TypeError, name, "not a real number")
        return None
    v = float(v)
    if not (math.isfinite(v) and v > 0):
        exp.bad(ValueError, name, "not finite and > 0")
        return None
    return v


def build_bounds(form: str, p, seed: int):
    """(bounds object, (lower, upper) float64 (D,) arrays it stands for, or None for none/invalid)."""
    lo, hi = (np.asarray(b, np.float64) for b in p.bounds)
    D = p.dim
    rng = np.random.default_rng(seed)
    if form == "none":
        return None, None
    if form == "box":
        return (lo, hi), (lo, hi)
    if form == "equal":
        pt = lo + (hi - lo) * rng.random(D)
        return (pt, pt.copy()), (pt, pt)
    if form == "narrow":
        a = lo + (hi - lo) * rng.random(D) * 0.9
        b = a + (hi - lo) * 0.01
        return (a, b), (a, b)
    if form == "reversed":
        a, b = lo.copy(), hi.copy()
        k = rng.integers(0, D)
        a[k], b[k] = b[k], a[k]
        return (a, b), None
    if form == "inf":
        return (-np.inf, hi), None
    if form == "nan":
        a = lo.copy()
        a[rng.integers(0, D)] = NAN
        return (a, hi), None
    if form == "wrong_shape":
        return (np.zeros(D + 1), np.ones(D + 1)), None
    if form == "junk":
        return "ab", None
    if form == "scalars":
        return (-1.0, 1.0), (np.full(D, -1.0), np.full(D, 1.0))
    if form == "single":
        return 1.0, None
    return [lo.tolist(), hi.tolist()], (lo, hi)  # list


def expect_bounds(exp: Expect, form: str, vals):
    if form in ("reversed", "inf", "nan", "wrong_shape", "single"):
        exp.bad(ValueError, "bounds", form)
    elif form == "junk":
        exp.bad(TypeError, "bounds", "not numbers")


EST_ARGS = ["X", "sigma", "samples", "temperature", "seed", "center_offset", "params", "bounds",
            "chunk_size", "backend"]


EST_WIDE_PROBLEMS = st.builds(ProbSpec, st.just("classic"), st.sampled_from(WIDE_NAMES), st.just(BIG_WIDTH))


def prop_estimate_wide(data):
    """prop_estimate at D = 1e5, in few examples: the fused estimator takes ~0.3 s there whatever
    the number of samples (it allocates 64 x D samples per thread)."""
    prop_estimate(data, EST_WIDE_PROBLEMS)


def prop_estimate(data, problem_specs=EST_PROBLEMS):
    ps = data.draw(problem_specs, label="problem")
    p = get_problem(ps)
    args = Args(data, EST_ARGS)
    xs = args.array("X", p.dim)
    X = build(xs, *p.bounds)
    exp = Expect()
    a, single = expect_points(exp, X, p.dim)
    M = 1 if a is None else a.shape[0]
    T = np.float64 if a is None else a.dtype
    if data.draw(st.integers(0, 2), label="sigma kind") == 0:
        sform = args.pick("sigma", SIGMA_ARRAYS_VALID, SIGMA_ARRAYS)
        sigma = build_sigma(sform, M, data.draw(st.integers(0, 2 ** 31), label="sigma seed"))
        sdesc = f"array:{sform}"
    else:
        sigma = args.pick("sigma", SIGMA_SCALARS_VALID, SIGMA_SCALARS)
        sdesc = repr(sigma)
    s = expect_sigma(exp, sigma, M, T)
    samples = args.pick("samples", SAMPLES_VALID, SAMPLES)
    antithetic = data.draw(st.booleans(), label="antithetic")
    K = expect_int(exp, samples, "samples", 2, 2 ** 40)
    if K is not None and antithetic and K % 2:
        exp.bad(ValueError, "samples", "odd with antithetic sampling")
    temperature = args.pick("temperature", TEMPERATURES_VALID, TEMPERATURES)
    expect_positive(exp, temperature, "temperature", allow_none=True)
    seed = args.pick("seed", SEEDS_VALID, SEEDS)
    expect_int(exp, seed, "seed", 0, U64 - 1)
    offset = args.pick("center_offset", OFFSETS_VALID, OFFSETS)
    expect_int(exp, offset, "center_offset", 0, U64 - M)  # streams center_offset + m, m < M
    pspec = draw_params(data, args, ps)
    params, P64 = params_expectation(exp, ps, p, pspec, M)
    bform = args.pick("bounds", BOUND_FORMS_VALID, BOUND_FORMS)
    bounds, bvals = build_bounds(bform, p, data.draw(st.integers(0, 2 ** 31), label="bounds seed"))
    expect_bounds(exp, bform, bvals)
    relative = data.draw(st.booleans(), label="relative_temperature")
    want_grad = data.draw(st.booleans(), label="gradient")
    chunk = args.pick("chunk_size", CHUNKS_VALID, CHUNKS)
    expect_int(exp, chunk, "chunk_size", 2, 2 ** 62)
    backend = args.pick("backend", BACKENDS_VALID, BACKENDS_ALL)
    expect_backend(exp, backend)
    kw = dict(samples=samples, temperature=temperature, antithetic=antithetic, seed=seed, params=params,
              bounds=bounds, relative_temperature=relative, center_offset=offset, gradient=want_grad,
              chunk_size=chunk, backend=backend)
    desc = (f"smoothing.estimate p={ps!r} X={xs!r} sigma={sdesc} samples={samples!r} antithetic={antithetic} "
            f"temperature={temperature!r} seed={seed!r} center_offset={offset!r} {pspec!r} bounds={bform} "
            f"relative={relative} gradient={want_grad} chunk_size={chunk!r} backend={backend!r}")
    e = run(exp, desc, smoothing.estimate, p, X, sigma, **kw)
    if e is RAISED:
        return
    check_estimate(e, ps, p, X, a, single, s, K, temperature, bvals, want_grad, P64, xs)
    # the Python (materializing) path on the same numbers gives the same estimate
    # (not where the samples' values approach the float64 range: there the two paths' sums,
    # accumulated in different orders, differ by more than rounding of the result)
    if (ps.kind in ("classic", "bbob") and T == np.float64 and M <= 3 and K <= 64 and p.dim <= 7
            and xs.fill in ("box", "zero") and float(np.max(s)) <= 1e3):
        q = problems.from_callable(p.evaluate, p.dim, p.bounds, name=f"{p.name}-callable")
        kw2 = dict(kw, backend="cpu", chunk_size=max(2, K // 2 + K // 2 % 2))
        e2 = call(f"smoothing.estimate (callable twin of the previous call) p={ps!r}",
                  smoothing.estimate, q, np.ascontiguousarray(a.reshape(-1) if single else a), np.array(s), **kw2)
        scale = max(1.0, float(np.max(np.abs(as_np(e.value)))))
        smin = float(np.min(s))
        for name, atol in (("value", 1e-10 * scale), ("best_f", 1e-10 * scale),
                           ("gradient", 1e-9 * scale / smin), ("weighted_mean", 1e-8 * (1 + float(np.max(np.abs(a))))),
                           ("best_x", 0.0), ("nonfinite", 0.0)):
            u, v = getattr(e, name), getattr(e2, name)
            if u is None or v is None:
                assert u is None and v is None, f"{name}: None on one path only"
                continue
            assert np.allclose(as_np(u), v, rtol=1e-10, atol=atol, equal_nan=True), \
                f"{name}: the core and the Python path differ: {as_np(u)} vs {v}"


def check_estimate(e, ps, p, X, a, single, s, K, temperature, bvals, want_grad, P64, xs):
    assert isinstance(e, smoothing.Estimate), f"expected an Estimate, got {type(e).__name__}"
    tl = is_torch(X)
    M, D = a.shape
    T = a.dtype
    lead = () if single else (M,)
    check_kind(e.value, tl, T, lead, "value")
    check_kind(e.best_f, tl, T, lead, "best_f")
    check_kind(e.best_x, tl, T, lead + (D,), "best_x")
    check_kind(e.nonfinite, tl, np.int64, lead, "nonfinite")
    if want_grad:
        check_kind(e.gradient, tl, T, lead + (D,), "gradient")
    else:
        assert e.gradient is None, "gradient=False must give gradient None"
    if temperature is None:
        assert e.weighted_mean is None, "no temperature must give weighted_mean None"
    else:
        check_kind(e.weighted_mean, tl, T, lead + (D,), "weighted_mean")
    value = as_np(e.value).reshape(M)
    best_f = as_np(e.best_f).reshape(M)
    best_x = as_np(e.best_x).reshape(M, D)
    bad = as_np(e.nonfinite).reshape(M)
    assert np.all((bad >= 0) & (bad <= K)), f"nonfinite {bad} outside [0, {K}]"
    if bvals is not None:
        lo, hi = (v.astype(T) for v in bvals)
        assert np.all((best_x >= lo) & (best_x <= hi)), "best_x outside the bounds"
        if e.weighted_mean is not None:
            w = as_np(e.weighted_mean).reshape(M, D)
            tol = (1e-5 if T == np.float32 else 1e-12) * np.maximum(1.0, np.maximum(np.abs(lo), np.abs(hi)))
            assert np.all((w >= lo - tol) & (w <= hi + tol)), "weighted_mean outside the bounds"
    fin_bf = np.isfinite(best_f)
    if fin_bf.any():
        prm = None if P64 is None else _rows(P64, M)[fin_bf].astype(T)
        fx = np.asarray(p.evaluate(best_x[fin_bf], prm), np.float64)
        tol = 1e-5 if T == np.float32 else 1e-12
        assert np.allclose(fx, best_f[fin_bf], rtol=tol, atol=0), f"best_f {best_f} is not f(best_x) {fx}"
    # a box of zero width: every sample is its one point
    if bvals is not None and np.array_equal(bvals[0], bvals[1]):
        pt = bvals[0].astype(T)
        assert np.all(best_x == pt), "best_x is not the only point of a zero-width box"
        f0 = np.asarray(p.evaluate(np.tile(pt, (M, 1)), None if P64 is None else _rows(P64, M).astype(T)), np.float64)
        ok = np.isfinite(f0)
        assert np.allclose(value[ok], f0[ok], rtol=1e-6 if T == np.float32 else 1e-12, atol=0), \
            f"value {value} is not f of the zero-width box's point {f0}"
        if want_grad:
            g = as_np(e.gradient).reshape(M, D)
            assert np.all(np.abs(g[ok]) <= 1e-6 * np.abs(f0[ok, None]) / s[ok, None] + 1e-300), \
                f"gradient {g} nonzero on a zero-width box"
    # moderate centers and scales on a function that is finite everywhere: nothing non-finite
    moderate = (xs.fill in ("box", "zero", "tiny", "subnormal") and float(np.max(s)) <= 1e3
                and ps.kind in ("classic", "glens", "bbob") and (P64 is None or np.isfinite(P64).all()))
    if moderate:
        assert np.all(bad == 0), f"{bad} non-finite samples at moderate centers and sigma"
        assert np.isfinite(value).all() and np.isfinite(best_f).all(), "non-finite value or best_f"
        if want_grad:
            assert np.isfinite(as_np(e.gradient)).all(), "non-finite gradient"
        if e.weighted_mean is not None:
            assert np.isfinite(as_np(e.weighted_mean)).all(), "non-finite weighted_mean"


def _rows(P64, M):
    return np.broadcast_to(P64, (M, P64.shape[1])) if P64.shape[0] == 1 else P64


register("estimate", 1200)(prop_estimate)
register("estimate", 6)(prop_estimate_wide)


# ---- the integrators group ----------------------------------------------------------------------

STATE_DTYPES = ["float64", "float64", "float32"]
@st.composite
def _state_shapes(draw):
    if draw(st.integers(0, 39)) == 0:  # a few wide states per run
        return draw(st.sampled_from([(1, BIG_WIDTH), (2, BIG_WIDTH)]))
    if draw(st.integers(0, 3)) == 0:
        return (draw(st.integers(1, 6)),)
    return (draw(st.integers(0, 4)), draw(st.integers(1, 6)))


STATE_SHAPES = _state_shapes()
STATE_SHAPES_ALL = st.one_of(STATE_SHAPES, st.sampled_from([(), (2, 3, 1), (2, 0), (0,), (0, 0)]))
STATE_VALID = st.builds(ArraySpec, st.just("numpy"), st.sampled_from(STATE_DTYPES), STATE_SHAPES,
                        st.just("C"), st.sampled_from(FILLS), st.none(), st.integers(0, 2 ** 31))
STATE_ALL = _array_specs_draw(STATE_SHAPES_ALL, ("numpy",) * 6 + ("torch", "list"), True, True)
FIELD_FORMS_VALID = ["same", "same", "same", "readonly", "alias"]
FIELD_FORMS = FIELD_FORMS_VALID + ["other_dtype", "wrong_shape", "strided", "list", "torch", "none", "unaligned"]
DT_VALID = [0.1, -0.1, 0.0, 1e-3, 1.0, -1.0, np.float32(0.5), np.float64(-0.2), np.array(0.3), 5, 1e300]
DT_ALL = DT_VALID + [NAN, INF, -INF, True, "0.1", None, 1j, [0.1], np.array([0.1])]
F_VALID = [0.0, -1.0, 0.5, -10.0]
G_VALID = [0.0, 1.0, 0.3, 2.0]
STEP_SIZE_VALID = [0.0, 1e-3, 0.1, 1.0]
BAD_REALS = [NAN, INF, True, "0.1", None, -0.5]
BETA_VALID = [1e-4, 0.02, 0.5, 0.999]
ABAR_VALID = [0.5, 0.9, 0.01, 0.999]
ABAR_PREV_VALID = [1.0, 1.0, 0.95, 0.5, 0.02]
SCHED_BAD = [0.0, 1.0, 1.5, -0.1, NAN, INF, True, "x"]
KEY_VALID = [0, 0, 1, 2 ** 63, U64 - 1, np.uint64(3)]
KEY_ALL = KEY_VALID + [-1, U64, True, 1.5, "1", None]
ROW_OFFSET_VALID = [0, 0, 5, 2 ** 31]
ROW_OFFSET_ALL = ROW_OFFSET_VALID + [-1, 2 ** 32, 2 ** 32 - 1, 2 ** 63, 2 ** 63 + 5, U64, True, 3.0]
STEPS = ["euler", "heun", "euler_maruyama", "langevin", "ddpm"]
STEP_FIELDS = {"euler": ["v"], "heun": ["v1", "v2"], "euler_maruyama": ["score"], "langevin": ["score"],
               "ddpm": ["eps"]}
STEP_SCALARS = {"euler": ["dt"], "heun": ["dt"], "euler_maruyama": ["f", "g", "dt"], "langevin": ["step_size"],
                "ddpm": ["beta", "alpha_bar", "alpha_bar_prev"]}
SCALAR_POOLS = {"dt": (DT_VALID, DT_ALL), "f": (F_VALID, F_VALID + BAD_REALS),
                "g": (G_VALID, G_VALID + BAD_REALS + [-1.0]),
                "step_size": (STEP_SIZE_VALID, STEP_SIZE_VALID + BAD_REALS),
                "beta": (BETA_VALID, BETA_VALID + SCHED_BAD), "alpha_bar": (ABAR_VALID, ABAR_VALID + SCHED_BAD),
                "alpha_bar_prev": (ABAR_PREV_VALID, ABAR_PREV_VALID + SCHED_BAD)}


def build_field(form: str, x, seed: int):
    """A field read alongside x, by form; returns the object."""
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        return np.zeros((2, 2))
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(x.shape).astype(x.dtype)
    if form == "readonly":
        v.setflags(write=False)
    elif form == "alias":
        return x
    elif form == "other_dtype":
        return v.astype(np.float32 if x.dtype == np.float64 else np.float64)
    elif form == "wrong_shape":
        return rng.standard_normal(tuple(x.shape) + (1,)).astype(x.dtype)
    elif form == "strided" and v.ndim >= 1 and v.shape[-1] > 1:
        big = np.zeros(v.shape[:-1] + (2 * v.shape[-1],), v.dtype)
        big[..., ::2] = v
        return big[..., ::2]
    elif form == "list":
        return v.tolist()
    elif form == "torch" and torch is not None:
        return torch.from_numpy(v.astype(np.float64))
    elif form == "none":
        return None
    elif form == "unaligned" and v.size:
        buf = np.zeros(v.nbytes + v.dtype.itemsize, np.uint8)
        u = buf[1:1 + v.nbytes].view(v.dtype).reshape(v.shape)
        u[...] = v
        return u
    return v


def expect_state(exp: Expect, x, name="x", writable=True):
    """The integrators' rule for x: a writable (for the steps, which update it in place),
    aligned, C-contiguous float32/float64 NumPy array of shape (B, D) or (D,). Returns the (B, D)
    view or None."""
    if not isinstance(x, np.ndarray):
        exp.bad(TypeError, name, "not a NumPy array")
        return None
    if x.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        exp.bad(TypeError, name, f"dtype {x.dtype}")
        return None
    if not x.flags.c_contiguous or not x.flags.aligned or (writable and not x.flags.writeable) \
            or x.ndim not in (1, 2):
        exp.bad(ValueError, name, "layout, writability or rank")
        return None
    x2 = x.reshape(1, -1) if x.ndim == 1 else x
    if x2.shape[1] < 1:
        exp.bad(ValueError, name, "no columns")
        return None
    return x2


def expect_field(exp: Expect, a, x, name: str) -> None:
    if not isinstance(a, np.ndarray):
        exp.bad(TypeError, name, "not a NumPy array")
    elif x is not None and a.dtype != x.dtype:
        exp.bad(TypeError, name, "dtype differs from x's")
    elif x is not None and a.shape != x.shape:
        exp.bad(ValueError, name, "shape differs from x's")
    elif not a.flags.c_contiguous or not a.flags.aligned:
        exp.bad(ValueError, name, "layout")


def expect_real(exp: Expect, v, name: str) -> Optional[float]:
    if isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "fiu":
        v = float(v)
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        exp.bad(TypeError, name, "not a real number")
        return None
    v = float(v)
    if not math.isfinite(v):
        exp.bad(ValueError, name, "not finite")
        return None
    return v


def step_coefficients(step, sc):
    """(a, b, c) of x <- a x + b field + c z for the noisy steps (the core's formulas)."""
    if step == "euler_maruyama":
        f, g, dt = sc["f"], sc["g"], sc["dt"]
        return 1.0 + f * dt, -g * g * dt, g * math.sqrt(abs(dt))
    if step == "langevin":
        e = sc["step_size"]
        return 1.0, e, math.sqrt(2.0 * e)
    beta, ab, abp = sc["beta"], sc["alpha_bar"], sc["alpha_bar_prev"]
    inv = 1.0 / math.sqrt(1.0 - beta)
    var = beta * (1.0 - abp) / (1.0 - ab)
    return inv, -inv * beta / math.sqrt(1.0 - ab), math.sqrt(var) if var > 0 else 0.0


def close_where_moderate(got, ref, terms, dtype, what):
    """got == ref up to a few roundings of the terms' magnitude, wherever the terms are finite and
    far from overflow (there a fused multiply-add may legitimately differ)."""
    big = np.finfo(dtype).max / 8
    m = np.isfinite(terms) & (terms < big)
    tol = 8 * np.finfo(dtype).eps * terms + np.finfo(dtype).tiny
    g64 = got.astype(np.float64)
    err = np.abs(g64 - ref)
    # the same non-finite value: a coefficient beyond the dtype's range (dt = 1e300 on float32)
    # makes the documented formula overflow in the state's precision, here as in the reference
    alike = (g64 == ref) | (np.isnan(g64) & np.isnan(ref))
    bad = m & ~(err <= tol) & ~alike
    assert not bad.any(), f"{what}: {got[bad][:3]} vs the reference {ref[bad][:3]}"


INTEG_ARGS = ["x", "field", "scalar", "seed", "step", "row_offset", "backend"]


def prop_integrator_step(data):
    step = data.draw(sampled(STEPS), label="integrator")
    args = Args(data, INTEG_ARGS)
    xs = data.draw(STATE_ALL if "x" in args.wild else STATE_VALID, label="x")
    x = build(xs, -1.0, 1.0)
    exp = Expect()
    x2 = expect_state(exp, x)
    fields = []
    for name in STEP_FIELDS[step]:
        form = args.pick("field", FIELD_FORMS_VALID, FIELD_FORMS)
        fv = build_field(form, x, data.draw(st.integers(0, 2 ** 31), label=f"{name} seed"))
        expect_field(exp, fv, x if x2 is not None else None, name)
        fields.append((name, form, fv))
    sc, sdesc, raw = {}, [], []
    for name in STEP_SCALARS[step]:
        valid, full = SCALAR_POOLS[name]
        v = args.pick("scalar", valid, full)
        raw.append(v)
        sdesc.append(f"{name}={v!r}")
        fv = expect_real(exp, v, name)
        if fv is not None:
            if name == "g" and fv < 0 or name == "step_size" and fv < 0:
                exp.bad(ValueError, name, "negative")
            elif name in ("beta", "alpha_bar") and not 0 < fv < 1 or name == "alpha_bar_prev" and not 0 < fv <= 1:
                exp.bad(ValueError, name, "outside its range")
            sc[name] = fv
    kw = {}
    B = 0 if x2 is None else x2.shape[0]
    if step in ("euler_maruyama", "langevin", "ddpm"):
        seed = args.pick("seed", KEY_VALID, KEY_ALL)
        stp = args.pick("step", KEY_VALID, KEY_ALL)
        row_offset = args.pick("row_offset", ROW_OFFSET_VALID, ROW_OFFSET_ALL)
        expect_int(exp, seed, "seed", 0, U64 - 1)
        expect_int(exp, stp, "step", 0, U64 - 1)
        expect_int(exp, row_offset, "row_offset", 0, 2 ** 32 - B)  # noise rows are limited to 2^32 per step
        kw = dict(seed=seed, step=stp, row_offset=row_offset)
    backend = args.pick("backend", BACKENDS_VALID, BACKENDS_ALL)
    expect_backend(exp, backend)
    kw["backend"] = backend
    before = x.copy() if isinstance(x, np.ndarray) and x.dtype.kind in "fc" else None
    fcopies = [np.array(fv, copy=True)
               if isinstance(fv, np.ndarray) and fv.dtype.kind in "fc" and form != "alias" else None
               for _, form, fv in fields]
    fn = getattr(integrators, step + "_step")
    pos = [fv for _, _, fv in fields] + raw
    desc = (f"integrators.{step}_step x={xs!r} " + " ".join(f"{n}={form}" for n, form, _ in fields) + " "
            + " ".join(sdesc) + " " + " ".join(f"{k}={v!r}" for k, v in kw.items()))
    r = run(exp, desc, fn, x, *pos, **kw)
    if r is RAISED:
        if before is not None:
            assert np.array_equal(x, before, equal_nan=True), "x changed by a call that raised"
        return
    assert r is x, "the step must return x itself (updated in place)"
    for (name, form, fv), c in zip(fields, fcopies):
        if c is not None:
            assert np.array_equal(fv, c, equal_nan=True), f"{name} was written to"
    if B == 0:
        assert np.array_equal(x, before), "an empty batch changed"
        return
    T = x.dtype.type
    X0 = before.reshape(x2.shape).astype(np.float64)
    F = [np.asarray(fv if form != "alias" else before, np.float64).reshape(x2.shape) for _, form, fv in fields]
    got = x.reshape(x2.shape)
    with np.errstate(all="ignore"):
        if step == "euler":
            h = float(T(sc["dt"]))
            coefs = (h,)
            ref, terms = X0 + h * F[0], np.abs(X0) + np.abs(h * F[0])
        elif step == "heun":
            h = float(T(0.5 * sc["dt"]))
            coefs = (h,)
            ref = X0 + h * (F[0] + F[1])
            terms = np.abs(X0) + np.abs(h) * (np.abs(F[0]) + np.abs(F[1]))
        else:
            a, b, c = coefs = tuple(float(T(v)) for v in step_coefficients(step, sc))
            # Euler-Maruyama's a = 1 + f dt may cancel (a fused multiply-add rounds it differently)
            a_mag = 1.0 + abs(sc["f"] * sc["dt"]) if step == "euler_maruyama" else abs(a)
            z = smoothing.noise(kw["seed"], kw["step"], kw["row_offset"], B, x2.shape[1], antithetic=False,
                                dtype=x.dtype).astype(np.float64) if c != 0 else np.zeros_like(X0)
            ref = a * X0 + b * F[0] + c * z
            terms = a_mag * np.abs(X0) + np.abs(b * F[0]) + np.abs(c * z)
    close_where_moderate(got, ref, terms, x.dtype, f"{step}_step")
    if xs.fill in ("box", "zero", "tiny", "subnormal") and all(math.isfinite(v) for v in coefs):
        assert np.isfinite(got[np.isfinite(terms) & (terms < 1e30)]).all(), "non-finite state from moderate inputs"


PATH_VALID = ["linear", "vp", "cosine"]
PATH_ALL = PATH_VALID + ["nope", 3, None]
T_VALID = [0.0, 1.0, 0.5, 0.25, 1e-12, 1 - 1e-12, 0.999, np.float32(0.5), 1]
T_ALL = T_VALID + [-0.1, 1.1, NAN, INF, True, "0.5", None]
BETA_MIN_VALID = [0.1, 1.0, 1e-3]
BETA_MAX_VALID = [20.0, 5.0, 1.0]
S_VALID = [0.008, 0.1, 1e-5]
FIELD_NAMES = ["velocity", "score", "eps", "x0"]
FIELD_NAMES_ALL = FIELD_NAMES + ["noise", None, 3]
SCHED_FORMS_VALID = ["schedule", "schedule", "list", "array"]
SCHED_FORMS = SCHED_FORMS_VALID + ["short", "nan", "string4", "none", "number"]
OUT_FORMS_VALID = ["none", "none", "new", "field", "x"]
OUT_FORMS = OUT_FORMS_VALID + ["readonly", "other_dtype", "wrong_shape", "list"]


def field_coefficients(field, a, s, da, ds):
    if field == "score":
        return 0.0, -1.0 / s
    if field == "eps":
        return 0.0, 1.0
    if field == "x0":
        return 1.0 / a, -s / a
    return da / a, ds - da * s / a


SCHED_ARGS = ["path", "t", "beta_min", "beta_max", "s", "frm", "to", "x", "field", "sched", "out"]


def prop_schedule_and_convert(data):
    args = Args(data, SCHED_ARGS)
    path = args.pick("path", PATH_VALID, PATH_ALL)
    t = args.pick("t", T_VALID, T_ALL)
    bmin = args.pick("beta_min", BETA_MIN_VALID, BETA_MIN_VALID + BAD_REALS + [0.0])
    bmax = args.pick("beta_max", BETA_MAX_VALID, BETA_MAX_VALID + BAD_REALS + [1e-4])
    sv = args.pick("s", S_VALID, S_VALID + BAD_REALS + [0.0])
    exp = Expect()
    if not isinstance(path, str) or path not in integrators.PATHS:
        exp.bad((ValueError, TypeError), "path", "unknown")
    tv = expect_real(exp, t, "t")
    if tv is not None and not 0 <= tv <= 1:
        exp.bad(ValueError, "t", "outside [0, 1]")
    b0, b1, s0 = expect_real(exp, bmin, "beta_min"), expect_real(exp, bmax, "beta_max"), expect_real(exp, sv, "s")
    if path == "vp" and b0 is not None and b0 <= 0:
        exp.bad(ValueError, "beta_min", "<= 0")
    if path == "vp" and b0 is not None and b1 is not None and b1 < b0:
        exp.bad(ValueError, "beta_max", "< beta_min")
    if path == "cosine" and s0 is not None and s0 <= 0:
        exp.bad(ValueError, "s", "<= 0")
    which = data.draw(sampled(["schedule", "sde_coefficients", "convert", "convert"]), label="function")
    desc = f"integrators.{which} path={path!r} t={t!r} beta_min={bmin!r} beta_max={bmax!r} s={sv!r}"
    if which == "sde_coefficients":
        if exp.ok and path in ("linear",) and tv == 1.0:
            exp.bad(ValueError, "t", "alpha = 0: the SDE coefficients are undefined")
        r = run(exp, desc, integrators.sde_coefficients, path, t, beta_min=bmin, beta_max=bmax, s=sv)
        if r is not RAISED:
            assert isinstance(r, tuple) and len(r) == 2 and all(isinstance(v, float) for v in r), brief(r)
            assert all(math.isfinite(v) for v in r) and r[1] >= 0, f"sde coefficients {r}"
        return
    r = run(exp, desc, integrators.schedule, path, t, beta_min=bmin, beta_max=bmax, s=sv)
    if r is RAISED:
        return
    assert isinstance(r, tuple) and len(r) == 4 and all(isinstance(v, float) for v in r), brief(r)
    a, sg, da, ds = r
    # sigma ~ sqrt(t) near 0 on the variance-preserving paths: d sigma/dt is +inf at t = 0 exactly
    assert all(math.isfinite(v) for v in r[:3]) \
        and (math.isfinite(ds) or (path != "linear" and tv == 0 and ds == INF)), \
        f"schedule {r}"
    if path == "linear":
        assert r == (1.0 - tv, tv, -1.0, 1.0), f"linear schedule {r} at t = {tv}"
    else:
        assert abs(a * a + sg * sg - 1.0) <= 1e-12 and 0 <= a <= 1 and 0 <= sg <= 1, f"{path} schedule {r}"
    if which == "schedule":
        return
    # convert at that schedule
    frm = args.pick("frm", FIELD_NAMES, FIELD_NAMES_ALL)
    to = args.pick("to", FIELD_NAMES, FIELD_NAMES_ALL)
    xs = data.draw(STATE_ALL if "x" in args.wild else STATE_VALID, label="x")
    x = build(xs, -1.0, 1.0)
    exp = Expect()
    for v, nm in ((frm, "frm"), (to, "to")):
        if not isinstance(v, str) or v not in FIELD_NAMES:
            exp.bad((ValueError, TypeError), nm, "unknown field")
    x2 = expect_state(exp, x, writable=False)  # convert only reads x
    fform = args.pick("field", FIELD_FORMS_VALID, FIELD_FORMS)
    fv = build_field(fform, x, data.draw(st.integers(0, 2 ** 31), label="field seed"))
    expect_field(exp, fv, x if x2 is not None else None, "field")
    sform = args.pick("sched", SCHED_FORMS_VALID, SCHED_FORMS)
    sched = {"schedule": r, "list": list(r), "array": np.array(r), "short": r[:3], "nan": (NAN,) + r[1:],
             "string4": "abcd", "none": None, "number": 1.0}[sform]
    sched_names = ("sched", "alpha", "sigma", "dalpha", "dsigma")
    if sform in ("short", "none", "number"):
        exp.bad((ValueError, TypeError), "sched", "not 4 numbers")
    elif sform == "nan":
        exp.bad(ValueError, "alpha", "NaN")
    elif sform == "string4":
        exp.bad((ValueError, TypeError), "sched", "not numbers")
        exp.bad(TypeError, "alpha", "not numbers")
    if not math.isfinite(ds):
        exp.bad(ValueError, "dsigma", "infinite (t = 0 on a variance-preserving path)")
    oform = args.pick("out", OUT_FORMS_VALID, OUT_FORMS)
    out = None
    if oform == "new" and isinstance(x, np.ndarray) and x.dtype.kind == "f":
        out = np.empty_like(x, order="C")
    elif oform == "field":
        out = fv
    elif oform == "x":
        out = x
    elif oform not in ("none", "new"):
        out = build_field({"readonly": "readonly", "other_dtype": "other_dtype", "wrong_shape": "wrong_shape",
                           "list": "list"}[oform], x, 7)
    if oform in ("field", "x", "readonly", "other_dtype", "wrong_shape", "list") and out is not None:
        expect_field(exp, out, x if x2 is not None else None, "out")
        if isinstance(out, np.ndarray) and not out.flags.writeable:
            exp.bad(ValueError, "out", "read-only")
    cx = cin = None
    if exp.ok:
        with np.errstate(all="ignore"):  # the core's formulas, in IEEE double (x/0 = inf)
            sc4 = [np.float64(v) for v in (a, sg, da, ds)]
            pf, qf = field_coefficients(frm, *sc4)
            pt, qt = field_coefficients(to, *sc4)
            cin = np.float64(qt) / np.float64(qf)
            cx = float(pt - cin * pf)
            cx_mag = float(abs(pt) + abs(cin * pf))  # cx may come from a cancellation (rounded alike)
            cin = float(cin)
        if not (math.isfinite(cx) and math.isfinite(cin)):
            exp.bad(ValueError, "t", "the conversion is singular at this time")
    x_before = x.copy() if isinstance(x, np.ndarray) and x.dtype.kind in "fc" else None
    f_before = np.array(fv, copy=True) if isinstance(fv, np.ndarray) and fv.dtype.kind in "fc" else None
    desc = (f"integrators.convert {frm!r}->{to!r} x={xs!r} field={fform} sched={sform} out={oform} "
            f"schedule=({path!r}, t={t!r})")
    res = run(exp, desc, integrators.convert, frm, to, x, fv, sched, out)
    if res is RAISED:
        return
    if out is not None:
        assert res is out, "convert must return out when given"
    assert isinstance(res, np.ndarray) and res.dtype == x.dtype and res.shape == x.shape, brief(res)
    if out is not x:
        assert np.array_equal(x, x_before, equal_nan=True), "x was written to"
    if x2.shape[0] == 0:
        return
    X0 = x_before.reshape(x2.shape).astype(np.float64)
    F0 = f_before.reshape(x2.shape).astype(np.float64)
    T = x.dtype.type
    cx_t, cin_t = float(T(cx)), float(T(cin))
    with np.errstate(all="ignore"):
        ref = cx_t * X0 + cin_t * F0
        terms = cx_mag * np.abs(X0) + np.abs(cin_t * F0)
    close_where_moderate(res.reshape(x2.shape), ref, terms, x.dtype, f"convert {frm}->{to}")


register("integrators", 2000)(prop_integrator_step)
register("integrators", 1500)(prop_schedule_and_convert)


# ---- the optimizers group -----------------------------------------------------------------------

SAMPLING = {"dida": optimizers.DIDA, "mbd": optimizers.MBD, "mppi": optimizers.MPPI, "cem": optimizers.CEM,
            "es": optimizers.ES, "cdida": optimizers.CDIDA, "marginal": optimizers.Marginal}
#: methods whose samples are antithetic pairs by default (CDIDA's and Marginal's are not: an odd
#: popsize is valid)
ANTITHETIC_BY_DEFAULT = {"dida", "mbd", "mppi", "cem", "es"}
FUN_FORMS = ["sphere", "sphere", "rastrigin", "noncubic", "glens_params", "callable", "callable", "rows",
             "nan_callable"]
FUN_FORMS_ALL = FUN_FORMS + ["glens_noparams", "junk_int", "junk_str"]
METHODS_VALID = ["cdida", "cdida", "dida", "mbd", "mppi", "cem", "es", "marginal", "hsm"]
METHODS_ALL = METHODS_VALID + ["nope", None, ["dida"]]
MIN_BOUNDS_VALID = ["default", "default", "cube", "arrays", "list"]
MIN_BOUNDS_ALL = MIN_BOUNDS_VALID + ["equal", "reversed", "inf", "nan", "wrong_shape", "junk", "single"]
BUDGETS_VALID = [("pop", 1), ("pop", 2), ("pop", 5), ("pop", 10), ("pop", 30)]
BUDGETS_ALL = BUDGETS_VALID + [0, 1, 2, -5, 2.5, "100", True]
MIN_SEEDS_VALID = [0, 0, 1, 2 ** 32, U64 - 1]
MIN_SEEDS_ALL = MIN_SEEDS_VALID + [-1, U64, True, 1.5, "0", None]
X0_VALID = ["none", "none", "inside", "outside", "list"]
X0_ALL = X0_VALID + ["nan", "wrong_shape", "string", "matrix"]
POPSIZE_VALID = [None, None, 2, 8, 16, 32, 64]
POPSIZE_ALL = POPSIZE_VALID + [0, 1, 3, True, 2.5, "8", -2]
SIGMA0_VALID = [None, None, 0.1, 1.0, 1e300]
SIGMA0_ALL = SIGMA0_VALID + [0.0, -1.0, NAN, INF, "0.1", 1j]
TEMP_VALID = [None, None, 1.0, 0.5, 3.0]
TEMP_ALL = TEMP_VALID + [0.0, -1.0, NAN, "1"]
CONS_VALID = ["none", "none", "none", "ball", "halfplane"]
CONS_ALL = CONS_VALID + ["bad_shape", "junk"]
MODES_VALID = ["feasible", "penalty"]
MODES_ALL = MODES_VALID + ["nope"]
CALLBACKS = ["none", "none", "none", "never", "stop"]

_FUNS = {}


def make_fun(form: str, dim: int):
    key = (form, dim)
    if key in _FUNS:
        return _FUNS[key]
    shift = np.linspace(-0.3, 0.4, dim)
    if form == "sphere":
        f = problems.get("sphere", dim)
    elif form == "rastrigin":
        f = problems.get("rastrigin", dim)
    elif form == "noncubic":
        f = problems.get("sphere", dim, bounds=(np.full(dim, -1.0), np.linspace(2.0, 3.0, dim)))
    elif form == "glens_params":
        f = problems.glens("qp", 2 * ((dim + 1) // 2), params=[1.0])
    elif form == "glens_noparams":
        f = problems.glens("qp", 2 * ((dim + 1) // 2))
    elif form == "callable":
        f = lambda X: ((X - shift) ** 2).sum(1)  # noqa: E731
    elif form == "rows":
        f = lambda x: float(((x - shift) ** 2).sum())  # noqa: E731
    elif form == "nan_callable":
        def f(X):
            v = ((X - shift) ** 2).sum(1)
            v[X[:, 0] > 1.0] = np.nan
            return v
    elif form == "junk_int":
        f = 3
    else:
        f = "sphere"
    _FUNS[key] = f
    return f


def min_bounds(form: str, lo, hi, dim: int):
    """(bounds argument, the (lower, upper) it stands for or None)."""
    if form == "default":
        return None, (lo, hi)
    if form == "cube":
        return (-2.0, 2.0), (np.full(dim, -2.0), np.full(dim, 2.0))
    if form == "arrays":
        a, b = np.linspace(-2.0, -1.0, dim), np.linspace(1.0, 3.0, dim)
        return (a, b), (a, b)
    if form == "list":
        return [[-1.5] * dim, [1.5] * dim], (np.full(dim, -1.5), np.full(dim, 1.5))
    if form == "equal":
        return (np.zeros(dim), np.zeros(dim)), None
    if form == "reversed":
        return (1.0, -1.0), None
    if form == "inf":
        return (-np.inf, 1.0), None
    if form == "nan":
        return (NAN, 1.0), None
    if form == "wrong_shape":
        return (np.zeros(dim + 1), np.ones(dim + 1)), None
    if form == "junk":
        return "ab", None
    return 1.0, None  # single


def make_x0(form: str, dim: int, lo, hi):
    mid = (lo + hi) / 2
    return {"none": None, "inside": mid + 0.25 * (hi - mid), "outside": hi + 5.0, "list": list(mid),
            "nan": np.full(dim, NAN), "wrong_shape": np.zeros(dim + 1), "string": "x0",
            "matrix": np.zeros((1, dim))}[form]


def expect_x0(exp: Expect, form: str) -> None:
    if form in ("nan", "wrong_shape", "matrix"):
        exp.bad(ValueError, "x0", form)
    elif form == "string":
        exp.bad((ValueError, TypeError), "x0", "not numbers")


def constraint_for(form: str, dim: int):
    if form == "ball":
        from scoreopt import constraints
        return [constraints.ball(np.zeros(dim), 1.0)]
    if form == "halfplane":
        return lambda X: X[:, 0] - 0.5
    if form == "bad_shape":
        return lambda X: np.zeros((len(X), 2, 2))
    if form == "junk":
        return 3
    return None


def expect_optimizer_seed(exp: Expect, seed) -> None:
    """Seeds: integers 0 ... 2^64 - 1, as for the estimator (the engine keeps all 64 bits)."""
    if seed is None:  # the engine reads None as "the default"; the earlier classes rejected it
        exp.may(TypeError, "seed", "None")
        return
    expect_int(exp, seed, "seed", 0, U64 - 1)


def popsize_of(method: str, dim: int, bounds, popsize):
    """The population the method will use (its default when popsize is None)."""
    kw = {} if popsize is None else {"popsize": popsize}
    return SAMPLING[method](dim, bounds, **kw).popsize


MIN_ARGS = ["fun", "method", "dim", "bounds", "budget", "seed", "x0", "popsize", "sigma0", "temperature",
            "constraints", "constraint_mode"]


def prop_minimize(data):
    args = Args(data, MIN_ARGS)
    d = data.draw(st.integers(1, 3), label="problem dim")
    form = args.pick("fun", FUN_FORMS, FUN_FORMS_ALL)
    fun = make_fun(form, d)
    method = args.pick("method", METHODS_VALID, METHODS_ALL)
    exp = Expect()
    is_problem = isinstance(fun, problems.Problem)
    pdim = fun.dim if is_problem else d
    dform = args.pick("dim", ["auto"], ["auto", "none", "wrong", "junk"])
    if dform == "wrong" and not is_problem:
        dform = "auto"  # a callable of another dimension fails in the user's own code
    dim = {"auto": None if is_problem else d, "none": None, "wrong": pdim + 1, "junk": "2"}[dform]
    bform = args.pick("bounds", MIN_BOUNDS_VALID, MIN_BOUNDS_ALL)
    lo0, hi0 = (fun.bounds if is_problem else (np.full(d, -2.0), np.full(d, 3.0)))
    bounds, bvals = min_bounds(bform, lo0, hi0, pdim)
    if not is_problem and bform == "default":
        bounds, bvals = (-2.0, 3.0), (lo0, hi0)
    # budgets in populations (at most 30 iterations: the Python loop costs ~1 ms each)
    budget = args.pick("budget", BUDGETS_VALID, BUDGETS_ALL)
    seed = args.pick("seed", MIN_SEEDS_VALID, MIN_SEEDS_ALL)
    xform = args.pick("x0", X0_VALID, X0_ALL)
    cform = args.pick("constraints", CONS_VALID, CONS_ALL)
    mode = args.pick("constraint_mode", MODES_VALID, MODES_ALL)
    cb = data.draw(sampled(CALLBACKS), label="callback")
    opts = {}
    if method == "hsm":
        opts = dict(score=data.draw(sampled(["smoothing", "smoothing", "smoothing", "flow"]), label="hsm score"),
                    levels=data.draw(st.integers(1, 3), label="levels"), samples=16, train_steps=3, width=8,
                    depth=1, batch_size=16, refine=data.draw(st.booleans(), label="refine"),
                    refine_maxiter=5)
    else:
        popsize = args.pick("popsize", POPSIZE_VALID, POPSIZE_ALL)
        sigma0 = args.pick("sigma0", SIGMA0_VALID, SIGMA0_ALL)
        for k, v in (("popsize", popsize), ("sigma0", sigma0)):
            if v is not None:
                opts[k] = v
        if method in ("dida", "mppi", "mbd", "cdida", "marginal"):
            temp = args.pick("temperature", TEMP_VALID, TEMP_ALL)
            if temp is not None:
                opts["temperature"] = temp
    # the oracle
    if form in ("junk_int", "junk_str"):
        exp.bad(TypeError, "fun", "not a Problem or callable")
    elif form == "glens_noparams":
        exp.bad(ValueError, "fun", "a parametric family without params")
    sampling_method = isinstance(method, str) and method in SAMPLING
    if not sampling_method and method != "hsm":
        exp.bad((ValueError, TypeError), "method", "unknown")
    if dform == "wrong" and is_problem:
        exp.bad(ValueError, "dim", "differs from the problem's")
    if not is_problem and form not in ("junk_int", "junk_str"):
        if dform == "none":
            exp.bad(ValueError, "dim", "required with a callable")
        elif dform == "wrong":
            pass  # a callable of that dimension: valid
        elif dform == "junk":
            exp.bad(TypeError, "dim", "not an integer")
    if dform == "junk" and is_problem:
        exp.bad(ValueError, "dim", "not the problem's")
    if bvals is None:
        exp.bad((ValueError, TypeError), "bounds", bform)
    x0 = make_x0(xform, pdim, *(bvals if bvals is not None else (np.full(pdim, -1.0), np.ones(pdim))))
    expect_x0(exp, xform)
    expect_optimizer_seed(exp, seed)
    if isinstance(budget, tuple):  # a valid budget: that many populations (HSM: of 20)
        pop_b = 20
        if sampling_method and bvals is not None:
            try:
                pop_b = popsize_of(method, pdim, bvals, opts.get("popsize"))
            except (ValueError, TypeError):
                pass  # the popsize is the bad argument
        budget = budget[1] * pop_b
    b_ok = expect_int(exp, budget, "budget", 1, 10 ** 9)
    if sampling_method:
        pop = opts.get("popsize")
        if pop is not None:
            pv = expect_int(exp, pop, "popsize", 2, 10 ** 6)
            if pv is not None and pv % 2 and method in ANTITHETIC_BY_DEFAULT:
                exp.bad(ValueError, "popsize", "odd with antithetic pairs")
        if "sigma0" in opts:
            expect_positive(exp, opts["sigma0"], "sigma0")
        if "temperature" in opts:
            expect_positive(exp, opts["temperature"], "temperature")
        if b_ok is not None and bvals is not None:
            try:
                need = popsize_of(method, pdim, bvals, pop)
            except (ValueError, TypeError):
                need = None  # the popsize is bad itself
            if need is not None and b_ok < need:
                exp.bad(ValueError, "budget", "below one population")
    constraints = constraint_for(cform, pdim)
    if cform == "bad_shape":
        exp.bad(ValueError, "constraints", "wrong shape")
    elif cform == "junk":
        exp.bad(TypeError, "constraints", "not callable")
    if mode not in ("feasible", "penalty") and (cform not in ("none",) or method == "hsm"):
        exp.bad(ValueError, "constraint_mode", "unknown")
    callback = {"none": None, "never": lambda opt: False, "stop": lambda opt: True}[cb]
    if form == "rows":
        opts["vectorized"] = False
    kw = dict(dim=dim, bounds=bounds, method=method, budget=budget, x0=x0, seed=seed, callback=callback,
              constraints=constraints, constraint_mode=mode, **opts)
    desc = (f"minimize fun={form} d={d} method={method!r} dim={dim!r} bounds={bform} budget={budget!r} "
            f"seed={seed!r} x0={xform} constraints={cform} mode={mode!r} callback={cb} options={opts!r}")
    r = run(exp, desc, scoreopt.minimize, fun, **kw)
    if r is RAISED:
        return
    check_result(r, pdim, bvals, budget, fun, form, is_problem, cform, cb, method)


def check_result(r, dim, bvals, budget, fun, form, is_problem, cform, cb, method):
    assert isinstance(r, optimizers.OptimizeResult), f"expected an OptimizeResult, got {type(r).__name__}"
    x = np.asarray(r.x)
    assert x.shape == (dim,) and x.dtype == np.float64, f"x {x.shape} {x.dtype}"
    assert np.isfinite(x).all(), f"non-finite x {x}"
    lo, hi = bvals
    assert np.all(x >= lo) and np.all(x <= hi), f"x {x} outside the box {lo} {hi}"
    assert isinstance(r.nfev, (int, np.integer)) and 0 <= r.nfev <= budget, f"nfev {r.nfev} (budget {budget})"
    assert r.nit == len(r.history), f"nit {r.nit} != len(history) {len(r.history)}"
    h = np.asarray(r.history, np.float64)
    assert not np.isnan(h).any() and np.all(h[1:] <= h[:-1]), f"best-so-far history not monotone: {h[:8]}"
    fv = float(r.fun)
    assert not math.isnan(fv), "fun is NaN"
    assert bool(r.success) == math.isfinite(fv) or method == "hsm", f"success {r.success} with fun {fv}"
    if cb == "stop" and method != "hsm":
        assert r.nit == 1, f"a callback returning True must stop after the first iteration (nit {r.nit})"
    if math.isfinite(fv) and cform == "none":
        if is_problem:
            f_at = fun.evaluate(x[None])
        else:
            f_at = fun(x) if form == "rows" else fun(x[None])
        f_at = float(np.asarray(f_at, np.float64).reshape(-1)[0])
        assert abs(f_at - fv) <= 1e-9 * max(1.0, abs(fv)), f"fun {fv} is not f(x) {f_at}"
    if cform != "none":
        assert isinstance(r.feasible, bool) and r.max_violation >= 0, "feasibility report"


ASK_OPS = ["good", "good", "good", "nan_some", "inf_all", "huge", "const", "torch_f", "list_f", "f_column",
           "wrong_len_f", "wrong_X", "modified_X", "tell_without_ask", "ask_twice", "f_str", "f_complex",
           "subnormal"]
ASK_ARGS = ["bounds", "popsize", "seed", "x0", "sigma0", "budget"]
ASK_BUDGETS_VALID = [None, None, 100, 1000]
ASK_BUDGETS_ALL = ASK_BUDGETS_VALID + [0, 1, "10", 2.5]


def prop_ask_tell(data):
    method = data.draw(sampled(sorted(SAMPLING)), label="method")
    cls = SAMPLING[method]
    d = data.draw(st.integers(1, 4), label="dim")
    args = Args(data, ASK_ARGS)
    bform = args.pick("bounds", ["cube", "arrays", "list"], MIN_BOUNDS_ALL[2:])
    bounds, bvals = min_bounds(bform, None, None, d)
    popsize = args.pick("popsize", POPSIZE_VALID, POPSIZE_ALL)
    antithetic = data.draw(st.booleans(), label="antithetic")
    seed = args.pick("seed", MIN_SEEDS_VALID, MIN_SEEDS_ALL)
    xform = args.pick("x0", X0_VALID, X0_ALL)
    sigma0 = args.pick("sigma0", SIGMA0_VALID, SIGMA0_ALL)
    budget = args.pick("budget", ASK_BUDGETS_VALID, ASK_BUDGETS_ALL)
    exp = Expect()
    if bvals is None:
        exp.bad((ValueError, TypeError), "bounds", bform)
    x0 = make_x0(xform, d, *(bvals if bvals is not None else (np.full(d, -1.0), np.ones(d))))
    expect_x0(exp, xform)
    expect_optimizer_seed(exp, seed)
    pv = None
    if popsize is not None:
        pv = expect_int(exp, popsize, "popsize", 2, 10 ** 6)
        if pv is not None and antithetic and pv % 2:
            exp.bad(ValueError, "popsize", "odd with antithetic pairs")
    if sigma0 is not None:
        expect_positive(exp, sigma0, "sigma0")
    if antithetic and method == "marginal":
        exp.bad(ValueError, "antithetic", "each of Marginal's samples has its own center")
    if budget is not None:
        bv = expect_int(exp, budget, "budget", 1, 10 ** 9)
        try:
            need = cls(d, bounds, antithetic=antithetic, **({} if popsize is None else {"popsize": popsize})).popsize
        except (ValueError, TypeError):
            need = None  # the bounds or the popsize are bad themselves
        if bv is not None and need is not None and bv < need:
            exp.bad(ValueError, "budget", "below one population")
    kw = dict(popsize=popsize, seed=seed, x0=x0, sigma0=sigma0, budget=budget, antithetic=antithetic)
    desc = (f"{cls.__name__}(dim={d}, bounds={bform}, popsize={popsize!r}, seed={seed!r}, x0={xform}, "
            f"sigma0={sigma0!r}, budget={budget!r}, antithetic={antithetic})")
    opt = run(exp, desc, cls, d, bounds, **kw)
    if opt is RAISED:
        return
    lo, hi = bvals
    shift = np.linspace(-0.5, 0.5, d)
    ops = data.draw(st.lists(sampled(ASK_OPS), min_size=1, max_size=6), label="operations")
    for op in ops:
        nfev0, t0, best0 = opt.nfev, opt.t, opt.best_f
        if op == "tell_without_ask":  # every op before ended with a tell: no population is pending
            e = Expect()
            e.bad(ValueError, "ask", "tell before ask")
            run(e, f"{cls.__name__}.tell without ask", opt.tell, np.zeros((opt.popsize, d)), np.zeros(opt.popsize))
            assert opt.nfev == nfev0 and opt.t == t0, "a rejected tell changed the optimizer"
            continue
        X = call(f"{cls.__name__}.ask op={op}", opt.ask)
        assert isinstance(X, np.ndarray) and X.shape == (opt.popsize, d) and X.dtype == np.float64, brief(X)
        assert np.isfinite(X).all() and np.all(X >= lo) and np.all(X <= hi), "asked points outside the box"
        if op == "ask_twice":
            X = call(f"{cls.__name__}.ask (again)", opt.ask)
        f = ((X - shift) ** 2).sum(1)
        Xt, e = X, Expect()
        if op == "nan_some":
            f[::3] = NAN
        elif op == "inf_all":
            f[:] = INF
        elif op == "huge":
            f = np.where(np.arange(len(f)) % 2 == 0, 1e308, -1e308)
        elif op == "const":
            f[:] = 7.0
        elif op == "subnormal":
            f = f * 5e-324
        elif op == "torch_f" and torch is not None:
            f = torch.from_numpy(f)
        elif op == "list_f":
            f = f.tolist()
        elif op == "f_column":
            f = f[:, None]
        elif op == "wrong_len_f":
            f = f[:-1]
            e.bad(ValueError, "f", "wrong length")
        elif op == "wrong_X":
            Xt = X[:, :0] if d > 1 else X[:1]
            e.bad(ValueError, "X", "not the asked shape")
        elif op == "modified_X":
            Xt = X.copy()
            Xt[0, 0] = (lo[0] + hi[0]) / 2 + 1e-3
            if np.array_equal(Xt, X):
                Xt[0, 0] += 1e-2
            e.bad(ValueError, "X", "not the asked population")
        elif op == "f_str":
            f = np.array(["a"] * len(f))
            e.bad(TypeError, "f", "not numbers")
        elif op == "f_complex":
            f = f.astype(complex)
            e.bad(TypeError, "f", "complex")
        r = run(e, f"{cls.__name__}.tell op={op} popsize={opt.popsize} d={d}", opt.tell, Xt, f)
        if r is RAISED:
            assert opt.nfev == nfev0 and opt.t == t0, "a rejected tell changed the optimizer"
            call(f"{cls.__name__}.tell (the asked population, after the rejected one)", opt.tell, X,
                 ((X - shift) ** 2).sum(1))
        # (the asked population's size: a restart regime may change popsize for the next one)
        assert opt.nfev == nfev0 + len(X) and opt.t == t0 + 1, "tell did not advance by one population"
        m = np.asarray(opt.mean)
        assert m.shape == (d,) and np.isfinite(m).all(), f"non-finite mean {m} after {op}"
        assert np.all(m >= lo) and np.all(m <= hi), f"mean {m} outside the box after {op}"
        assert math.isfinite(opt.sigma) and opt.sigma > 0, f"sigma {opt.sigma} after {op}"
        assert opt.best_f <= best0, "best_f increased"
    res = opt.result
    assert isinstance(res, optimizers.OptimizeResult) and res.nfev == opt.nfev and res.nit == len(res.history)
    assert np.asarray(res.x).shape == (d,) and np.all(res.x >= lo) and np.all(res.x <= hi)


register("optimizers", 300)(prop_minimize)
register("optimizers", 1000)(prop_ask_tell)


# ---- the runner ---------------------------------------------------------------------------------

def _counting(fn, counter):
    def body(data):
        counter["examples"] += 1
        fn(data)
    return body


def main() -> int:
    group, log_path, result_path = sys.argv[1:4]
    faulthandler.enable()
    Log.fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    scale = float(os.environ.get("SCOREOPT_PROPERTY_SCALE", "1"))
    # a fixed seed (printed, and changeable to hunt further): the same examples on every run
    seed = int(os.environ.get("SCOREOPT_PROPERTY_SEED", "13"))
    summary = {"group": group, "hypothesis": hypothesis.__version__, "seed": seed, "properties": []}
    for fn, examples in PROPERTIES[group]:
        n_examples = max(1, int(examples * scale))
        Log.prop = fn.__name__
        calls0, rejected0, t0 = Log.calls, Log.rejected, time.perf_counter()
        counter = {"examples": 0}
        body = _counting(fn, counter)
        test = hypothesis.seed(seed)(settings(
            max_examples=n_examples, database=None, deadline=None, print_blob=False,
            report_multiple_bugs=False,
            # the slow and large examples are the point: 1e5-wide rows, HSM runs, the huge values
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.large_base_example])(given(st.data())(body)))
        entry = {"name": fn.__name__, "max_examples": n_examples}
        try:
            test()
            entry["ok"] = True
        except BaseException as e:  # noqa: BLE001  (a failing property is reported, the others still run)
            if isinstance(e, KeyboardInterrupt):
                raise
            entry["ok"] = False
            entry["error"] = "".join(traceback.format_exception(type(e), e, e.__traceback__))[-6000:]
            notes = getattr(e, "__notes__", [])
            entry["falsifying"] = "\n".join(notes)[-3000:]
        entry["examples"] = counter["examples"]
        entry["calls"] = Log.calls - calls0
        entry["rejected"] = Log.rejected - rejected0
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        entry["slowest_calls"] = sorted(Log.slow, reverse=True)[:5]
        Log.slow = []
        summary["properties"].append(entry)
        print(f"[{group}] {fn.__name__}: {entry['examples']} examples, {entry['calls']} calls "
              f"({entry['rejected']} rejected as documented), "
              f"{entry['seconds']} s, {'ok' if entry['ok'] else 'FAILED'}", flush=True)
    faulthandler.cancel_dump_traceback_later()
    summary["calls"] = Log.calls
    with open(result_path, "w") as fh:
        json.dump(summary, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
