"""The :class:`Problem` type: a batched objective with bounds, an optional known optimum and
(where defined) an analytic gradient. Built-in problems run in the compiled core; user
callables run in Python behind the same interface.

Besides the user-facing methods, a Problem offers the steps every evaluation path shares
(``check_bounds``, ``prepare_rows``, ``resolve_params``, ``default_params``, ``finish_rows``):
package-internal, for the subclasses (``glens.robot``) and the code that evaluates problems
without calling ``evaluate`` (the smoothing estimator, the dispatch, the CUDA and Triton paths),
so that they check and convert inputs exactly as ``evaluate`` does."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np

from . import _arrays
from . import _core
from . import _dispatch
from ._validate import real

ArrayLike = Any  # numpy.ndarray, torch.Tensor, or a nested sequence of numbers
Bounds = Tuple[np.ndarray, np.ndarray]


def check_bounds(bounds: Any, dim: int) -> Bounds:
    """(lower, upper), read-only float64 arrays of shape (dim,), from scalars or arrays; a
    ValueError/TypeError naming the defect otherwise."""
    try:
        lower, upper = bounds
    except (TypeError, ValueError):
        raise ValueError("bounds: expected a pair (lower, upper) of scalars or arrays of shape (dim,)") from None
    out = []
    for name, b in (("lower", lower), ("upper", upper)):
        try:
            a = np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"bounds: {name} bound must be numeric") from None
        if a.ndim == 0:
            a = np.full(dim, float(a))
        if a.shape != (dim,):
            raise ValueError(f"bounds: {name} bound must be a scalar or have shape ({dim},), got {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError(f"bounds: {name} bound contains NaN or Inf")
        out.append(a)
    if np.any(out[0] > out[1]):
        i = int(np.argmax(out[0] > out[1]))
        raise ValueError(f"bounds: lower > upper at coordinate {i} ({out[0][i]} > {out[1][i]})")
    out[0].setflags(write=False)
    out[1].setflags(write=False)
    return out[0], out[1]


class Problem:
    """A minimization problem over a box in R^dim, evaluated in batches.

    ``evaluate(X)``: X of shape (N, dim) -> values of shape (N,); X of shape (dim,) -> a scalar.
    ``gradient(X)``: same inputs -> (N, dim) or (dim,). Inputs may be NumPy arrays, CPU torch
    tensors or sequences; see :mod:`scoreopt._arrays` for the conversion rule. Results have the
    input's kind and dtype.
    """

    name: str
    dim: int
    bounds: Bounds
    num_params: int

    def __init__(self, *, name: str, dim: int, bounds: Any, num_params: int = 0,
                 optimum: Optional[float] = None, x_opt: Optional[np.ndarray] = None,
                 params: Any = None):
        self.name = name
        self.dim = int(dim)
        self.bounds = check_bounds(bounds, self.dim)
        self.num_params = int(num_params)
        self._optimum = optimum
        self._x_opt = None if x_opt is None else np.asarray(x_opt, dtype=np.float64)
        self._default_params = None if params is None else self._params_array(params, np.float64, None)

    # -- facts ---------------------------------------------------------------------------
    @property
    def optimum(self) -> Optional[float]:
        """The known minimum value, or None when none is known."""
        return self._optimum

    @property
    def x_opt(self) -> Optional[np.ndarray]:
        """A known minimizer of shape (dim,), or None."""
        return None if self._x_opt is None else self._x_opt.copy()

    @property
    def has_gradient(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"Problem({self.name!r}, dim={self.dim})"

    # -- evaluation ----------------------------------------------------------------------
    def __call__(self, X: ArrayLike, params: ArrayLike = None, backend: str = "auto"):
        return self.evaluate(X, params, backend=backend)

    def evaluate(self, X: ArrayLike, params: ArrayLike = None, backend: str = "auto"):
        """Objective values: X (N, dim) -> (N,), or X (dim,) -> scalar.

        backend: "auto" | "cpu" | "cuda" | "triton" (see :mod:`scoreopt._dispatch`); on "cuda"
        and "triton" the results are torch tensors on X's device."""
        return self._run(X, params, want_grad=False, backend=backend)[0]

    def gradient(self, X: ArrayLike, params: ArrayLike = None, backend: str = "auto"):
        """Analytic gradient: X (N, dim) -> (N, dim), or X (dim,) -> (dim,)."""
        return self._run(X, params, want_grad=True, backend=backend)[1]

    def value_and_gradient(self, X: ArrayLike, params: ArrayLike = None, backend: str = "auto"):
        """Both at once (one pass over X): returns (values, gradients)."""
        return self._run(X, params, want_grad=True, backend=backend)

    # -- shared machinery ----------------------------------------------------------------
    @property
    def default_params(self) -> Optional[np.ndarray]:
        """The parameters bound at construction, (1, num_params) float64, or None."""
        return self._default_params

    def prepare_rows(self, X: ArrayLike) -> Tuple[_arrays.Converted, np.ndarray, bool]:
        """(the converted input, its rows as an (N, dim) array, whether X was a single point);
        ValueError for a wrong shape or an empty batch."""
        src = _arrays.to_array(X, "X")
        a = src.array
        single = a.ndim == 1
        if single:
            a = a.reshape(1, -1)
        if a.ndim != 2:
            raise ValueError(f"X: expected shape (N, {self.dim}) or ({self.dim},), got {a.shape}")
        if a.shape[1] != self.dim:
            raise ValueError(f"X: expected {self.dim} columns (the problem's dim), got shape {tuple(src.array.shape)}")
        if a.shape[0] == 0:
            raise ValueError("X: empty batch; expected at least one row")
        return src, a, single

    def _params_array(self, params: Any, dtype, n: Optional[int]) -> Optional[np.ndarray]:
        if params is None:
            return None
        if self.num_params == 0:
            raise ValueError(f"params: {self.name} takes no parameters")
        p = _arrays.to_array(params, "params").array
        if p.ndim == 1:
            p = p.reshape(1, -1)
        if p.ndim != 2 or p.shape[1] != self.num_params or (n is not None and p.shape[0] not in (1, n)):
            want = f"({self.num_params},)" + ("" if n is None else f" or ({n}, {self.num_params})")
            raise ValueError(f"params: expected shape {want}, got {tuple(np.shape(params))}")
        _arrays.check_finite(p, "params")
        return np.ascontiguousarray(p, dtype=dtype)

    def resolve_params(self, params: Any, dtype, n: int) -> Optional[np.ndarray]:
        """The parameters for n rows: params as (1 or n, num_params) of dtype, else the bound
        default_params, else None for a problem without parameters; ValueError if a parametric
        problem gets none."""
        if params is None and self._default_params is not None:
            return self._default_params.astype(dtype, copy=False)
        if params is None and self.num_params > 0:
            raise ValueError(
                f"params: {self.name} needs {self.num_params} parameter(s) per row, "
                f"shape ({self.num_params},) or (N, {self.num_params}); none given"
            )
        return self._params_array(params, dtype, n)

    def _run(self, X, params, want_grad, backend="auto"):
        raise NotImplementedError


