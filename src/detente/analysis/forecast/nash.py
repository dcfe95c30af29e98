"""The asymmetric Nash bargaining solution on the issue scale.

Each actor has the quadratic utility ``u_i(x) = -(x - x_i)^2`` and bargaining power
``w_i = c_i s_i`` (capability x salience). With disagreement point ``d`` (the status
quo; without one, each actor's worst point on the scale), the solution maximises

    N(x) = sum_i w_i log((d_i - x_i)^2 - (x - x_i)^2)

over the points every actor prefers to disagreement (Nash 1950; the generalised
form of Harsanyi & Selten 1972). ``N`` is strictly concave there, so the maximiser
is the unique root of ``N'``, found by bisection. When no point is preferred to
the status quo by every actor with positive weight (an actor sits at it), the
solution is the status quo itself. As ``d`` moves far from every position the
solution tends to the compromise model's weighted mean (Achen 2006, in Thomson et
al., *The European Union Decides*, ch. 4).

Examples
--------
>>> from .compromise import _toy
>>> from .data import Draws
>>> d = _toy(np.array([1.0, 1.0]))
>>> dr = Draws(np.array([[30.0, 70.0]]), np.array([[100.0, 100.0]]))
>>> round(float(NashBargaining().predict(d, dr)[0]), 6)   # symmetric: the midpoint
50.0
"""

from __future__ import annotations

import numpy as np

from .base import Model
from .data import Draws, IssueData

__all__ = ["NashBargaining", "nash_objective"]

ITERATIONS = 60


def _disagreement(d: IssueData, x: np.ndarray) -> np.ndarray:
    """Squared distance from each actor to its disagreement point, ``(S, n)``."""
    if d.status_quo is not None:
        return (d.status_quo - x) ** 2
    return np.maximum(x - d.lo, d.hi - x) ** 2


def nash_objective(d: IssueData, dr: Draws, grid: np.ndarray) -> np.ndarray:
    """``N(x)`` of every draw at every grid point, ``(S, G)``; ``-inf`` outside the feasible set.

    >>> from .compromise import _toy
    >>> d = _toy(np.array([1.0, 1.0]))
    >>> dr = Draws(np.array([[30.0, 70.0]]), np.array([[100.0, 100.0]]))
    >>> v = nash_objective(d, dr, np.array([50.0, 60.0]))
    >>> bool(v[0, 0] > v[0, 1])
    True
    """
    x = dr.position[:, None, :]
    w = d.weight[None, None, :] * dr.salience[:, None, :]
    gap = _disagreement(d, dr.position)[:, None, :] - (grid[None, :, None] - x) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(w > 0, w * np.log(np.where(gap > 0, gap, np.nan)), 0.0)
    out = terms.sum(axis=2)
    return np.where(np.isnan(out), -np.inf, out)


class NashBargaining(Model):
    """Asymmetric Nash bargaining solution, quadratic utilities, power capability x salience."""

    name = "nash"
    title = "Nash bargaining solution"
    citation = "Nash (1950), Econometrica 18(2); Achen (2006), in The European Union Decides, ch. 4"

    def predict(self, d: IssueData, dr: Draws) -> np.ndarray:
        x = dr.position
        w = d.weight[None, :] * dr.salience
        w = np.where(w.sum(axis=1, keepdims=True) > 0, w, 1.0)
        reach = np.sqrt(_disagreement(d, x))
        active = w > 0
        left = np.max(np.where(active, x - reach, -np.inf), axis=1)
        right = np.min(np.where(active, x + reach, np.inf), axis=1)
        left = np.maximum(left, d.lo)
        right = np.minimum(right, d.hi)
        lo, hi = left.copy(), right.copy()
        gap0 = reach**2
        for _ in range(ITERATIONS):
            mid = 0.5 * (lo + hi)
            dev = mid[:, None] - x
            with np.errstate(divide="ignore", invalid="ignore"):
                slope = np.where(active, -2.0 * w * dev / (gap0 - dev**2), 0.0).sum(axis=1)
            up = slope > 0
            lo = np.where(up, mid, lo)
            hi = np.where(up, hi, mid)
        sol = 0.5 * (lo + hi)
        if d.status_quo is not None:
            sol = np.where(right - left > 1e-12 * (d.hi - d.lo), sol, d.status_quo)
        return np.asarray(sol)
