"""One valuation of a course of action: holding out, or a proposal accepted and carried out.

Every decision of a built-in strategy weighs the same two numbers, each a party's expected
discounted value now, in its own view (its perceived values, its trust):

- **holding out** (:func:`holding_out`): the board as it stands carries on with no new deal.
  Moves in force stay in force (those being reversed leave when their lag is over), moves
  agreed enter force when due, every pressure runs (and grows) while no move that stops it
  is in force, and expected event shocks come at their rates;
- **a proposal accepted** (:func:`accepted`): the same, plus the proposal's moves entering
  force when the rules say (sequence, durations, prerequisites), the pressures they stop
  stopped from then on, their interactions, and the partner's breach risk: each reversible
  move of another party counts for ``1 - (1 - trust) * (1 - verification)`` of its value.

:func:`worth` is the difference, the proposal's gain over holding out. The horizon is a
window the analyst looks through, not a deadline the parties know: values run on past it
(see :mod:`detente.analysis.discounting`), so the continuation of what stands in force at
the window's end is part of a run's payoff (:func:`continuation`). docs/valuation.md gives
the formula and a worked example.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.simulate.observation import Observation, Perception, Proposal
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A", "discount": 0.5}, {"id": "B", "discount": 0.5}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}, "duration": 1}],
...     "pressures": [{"party": "A", "per_period": -1, "stopped_by": ["b1"]}]})
>>> obs = Observation(0, 5, "A", ("B",), frozenset(), {}, {}, frozenset(), frozenset({"a1", "b1"}),
...     {"A": 1.0, "B": 1.0}, "open", True, (), Perception.exact("A", s))
>>> holding_out(obs)  # the pressure, -1 a period for ever at discount 0.5
-2.0
>>> accepted(obs, Proposal(frozenset({"a1"}), frozenset({"b1"})))  # a1 -1 for ever, b1 +2 from the next period
-1.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple, cast

from detente.analysis.discounting import pressure_value, stream
from detente.model.scenario import Scenario

from .observation import Observation, Proposal, interactions_of, likely_values

__all__ = [
    "Schedule",
    "accepted",
    "continuation",
    "holding_out",
    "no_deal",
    "schedule",
    "value",
    "worth",
    "worth_plain",
]

_INF = math.inf
_NO_MOVES: frozenset[tuple[str, int | None]] = frozenset()


class Schedule(NamedTuple):
    """When each move enters force and leaves it, in periods from now (missing: never).

    ``raw`` holds, for each move started but not in force, when it would enter if its
    prerequisites allowed (a move waiting for a prerequisite that no one will make never enters).
    """

    enter: dict[str, float]
    leave: dict[str, float]
    raw: dict[str, float] = {}  # noqa: RUF012 (a NamedTuple field's default; never changed in place)


def lookahead_of(discount: float, horizon: int) -> int | None:
    """How far ahead a party looks: for ever if it discounts, else the window's length."""
    return None if discount < 1.0 else horizon


def resolve(
    raw: Mapping[str, float],
    requires: Mapping[str, tuple[str, ...]],
    fixed: frozenset[str],
    known: Mapping[str, float] | None = None,
    only: Iterable[str] | None = None,
) -> dict[str, float]:
    """When each move of ``raw`` (or of ``only``) enters force: not before its own time, nor before its prerequisites.

    A move in ``fixed`` (in force) is in force now whatever became of its prerequisites; a move
    neither fixed nor in ``raw`` never enters. ``known`` holds entries already resolved. Moves
    that never enter are left out.

    >>> resolve({"b": 1.0, "c": 0.0}, {"b": ("a",), "c": ("b",), "a": ()}, frozenset({"a"}))
    {'b': 1.0, 'c': 1.0}
    """
    memo: dict[str, float] = dict(known) if known else {}

    def entry(m: str) -> float:
        at = memo.get(m)
        if at is None:
            if m in fixed:
                at = 0.0
            elif m not in raw:
                at = _INF
            else:
                memo[m] = _INF  # a cycle of prerequisites never enters
                at = raw[m]
                for r in requires.get(m, ()):
                    need = entry(r)
                    if need > at:
                        at = need
            memo[m] = at
        return at

    out = {}
    for m in raw if only is None else only:
        at = 0.0 if m in fixed else entry(m)
        if not math.isinf(at):
            out[m] = at
    return out


