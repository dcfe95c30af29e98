"""A procedural model: the agenda setter's best proposal that the decision rule lets pass.

The spatial models of legislative procedure (Romer & Rosenthal 1978 for the agenda
setter; Steunenberg 1994 and Tsebelis & Garrett 2000 for the EU procedures; tested in
Thomson et al., *The European Union Decides*, 2006, ch. 5) take the status quo ``q``
and symmetric preferences: actor ``i`` accepts ``x`` iff ``|x - x_i| <= |q - x_i|``.
A proposal passes when the voters who accept it hold at least the rule's share of
the voting weight (all of it for unanimity, more than half for a simple majority)
and every veto player accepts it. In one dimension the passing proposals form an
interval around ``q`` (the winset); the forecast is the agenda setter's (the lead's)
position clipped to it, or, without a lead, the weighted mean clipped to it. An
issue without a status quo has no forecast here (``nan``).

Examples
--------
>>> from .compromise import _toy
>>> from .data import Draws
>>> d = _toy(np.array([1.0, 1.0, 1.0]))
>>> import dataclasses
>>> d = dataclasses.replace(d, status_quo=0.0, lead=0, votes=np.array([0.0, 1.0, 1.0]))
>>> dr = Draws(np.array([[100.0, 30.0, 80.0]]), np.ones((1, 3)) * 50)
>>> ProceduralModel().predict(d, dr).tolist()   # unanimity: the voter at 30 accepts up to 60
[60.0]
"""

from __future__ import annotations

import numpy as np

from .base import Model
from .data import Draws, IssueData

__all__ = ["ProceduralModel", "winset"]


def _reach(x: np.ndarray, votes: np.ndarray, need: float, strict: bool) -> np.ndarray:
    """Per row, the largest ``t`` such that the voters with ``x >= t`` hold ``need`` of the votes."""
    order = np.argsort(-x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(np.broadcast_to(votes, x.shape)[np.arange(x.shape[0])[:, None], order], axis=1)
    ok = cum > need if strict else cum >= need - 1e-9 * max(need, 1.0)
    k = np.argmax(ok, axis=1)
    return np.where(ok.any(axis=1), xs[np.arange(x.shape[0]), k], -np.inf)


def winset(d: IssueData, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interval ``[left, right]`` of proposals that pass against the status quo, per row of ``x``.

    >>> from .compromise import _toy
    >>> import dataclasses
    >>> d = dataclasses.replace(_toy(np.array([1.0, 1.0, 1.0])), status_quo=50.0, share=0.5,
    ...                         rule="simple-majority")
    >>> l, r = winset(d, np.array([[40.0, 70.0, 90.0]]))
    >>> l.tolist(), r.tolist()   # 70 and 90 accept up to 90; only 40 accepts below 50
    ([50.0], [90.0])
    """
    assert d.status_quo is not None
    q = d.status_quo
    radius = np.abs(q - x)
    right_end = x + radius
    left_end = x - radius
    total = float(d.votes.sum())
    strict = d.rule == "simple-majority"
    if total > 0 and d.share > 0:
        need = d.share * total
        right = _reach(right_end, d.votes, need, strict)
        left = -_reach(-left_end, d.votes, need, strict)
    else:
        right = np.full(x.shape[0], d.hi)
        left = np.full(x.shape[0], d.lo)
    if d.must_accept.any():
        right = np.minimum(right, right_end[:, d.must_accept].min(axis=1))
        left = np.maximum(left, left_end[:, d.must_accept].max(axis=1))
    right = np.clip(np.maximum(right, q), d.lo, d.hi)
    left = np.clip(np.minimum(left, q), d.lo, d.hi)
    return left, right


class ProceduralModel(Model):
    """The lead's position (else the weighted mean) clipped to the winset of the decision rule."""

    name = "procedural"
    title = "Procedural model (agenda setter and decision rule)"
    citation = "Romer & Rosenthal (1978), Public Choice 33(4); Steunenberg (1994), J. Theor. Politics 6(4)"

    def predict(self, d: IssueData, dr: Draws) -> np.ndarray:
        if d.status_quo is None:
            return np.full(dr.samples, np.nan)
        x = dr.position
        if d.lead is not None:
            ideal = x[:, d.lead]
        else:
            w = d.weight[None, :] * dr.salience
            w = np.where(w.sum(axis=1, keepdims=True) > 0, w, 1.0)
            ideal = (w * x).sum(axis=1) / w.sum(axis=1)
        left, right = winset(d, x)
        return np.asarray(np.clip(ideal, left, right))
