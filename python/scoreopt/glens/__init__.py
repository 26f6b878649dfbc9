"""GLENS (global search via learning from solver iterates): problem families, the
k-neighborhood data set (collection, storage, loading), warm-start evaluation, and the models.

Data side: :mod:`.families`, :mod:`.solvers`, :mod:`.collect`, :mod:`.dataset`,
:mod:`.evaluate`, :mod:`.robot`.
"""

from .families import Family, get_family, FAMILY_NAMES
from .solvers import SolveResult, gradient_descent, lbfgsb, slsqp
from .dataset import KNeighborhood, load, load_optima, load_params
from .collect import collect
