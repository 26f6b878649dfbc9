"""Sampling-based optimizers, each an update rule of the compiled engine, with ask/tell:

>>> opt = DIDA(dim, bounds, popsize=100, seed=0, budget=200_000)
>>> while not opt.stop:
...     X = opt.ask()
...     opt.tell(X, f(X))
>>> opt.result

``SamplingOptimizer`` is the base class for update rules written in Python; HSM (hsm.py) is a
Python optimizer of its own.
"""

from .base import Batch, EngineOptimizer, OptimizeResult, SamplingOptimizer
from .hsm import HSM
from .methods import CDIDA, CEM, DIDA, ES, MBD, MPPI, Marginal

METHODS = {"cdida": CDIDA, "dida": DIDA, "mbd": MBD, "mppi": MPPI, "cem": CEM, "es": ES, "marginal": Marginal, "hsm": HSM}

__all__ = ["HSM", "CDIDA", "DIDA", "MBD", "MPPI", "CEM", "ES", "Marginal", "EngineOptimizer", "SamplingOptimizer", "OptimizeResult",
           "Batch", "METHODS"]
