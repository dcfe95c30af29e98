"""The GMCR conflict implied by a scenario.

Each party with at least one option is a decision maker; its moves are its options;
a state is the set of moves in force. Moves that cannot change stay fixed as they are
in the status quo: irreversible moves already in force. Irreversible moves are
``take`` options (N -> Y only), reversible ones ``both``. A state is feasible when it
respects every ``requires`` and ``excludes`` of the scenario (fixed moves included).
Each decision maker's preference is its scenario utility of the moves in force
(likely values, interactions included), rounded to 9 decimals so that sums equal up to
floating-point noise are ties.

A scenario with more changeable moves than ``max_options`` (default
:data:`DEFAULT_SCENARIO_OPTIONS`) is cut down: moves are ranked by how much they
matter, the sum over parties of the absolute likely value, and taken greedily in
that order together with the changeable prerequisites they need, as long as the total
stays within the limit. Moves left out stay as in the status quo. ``options`` names
the moves explicitly instead (at most :data:`~detente.model.conflict.MAX_OPTIONS`).

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 3, "B": -1}, "reversible": True}]})
>>> sc = conflict_from_scenario(s)
>>> [(o.id, o.direction) for o in sc.conflict.options], sc.conflict.pattern(sc.conflict.status_quo)
([('a1', 'take'), ('b1', 'both')], 'NN')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detente.model.conflict import MAX_OPTIONS, Conflict, Option
from detente.model.errors import AnalysisError
from detente.model.scenario import Scenario

__all__ = ["DEFAULT_SCENARIO_OPTIONS", "ScenarioConflict", "conflict_from_scenario", "default_options"]

DEFAULT_SCENARIO_OPTIONS = 16
"""Default limit on options drawn from a scenario (2**16 = 65,536 states)."""


@dataclass(frozen=True, eq=False)
class ScenarioConflict:
    """A conflict built from a scenario, with what was chosen and what was held fixed."""

    conflict: Conflict
    scenario_id: str
    chosen: tuple[str, ...]
    fixed_in_force: tuple[str, ...]
    left_out: tuple[str, ...]
    reason: str

    def to_json(self) -> dict[str, object]:
        return {
            "scenario": self.scenario_id,
            "options_chosen": list(self.chosen),
            "fixed_in_force": list(self.fixed_in_force),
            "left_out": list(self.left_out),
            "choice": self.reason,
        }


def _changeable(s: Scenario) -> list[str]:
    return [m.id for m in s.moves if not (m.in_force and not m.reversible)]


def default_options(s: Scenario, max_options: int = DEFAULT_SCENARIO_OPTIONS) -> list[str]:
    """The moves that become options by default (see the module docstring), in file order.

    >>> from detente.model.scenario import Scenario
    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "parties": [{"id": "A"}],
    ...     "moves": [{"id": f"m{k}", "by": "A", "title": "m", "value": {"A": k}} for k in range(4)]})
    >>> default_options(s, 2)
    ['m2', 'm3']
    """
    changeable = _changeable(s)
    if len(changeable) <= max_options:
        return changeable
    weight = {m.id: sum(abs(m.value_for(p).likely) for p in s.party_ids) for m in s.moves}
    position = {mid: k for k, mid in enumerate(s.move_ids)}
    ranked = sorted(changeable, key=lambda mid: (-weight[mid], position[mid]))
    can_change = set(changeable)
    chosen: set[str] = set()
    for mid in ranked:
        need = {r for r in s.closure([mid]) if r in can_change and not s.move(r).in_force} | {mid}
        if len(chosen | need) <= max_options:
            chosen |= need
    return [mid for mid in s.move_ids if mid in chosen]


def conflict_from_scenario(
    s: Scenario, options: Sequence[str] | None = None, max_options: int = DEFAULT_SCENARIO_OPTIONS
) -> ScenarioConflict:
    """Build the GMCR conflict of a scenario (see the module docstring for every rule)."""
    if not 1 <= max_options <= MAX_OPTIONS:
        raise AnalysisError(f"max_options must be between 1 and {MAX_OPTIONS}, found {max_options}")
    changeable = _changeable(s)
    if options is None:
        chosen = default_options(s, max_options)
        reason = (
            "every move that can change"
            if len(chosen) == len(changeable)
            else f"{len(chosen)} of {len(changeable)} changeable moves, largest total |value| first "
            "with their prerequisites; the rest stay as in the status quo"
        )
    else:
        wanted = list(dict.fromkeys(options))
        unknown = [m for m in wanted if m not in s.move_ids]
        if unknown:
            raise AnalysisError(
                f"unknown move(s) in --options: {', '.join(unknown)}; "
                f"expected ids of {s.id}'s moves: {', '.join(s.move_ids)}"
            )
        stuck = [m for m in wanted if m not in changeable]
        if stuck:
            raise AnalysisError(
                f"move(s) {', '.join(stuck)} are in force and irreversible, so they cannot "
                "change; leave them out of --options"
            )
        if len(wanted) > MAX_OPTIONS:
            raise AnalysisError(
                f"{len(wanted)} options give 2**{len(wanted)} states; expected at most "
                f"{MAX_OPTIONS} options (choose fewer with --options)"
            )
        if not wanted:
            raise AnalysisError("options is empty; expected at least one move id")
        chosen = [m for m in s.move_ids if m in set(wanted)]
        reason = "chosen with --options; the other moves stay as in the status quo"
    if not chosen:
        raise AnalysisError(
            f"scenario {s.id} has no move that can change, so there is no conflict to analyse"
        )

    n = len(chosen)
    states = np.arange(1 << n, dtype=np.int64)
    bit = {mid: k for k, mid in enumerate(chosen)}

    def in_force(mid: str) -> np.ndarray:
        if mid in bit:
            return ((states >> bit[mid]) & 1).astype(bool)
        return np.full(1 << n, s.move(mid).in_force)

    feasible = np.ones(1 << n, dtype=bool)
    for m in s.moves:
        here = in_force(m.id)
        for r in m.requires:
            feasible &= ~here | in_force(r)
        for x in m.excludes:
            feasible &= ~(here & in_force(x))
    dms = [p for p in s.party_ids if any(s.move(mid).by == p for mid in chosen)]
    payoff = np.zeros((len(dms), 1 << n))
    for i, p in enumerate(dms):
        for m in s.moves:
            v = m.value_for(p).likely
            if v:
                payoff[i] += v * in_force(m.id)
        for inter in s.interactions:
            if p in inter.value:
                together = np.ones(1 << n, dtype=bool)
                for mid in inter.moves:
                    together &= in_force(mid)
                payoff[i] += inter.value[p].likely * together
    payoff = np.round(payoff, 9)
    opts = tuple(
        Option(mid, s.move(mid).by, "both" if s.move(mid).reversible else "take", s.move(mid).title)
        for mid in chosen
    )
    sq = sum(1 << k for k, mid in enumerate(chosen) if s.move(mid).in_force)
    names = tuple(s.party(p).label for p in dms)
    conflict = Conflict(
        s.id,
        s.title,
        tuple(dms),
        opts,
        feasible,
        payoff,
        sq,
        f"GMCR model derived from scenario {s.id}",
        "",
        names,
    )
    fixed = tuple(m.id for m in s.moves if m.in_force and m.id not in bit)
    left_out = tuple(mid for mid in changeable if mid not in bit)
    return ScenarioConflict(conflict, s.id, tuple(chosen), fixed, left_out, reason)
