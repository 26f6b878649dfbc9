"""Two-robot navigation among circular obstacles (GLENS paper, Section 6, eqs. 23-24).

Two unicycle robots, state (p_x, p_y, v, theta), controls u = (a, omega):
p_x' = v cos(theta), p_y' = v sin(theta), v' = a, theta' = omega. Robot 1 starts at
(0, 10, 0, 0) and must reach (10, 0); robot 2 starts at (10, 10, 0, 0) and must reach (0, 0),
both within eps_goal = 0.2, in minimum time t_f, while keeping a distance of r_obs_i + r_robot
(r_robot = 0.2) from both obstacles and 2 r_robot from each other; ``|a|``, ``|omega|`` <= 1 and
0 <= t_f <= 20.

Transcription (forward shooting, as in the paper): [0, t_f] is cut into T = 20 equal intervals,
the controls are constant on each, and the dynamics are integrated by one RK4 step per interval.
Decision vector x (d = 1 + 4 T = 81)::

    x[0]                      t_f
    x[1:].reshape(2, T, 2)    [robot j, interval k] -> (a, omega)

Parameter alpha (P = 6) = (c1_x, c1_y, c2_x, c2_y, r1, r2): the obstacle centres, drawn from
[2, 8]^2, and radii, drawn from [0.5, 1.5] (the paper's ranges; the order of the public code).
The objective is t_f (:class:`RobotProblem`); the constraints (:func:`constraint_values`,
c(x) >= 0) are, on the discretized trajectory's nodes k = 1 ... T:

* goal: eps_goal^2 - ||p_j(T) - goal_j||^2 >= 0                       (2)
* obstacles: ||p_j(k) - c_i||^2 - (r_i + r_robot)^2 >= 0               (2 x 2 x T)
* separation: ||p_1(k) - p_2(k)||^2 - (2 r_robot)^2 >= 0               (T)

Differences from the paper, stated:

* solver: scipy SLSQP (ftol 1e-6, at most 1000 iterations) instead of SNOPT (major
  iteration limit 1000, tolerances 1e-2). A run counts as converged when SLSQP reports success
  and no constraint is violated by more than 1e-4 (the paper keeps runs "verified as local
  optima").
* constraints are imposed in squared-distance form (smooth everywhere) and only at the T + 1
  shooting nodes (the paper: "enforced on the discretized trajectory"), not between them.
* constraint Jacobians are exact complex-step derivatives of the RK4 simulation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dispatch
from .._validate import integer
from ..problem_types import Problem, finish_rows
from . import family_registry
from .families import Family

__all__ = ["RobotProblem", "simulate", "constraint_values", "constraint_jacobian", "robot_family",
           "START", "GOAL", "EPS_GOAL", "R_ROBOT", "TF_MAX", "PARAM_BOUNDS"]

START = np.array([[0.0, 10.0, 0.0, 0.0], [10.0, 10.0, 0.0, 0.0]])  # (robot, state)
GOAL = np.array([[10.0, 0.0], [0.0, 0.0]])
EPS_GOAL = 0.2
R_ROBOT = 0.2
U_MAX = 1.0
TF_MAX = 20.0
PARAM_BOUNDS = (np.array([2.0, 2.0, 2.0, 2.0, 0.5, 0.5]), np.array([8.0, 8.0, 8.0, 8.0, 1.5, 1.5]))
_H = 1e-30  # complex step: derivative = Im f(x + i h e) / h, exact to rounding for any tiny h


def _horizon(dim: int) -> int:
    if dim < 5 or (dim - 1) % 4:
        raise ValueError(f"x: expected dim = 1 + 4 T, got {dim}")
    return (dim - 1) // 4


def _rhs(s, u):
    # s: (..., 4) state, u: (..., 2) control; complex-safe (no abs, no conjugation)
    v, th = s[..., 2], s[..., 3]
    return np.stack([v * np.cos(th), v * np.sin(th), u[..., 0], u[..., 1]], axis=-1)


def simulate(X: Any) -> np.ndarray:
    """Positions of both robots at the T + 1 shooting nodes. X: (B, 1 + 4 T) real or complex
    -> (B, 2, T + 1, 2) [batch, robot, node, (p_x, p_y)]."""
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[None]
    T = _horizon(X.shape[1])
    B = X.shape[0]
    dt = (X[:, 0] / T)[:, None, None]  # (B, 1, 1)
    U = X[:, 1:].reshape(B, 2, T, 2)
    s = np.broadcast_to(START, (B, 2, 4)).astype(X.dtype)
    out = np.empty((B, 2, T + 1, 2), dtype=X.dtype)
    out[:, :, 0] = s[..., :2]
    for k in range(T):
        u = U[:, :, k]
        k1 = _rhs(s, u)
        k2 = _rhs(s + 0.5 * dt * k1, u)
        k3 = _rhs(s + 0.5 * dt * k2, u)
        k4 = _rhs(s + dt * k3, u)
        s = s + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        out[:, :, k + 1] = s[..., :2]
    return out


def _check_alpha(alpha: Any) -> np.ndarray:
    a = np.asarray(alpha, dtype=np.float64)
    if a.shape != (6,):
        raise ValueError(f"alpha: expected shape (6,) = (c1_x, c1_y, c2_x, c2_y, r1, r2), got {a.shape}")
    if not np.isfinite(a).all() or np.any(a[4:] < 0):
        raise ValueError("alpha: expected finite obstacle centres and radii >= 0")
    return a


def _constraints_of_positions(pos, alpha: np.ndarray):
    """pos: (B, 2, T + 1, 2) -> (B, 2 + 5 T) constraint values (>= 0 is feasible)."""
    B = pos.shape[0]
    goal = EPS_GOAL ** 2 - ((pos[:, :, -1] - GOAL) ** 2).sum(-1)  # (B, 2)
    p = pos[:, :, 1:]  # (B, 2, T, 2): the start node is fixed and feasible
    obs = []
    for i in range(2):
        c, r = alpha[2 * i: 2 * i + 2], alpha[4 + i]
        obs.append(((p - c) ** 2).sum(-1) - (r + R_ROBOT) ** 2)  # (B, 2, T)
    sep = ((p[:, 0] - p[:, 1]) ** 2).sum(-1) - (2.0 * R_ROBOT) ** 2  # (B, T)
    return np.concatenate([goal, obs[0].reshape(B, -1), obs[1].reshape(B, -1), sep], axis=1)


def constraint_values(x: Any, alpha: Any) -> np.ndarray:
    """c(x) >= 0 where feasible: x (d,) -> (2 + 5 T,), or x (B, d) -> (B, 2 + 5 T). Order: goal
    (2), obstacle 1 (robot 1 nodes 1..T, robot 2 nodes 1..T), obstacle 2 (same), separation (T)."""
    a = _check_alpha(alpha)
    X = np.asarray(x, dtype=np.float64)
    c = _constraints_of_positions(simulate(X), a)
    return c[0] if X.ndim == 1 else c


def constraint_jacobian(x: Any, alpha: Any) -> np.ndarray:
    """dc/dx (2 + 5 T, d) at one x (d,), by complex-step differentiation (all d directions
    simulated as one batch)."""
    a = _check_alpha(alpha)
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[0]
    Z = np.tile(x.astype(np.complex128), (d, 1))
    Z[np.arange(d), np.arange(d)] += 1j * _H
    return (_constraints_of_positions(simulate(Z), a).imag / _H).T


class RobotProblem(Problem):
    """The objective of the navigation problem, t_f = x[0] (gradient e_0), with the obstacle
    parameters alpha (P = 6) and the box 0 <= t_f <= 20, ``|a|``, ``|omega|`` <= 1. The constraints are
    :func:`constraint_values` (they depend on alpha; the objective does not)."""

    def __init__(self, horizon: int = 20):
        T = integer(horizon, "horizon", 1)
        d = 1 + 4 * T
        lower = np.full(d, -U_MAX)
        upper = np.full(d, U_MAX)
        lower[0], upper[0] = 0.0, TF_MAX
        super().__init__(name="glens.robot", dim=d, bounds=(lower, upper), num_params=6)
        self.horizon = T
        self.family = "glens"
        self.smooth = True
        self.param_bounds = PARAM_BOUNDS

    def __reduce__(self):
        return (RobotProblem, (self.horizon,))

    def _run(self, X, params, want_grad, backend="auto"):
        _dispatch.only_cpu(backend, "the robot navigation objective")
        src, a, single = self.prepare_rows(X)
        self.resolve_params(params, np.float64, a.shape[0])  # validated; t_f does not depend on it
        out = np.ascontiguousarray(a[:, 0])
        grad = None
        if want_grad:
            grad = np.zeros_like(a)
            grad[:, 0] = 1.0
        return finish_rows(out, grad, src, single)


def robot_family(horizon: int = 20):
    """The navigation family: parameters uniform in PARAM_BOUNDS, starts uniform in the
    problem's box, SLSQP with the constraints above."""
    prob = RobotProblem(horizon)

    def constraints(alpha: np.ndarray) -> list:
        a = _check_alpha(alpha)
        return [{"type": "ineq", "fun": lambda x: constraint_values(x, a),
                 "jac": lambda x: constraint_jacobian(x, a)}]

    return Family(name="robot", problem=prob, param_bounds=PARAM_BOUNDS, init_bounds=prob.bounds,
                  solver="slsqp", solver_options={"tol": 1e-6, "max_iter": 1000, "feas_tol": 1e-4},
                  constraints=constraints, variable_bounds=prob.bounds, optimum_tol=2.0)


def _family_for_dim(dim: int):
    if (dim - 1) % 4 != 0 or dim < 5:
        raise ValueError(f"dim: the robot family has dim = 1 + 4 T (T shooting intervals), got {dim}")
    return robot_family(horizon=(dim - 1) // 4)


family_registry.register("robot", _family_for_dim)
