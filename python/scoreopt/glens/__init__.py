"""GLENS (global search via learning from solver iterates): problem families, the
k-neighborhood data set (collection, storage, loading), warm-start evaluation, and the models.

The four steps are functions of this package: :func:`collect`, :func:`train`, :func:`sample`,
:func:`evaluate` (modules :mod:`.collection`, :mod:`.training`, :mod:`.sampling`,
:mod:`.evaluation`). Data side: :mod:`.families`, :mod:`.solvers`, :mod:`.dataset`, :mod:`.robot`.
"""

from .families import Family, get_family, FAMILY_NAMES
from .solvers import SolveResult, gradient_descent, lbfgsb, slsqp
from .dataset import KNeighborhood, load, load_optima, load_params
from .collection import collect
from .evaluation import EvalResult, evaluate, uniform_guesses, optima_recovered, plot_samples, plot_k_cdf
from .robot import RobotProblem

# Learning side (PyTorch): models, train, sample (Algorithm 1). Imported on first use so that the
# data side (and `scoreopt --help`) does not pay for importing torch. The modules are named
# unlike the functions, so importing a module never replaces the function of the same name here.
_LEARNING = {"NetConfig": "models", "GlensModel": "models", "UNet1D": "models", "load_model": "models",
             "cosine_schedule": "models", "TrainConfig": "training", "train": "training",
             "sample": "sampling"}


def __getattr__(name):
    if name in _LEARNING:
        import importlib

        return getattr(importlib.import_module(f".{_LEARNING[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LEARNING))
