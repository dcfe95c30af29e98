"""The scenario model: parties, moves, interactions, pressures, events, time.

Objects are frozen after validation (see :mod:`detente.model.load` to read a
file). Utilities follow docs/formats.md: the sum of a party's values over the moves
in force, plus interaction terms whose moves are all in force.

Examples
--------
>>> s = Scenario.model_validate({
...     "detente": 1, "id": "tiny", "title": "Tiny", "time": {"horizon": 4},
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "A gives", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "B gives", "value": {"A": 3, "B": [-2, -1, 0]},
...                "requires": ["a1"]}]})
>>> s.utility("A", ["a1", "b1"]), s.utility("B", ["a1", "b1"])
(2.0, 1.0)
>>> sorted(s.closure(["b1"]))
['a1', 'b1']
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from functools import cached_property
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .tabular import Table, Tabular
from .values import Number, Value, sample_triangular

__all__ = [
    "MAX_ITEMS",
    "MAX_PARTIES",
    "AnalysisSettings",
    "Event",
    "EventEffect",
    "Interaction",
    "Move",
    "Outcome",
    "OutcomeEvent",
    "Party",
    "Pressure",
    "Scenario",
    "TimeSettings",
]

PARTY_ID = r"^[A-Za-z][A-Za-z0-9_-]*$"
ITEM_ID = r"^[a-z0-9][a-z0-9-]*$"

MAX_PARTIES = 100
"""Most parties in one scenario."""
MAX_ITEMS = 10_000
"""Most moves (and most interactions, pressures or events) in one scenario. The analyses
that enumerate packages need far fewer; the cap keeps validation and every per-move table
bounded (see docs/security.md)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=False)


class TimeSettings(_Frozen):
    """How time is counted: a label for one period and the simulation horizon."""

    unit: str = "period"
    horizon: int = Field(default=24, gt=0, le=10_000)


class AnalysisSettings(_Frozen):
    """Scenario-wide analysis switches."""

    reverse_status_quo: bool = False
    """If true, reversible moves already in force may be left out of a package."""
    pressure_party: str | None = None
    """The party whose strategy the backtest varies as the row of its matrix (the party that
    applies pressure); default: the first party listed."""


class Party(_Frozen):
    """A negotiating party with its patience and its appetite for risk."""

    id: str = Field(pattern=PARTY_ID)
    name: str = ""
    discount: Number = Field(default=1.0, gt=0, le=1)
    exposure_limit: Number | None = Field(default=None, ge=0)
    reservation: Number | None = None
    description: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


class Move(_Frozen):
    """A concession or action one party can make, valued by every party."""

    id: str = Field(pattern=ITEM_ID)
    by: str
    title: str
    value: dict[str, Value] = Field(default_factory=dict)
    in_force: bool = False
    reversible: bool = False
    reversal_lag: int = Field(default=0, ge=0)
    duration: int = Field(default=0, ge=0)
    verification: Number = Field(default=1.0, ge=0, le=1)
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    source: str = ""
    rationale: str = ""

    def value_for(self, party: str) -> Value:
        return self.value.get(party, _ZERO)


_ZERO = Value(low=0.0, likely=0.0, high=0.0)


class Interaction(_Frozen):
    """Extra value when all the listed moves are in force together."""

    moves: tuple[str, ...] = Field(min_length=2)
    value: dict[str, Value]
    rationale: str = ""


class Pressure(_Frozen):
    """A per-period cost of delay, growing while active, stopped by named moves."""

    party: str
    per_period: Number
    growth: Number = 0.0
    stopped_by: tuple[str, ...] = ()
    description: str = ""
    source: str = ""


class EventEffect(_Frozen):
    """What an event does when it fires (see docs/simulate.md)."""

    trust: dict[str, Number] = Field(default_factory=dict)
    utility: dict[str, Number] = Field(default_factory=dict)
    pause: int = Field(default=0, ge=0)


class Event(_Frozen):
    """An exogenous shock with a chance per period."""

    id: str = Field(pattern=ITEM_ID)
    rate: Number = Field(ge=0, le=1)
    effect: EventEffect = Field(default_factory=EventEffect)
    description: str = ""
    source: str = ""


class OutcomeEvent(_Frozen):
    date: dt.date | str = Field(union_mode="left_to_right")  # a date, or text such as "2019-12"
    text: str
    source: str = ""
    verified: bool = True


class Outcome(_Frozen):
    """What happened afterwards. Documentation only: no analysis reads it."""

    summary: str
    timeline: tuple[OutcomeEvent, ...] = ()


