"""Building blocks the built-in strategies share: judging a proposal, finding small exchanges.

Every judgement is made with the observer's *perceived* values (exact for itself), so
an exchange balanced in one party's eyes need not be balanced in the other's.

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
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..observation import Observation, Proposal, Sequencing
from ..trace import AFTER_BREACH

__all__ = [
    "Assessment",
    "Tracker",
    "acceptable",
    "assess",
    "best_demand",
    "exposure_ok",
    "package_at",
    "profitable_breaches",
    "renege_pays",
    "small_exchange",
    "within_exposure",
]

EPS = 1e-9
_T = TypeVar("_T")


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


def assess(obs: Observation, prop: Proposal, party: str) -> Assessment:
    """How ``party`` would see ``prop``, in the eyes of the observer (``obs.me``); remembered per state."""
    key = ("assess", obs.me, party, obs.settled, prop.gives, prop.asks, prop.sequence, prop.by)
    return _memo(obs, key, _assess, obs, prop, party)


def _assess(obs: Observation, prop: Proposal, party: str) -> Assessment:
    values, makers, reversible = obs.view.values[party], obs.view.makers, obs.view.reversible
    # exact sums (math.fsum): the same answer whatever order the set of moves is iterated in
    gives: list[float] = []
    gets: list[float] = []
    own: list[float] = []
    theirs: list[float] = []
    for mid in prop.moves:
        v = values[mid]
        if v < 0:
            gives.append(-v)
            if makers[mid] == party and not reversible[mid]:
                own.append(-v)
        else:
            gets.append(v)
            if makers[mid] != party and not reversible[mid]:
                theirs.append(v)
    given, received = math.fsum(gives), math.fsum(gets)
    own_irrev, their_irrev = math.fsum(own), math.fsum(theirs)
    first = _goes_first(party, prop)
    exposure = max(0.0, own_irrev - their_irrev) if first is None else (own_irrev if first else 0.0)
    return Assessment(given, received, obs.gain(party, prop.moves), exposure)


def exposure_ok(obs: Observation, party: str, a: Assessment) -> bool:
    limit = obs.scenario.party(party).exposure_limit
    return limit is None or a.exposure <= limit + EPS


def acceptable(obs: Observation, prop: Proposal, tolerance: float) -> bool:
    """Balanced in the observer's own eyes within ``tolerance``, exposure within its limit."""
    a = assess(obs, prop, obs.me)
    return a.balanced(tolerance) and exposure_ok(obs, obs.me, a) and a.received > EPS