class BuiltinProblem(Problem):
    """A function of the compiled registry (``scoreopt.problems.names()``), optionally wrapped as
    x -> f(scale * M (x - shift)) + bias."""

    def __init__(self, core: "_core.Problem", bounds: Any = None, params: Any = None):
        info = core.info
        self._core = core
        opt = core.known_optimum()
        optimum: Optional[float] = None
        x_opt: Optional[np.ndarray] = None
        if opt is not None:
            optimum, x_opt = opt[0], np.asarray(opt[1], dtype=np.float64)
        if bounds is None:
            bounds = (info["lower"], info["upper"])
        matrix, shift, scale, bias = core.affine()
        if core.has_affine and optimum is not None and x_opt is not None:
            # f(scale M (x - o)) is minimal where scale M (x - o) = z*, i.e. x = o + M^-1 z* / scale
            d = core.dim
            z: Optional[np.ndarray] = x_opt / scale if scale != 0 else None
            if z is None:
                optimum = x_opt = None
            else:
                if matrix:
                    M = np.asarray(matrix, dtype=np.float64).reshape(d, d)
                    try:
                        z = np.linalg.solve(M, z)
                    except np.linalg.LinAlgError:
                        z = None
                if z is None:
                    optimum = x_opt = None
                else:
                    x_opt = z + (np.asarray(shift) if shift else 0.0)
                    optimum = optimum + bias
        super().__init__(name=core.name, dim=core.dim, bounds=bounds, num_params=info["num_params"],
                         optimum=optimum, x_opt=x_opt, params=params)
        self.family: str = info["family"]
        self.smooth: bool = info["smooth"]
        self.description: str = info["description"]
        self.options: dict = dict(core.options)
        self.param_bounds = (np.asarray(info["param_lower"]), np.asarray(info["param_upper"]))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v:g}" for k, v in self.options.items())
        aff = ", affine" if self._core.has_affine else ""
        return f"Problem({self.name!r}, dim={self.dim}{extra}{aff})"

    def affine(self, matrix: ArrayLike = None, shift: ArrayLike = None, scale: float = 1.0,
               bias: float = 0.0) -> "BuiltinProblem":
        """A shifted / rotated / scaled variant: x -> f(scale * matrix @ (x - shift)) + bias.

        matrix: (dim, dim) or None (identity); shift: (dim,) or None (zero)."""
        d = self.dim

        def flat(v, name, shape):
            if v is None:
                return []
            a = np.asarray(_arrays.to_array(v, name).array, dtype=np.float64)
            if a.shape != shape:
                raise ValueError(f"{name}: expected shape {shape}, got {a.shape}")
            _arrays.check_finite(a, name)
            return a.ravel().tolist()

        core = self._core.with_affine(flat(matrix, "matrix", (d, d)), flat(shift, "shift", (d,)),
                                      real(scale, "scale"), real(bias, "bias"))
        return BuiltinProblem(core, bounds=self.bounds, params=self._default_params)

    def _run(self, X, params, want_grad, backend="auto"):
        where = _dispatch.resolve(backend, X)
        if where != "cpu":
            if want_grad and not self.has_gradient:
                raise ValueError(f"gradient: {self.name} has no analytic gradient")
            return _dispatch.run_evaluate(self, X, params, want_grad, where)
        src, a, single = self.prepare_rows(X)
        n = a.shape[0]
        p = self.resolve_params(params, a.dtype, n)
        out = np.empty(n, dtype=a.dtype)
        grad = np.empty_like(a) if want_grad else None
        self._core.evaluate(a, p, out, grad)
        return finish_rows(out, grad, src, single)


