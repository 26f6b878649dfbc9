"""Sampling-based optimizers on the smoothing engine, each with ask/tell and a fused path:

>>> opt = DIDA(dim, bounds, popsize=100, seed=0, budget=200_000)
>>> while not opt.stop:
...     X = opt.ask()
...     opt.tell(X, f(X))
>>> opt.result
"""

from .base import Batch, OptimizeResult, SamplingOptimizer
from .hsm import HSM
from .methods import CEM, DIDA, ES, MBD, MPPI

METHODS = {"dida": DIDA, "mbd": MBD, "mppi": MPPI, "cem": CEM, "es": ES, "hsm": HSM}

__all__ = ["HSM", "DIDA", "MBD", "MPPI", "CEM", "ES", "SamplingOptimizer", "OptimizeResult", "Batch", "METHODS"]
