"""Judging a proposal and finding the smallest balanced exchange: the searches strategies share.

Every judgement is made with the observer's *perceived* values (exact for itself), so
an exchange balanced in one party's eyes need not be balanced in the other's. Demands
and packages are in :mod:`.demands`, breaches in :mod:`.breaches`.

The searches are pure functions of the observer's view and the state, so their answers
are remembered on the view (runs sharing a :class:`~detente.simulate.tables.Tables` share
them); a strategy calls them like any function and needs to know nothing of that.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.simulate.observation import Observation, Perception, Proposal
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
>>> obs = Observation(0, 5, "A", ("B",), frozenset(), {}, {}, frozenset(), frozenset({"a1", "b1"}),
...     {"A": .5, "B": .5}, "open", True, (), Perception.exact("A", s))
>>> a = assess(obs, Proposal(frozenset({"a1"}), frozenset({"b1"}), by="A"), "A")
>>> a.given, a.received, a.gain, a.balanced(0.0)
(1.0, 2.0, 1.0, True)
>>> sorted(small_exchange(obs, 0.2).moves)
['a1', 'b1']
>>> small_exchange(obs, 0.2) == small_exchange_plain(obs, 0.2)
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from detente.analysis.discounting import stream

from ..observation import Observation, Proposal, Verdict
from ..valuation import lookahead_of, worth
from ._exchange_search import EPS, fast_small_exchange

__all__ = [
    "EPS",
    "Assessment",
    "Verdict",
    "acceptable",
    "asked_parties",
    "assess",
    "exposure_ok",
    "irreversible_sums",
    "judge",
    "margin_value",
    "rational",
    "small_exchange",
    "small_exchange_plain",
]


@dataclass(frozen=True)
class Assessment:
    """A proposal as one party sees it (on its own scale).

    ``given``: the losses it would bear (sum of its negative values of the moves);
    ``received``: the gains (sum of its positive values); ``gain``: the change in its
    per-period utility, interactions included; ``exposure``: what it would give
    irreversibly without irreversible compensation in hand (all of its irreversible
    losses if its moves come first).
    """

    given: float
    received: float
    gain: float
    exposure: float

    def balanced(self, tolerance: float) -> bool:
        """Received at least ``(1 - tolerance)`` times given (DESIGN.md's balanced stage)."""
        return self.received >= (1.0 - tolerance) * self.given - EPS


def _goes_first(party: str, prop: Proposal) -> bool | None:
    """True if ``party``'s moves start before the others', False if after, None if together."""
    if prop.sequence == "together":
        return None
    if prop.sequence == "gives-first":
        return party == prop.by
    return party != prop.by


def irreversible_sums(
    values: Mapping[str, float],
    makers: Mapping[str, str],
    reversible: Mapping[str, bool],
    party: str,
    moves: Iterable[str],
) -> tuple[float, float]:
    """``party``'s irreversible losses among its own ``moves``, and irreversible gains among the others'.

    Exact sums (math.fsum): the same answer whatever order the set of moves is iterated in.
    """
    own: list[float] = []
    theirs: list[float] = []
    for mid in moves:
        if reversible[mid]:
            continue
        v = values[mid]
        if v < 0:
            if makers[mid] == party:
                own.append(-v)
        elif makers[mid] != party:
            theirs.append(v)
    return math.fsum(own), math.fsum(theirs)


def exposure(own_irrev: float, their_irrev: float, first: bool | None) -> float:
    """What a party gives irreversibly without irreversible compensation in hand.

    Together: its irreversible losses less its irreversible gains; if its moves come first,
    all its irreversible losses; if they come last, nothing.
    """
    if first is None:
        return max(0.0, own_irrev - their_irrev)
    return own_irrev if first else 0.0


def assess(obs: Observation, prop: Proposal, party: str) -> Assessment:
    """How ``party`` would see ``prop``, in the eyes of the observer (``obs.me``).

    >>> # see the module docstring
    """
    key = ("assess", obs.me, party, obs.settled, prop.gives, prop.asks, prop.sequence, prop.by)
    return obs.view._remember(key, _assess, obs, prop, party)


def _assess(obs: Observation, prop: Proposal, party: str) -> Assessment:
    values, makers, reversible = obs.view.values[party], obs.view.makers, obs.view.reversible
    moves = prop.moves
    # exact sums (math.fsum): the same answer whatever order the set of moves is iterated in
    given = math.fsum([-values[m] for m in moves if values[m] < 0])
    received = math.fsum([values[m] for m in moves if values[m] >= 0])
    own_irrev, their_irrev = irreversible_sums(values, makers, reversible, party, moves)
    exp = exposure(own_irrev, their_irrev, _goes_first(party, prop))
    return Assessment(given, received, obs.gain(party, moves), exp)


def exposure_ok(obs: Observation, party: str, a: Assessment) -> bool:
    limit = obs.scenario.party(party).exposure_limit
    return limit is None or a.exposure <= limit + EPS


def acceptable(obs: Observation, prop: Proposal, tolerance: float) -> bool:
    """Balanced in the observer's own eyes within ``tolerance``, exposure within its limit (the reciprocity norm).

    The norm alone: :func:`judge` adds individual rationality and the margin.
    """
    a = assess(obs, prop, obs.me)
    return a.balanced(tolerance) and exposure_ok(obs, obs.me, a) and a.received > EPS


NOT_BALANCED = "not balanced"
WORSE = "worse than holding out"
EXPOSURE = "exposure above its limit"
TRUST = "trust below its threshold"
NOTHING = "nothing it values"


def margin_value(obs: Observation, margin: float, party: str | None = None) -> float:
    """``margin`` a period for ever, in ``party``'s discounted value (the scale of :func:`~detente.simulate.valuation.worth`)."""
    who = obs.me if party is None else party
    return margin * obs.view._remember(("annuity", who, obs.horizon), _annuity, obs, who)


def _annuity(obs: Observation, who: str) -> float:
    d = obs.scenario.party(who).discount
    return stream(d, 0, lookahead=lookahead_of(d, obs.horizon))


def judge(obs: Observation, prop: Proposal, *, norm: bool, refusal: str, margin: float) -> Verdict:
    """The response every built-in strategy gives, around its own norm.

    Refused if its exposure would pass its limit, or if the proposal is worth less to it
    than holding out (individual rationality, :func:`~detente.simulate.valuation.worth`);
    otherwise accepted if its norm says so (``norm``), or if the proposal beats holding out
    by ``margin`` a period (so that pressure can make it yield); else refused for ``refusal``.
    """
    a = assess(obs, prop, obs.me)
    if not exposure_ok(obs, obs.me, a):
        return Verdict(False, EXPOSURE)
    gain = worth(obs, prop)
    if gain < -EPS:
        return Verdict(False, WORSE)
    if norm:
        return Verdict(True)
    if a.received > EPS and gain >= margin_value(obs, margin) - EPS:
        return Verdict(True, "beats holding out by its margin")
    return Verdict(False, refusal)


def rational(obs: Observation, prop: Proposal | None, *, only_me: bool = False) -> Proposal | None:
    """``prop`` if every party to it gains over holding out, in the observer's eyes; else ``None``.

    A built-in strategy proposes nothing it would itself refuse as worse than holding out,
    nor (unless ``only_me``, for the coercive strategies) what it expects another party to
    refuse for that reason.
    """
    if prop is None:
        return None
    # worth reads no prop.by (its memo key leaves it out): no copy with the proposer filled in
    if worth(obs, prop) < -EPS:
        return None
    if only_me:
        return prop
    for party in asked_parties(obs, prop):
        if worth(obs, prop, party) < -EPS:
            return None
    return prop


def asked_parties(obs: Observation, prop: Proposal) -> tuple[str, ...]:
    """The parties other than the observer whose moves ``prop`` asks, sorted (remembered per set of moves)."""
    return obs.view._remember(("asked", obs.me, prop.asks), _asked_parties, obs, prop.asks)


def _asked_parties(obs: Observation, asks: frozenset[str]) -> tuple[str, ...]:
    makers = obs.view.makers
    return tuple(sorted({makers[m] for m in asks} - {obs.me}))


def small_exchange(
    obs: Observation,
    tolerance: float,
    *,
    reversible_only: bool = False,
    max_size: int = 2,
) -> Proposal | None:
    """The smallest exchange balanced in both parties' eyes (as the observer sees them).

    One own move for one move of another party first; if no such pair is balanced,
    bundles of up to ``max_size`` moves a side (each with the prerequisites not yet
    settled). "Smallest" means the least value given by the party that gives most (each on
    its own scale); ties go to the candidate whose moves come first in the content order
    (:mod:`detente.model.order`: the moves sorted by it, compared as sequences), never
    by their ids. Each side's
    exposure must stay within its limit. :func:`small_exchange_plain` is the definition,
    written plainly; this is the same search made fast (the tests compare them).
    """
    key = (
        "small_exchange",
        obs.me,
        obs.others,
        obs.settled,
        obs.agenda,
        tolerance,
        reversible_only,
        max_size,
    )
    return obs.view._remember(key, fast_small_exchange, obs, tolerance, reversible_only, max_size)


def small_exchange_plain(
    obs: Observation, tolerance: float, *, reversible_only: bool = False, max_size: int = 2
) -> Proposal | None:
    """:func:`small_exchange`, written plainly: every candidate through :func:`assess` and :func:`exposure_ok`."""
    me, sc = obs.me, obs.scenario
    reversible, rank = obs.view.reversible, obs.view.structure.rank
    for size in range(1, max_size + 1):
        best: tuple[tuple[float, tuple[int, ...]], Proposal] | None = None
        for other in obs.others:
            mine = [
                m
                for m in obs.available(me)
                if obs.value(other, m) > EPS and (not reversible_only or reversible[m])
            ]
            theirs = [
                m
                for m in obs.available(other)
                if obs.value(me, m) > EPS and (not reversible_only or reversible[m])
            ]
            for k_g in range(1, size + 1):
                for k_a in [size] if k_g < size else range(1, size + 1):
                    for g in itertools.combinations(mine, k_g):
                        for a in itertools.combinations(theirs, k_a):
                            moves = sc.closure(set(g) | set(a)) - obs.settled
                            if any(obs.maker(m) not in (me, other) for m in moves):
                                continue
                            gives = frozenset(m for m in moves if obs.maker(m) == me)
                            prop = Proposal(gives, moves - gives, by=me)
                            mine_a, theirs_a = _assess(obs, prop, me), _assess(obs, prop, other)
                            key = (max(mine_a.given, theirs_a.given), tuple(sorted(rank[m] for m in moves)))
                            if best is not None and key >= best[0]:
                                continue
                            if not (mine_a.balanced(tolerance) and theirs_a.balanced(tolerance)):
                                continue
                            if not (exposure_ok(obs, me, mine_a) and exposure_ok(obs, other, theirs_a)):
                                continue
                            if sc.is_feasible(obs.settled | moves):
                                best = (key, prop)
        if best is not None:
            return Proposal(best[1].gives, best[1].asks)
    return None
