"""The problem registry: built-in test functions, the GLENS parametric families and user
callables, all behind :class:`scoreopt.Problem`.

>>> import scoreopt
>>> p = scoreopt.problems.get("rastrigin", dim=10)
>>> p(np.zeros((4, 10)))          # (N, dim) -> (N,)
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from . import _core
from ._validate import integer
from .problem_types import BuiltinProblem, CallableProblem, Problem

__all__ = ["get", "glens", "bbob", "cec2017", "from_callable", "names", "info", "Problem"]

GLENS_FAMILIES = ("qp", "himmelblau", "rosenbrock", "levy")


def _all_info():
    return list(_core.registry()) + list(_core.suite_registry())


def names(family: Optional[str] = None) -> List[str]:
    """Registry names, optionally only those of one family ("classic", "glens", "bbob" or
    "cec2017"). Suite functions (bbob.f1 ... bbob.f24) also need an instance:
    ``get(name, dim, instance=k)``; cec2017.f1, cec2017.f3 ... cec2017.f30 take ``data_dir=``."""
    return [i["name"] for i in _all_info() if family is None or i["family"] == family]


def info(name: Optional[str] = None):
    """Metadata (box, dims, options, parameter count) of one function, or of all of them."""
    reg = _all_info()
    if name is None:
        return reg
    for i in reg:
        if i["name"] == name:
            return i
    raise ValueError(f"name: unknown function {name!r}; expected one of: {', '.join(names())}")


def _check_dim(dim: Any) -> int:
    return integer(dim, "dim", None, 2 ** 31 - 1)  # the core's dim is an int


def get(name: str, dim: int, *, bounds: Any = None, params: Any = None, matrix: Any = None,
        shift: Any = None, scale: float = 1.0, bias: float = 0.0, **options: Any) -> BuiltinProblem:
    """A built-in problem by registry name.

    dim: number of coordinates. bounds: (lower, upper) to override the standard box.
    params: default per-row parameters (P,) for parametric families. matrix (dim, dim),
    shift (dim,), scale, bias: the affine wrapper x -> f(scale * matrix @ (x - shift)) + bias.
    options: function options (``info(name)["options"]``), e.g. ``condition`` for ellipsoid;
    for the BBOB names ``bbob.f1`` ... ``bbob.f24``, ``instance=k`` (default 1); for the CEC2017
    names ``cec2017.f1``, ``cec2017.f3`` ... ``cec2017.f30``, ``data_dir=`` (see :func:`cec2017`).
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a string, got {type(name).__name__}")
    # the suites' instances are fixed: any other argument (scale and bias too, which were
    # silently ignored) is an error naming it
    extra = [k for k, v in (("bounds", bounds), ("params", params), ("matrix", matrix), ("shift", shift))
             if v is not None]
    extra += [k for k, v, d in (("scale", scale, 1.0), ("bias", bias, 0.0))
              if not (isinstance(v, (int, float)) and not isinstance(v, bool) and v == d)]
    if name.startswith("bbob.f") and name in names("bbob"):
        instance = options.pop("instance", 1)
        if options or extra:
            raise ValueError(f"options: bbob functions take only instance=...; got {', '.join(extra + sorted(options))}")
        return bbob(int(name[len("bbob.f"):]), instance, dim)
    if name.startswith("cec2017.f") and (name in names("cec2017") or name == "cec2017.f2"):
        data_dir = options.pop("data_dir", None)
        if options or extra:
            raise ValueError(f"options: cec2017 functions take only data_dir=...; got "
                             f"{', '.join(extra + sorted(options))}")
        return cec2017(int(name[len("cec2017.f"):]), dim, data_dir=data_dir)
    dim = _check_dim(dim)
    opts: Dict[str, float] = {}
    for k, v in options.items():
        try:
            opts[k] = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"options: {k} must be a number, got {type(v).__name__}") from None
    p = BuiltinProblem(_core.Problem(name, dim, opts), bounds=bounds, params=params)
    if matrix is not None or shift is not None or scale != 1.0 or bias != 0.0:
        p = p.affine(matrix=matrix, shift=shift, scale=scale, bias=bias)
    return p


def glens(family: str, dim: int, *, params: Any = None, **options: float) -> BuiltinProblem:
    """A GLENS parametric family (paper eqs. 18-22): "qp", "himmelblau", "rosenbrock" or "levy".

    Evaluate with per-row parameters: ``p.evaluate(X, params)`` with params (P,) or (N, P);
    ``params=`` here sets a default. ``p.param_bounds`` is the paper's parameter box."""
    if family not in GLENS_FAMILIES:
        raise ValueError(f"family: unknown GLENS family {family!r}; expected one of: {', '.join(GLENS_FAMILIES)}")
    return get("glens." + family, dim, params=params, **options)


def bbob(function: int, instance: int, dim: int) -> BuiltinProblem:
    """COCO's noiseless bbob ``function`` (1..24), ``instance`` (>= 1), dimension ``dim`` (>= 2)
    on [-5, 5]^dim, with COCO's values; ``optimum`` / ``x_opt`` are f_opt and the minimiser.
    No analytic gradient. See :mod:`scoreopt.suites.bbob`."""
    from .suites import bbob as _bbob  # deferred: the instance generator is only needed here

    return _bbob.bbob(function, instance, dim)


def cec2017(function: int, dim: int, data_dir: Any = None) -> BuiltinProblem:
    """CEC2017 bound-constrained ``function`` (1, 3 ... 30; F2 was withdrawn and raises) in
    dimension ``dim`` (10, 30, 50, 100; 2 and 20 where the official data has them) on
    [-100, 100]^dim, with the values of the organizers' C code; ``optimum`` = 100 * function.
    ``data_dir``: folder of the official data files (default: the copy opfunu ships).
    No analytic gradient. See :mod:`scoreopt.suites.cec2017`."""
    from .suites import cec2017 as _cec2017

    return _cec2017.cec2017(function, dim, data_dir=data_dir)


def from_callable(fn: Callable, dim: int, bounds: Any, vectorized: bool = True, *,
                  gradient: Optional[Callable] = None, name: Optional[str] = None,
                  optimum: Optional[float] = None, x_opt: Any = None) -> CallableProblem:
    """Wrap a Python objective. vectorized=True: fn(X (N, dim)) -> (N,); False: fn(x (dim,)) ->
    number. gradient: optional callable with fn's batch convention returning (N, dim)."""
    return CallableProblem(fn, _check_dim(dim), bounds, vectorized=vectorized, gradient=gradient,
                           name=name, optimum=optimum, x_opt=x_opt)
