"""Demands and packages: what a demanding or time-based strategy asks, and the offer at a level.

Pure searches over the observer's view and the state, remembered on the view like those of
:mod:`.offers`.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.simulate.observation import Observation, Perception
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}},
...               {"id": "b2", "by": "B", "title": "b2", "value": {"A": 1, "B": -3}}]})
>>> obs = Observation(0, 5, "A", ("B",), frozenset(), {}, {}, frozenset(), frozenset({"a1", "b1", "b2"}),
...     {"A": .5, "B": .5}, "open", True, (), Perception.exact("A", s))
>>> sorted(best_demand(obs)), sorted(package_at(obs, 1.5).moves)
(['b1', 'b2'], ['a1', 'b1', 'b2'])
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..observation import Observation, Proposal, Sequencing
from .offers import EPS, exposure, irreversible_sums

__all__ = ["best_demand", "own_gain", "package_at", "within_exposure"]


def best_demand(obs: Observation) -> frozenset[str]:
    """Every move of the others on the agenda that the observer values, kept feasible (file order)."""
    key = ("best_demand", obs.me, obs.others, obs.settled, obs.agenda)
    return obs.view._remember(key, _best_demand, obs)


def _best_demand(obs: Observation) -> frozenset[str]:
    # ``chosen`` is always ``closure(...) - settled``, so ``complete(chosen | {m})`` is
    # ``chosen | (closures[m] - settled)``; "no move of the observer" is disjointness from its moves
    me, settled, structure = obs.me, obs.settled, obs.view.structure
    values, closures, own = obs.view.values[me], structure.closures, structure.own.get(me, _NONE)
    chosen: frozenset[str] = frozenset()
    for other in obs.others:
        for m in structure.available(other, settled, obs.agenda):
            if values[m] <= EPS:
                continue
            cand = chosen | (closures[m] - settled)
            if cand.isdisjoint(own) and structure.feasible(settled | cand):
                chosen = cand
    return chosen


_NONE: frozenset[str] = frozenset()


def within_exposure(obs: Observation, asks: frozenset[str]) -> frozenset[str]:
    """``asks`` less the irreversible demands that would take a party past its exposure limit.

    For each other party, its irreversible asked moves are dropped (those the observer values
    least per unit of that party's cost first, with whatever requires them) until their total
    cost, in the observer's view of that party's values, is within the party's limit. Ties
    go to the content order (:attr:`~detente.simulate.structure.Structure.rank`), never to ids.
    """
    key = ("within_exposure", obs.me, obs.others, asks)
    return obs.view._remember(key, _within_exposure, obs, asks)


def _within_exposure(obs: Observation, asks: frozenset[str]) -> frozenset[str]:
    sc, view = obs.scenario, obs.view
    makers, reversible, closures = view.makers, view.reversible, view.structure.closures
    rank = view.structure.rank
    mine = view.values[obs.me]
    out = set(asks)
    for other in obs.others:
        limit = sc.party(other).exposure_limit
        if limit is None:
            continue
        theirs = view.values[other]

        def cost(m: str, theirs: Mapping[str, float] = theirs) -> float:
            return max(0.0, -theirs[m])

        irrev = [m for m in out if makers[m] == other and not reversible[m] and cost(m) > EPS]
        irrev.sort(key=lambda m: (mine[m] / cost(m), rank[m]))
        while irrev and math.fsum([cost(m) for m in irrev]) > limit + EPS:
            drop = irrev.pop(0)
            gone = {drop} | {m for m in out if drop in closures[m]}  # closures[m] = sc.closure([m])
            out -= gone
            irrev = [m for m in irrev if m not in gone]
    return frozenset(out)


def package_at(obs: Observation, level: float, sequence: Sequencing = "together") -> Proposal | None:
    """The offer most generous to the others that still gives the observer a gain of ``level``.

    Starts from :func:`best_demand` (within the others' exposure limits, see
    :func:`within_exposure`), adds own concessions (best ratio of the others'
    perceived gain to own cost first, each only if the observer's own exposure stays within
    its limit) and then drops demands (least valued first) while the observer's gain stays
    at or above ``level``. Ties in either order go to the content order
    (:mod:`detente.model.order`), never to the ids. ``None`` if even the best
    demand falls short of ``level`` or nothing is left to ask.
    """
    # Remembered per state as intervals of ``level - EPS``: every test the search makes compares
    # a gain with that number, so any level whose ``level - EPS`` lies where the first one's did
    # (between the largest gain found below it and the smallest found at or above it) takes
    # the same path and gets the same answer. (A time-based strategy asks a new level each period.)
    key = ("package_at", obs.me, obs.others, obs.settled, obs.agenda, sequence)
    known: list[tuple[float, float, Proposal | None]] = obs.view._remember(key, list)
    x = level - EPS
    for lo, hi, answer in known:
        if lo < x <= hi:
            return answer
    bounds = _Bounds(x)
    answer = _package_at(obs, bounds, sequence)
    if len(known) < 256:
        known.append((bounds.lo, bounds.hi, answer))
    return answer


class _Bounds:
    """Compares gains with ``x`` and keeps the interval ``(lo, hi]`` of ``x`` giving the same verdicts."""

    __slots__ = ("hi", "lo", "x")

    def __init__(self, x: float) -> None:
        self.x, self.lo, self.hi = x, -math.inf, math.inf

    def below(self, gain: float) -> bool:
        """``gain < x``, recording what it says about ``x``."""
        if gain < self.x:
            self.lo = max(self.lo, gain)
            return True
        self.hi = min(self.hi, gain)
        return False


def _package_offers(obs: Observation) -> list[str]:
    """Own concessions the others value, best ratio of their gain to own cost first (then content order)."""
    mine = obs.view.values[obs.me]
    theirs = [obs.view.values[o] for o in obs.others]
    rank = obs.view.structure.rank
    worth = {}
    for m in obs.view.structure.available(obs.me, obs.settled, obs.agenda):
        value = math.fsum([max(0.0, v[m]) for v in theirs])  # exact: the same in any order of the parties
        if value > EPS:
            worth[m] = value
    offers = list(worth)
    offers.sort(key=lambda m: (-worth[m] / max(EPS, -mine[m]), rank[m]))
    return offers


def own_gain(obs: Observation, moves: frozenset[str]) -> float:
    """``obs.gain(obs.me, moves)``, remembered per state (package_at tries the same packages each period)."""
    key = ("gain", obs.me, obs.settled, moves)
    return obs.view._remember(key, obs.gain, obs.me, moves)


def _package_step(obs: Observation, cand: frozenset[str], sequence: Sequencing) -> tuple[bool, float, bool]:
    """Whether ``cand`` is feasible, its gain to the observer, and whether its exposure is within the limit."""
    return obs.view._remember(
        ("package_step", obs.me, obs.settled, cand, sequence), _step, obs, cand, sequence
    )


def _step(obs: Observation, cand: frozenset[str], sequence: Sequencing) -> tuple[bool, float, bool]:
    """:func:`_package_step` computed: the exposure is :func:`.offers.assess`'s for ``cand`` proposed by the observer."""
    me, view = obs.me, obs.view
    own_irrev, their_irrev = irreversible_sums(view.values[me], view.makers, view.reversible, me, cand)
    first = (
        None if sequence == "together" else sequence == "gives-first"
    )  # the proposer's moves first, or last
    exp = exposure(own_irrev, their_irrev, first)
    limit = view.scenario.party(me).exposure_limit
    return obs.feasible(cand), own_gain(obs, cand), limit is None or exp <= limit + EPS


def _package_at(obs: Observation, bounds: _Bounds, sequence: Sequencing) -> Proposal | None:
    """:func:`package_at` computed, every test of a gain against ``level - EPS`` made by ``bounds``."""
    me = obs.me
    asks = within_exposure(obs, best_demand(obs))
    if not asks or bounds.below(obs.gain(me, asks)):
        return None
    pkg = set(asks)
    key = ("package_offers", me, obs.others, obs.settled, obs.agenda)
    offers: list[str] = obs.view._remember(key, _package_offers, obs)
    structure, settled = obs.view.structure, obs.settled
    closures = structure.closures
    for m in offers:
        cand = frozenset(pkg | (closures[m] - settled))  # pkg | obs.complete({m})
        feasible, gain, exposure = _package_step(obs, cand, sequence)
        if not feasible or bounds.below(gain):
            continue
        if exposure:
            pkg = set(cand)
    # drop demands, least valued first, that no other move of the package requires, while the
    # package still asks something (is not a subset of the observer's own moves)
    values, required_by, own = obs.view.values[me], structure.required_by, structure.own.get(me, _NONE)
    rank = structure.rank
    for m in sorted(asks, key=lambda m: (values[m], rank[m])):
        if not required_by[m].isdisjoint(pkg):
            continue
        rest = frozenset(pkg - {m})
        if not rest <= own and not bounds.below(own_gain(obs, rest)):
            pkg = set(rest)
    ms = frozenset(pkg)
    gives = ms & own
    return Proposal(gives, ms - gives, sequence)


def initiative(obs: Observation, step: float) -> frozenset[str] | None:
    """The observer's cheapest concession that the others value (reversible first), costing at most ``step`` x scale.

    The scale is its exposure limit, or its largest single concession's cost when it has
    none; each candidate comes with its unsettled prerequisites (all its own); equal ones go to
    the content order (:mod:`detente.model.order`). ``None`` if
    none fits (GRIT's initiative, :class:`~detente.simulate.strategies.reciprocity.Grit`).
    """
    key = ("initiative", obs.me, obs.others, obs.settled, obs.agenda, step)
    return obs.view._remember(key, _initiative, obs, step)


def _initiative(obs: Observation, step: float) -> frozenset[str] | None:
    me, view = obs.me, obs.view
    structure, values = view.structure, view.values
    own, mine = structure.own.get(me, _NONE), values[me]
    theirs = [values[o] for o in obs.others]
    candidates = []
    for mid in structure.available(me, obs.settled, obs.agenda):  # = obs.available(me)
        moves = obs.complete({mid})
        if not moves <= own or not obs.feasible(moves):  # another party's move, or infeasible
            continue
        if not any(v[m] > EPS for v in theirs for m in moves):
            continue
        cost = math.fsum([max(0.0, -mine[m]) for m in moves])  # exact: the same in any set order
        reversible = all(structure.reversible[m] for m in moves)
        candidates.append((not reversible, cost, structure.rank[mid], moves))
    if not candidates:
        return None
    limit = obs.scenario.party(me).exposure_limit
    scale = limit if limit else max(c[1] for c in candidates)
    cap = step * scale
    fitting = sorted(c for c in candidates if c[1] <= cap + EPS)
    return fitting[0][3] if fitting else None