def schedule(
    scenario: Scenario,
    period: int,
    in_force: Iterable[str],
    pending: Mapping[str, int | None],
    reversing: Mapping[str, int],
    prop: Proposal | None = None,
    *,
    waiting: Mapping[str, frozenset[str]] | None = None,
    requires: Mapping[str, tuple[str, ...]] | None = None,
    durations: Mapping[str, int] | None = None,
) -> Schedule:
    """The course of the board from ``period`` on, with ``prop`` accepted now if given.

    A move pending with a date enters then; one waiting for the other side's moves (no date)
    enters its duration after the moves it waits for (``waiting``, the board's record) or, when
    they are not known (an observation), after the last dated one. A proposal's moves start now
    (``together``) or after the other group is in force (``asks-first``: the proposer's moves
    after the asked ones); moves already settled keep their course. No move enters before its
    prerequisites (:func:`resolve`).
    """
    now = in_force if isinstance(in_force, frozenset) else frozenset(in_force)
    if requires is None:
        requires = {m.id: m.requires for m in scenario.moves}
    if durations is None:
        durations = {m.id: m.duration for m in scenario.moves}
    leave: dict[str, float] = {m: float(max(0, at - period)) for m, at in reversing.items()}
    raw: dict[str, float] = dict.fromkeys(now, 0.0)
    dated = [max(0, at - period) for at in pending.values() if at is not None]
    last = float(max(dated, default=0))
    for mid, at in pending.items():
        if at is not None:
            raw[mid] = float(max(0, at - period))
    for mid, at in pending.items():
        if at is None:
            first = waiting.get(mid) if waiting is not None else None
            start = last if first is None else max((raw.get(m, _INF) for m in first), default=0.0)
            raw[mid] = start + durations[mid]
    if prop is not None:
        first, then = prop.moves, frozenset[str]()
        if prop.sequence == "asks-first":
            first, then = prop.asks, prop.gives
        elif prop.sequence == "gives-first":
            first, then = prop.gives, prop.asks
        for mid in first:
            if mid not in raw:
                raw[mid] = float(durations[mid])
        entered = resolve(raw, requires, now)
        done = max((entered.get(m, _INF) for m in first), default=0.0)
        for mid in then:
            if mid not in raw:
                raw[mid] = done + durations[mid]
    return Schedule(resolve(raw, requires, now), leave, raw)


def _running(stoppers: Iterable[str], course: Schedule) -> list[tuple[float, float]]:
    """The intervals of periods ahead in which no move of ``stoppers`` is in force."""
    covered = sorted(
        (course.enter[m], course.leave.get(m, _INF))
        for m in stoppers
        if m in course.enter and course.enter[m] < course.leave.get(m, _INF)
    )
    out, at = [], 0.0
    for a, b in covered:
        if a > at:
            out.append((at, a))
        at = max(at, b)
        if math.isinf(at):
            return out
    out.append((at, _INF))
    return out


def value(
    scenario: Scenario,
    party: str,
    values: Mapping[str, float],
    interactions: Sequence[tuple[tuple[str, ...], float]],
    course: Schedule,
    *,
    horizon: int,
    streaks: Sequence[int] = (),
    weights: Mapping[str, float] | None = None,
) -> float:
    """``party``'s discounted value now of ``course``: moves, interactions, pressures, expected shocks.

    ``values[move]`` are its per-period values; ``weights[move]`` (default 1) scales a move's
    value (the partner's breach risk); ``streaks[i]`` is how long the scenario's ``i``-th
    pressure has run in a row. Sums are exact (math.fsum), so equal courses value equally
    whatever the order of their sets.
    """
    d = scenario.party(party).discount
    ahead = lookahead_of(d, horizon)
    enter, leave = course.enter, course.leave
    terms = []
    for mid, at in enter.items():
        v = values[mid]
        if v == 0.0:
            continue
        if weights is not None:
            v *= weights.get(mid, 1.0)
        terms.append(v * (stream(d, at, lookahead=ahead) - stream(d, leave.get(mid, _INF), lookahead=ahead)))
    for together, v in interactions:
        if all(m in enter for m in together):
            a = max(enter[m] for m in together)
            b = min(leave.get(m, _INF) for m in together)
            if a < b:
                terms.append(v * (stream(d, a, lookahead=ahead) - stream(d, b, lookahead=ahead)))
    for i, pr in enumerate(scenario.pressures):
        if pr.party != party:
            continue
        streak = streaks[i] if i < len(streaks) else 0
        terms.append(
            pressure_value(
                pr.per_period,
                pr.growth,
                _running(pr.stopped_by, course),
                streak=streak,
                discount=d,
                lookahead=ahead,
            )
        )
    shock = math.fsum(ev.rate * ev.effect.utility.get(party, 0.0) for ev in scenario.events)
    if shock:
        terms.append(shock * stream(d, 0, lookahead=ahead))
    return math.fsum(terms)


