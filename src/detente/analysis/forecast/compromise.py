"""The compromise model: the mean of positions weighted by capability x salience, and its median twin.

Achen (2006) derives the compromise model as the limit of an asymmetric Nash
bargaining solution and finds it the most accurate of the models tested in
*The European Union Decides* (Thomson, Stokman, Achen & König, eds., Cambridge UP,
2006, ch. 4 and 10); van den Bos (1991) and Bueno de Mesquita & Stokman (1994) use
it as the baseline. The median variant is the position of the weighted median
actor (Black's median voter with votes weighted by capability x salience), the
"median voter position" of Bueno de Mesquita (1994).

Examples
--------
>>> import numpy as np
>>> from .data import Draws
>>> x = np.array([[0.0, 50.0, 100.0]]); s = np.array([[100.0, 50.0, 50.0]])
>>> d = _toy(np.array([1.0, 2.0, 1.0]))
>>> WeightedMean().predict(d, Draws(x, s)).tolist()   # (0*100 + 50*100 + 100*50) / 250
[40.0]
>>> WeightedMedian().predict(d, Draws(x, s)).tolist()
[50.0]
"""

from __future__ import annotations

import numpy as np

from .base import Model
from .data import Draws, IssueData, weighted_median

__all__ = ["WeightedMean", "WeightedMedian"]


def _weights(d: IssueData, dr: Draws, capability: float, salience: float) -> np.ndarray:
    w = d.weight[None, :] ** capability * (dr.salience / 100.0) ** salience
    if salience == 0:
        w = np.broadcast_to(d.weight[None, :] ** capability, dr.position.shape)
    return np.where(w.sum(axis=1, keepdims=True) > 0, w, 1.0)


class WeightedMean(Model):
    """Mean of positions weighted by ``weight ** capability * salience ** salience``.

    ``x* = sum_i c_i^a s_i^b x_i / sum_i c_i^a s_i^b``; the compromise model is
    ``a = b = 1`` (Achen 2006). Issues where every weight is 0 use equal weights.
    """

    name = "compromise"
    title = "Weighted mean (compromise model)"
    citation = "Achen (2006), in Thomson, Stokman, Achen & König, The European Union Decides, ch. 4"

    def __init__(self, capability: float = 1.0, salience: float = 1.0) -> None:
        self.capability = capability
        self.salience = salience

    def predict(self, d: IssueData, dr: Draws) -> np.ndarray:
        w = _weights(d, dr, self.capability, self.salience)
        return np.asarray((w * dr.position).sum(axis=1) / w.sum(axis=1))


class WeightedMedian(Model):
    """The weighted median position, weights capability x salience (the median voter)."""

    name = "median"
    title = "Weighted median (median voter)"
    citation = "Black (1948), J. Political Economy 56(1); Bueno de Mesquita (1994), in Stokman (ed.)"

    def predict(self, d: IssueData, dr: Draws) -> np.ndarray:
        return weighted_median(dr.position, _weights(d, dr, 1.0, 1.0))


def _toy(weight: np.ndarray) -> IssueData:
    """A three-actor issue on 0-100 (for the examples)."""
    n = len(weight)
    return IssueData(
        id="toy",
        actors=tuple("ABCDEFGH"[:n]),
        weight=weight,
        position=np.zeros((3, n)),
        salience=np.zeros((3, n)),
        lo=0.0,
        hi=100.0,
        status_quo=None,
        outcome=None,
        rule="unanimity",
        share=1.0,
        votes=weight,
        must_accept=np.zeros(n, dtype=bool),
        lead=None,
        group="",
    )