class Scenario(Tabular, _Frozen):
    """A validated, immutable negotiation scenario (``to_frame()``: its moves, one row each)."""

    detente: Literal[1]
    id: str = Field(pattern=ITEM_ID)
    title: str
    as_of: dt.date | None = None
    description: str = ""
    notes: str = ""
    time: TimeSettings = Field(default_factory=TimeSettings)
    parties: tuple[Party, ...] = Field(min_length=1, max_length=MAX_PARTIES)
    moves: tuple[Move, ...] = Field(default=(), max_length=MAX_ITEMS)
    interactions: tuple[Interaction, ...] = Field(default=(), max_length=MAX_ITEMS)
    pressures: tuple[Pressure, ...] = Field(default=(), max_length=MAX_ITEMS)
    events: tuple[Event, ...] = Field(default=(), max_length=MAX_ITEMS)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    outcome: Outcome | None = None

    # ----- look-ups ------------------------------------------------------
    @cached_property
    def party_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.parties)

    @cached_property
    def move_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.moves)

    @cached_property
    def _moves_by_id(self) -> dict[str, Move]:
        return {m.id: m for m in self.moves}

    @cached_property
    def _parties_by_id(self) -> dict[str, Party]:
        return {p.id: p for p in self.parties}

    def move(self, move_id: str) -> Move:
        return self._moves_by_id[move_id]

    def party(self, party_id: str) -> Party:
        return self._parties_by_id[party_id]

    def moves_by(self, party_id: str) -> tuple[Move, ...]:
        return tuple(m for m in self.moves if m.by == party_id)

    @cached_property
    def status_quo(self) -> frozenset[str]:
        """The moves in force today."""
        return frozenset(m.id for m in self.moves if m.in_force)

    # ----- utilities -----------------------------------------------------
    def utility(
        self, party: str, moves: Iterable[str], point: Literal["low", "likely", "high"] = "likely"
    ) -> float:
        """Per-period utility of ``party`` when exactly ``moves`` are in force."""
        in_force = set(moves)
        terms = [getattr(self._moves_by_id[mid].value_for(party), point) for mid in in_force]
        terms.extend(
            getattr(inter.value[party], point)
            for inter in self.interactions
            if party in inter.value and all(m in in_force for m in inter.moves)
        )
        # fsum is exactly rounded, so the result does not depend on set order (hash seed)
        return math.fsum(terms)

    def utilities(self, moves: Iterable[str]) -> dict[str, float]:
        """Likely utility of every party for a set of moves in force."""
        ms = list(moves)
        return {p: self.utility(p, ms) for p in self.party_ids}

    def disagreement(self) -> dict[str, float]:
        """Each party's reservation value; by default its status-quo utility."""
        sq = self.status_quo
        return {
            p.id: (p.reservation if p.reservation is not None else self.utility(p.id, sq))
            for p in self.parties
        }

    # ----- constraints ---------------------------------------------------
    def closure(self, moves: Iterable[str]) -> frozenset[str]:
        """The moves plus every prerequisite they need, transitively."""
        out: set[str] = set()
        stack = list(moves)
        while stack:
            mid = stack.pop()
            if mid in out:
                continue
            out.add(mid)
            stack.extend(self._moves_by_id[mid].requires)
        return frozenset(out)

    def violations(self, moves: Iterable[str]) -> list[str]:
        """Why a set of moves cannot all be in force together (empty if it can)."""
        s = set(moves)
        out: list[str] = []
        pairs: set[tuple[str, str]] = set()
        for mid in sorted(s):
            m = self._moves_by_id[mid]
            out.extend(f"{mid} requires {r}" for r in m.requires if r not in s)
            for x in m.excludes:
                pair = (min(mid, x), max(mid, x))
                if x in s and pair not in pairs:
                    pairs.add(pair)
                    out.append(f"{pair[0]} excludes {pair[1]}")
        return out

    def is_feasible(self, moves: Iterable[str]) -> bool:
        return not self.violations(moves)

    # ----- display -------------------------------------------------------
    def _table(self) -> Table:
        """The moves: who makes them, their value to each party (low, likely, high), their traits."""
        ms = self.moves
        cols: dict[str, list[object]] = {"id": [m.id for m in ms], "by": [m.by for m in ms]}
        cols["title"] = [m.title for m in ms]
        for p in self.party_ids:
            for point in ("low", "likely", "high"):
                cols[f"{p}:{point}"] = [getattr(m.value_for(p), point) for m in ms]
        for key in ("in_force", "reversible", "reversal_lag", "duration", "verification"):
            cols[key] = [getattr(m, key) for m in ms]
        cols["requires"] = [", ".join(m.requires) for m in ms]
        cols["excludes"] = [", ".join(m.excludes) for m in ms]
        return Table(cols, f"{self.title} ({self.id}): {len(ms)} moves, parties {', '.join(self.party_ids)}")

    # ----- uncertainty ---------------------------------------------------
    @property
    def has_ranges(self) -> bool:
        """True if any value is a range rather than a number."""
        return any(v.is_range for m in self.moves for v in m.value.values()) or any(
            v.is_range for i in self.interactions for v in i.value.values()
        )

    def sampled(self, rng: np.random.Generator) -> Scenario:
        """A copy with every ranged value replaced by one triangular draw.

        Draws are made in a fixed order (moves in file order, then interactions; parties
        in file order), so the same generator state gives the same scenario.

        >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
        ...     "parties": [{"id": "A"}], "moves": [{"id": "m", "by": "A", "title": "m",
        ...     "value": {"A": [0, 1, 2]}}]})
        >>> v = s.sampled(np.random.default_rng(1)).move("m").value["A"]
        >>> v.is_range, 0 <= v.likely <= 2
        (False, True)
        """

        def draw(values: dict[str, Value]) -> dict[str, Value]:
            out = {}
            for pid in self.party_ids:
                if pid in values:
                    v = values[pid]
                    x = float(sample_triangular(np.array(v.low), np.array(v.likely), np.array(v.high), rng))
                    out[pid] = Value(low=x, likely=x, high=x)
            return out

        moves = tuple(m.model_copy(update={"value": draw(m.value)}) for m in self.moves)
        inters = tuple(i.model_copy(update={"value": draw(i.value)}) for i in self.interactions)
        return self.replace(moves=moves, interactions=inters)

    def replace(self, **changes: object) -> Scenario:
        """A copy with some fields changed (no re-validation; caches are fresh).

        Use this, not ``model_copy``, which would carry stale cached look-ups.
        """
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return type(self).model_construct(_fields_set=self.model_fields_set, **data)