def _course(obs: Observation, prop: Proposal | None) -> Schedule:
    durations = obs.view._remember(("durations",), lambda: {m.id: m.duration for m in obs.scenario.moves})
    return schedule(
        obs.scenario,
        obs.period,
        obs.in_force,
        obs.pending,
        obs.reversing,
        prop,
        requires=obs.view.structure.requires,
        durations=durations,
    )


def holding_out(obs: Observation, party: str | None = None) -> float:
    """``party``'s value (default: the observer's) of the board carrying on with no new deal, as the observer sees it.

    >>> # see the module docstring
    """
    who = obs.me if party is None else party
    return value(
        obs.scenario,
        who,
        obs.view.values[who],
        obs.view.interactions_of.get(who, ()),
        _course(obs, None),
        horizon=obs.horizon,
        streaks=obs.streaks,
    )


def breach_weights(obs: Observation, prop: Proposal, party: str) -> dict[str, float]:
    """The share of its value ``party`` counts on for each reversible move of the others in ``prop``."""
    trust = obs.trust.get(party, 1.0)
    out = {}
    for mid in prop.moves:
        if obs.maker(mid) != party:
            move = obs.scenario.move(mid)
            if move.reversible:
                out[mid] = 1.0 - (1.0 - trust) * (1.0 - move.verification)
    return out


def accepted(obs: Observation, prop: Proposal, party: str | None = None) -> float:
    """``party``'s value (default: the observer's) of ``prop`` accepted now and carried out, as the observer sees it."""
    who = obs.me if party is None else party
    by = prop.by or obs.me
    if not prop.by:
        prop = Proposal(prop.gives, prop.asks, prop.sequence, prop.note, by)
    return value(
        obs.scenario,
        who,
        obs.view.values[who],
        obs.view.interactions_of.get(who, ()),
        _course(obs, prop),
        horizon=obs.horizon,
        streaks=obs.streaks,
        weights=breach_weights(obs, prop, who),
    )


def worth_plain(obs: Observation, prop: Proposal, party: str | None = None) -> float:
    """:func:`worth` by its definition, ``accepted - holding_out`` (the tests compare the two)."""
    return accepted(obs, prop, party) - holding_out(obs, party)


def worth(obs: Observation, prop: Proposal, party: str | None = None) -> float:
    """``prop``'s gain over holding out to ``party`` (default: the observer), as the observer sees it.

    ``accepted(obs, prop, party) - holding_out(obs, party)``, computed from what the proposal
    changes only: its moves' values, and the interactions and pressures they touch.

    >>> # see the module docstring: -1.0 - (-2.0) = 1.0
    """
    who = obs.me if party is None else party
    state = obs.__dict__.get("_state_key")
    key = ("worth", who, prop.gives, prop.asks, prop.sequence, _state_key(obs) if state is None else state)
    # = view._remember(key, ...), with the look-up inlined: decisions ask it very often
    parts = cast("_Parts | None", obs.view._searches.get(key))
    if parts is None:
        parts = obs.view._remember(key, _decomposed, obs, prop, who)
    fixed, doubtful, per_streak = parts
    total = fixed + (1.0 - obs.trust.get(who, 1.0)) * doubtful
    for i, k in per_streak:
        if i < len(obs.streaks):
            total += obs.streaks[i] * k
    return total


_Parts = tuple[float, float, tuple[tuple[int, float], ...]]


def relative_state(
    in_force: frozenset[str],
    pending: Mapping[str, int | None],
    reversing: Mapping[str, int],
    period: int,
    horizon: int,
) -> tuple[object, ...]:
    """What the course of the board depends on, relative to ``period``: the key valuations are kept under."""
    if not pending and not reversing:
        return (in_force, _NO_MOVES, _NO_MOVES, horizon)
    rel_pending = frozenset((m, None if at is None else max(0, at - period)) for m, at in pending.items())
    rel_reversing = frozenset((m, max(0, at - period)) for m, at in reversing.items())
    return (in_force, rel_pending, rel_reversing, horizon)


