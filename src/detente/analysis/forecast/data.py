"""One issue as arrays, and sampled judgements: what every forecast model reads.

A model sees an :class:`IssueData` (one issue of a positions scenario with only the
actors that take a position on it) and a :class:`Draws` (``S`` sampled judgements:
positions and saliences, each of shape ``(S, n)``). Positions are kept on the
issue's own scale; models that need the unit interval use :meth:`IssueData.unit`.

Examples
--------
>>> from detente.model.positions import positions_from_text
>>> ps = positions_from_text('''
... detente: 1
... kind: positions
... id: t
... title: T
... actors: [{id: A, weight: 2}, {id: B, weight: 1}]
... issues:
...   - {id: i, title: I, scale: {low: a, high: b}, status_quo: 10,
...      positions: {A: {position: [0, 10, 20], salience: 50}, B: {position: 90, salience: 100}}}
... ''')
>>> d = issue_data(ps, ps.issues[0])
>>> d.actors, d.weight.tolist(), d.status_quo
(('A', 'B'), [2.0, 1.0], 10.0)
>>> dr = draw(d, 4, np.random.default_rng(0))
>>> dr.position.shape, bool((dr.position[:, 1] == 90).all())
((4, 2), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.model.positions import Issue, PositionsScenario
from detente.model.values import sample_triangular

__all__ = ["Draws", "IssueData", "draw", "issue_data", "weighted_median"]


@dataclass(frozen=True)
class IssueData:
    """One issue as arrays over the ``n`` actors that take a position on it (file order)."""

    id: str
    actors: tuple[str, ...]
    weight: np.ndarray
    """Actor weights (clout, capability), shape ``(n,)``."""
    position: np.ndarray
    """``(3, n)``: low, likely, high positions on the scale."""
    salience: np.ndarray
    """``(3, n)``: low, likely, high saliences, 0-100."""
    lo: float
    hi: float
    status_quo: float | None
    outcome: float | None
    rule: str
    share: float
    """Share of the voters' weight a proposal needs (1 unanimity, 0.5 simple majority, ...)."""
    votes: np.ndarray
    """Voting weight of each actor under the rule (0 for non-voters), shape ``(n,)``."""
    must_accept: np.ndarray
    """Boolean ``(n,)``: veto players (``veto: true`` or the rule's ``vetoes``)."""
    lead: int | None
    """Index of the agenda setter, if any."""
    group: str

    @property
    def n(self) -> int:
        return len(self.actors)

    def unit(self, x: np.ndarray) -> np.ndarray:
        """Positions mapped to [0, 1] by the scale."""
        return (np.asarray(x, dtype=float) - self.lo) / (self.hi - self.lo)

    def scale(self, u: np.ndarray) -> np.ndarray:
        """Unit-interval values mapped back to the scale."""
        return self.lo + np.asarray(u, dtype=float) * (self.hi - self.lo)


@dataclass(frozen=True)
class Draws:
    """``S`` sampled judgements of one issue: positions and saliences (0-100), each ``(S, n)``."""

    position: np.ndarray
    salience: np.ndarray

    @property
    def samples(self) -> int:
        return int(self.position.shape[0])


def issue_data(ps: PositionsScenario, issue: Issue) -> IssueData:
    """The arrays of one issue of ``ps``."""
    ids = tuple(a for a in ps.actor_ids if a in issue.positions)
    actors = {a.id: a for a in ps.actors}
    weight = np.array([actors[a].weight for a in ids], dtype=float)
    entries = [issue.positions[a] for a in ids]
    position = np.array([[getattr(e.position, k) for e in entries] for k in ("low", "likely", "high")])
    salience = np.array([[getattr(e.salience, k) for e in entries] for k in ("low", "likely", "high")])
    rule = issue.decision
    voters = set(rule.voters) if rule.voters is not None else {a for a in ids if a != rule.lead}
    vote_of = rule.votes or {}
    votes = np.array([float(vote_of.get(a, actors[a].weight)) if a in voters else 0.0 for a in ids])
    must = np.array([actors[a].veto or a in rule.vetoes for a in ids], dtype=bool)
    lead = ids.index(rule.lead) if rule.lead in ids else None
    return IssueData(
        id=issue.id,
        actors=ids,
        weight=weight,
        position=position,
        salience=salience,
        lo=issue.scale.min,
        hi=issue.scale.max,
        status_quo=issue.status_quo,
        outcome=issue.outcome.value if issue.outcome is not None else None,
        rule=rule.rule,
        share=rule.share,
        votes=votes,
        must_accept=must,
        lead=lead,
        group=issue.group,
    )


def draw(d: IssueData, samples: int, rng: np.random.Generator, spread: float = 0.0) -> Draws:
    """``samples`` triangular draws of every ranged judgement (points stay put).

    ``spread`` > 0 gives each *point* judgement a symmetric triangular range of that
    half-width, in percent of the scale for positions and in salience points for
    saliences (clipped to the scale and to 0-100): the coding error of data that
    carries no ranges. Positions are drawn first, then saliences, each as one
    ``(samples, n)`` block, so the same generator state gives the same draws.
    """
    width = spread / 100.0 * (d.hi - d.lo)
    pos = _widen(d.position, width, d.lo, d.hi)
    sal = _widen(d.salience, spread, 0.0, 100.0)
    if samples == 1 and spread == 0:
        return Draws(d.position[1][None, :].copy(), d.salience[1][None, :].copy())
    x = sample_triangular(pos[0], pos[1], pos[2], rng, size=samples)
    s = sample_triangular(sal[0], sal[1], sal[2], rng, size=samples)
    return Draws(x, s)


def _widen(v: np.ndarray, width: float, lo: float, hi: float) -> np.ndarray:
    if width <= 0:
        return v
    point = v[0] == v[2]
    low = np.where(point, np.maximum(v[1] - width, lo), v[0])
    high = np.where(point, np.minimum(v[1] + width, hi), v[2])
    return np.stack([low, v[1], high])


def weighted_median(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row-wise weighted median of ``x`` (``(S, n)``) with weights ``w`` (``(S, n)`` or ``(n,)``).

    The smallest position at which the cumulative weight, in order of position,
    reaches half the total (the lower median when a split is exact). Rows whose
    weights are all 0 use equal weights.

    >>> weighted_median(np.array([[0.0, 50.0, 100.0]]), np.array([1.0, 1.0, 3.0])).tolist()
    [100.0]
    >>> weighted_median(np.array([[0.0, 100.0]]), np.array([1.0, 1.0])).tolist()
    [0.0]
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    w = np.broadcast_to(np.asarray(w, dtype=float), x.shape)
    w = np.where(w.sum(axis=1, keepdims=True) > 0, w, 1.0)
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
    half = cum[:, -1:] * 0.5
    k = (cum < half - 1e-12 * cum[:, -1:]).sum(axis=1)
    return xs[np.arange(x.shape[0]), np.minimum(k, x.shape[1] - 1)]
