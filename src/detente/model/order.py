"""The content order of moves: how every search breaks ties, whatever the moves are called.

Renaming parties or moves (the same file with other ids) must change no number of an
analysis, so no search may break a tie by comparing ids. Every tie between moves (and every
float sum over a set of moves, whose last bit can depend on the order of its terms) follows
:func:`content_order` instead: moves sorted by :func:`content_key`, then by their place in
the file. The key is made of what a move *is* (in force, reversibility, timing,
verification, its maker's patience and limits, the pressures it stops, its prerequisites
and exclusions as content), never of an id, and not of a party's place in the list of
parties either, so listing the parties in another order leaves it unchanged too.

The key leaves values out on purpose: the searches rank by values first (a cost, a gain, a
ratio) and come to this order only for what values leave tied; and a run's values are drawn
anew for each Monte Carlo replicate and seen differently by each party (misperception),
while the order is one for all of them (the replicates of a scenario share its
:class:`~detente.simulate.structure.Structure`). Two moves with equal keys are equal in
everything the simulator and the planner read of them except their values, and their place
in the file, which renaming keeps, decides between them.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a", "by": "A", "title": "a", "duration": 2},
...               {"id": "b", "by": "B", "title": "b", "reversible": True},
...               {"id": "c", "by": "A", "title": "c"}]})
>>> content_order(s)
('b', 'c', 'a')
>>> content_rank(s)
{'b': 0, 'c': 1, 'a': 2}
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .scenario import Move, Scenario

__all__ = ["content_key", "content_order", "content_rank"]

ContentKey = tuple[object, ...]


def _party_key(scenario: Scenario, pid: str) -> tuple[float, float, float, float]:
    """A party as content: its patience, exposure limit and reservation (no id, no place in the list)."""
    if pid not in scenario.party_ids:
        return (math.inf, math.inf, 0.0, 0.0)
    p = scenario.party(pid)
    limit = math.inf if p.exposure_limit is None else float(p.exposure_limit)
    has_reservation = 0.0 if p.reservation is None else 1.0
    return (-float(p.discount), limit, has_reservation, float(p.reservation or 0.0))


def _own_key(
    m: Move,
    maker: tuple[float, float, float, float],
    stops: dict[str, list[tuple[float, float, int]]],
    interactions: dict[str, list[int]],
) -> ContentKey:
    """What a move is by itself: in force, reversibility, timing, verification, maker, pressures it stops."""
    return (
        m.in_force,
        not m.reversible,  # reversible moves first: the cheaper risk
        m.duration,
        m.reversal_lag,
        -float(m.verification),  # better verified first
        maker,
        tuple(sorted(stops.get(m.id, ()))),
        tuple(sorted(interactions.get(m.id, ()))),
    )


def content_key(
    scenario: Scenario, closures: Mapping[str, frozenset[str]] | None = None
) -> dict[str, ContentKey]:
    """Each move's relabelling-invariant key, in file order (see the module docstring).

    Its own content (:func:`_own_key`), then its place among prerequisites as content: how
    many moves it needs in all (its closure), the own keys of the moves it requires and of
    those it excludes, how many moves require it, and whether its maker makes the moves it
    requires. ``closures`` (``{move: scenario.closure([move])}``) saves computing them again.
    """
    stops: dict[str, list[tuple[float, float, int]]] = {}
    for pr in scenario.pressures:
        for mid in set(pr.stopped_by):
            stops.setdefault(mid, []).append((float(pr.per_period), float(pr.growth), len(pr.stopped_by)))
    together: dict[str, list[int]] = {}
    for inter in scenario.interactions:
        for mid in set(inter.moves):
            together.setdefault(mid, []).append(len(inter.moves))
    makers = {p: _party_key(scenario, p) for p in {m.by for m in scenario.moves}}
    own = {m.id: _own_key(m, makers[m.by], stops, together) for m in scenario.moves}
    required_by: dict[str, int] = dict.fromkeys(own, 0)
    for m in scenario.moves:
        for r in set(m.requires):
            if r in required_by and r != m.id:
                required_by[r] += 1
    out: dict[str, ContentKey] = {}
    for m in scenario.moves:
        requires = [r for r in m.requires if r in own]
        excludes = [x for x in m.excludes if x in own]
        out[m.id] = (
            own[m.id],
            len(closures[m.id]) if closures is not None else len(scenario.closure([m.id])),
            tuple(sorted(own[r] for r in requires)),
            tuple(sorted(own[x] for x in excludes)),
            -required_by[m.id],
            sum(1 for r in requires if scenario.move(r).by == m.by),
        )
    return out


def content_order(
    scenario: Scenario, closures: Mapping[str, frozenset[str]] | None = None
) -> tuple[str, ...]:
    """The move ids sorted by :func:`content_key`, then by place in the file (never by id)."""
    keys = content_key(scenario, closures)
    position = {mid: i for i, mid in enumerate(scenario.move_ids)}
    return tuple(sorted(keys, key=lambda mid: (keys[mid], position[mid])))


def content_rank(scenario: Scenario) -> dict[str, int]:
    """``{move: its place in content_order}``: sort any set of moves by ``rank.__getitem__``."""
    return {mid: i for i, mid in enumerate(content_order(scenario))}