def _state_key(obs: Observation) -> tuple[object, ...]:
    """:func:`relative_state` of the observation (the observer fills it in; computed here otherwise)."""
    cached = obs.__dict__.get("_state_key")
    if cached is None:
        cell = obs.__dict__.get("_state_cell")  # the observer's, shared by the period's observations
        if cell is not None and cell[3] is not None:
            cached = cell[3]
        else:
            cached = relative_state(obs.in_force, obs.pending, obs.reversing, obs.period, obs.horizon)
            if cell is not None:
                cell[3] = cached
        obs.__dict__["_state_key"] = cached
    return cached


def _decomposed(
    obs: Observation, prop: Proposal, who: str
) -> tuple[float, float, tuple[tuple[int, float], ...]]:
    """:func:`worth` as ``fixed + (1 - trust) * doubtful + sum_i streak_i * per_streak_i``.

    Worth is linear in the observer's doubt (the breach risk of the others' reversible moves)
    and in each pressure's streak (its cost grows linearly), so the parts that do not change
    from period to period are computed once per state of the board.
    """
    view = obs.view
    d, ahead, inters, pressures, miss = view._remember(("worth", who, obs.horizon), _constants, obs, who)
    base = _base_course(obs)
    new = _entries(obs, prop)
    if not new:
        return 0.0, 0.0, ()
    values, moves = view.values[who], prop.moves
    fixed, doubtful = [], []
    for mid, at in new.items():
        v = values[mid]
        if v != 0.0:
            x = v * stream(d, at, lookahead=ahead)
            fixed.append(x)
            if mid in miss and mid in moves:  # the breach risk of the others' new moves
                doubtful.append(-x * miss[mid])
    per_streak = []
    if inters or pressures:
        both = Schedule({**base.enter, **new}, base.leave)
        for together, v in inters:
            if any(m in new for m in together):
                fixed.append(_overlap(v, together, both, d, ahead) - _overlap(v, together, base, d, ahead))
        for i, per, growth, stoppers in pressures:
            if stoppers.isdisjoint(new):
                continue
            k = 0.0
            for course, sign in ((both, 1.0), (base, -1.0)):
                running = _running(stoppers, course)
                fixed.append(
                    sign * pressure_value(per, growth, running, streak=0, discount=d, lookahead=ahead)
                )
                if running and running[0][0] == 0:  # the streak so far counts in a run that goes on now
                    b = running[0][1]
                    k -= sign * growth * (stream(d, 0, lookahead=ahead) - stream(d, b, lookahead=ahead))
            per_streak.append((i, k))
    return math.fsum(fixed), math.fsum(doubtful), tuple(per_streak)


def _constants(
    obs: Observation, who: str
) -> tuple[
    float,
    int | None,
    tuple[tuple[tuple[str, ...], float], ...],
    tuple[tuple[int, float, float, frozenset[str]], ...],
    dict[str, float],
]:
    """What :func:`worth` reads of ``who`` on the observer's view: discount, lookahead, interactions,
    pressures, and ``1 - verification`` of each reversible move of the others (its breach risk)."""
    view = obs.view
    sc = view.scenario
    d = sc.party(who).discount
    pressures = tuple(
        (i, pr.per_period, pr.growth, frozenset(pr.stopped_by))
        for i, pr in enumerate(sc.pressures)
        if pr.party == who
    )
    miss = {m.id: 1.0 - m.verification for m in sc.moves if m.by != who and m.reversible}
    return d, lookahead_of(d, obs.horizon), view.interactions_of.get(who, ()), pressures, miss


def _overlap(v: float, together: tuple[str, ...], course: Schedule, d: float, ahead: int | None) -> float:
    """An interaction's value over the periods in which all its moves are in force."""
    enter, leave = course.enter, course.leave
    a, b = 0.0, _INF  # the latest entry and the earliest exit of its moves
    for m in together:
        at = enter.get(m)
        if at is None:
            return 0.0
        a, b = max(a, at), min(b, leave.get(m, _INF))
    return v * (stream(d, a, lookahead=ahead) - stream(d, b, lookahead=ahead)) if a < b else 0.0