class CallableProblem(Problem):
    """A user objective. ``fn`` is called with an (N, dim) batch when ``vectorized`` and must
    return N values; otherwise it is called once per point of shape (dim,) and returns a number.
    The batch is passed in the caller's kind (NumPy array or torch tensor)."""

    def __init__(self, fn: Callable, dim: int, bounds: Any, vectorized: bool = True,
                 gradient: Optional[Callable] = None, name: Optional[str] = None,
                 optimum: Optional[float] = None, x_opt: Any = None):
        if not callable(fn):
            raise TypeError(f"fn: expected a callable, got {type(fn).__name__}")
        if gradient is not None and not callable(gradient):
            raise TypeError(f"gradient: expected a callable or None, got {type(gradient).__name__}")
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool) or dim < 1:
            raise ValueError(f"dim: expected a positive integer, got {dim!r}")
        super().__init__(name=str(name or getattr(fn, "__name__", "callable")), dim=int(dim),
                         bounds=bounds, optimum=optimum, x_opt=x_opt)
        self.fn = fn
        self.vectorized = bool(vectorized)
        self._grad_fn = gradient
        self.family = "callable"
        self.smooth = gradient is not None

    @property
    def has_gradient(self) -> bool:
        return self._grad_fn is not None

    def _call_user(self, a: np.ndarray, src: _arrays.Converted) -> np.ndarray:
        batch = _arrays.like(a, src)
        n = a.shape[0]
        if self.vectorized:
            y = self.fn(batch)
            y = _arrays.to_array(y, "fn(X)").array.reshape(-1) if y is not None else None
            if y is None or y.shape != (n,):
                got = None if y is None else y.shape
                raise ValueError(f"fn: a vectorized objective must return shape ({n},) for a batch of {n}, got {got}")
        else:
            y = np.empty(n, dtype=np.float64)
            for i in range(n):
                v = self.fn(batch[i])
                try:
                    y[i] = float(v)
                except (TypeError, ValueError):
                    raise ValueError(f"fn: expected a number for point {i}, got {type(v).__name__}") from None
        return y.astype(a.dtype, copy=False)

    def _run(self, X, params, want_grad, backend="auto"):
        _dispatch.only_cpu(backend, f"callable problem {self.name!r}")
        if backend == "cpu":
            _dispatch.resolve("cpu", X)  # a device tensor: the clear "move it with X.cpu()" error
        if params is not None:
            raise ValueError(f"params: callable problem {self.name!r} takes no parameters")
        src, a, single = self.prepare_rows(X)
        _arrays.check_finite(a, "X")
        out = self._call_user(a, src)
        grad = None
        if want_grad:
            if self._grad_fn is None:
                raise ValueError(f"gradient: problem {self.name!r} was built without a gradient; "
                                 f"pass gradient=... to problems.from_callable")
            g = _arrays.to_array(self._grad_fn(_arrays.like(a, src)), "gradient(X)").array
            if g.shape != a.shape:
                raise ValueError(f"gradient: expected shape {a.shape}, got {g.shape}")
            grad = np.ascontiguousarray(g, dtype=a.dtype)
        return finish_rows(out, grad, src, single)


def finish_rows(out: np.ndarray, grad: Optional[np.ndarray], src: _arrays.Converted, single: bool):
    """(values, gradients) in the input's kind and dtype, shaped as prepare_rows found it."""
    if single:
        v = _arrays.like(out.reshape(()), src) if src.torch_like is not None else out[0]
        g = None if grad is None else _arrays.like(grad[0], src)
        return v, g
    return _arrays.like(out, src), (None if grad is None else _arrays.like(grad, src))