def _split(obs: Observation, moves: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    ms = frozenset(moves)
    gives = frozenset(m for m in ms if obs.maker(m) == obs.me)
    return gives, ms - gives


def small_exchange(
    obs: Observation,
    tolerance: float,
    *,
    reversible_only: bool = False,
    max_size: int = 2,
) -> Proposal | None:
    """The smallest exchange balanced in both parties' eyes (as the observer sees them).

    One own move for one move of another party first; if no such pair is balanced,
    bundles of up to ``max_size`` moves a side. "Smallest" means the least value given
    by the party that gives most (each on its own scale); ties go to the first ids.
    Each side's exposure must stay within its limit.

    The answer depends only on the observer's view, the parties, what is settled and the
    agenda, so it is remembered per view (:attr:`~detente.simulate.observation.Perception.memo`).
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
    return _memo(obs, key, _small_exchange, obs, tolerance, reversible_only, max_size)


_MISSING = object()
_MEMO_LIMIT = 20_000  # entries per view, so that a long-lived process stays bounded


def _memo(obs: Observation, key: tuple[object, ...], compute: Callable[..., _T], *args: Any) -> _T:
    """``compute(*args)``, remembered in the observer's view under ``key`` (a pure function of it)."""
    memo = obs.view.memo
    out = memo.get(key, _MISSING)
    if out is not _MISSING:
        return out  # type: ignore[return-value]
    out = compute(*args)
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = out
    return out


def _small_exchange(
    obs: Observation, tolerance: float, reversible_only: bool, max_size: int
) -> Proposal | None:
    # The search of the docstring, with look-ups instead of Proposal and Assessment objects:
    # the same candidates, the same tests (assess's sums, balanced, exposure_ok, feasible),
    # the same order of preference (tests compare it with the straightforward search).
    me, view, settled = obs.me, obs.view, obs.settled
    makers, reversible, structure = view.makers, view.reversible, view.structure
    closed = structure.closed  # closure of each tuple of seeds, shared by the scenarios of this structure
    sc = view.scenario
    keep = 1.0 - tolerance
    for size in range(1, max_size + 1):
        best_key: tuple[float, tuple[str, ...]] | None = None
        best_moves: frozenset[str] = frozenset()
        for other in obs.others:
            v_me, v_other = view.values[me], view.values[other]
            lim_me, lim_other = sc.party(me).exposure_limit, sc.party(other).exposure_limit
            mine = [
                m
                for m in structure.available(me, settled, obs.agenda)
                if v_other[m] > EPS and (not reversible_only or reversible[m])
            ]
            theirs = [
                m
                for m in structure.available(other, settled, obs.agenda)
                if v_me[m] > EPS and (not reversible_only or reversible[m])
            ]
            seen: set[tuple[str, ...]] = set()
            # a lower bound of a candidate's key: each side gives at least each of its moves' cost
            # (a sum of non-negative terms is at least each term, in floating point too)
            least = {m: max(0.0, -v_me[m], -v_other[m]) for m in (*mine, *theirs)}
            for k_g in range(1, size + 1):
                k_a = size if k_g < size else None
                for a_sizes in [size] if k_a else range(1, size + 1):
                    asked = [(a, max([least[m] for m in a])) for a in itertools.combinations(theirs, a_sizes)]
                    for g in itertools.combinations(mine, k_g):
                        least_g = max([least[m] for m in g])
                        for a, least_a in asked:
                            # max over the seeds g + a, as max of the two maxima (the same number)
                            if best_key is not None and max(least_g, least_a) > best_key[0]:
                                continue  # its key is above the best one: it would be skipped below
                            seeds = g + a
                            closure = closed.get(seeds)
                            if closure is None:
                                if len(closed) >= _CLOSED_LIMIT:
                                    closed.clear()
                                closure = closed[seeds] = tuple(sorted(structure.closure(seeds)))
                            # the candidate's moves, sorted: the key's ids, and the order of the
                            # sums below (a set's order differs between processes; sums of three
                            # or more values can differ in the last bit with the order)
                            ids = tuple([m for m in closure if m not in settled])
                            if ids in seen:
                                continue  # the same candidate reached from other seeds: same verdict
                            seen.add(ids)
                            # assess() for both sides at once (sequence "together")
                            g_me = r_me = own_me = their_me = 0.0
                            g_ot = r_ot = own_ot = their_ot = 0.0
                            foreign = False
                            for mid in ids:
                                by = makers[mid]
                                if by != me and by != other:
                                    foreign = True
                                    break
                                rev = reversible[mid]
                                v = v_me[mid]
                                w = v_other[mid]
                                if v < 0:
                                    g_me -= v
                                    if by == me and not rev:
                                        own_me -= v
                                else:
                                    r_me += v
                                    if by != me and not rev:
                                        their_me += v
                                if w < 0:
                                    g_ot -= w
                                    if by == other and not rev:
                                        own_ot -= w
                                else:
                                    r_ot += w
                                    if by != other and not rev:
                                        their_ot += w
                            if foreign:
                                continue
                            # key = (cost, ids), compared with the best key as tuples are
                            cost = max(g_me, g_ot)
                            if best_key is not None:
                                best_cost = best_key[0]
                                if cost is best_cost or cost == best_cost:
                                    if ids >= best_key[1]:
                                        continue
                                elif cost >= best_cost:
                                    continue
                            if not (r_me >= keep * g_me - EPS and r_ot >= keep * g_ot - EPS):
                                continue
                            if lim_me is not None and max(0.0, own_me - their_me) > lim_me + EPS:
                                continue
                            if lim_other is not None and max(0.0, own_ot - their_ot) > lim_other + EPS:
                                continue
                            if structure.feasible(settled.union(ids)):
                                best_key, best_moves = (cost, ids), frozenset(ids)
        if best_key is not None:
            gives = frozenset(m for m in best_moves if makers[m] == me)
            return Proposal(gives, best_moves - gives)
    return None


_CLOSED_LIMIT = 50_000  # tuples of seeds per structure


def best_demand(obs: Observation) -> frozenset[str]:
    """Every move of the others on the agenda that the observer values, kept feasible (file order)."""
    key = ("best_demand", obs.me, obs.others, obs.settled, obs.agenda)
    return _memo(obs, key, _best_demand, obs)


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
    cost, in the observer's view of that party's values, is within the party's limit.
    """
    key = ("within_exposure", obs.me, obs.others, asks)
    return _memo(obs, key, _within_exposure, obs, asks)


def _within_exposure(obs: Observation, asks: frozenset[str]) -> frozenset[str]:
    sc, view = obs.scenario, obs.view
    makers, reversible, closures = view.makers, view.reversible, view.structure.closures
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
        irrev.sort(key=lambda m: (mine[m] / cost(m), m))
        while irrev and sum(cost(m) for m in irrev) > limit + EPS:
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
    at or above ``level``. ``None`` if even the best
    demand falls short of ``level`` or nothing is left to ask.
    """
    # Remembered per state as intervals of ``level - EPS``: every test the search makes compares
    # a gain with that number, so any level whose ``level - EPS`` lies where the first one's did
    # (between the largest gain found below it and the smallest found at or above it) takes
    # the same path and gets the same answer. (A time-based strategy asks a new level each period.)
    key = ("package_at", obs.me, obs.others, obs.settled, obs.agenda, sequence)
    known: list[tuple[float, float, Proposal | None]] = _memo(obs, key, list)
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
    """Own concessions the others value, best ratio of their gain to own cost first."""
    mine = obs.view.values[obs.me]
    theirs = [obs.view.values[o] for o in obs.others]
    worth = {}
    for m in obs.view.structure.available(obs.me, obs.settled, obs.agenda):
        value = sum(max(0.0, v[m]) for v in theirs)  # the others' values, in their order
        if value > EPS:
            worth[m] = value
    offers = list(worth)
    offers.sort(key=lambda m: (-worth[m] / max(EPS, -mine[m]), m))
    return offers


def _gain(obs: Observation, moves: frozenset[str]) -> float:
    """``obs.gain(obs.me, moves)``, remembered per state (package_at tries the same packages each period)."""
    key = ("gain", obs.me, obs.settled, moves)
    return _memo(obs, key, obs.gain, obs.me, moves)


def _package_step(obs: Observation, cand: frozenset[str], sequence: Sequencing) -> tuple[bool, float, bool]:
    """Whether ``cand`` is feasible, its gain to the observer, and whether its exposure is within the limit."""
    return _memo(obs, ("package_step", obs.me, obs.settled, cand, sequence), _step, obs, cand, sequence)


def _step(obs: Observation, cand: frozenset[str], sequence: Sequencing) -> tuple[bool, float, bool]:
    """:func:`_package_step` computed.

    The exposure is ``exposure_ok(obs, me, assess(obs, Proposal(gives, asks, sequence, by=me), me))``
    for ``cand`` split into own moves and the others': only :func:`_assess`'s two sums of
    irreversible moves (the gain is :func:`_gain`'s, remembered apart).
    """
    me, view = obs.me, obs.view
    values, makers, reversible = view.values[me], view.makers, view.reversible
    own: list[float] = []
    theirs: list[float] = []
    for mid in cand:
        if reversible[mid]:
            continue
        v = values[mid]
        if v < 0:
            if makers[mid] == me:
                own.append(-v)
        elif makers[mid] != me:
            theirs.append(v)
    own_irrev = math.fsum(own)
    if sequence == "together":
        exposure = max(0.0, own_irrev - math.fsum(theirs))
    else:  # the proposer's moves first ("gives-first"), or last
        exposure = own_irrev if sequence == "gives-first" else 0.0
    limit = view.scenario.party(me).exposure_limit
    return obs.feasible(cand), _gain(obs, cand), limit is None or exposure <= limit + EPS


def _package_at(obs: Observation, bounds: _Bounds, sequence: Sequencing) -> Proposal | None:
    """:func:`package_at` computed, every test of a gain against ``level - EPS`` made by ``bounds``."""
    me = obs.me
    asks = within_exposure(obs, best_demand(obs))
    if not asks or bounds.below(obs.gain(me, asks)):
        return None
    pkg = set(asks)
    key = ("package_offers", me, obs.others, obs.settled, obs.agenda)
    offers: list[str] = _memo(obs, key, _package_offers, obs)
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
    for m in sorted(asks, key=lambda m: (values[m], m)):
        if not required_by[m].isdisjoint(pkg):
            continue
        rest = frozenset(pkg - {m})
        if not rest <= own and not bounds.below(_gain(obs, rest)):
            pkg = set(rest)
    ms = frozenset(pkg)
    gives = ms & own
    return Proposal(gives, ms - gives, sequence)


def renege_pays(
    saved: float, at_stake: float, *, discount: float, detection: float, periods: int, lag: int = 0
) -> bool:
    """Whether covertly reversing a committed move pays in expectation.

    The move costs its maker ``saved`` per period while in force; reversing it saves that
    from ``lag`` periods on. The maker expects the other side to withdraw what it gave in
    the same deal (``at_stake`` per period to the maker) from the period after the breach
    is found out, found out with probability ``detection`` each period (the period of the
    breach included). Over ``periods`` periods with per-period ``discount`` ``d``:

    ``gain = saved * sum_{k=lag}^{periods-1} d**k``,
    ``loss = at_stake * sum_{k=1}^{periods-1} d**k * (1 - (1 - detection)**k)``;

    it pays if ``gain > loss``. (This is the inspectee's side of an inspection game,
    Avenhaus, von Stengel & Zamir 2002, with the penalty being the partner's withdrawal.)

    >>> renege_pays(1.0, 2.0, discount=0.95, detection=1.0, periods=20)
    False
    >>> renege_pays(1.0, 2.0, discount=0.95, detection=0.0, periods=20)
    True
    """
    gain = saved * sum(discount**k for k in range(lag, periods))
    loss = at_stake * sum(discount**k * (1.0 - (1.0 - detection) ** k) for k in range(1, periods))
    return gain > loss + EPS


def profitable_breaches(obs: Observation) -> frozenset[str]:
    """Own committed moves in force whose covert reversal pays (see :func:`renege_pays`)."""
    me, sc = obs.me, obs.scenario
    out = set()
    for mid in obs.reversible_in_force(me):
        cost = -obs.value(me, mid)
        if mid not in obs.committed or cost <= EPS:
            continue
        deal = next((d for d in reversed(obs.deals) if mid in d), frozenset())
        at_stake = math.fsum(  # exact, so the same whatever order the deal's set is iterated in
            obs.value(me, x)
            for x in deal
            if obs.maker(x) != me and x in obs.in_force and sc.move(x).reversible and obs.value(me, x) > 0
        )
        move = sc.move(mid)
        if renege_pays(
            cost,
            at_stake,
            discount=sc.party(me).discount,
            detection=move.verification,
            periods=obs.periods_left,
            lag=move.reversal_lag,
        ):
            out.add(mid)
    return frozenset(out)


ANSWERED: frozenset[str] = frozenset({"reverse", "detect"})
"""The kinds of trace entries a :class:`Tracker` reads (see ``Strategy.renege_triggers``)."""


class Tracker:
    """Reads the history for what the other parties took away since the last call.

    A defection is another party's move, valued above zero by the observer, that
    visibly left force (an open reversal, or a halt), or whose breach was detected.
    """

    def __init__(self) -> None:
        self.seen = 0

    def defections(self, obs: Observation) -> list[str]:
        out: list[str] = []
        history = obs.history
        n = len(history)
        if n == self.seen:
            return out
        me = obs.me
        for e in history[self.seen : n]:
            if e.party == me or e.kind not in ANSWERED:
                continue
            if e.kind == "reverse" and e.note == AFTER_BREACH:
                continue  # already counted when the breach was detected
            out.extend(m for m in sorted(e.moves) if obs.value(me, m) > EPS)
        self.seen = n
        return out

    def answers(self, obs: Observation, taken: list[str], *, all_of_them: bool = False) -> frozenset[str]:
        """Own moves to reverse in answer: one per move taken (the closest in the taker's eyes), or all.

        Committed moves are reversed only as far as the party's licences go (``obs.licences``),
        so that an answer is never a breach; moves not committed (or released by the other
        side's breach) are always free to reverse.
        """
        if not taken:
            return frozenset()
        candidates = [m for m in obs.reversible_in_force(obs.me)]
        candidates += sorted(m for m in obs.pending if obs.maker(m) == obs.me and m in obs.committed)
        free = [m for m in candidates if m not in obs.committed]
        bound = [m for m in candidates if m in obs.committed]
        if all_of_them:
            return frozenset(free) | frozenset(bound[: obs.licences])
        out: set[str] = set()
        licences = obs.licences
        for mid in taken:
            taker = obs.maker(mid)
            saved = abs(obs.value(taker, mid))
            pool = [
                m
                for m in candidates
                if m not in out and obs.value(taker, m) > EPS and (m in free or licences > 0)
            ]
            if not pool:
                break
            pick = min(pool, key=lambda m: (abs(obs.value(taker, m) - saved), m))
            out.add(pick)
            licences -= pick in bound
        return frozenset(out)