def _timing(obs: Observation) -> dict[str, tuple[int, float]]:
    """``{move: (duration, verification)}`` of the observer's scenario, kept on its view."""
    return obs.view._remember(
        ("timing",), lambda: {m.id: (m.duration, m.verification) for m in obs.scenario.moves}
    )


def _base_course(obs: Observation) -> Schedule:
    """The course of the board with no new deal: remembered on the structure per state of the board
    (relative to now), shared by every party and every replicate; kept on the observation too."""
    cached = obs.__dict__.get("_course")
    if cached is None:
        key = ("course", _state_key(obs), _durations_key(obs))
        cached = obs.__dict__["_course"] = obs.view.structure.remember(key, _course, obs, None)
    return cached


def _durations_key(obs: Observation) -> tuple[int, ...]:
    """The moves' durations in file order (what a course depends on besides the structure)."""
    return obs.view._remember(("durations-key",), _durations_of, obs.scenario)


def _durations_of(scenario: Scenario) -> tuple[int, ...]:
    return tuple(m.duration for m in scenario.moves)


def _entries(obs: Observation, prop: Proposal) -> dict[str, float]:
    """When each move that ``prop`` brings into force would enter (periods from now).

    Remembered on the structure per state of the board and proposal (parties and replicates share it).
    """
    key = ("entries", _state_key(obs), _durations_key(obs), prop.gives, prop.asks, prop.sequence)
    return obs.view.structure.remember(key, _entries_of, obs, prop, _base_course(obs))


def _entries_of(obs: Observation, prop: Proposal, base: Schedule) -> dict[str, float]:
    """:func:`schedule`'s entries with ``prop`` that the course without it (``base``) lacks."""
    timing, requires = _timing(obs), obs.view.structure.requires
    first, then = prop.moves, frozenset[str]()
    if prop.sequence == "asks-first":
        first, then = prop.asks, prop.gives
    elif prop.sequence == "gives-first":
        first, then = prop.gives, prop.asks
    raw = dict(base.raw)
    for mid in first:
        if mid not in raw:
            raw[mid] = float(timing[mid][0])
    fixed, known = obs.in_force, base.enter
    if then:
        entered = resolve(raw, requires, fixed, known, only=first)
        done = max((entered.get(m, _INF) for m in first), default=0.0)
        for mid in then:
            if mid not in raw:
                raw[mid] = done + timing[mid][0]
    # only what the course without the proposal lacks: its moves, and settled moves it unblocks
    lacking = [m for m in raw if m not in known]
    return resolve(raw, requires, fixed, known, only=lacking)


def continuation(
    scenario: Scenario,
    likely: Mapping[str, Mapping[str, float]],
    interactions: Mapping[str, Sequence[tuple[tuple[str, ...], float]]],
    *,
    period: int,
    horizon: int,
    in_force: Iterable[str],
    pending: Mapping[str, int | None],
    reversing: Mapping[str, int],
    streaks: Sequence[int],
    waiting: Mapping[str, frozenset[str]] | None = None,
) -> dict[str, float]:
    """Each party's value, discounted to the start of the run, of the board at ``period`` carrying on.

    Used for a run's payoff: the window's discounted total plus this at the window's end.
    """
    course = schedule(scenario, period, in_force, pending, reversing, waiting=waiting)
    out = {}
    for p in scenario.party_ids:
        v = value(scenario, p, likely[p], interactions.get(p, ()), course, horizon=horizon, streaks=streaks)
        out[p] = scenario.party(p).discount ** period * v
    return out


def no_deal(scenario: Scenario) -> dict[str, float]:
    """Each party's value of no deal at the start: the status quo for ever, pressures running, likely values.

    The payoffs of runs are on the same scale, so ``payoff - no_deal`` is a party's gain from the talks.

    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "time": {"horizon": 4},
    ...     "parties": [{"id": "A", "discount": 0.5}, {"id": "B"}],
    ...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"A": 1, "B": 1}, "in_force": True}]})
    >>> no_deal(s)  # A: 1 for ever at 0.5; B does not discount: 4 periods ahead
    {'A': 2.0, 'B': 4.0}
    """
    return continuation(
        scenario,
        likely_values(scenario),
        interactions_of(scenario),
        period=0,
        horizon=scenario.time.horizon,
        in_force=scenario.status_quo,
        pending={},
        reversing={},
        streaks=(),
    )
