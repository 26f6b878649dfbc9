"""GLENS (global search via learning from solver iterates): problem families, the
k-neighborhood data set (collection, storage, loading), warm-start evaluation, and the models.

Data side: :mod:`.families`, :mod:`.solvers`, :mod:`.collect`, :mod:`.dataset`,
:mod:`.evaluate`, :mod:`.robot`.
"""

from .families import Family, get_family, FAMILY_NAMES
from .solvers import SolveResult, gradient_descent, lbfgsb, slsqp
from .dataset import KNeighborhood, load, load_optima, load_params
from .collect import collect
from .evaluate import EvalResult, evaluate, uniform_guesses, optima_recovered, plot_samples, plot_k_cdf
from .robot import RobotProblem

# Learning side (PyTorch): models, training (scoreopt.glens.train.train), Algorithm 1 sampling
# (scoreopt.glens.sample.sample). Imported on first use so that the data side (and `scoreopt
# --help`) does not pay for importing torch; the functions train/sample stay in their modules
# (a package attribute of that name would be replaced by the submodule on its import).
_LEARNING = {"NetConfig": "models", "GlensModel": "models", "UNet1D": "models", "load_model": "models",
             "cosine_schedule": "models", "TrainConfig": "train"}


def __getattr__(name):
    if name in _LEARNING:
        import importlib

        return getattr(importlib.import_module(f".{_LEARNING[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
